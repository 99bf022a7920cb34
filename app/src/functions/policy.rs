//! Who may impersonate whom, from the console: the settings and rules per
//! role, "Check access", protected users, four-eyes approval and step-up.
//! Each function checks permission through the core and maps its answer.

use leptos::prelude::*;

use crate::dto::{ApprovalRow, CheckAnswer, ImpersonationSettingsDto, PersonChoice, RuleOptions};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod map {
    use crate::dto::{ApprovalRow, ImpersonationSettingsDto, RoleRuleDto};
    use masquerade::domain::impersonation::{ImpersonationSettings, RoleRule, TargetRolesMode};
    use masquerade::store::impersonation_requests::ImpersonationRequest;

    pub fn settings_dto(s: ImpersonationSettings) -> ImpersonationSettingsDto {
        ImpersonationSettingsDto {
            ticket_example: s.ticket_example(),
            enabled: s.enabled,
            require_reason: s.require_reason,
            require_ticket: s.require_ticket,
            ticket_pattern: s.ticket_pattern,
            link_ttl_secs: s.link_ttl_secs,
            session_max_minutes: s.session_max_secs / 60,
            bind_links: s.bind_links,
            step_up: s.step_up,
            step_up_minutes: s.step_up_minutes,
            approval_window_minutes: s.approval_window_minutes,
            show_impersonator_names: s.show_impersonator_names,
            rules: s
                .rules
                .into_iter()
                .map(|r| RoleRuleDto {
                    role_id: r.role_id,
                    connections: r.connections,
                    target_roles: r.target_roles,
                    target_roles_mode: match r.target_roles_mode {
                        TargetRolesMode::Allow => "allow",
                        TargetRolesMode::Deny => "deny",
                    }
                    .into(),
                    applications: r.applications,
                    require_approval: r.require_approval,
                    read_only: r.read_only,
                })
                .collect(),
        }
    }

    pub fn settings(d: ImpersonationSettingsDto) -> ImpersonationSettings {
        ImpersonationSettings {
            enabled: d.enabled,
            require_reason: d.require_reason,
            require_ticket: d.require_ticket,
            ticket_pattern: d.ticket_pattern.trim().to_string(),
            link_ttl_secs: d.link_ttl_secs,
            session_max_secs: d.session_max_minutes.saturating_mul(60),
            bind_links: d.bind_links,
            step_up: d.step_up,
            step_up_minutes: d.step_up_minutes,
            approval_window_minutes: d.approval_window_minutes,
            show_impersonator_names: d.show_impersonator_names,
            rules: d
                .rules
                .into_iter()
                .map(|r| RoleRule {
                    role_id: r.role_id,
                    connections: r.connections,
                    target_roles: r.target_roles,
                    target_roles_mode: if r.target_roles_mode == "deny" {
                        TargetRolesMode::Deny
                    } else {
                        TargetRolesMode::Allow
                    },
                    applications: r.applications,
                    require_approval: r.require_approval,
                    read_only: r.read_only,
                })
                .collect(),
            role_names: Default::default(),
        }
    }

    /// Requests with names for their application, role and decider.
    pub async fn approval_rows(
        svc: &masquerade::Services,
        requests: Vec<ImpersonationRequest>,
        now: i64,
    ) -> masquerade::CoreResult<Vec<ApprovalRow>> {
        let apps = svc.store.list_applications().await?;
        let roles = svc.store.role_names().await?;
        let deciders: Vec<&str> = requests
            .iter()
            .filter_map(|r| r.decided_by.as_deref())
            .collect();
        let deciders = svc.store.get_users(&deciders).await?;
        Ok(requests
            .into_iter()
            .map(|r| {
                let link: masquerade::domain::impersonation::LinkRequest =
                    serde_json::from_str(&r.link).unwrap_or_default();
                ApprovalRow {
                    state: r.state(now).into(),
                    app_name: apps
                        .iter()
                        .find(|a| a.client_id == r.client_id)
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| r.client_id.clone()),
                    role_name: roles
                        .get(&r.role_id)
                        .map(|(n, _)| n.clone())
                        .unwrap_or_else(|| r.role_id.clone()),
                    decided_by_email: r
                        .decided_by
                        .as_ref()
                        .and_then(|id| deciders.iter().find(|u| &u.id == id))
                        .map(|u| u.email.clone())
                        .unwrap_or_default(),
                    reason: link.reason,
                    ticket: link.ticket,
                    id: r.id,
                    actor_id: r.actor_id,
                    actor_email: r.actor_email,
                    target_id: r.target_id,
                    target_email: r.target_email,
                    client_id: r.client_id,
                    mode: r.mode,
                    created_at: r.created_at,
                    decided_at: r.decided_at,
                    decision_note: r.decision_note,
                    approved_until: r.approved_until,
                }
            })
            .collect())
    }
}

#[server(endpoint = "impersonation_settings")]
pub async fn impersonation_settings() -> Result<ImpersonationSettingsDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsRead).await?;
    let s = masquerade::impersonation::settings::load(&admin.state.services.store)
        .await
        .map_err(fail)?;
    Ok(map::settings_dto(s))
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "save_impersonation_settings")]
pub async fn save_impersonation_settings(
    settings: ImpersonationSettingsDto,
) -> Result<ImpersonationSettingsDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsWrite).await?;
    let store = &admin.state.services.store;
    let settings = map::settings(settings);
    let saved = masquerade::impersonation::settings::save(
        store,
        &admin.audit,
        &settings,
        masquerade::unix_now(),
    )
    .await;
    // The form speaks minutes; so do its messages.
    if let Err(masquerade::CoreError::Validation(mut errs)) = saved {
        for e in &mut errs {
            if e.field == "session_max_secs" {
                e.field = "session_max_minutes".into();
                e.message = "Between 5 minutes and 12 hours (720 minutes).".into();
            }
        }
        return Err(fail(masquerade::CoreError::Validation(errs)));
    }
    saved.map_err(fail)?;
    let s = masquerade::impersonation::settings::load(store)
        .await
        .map_err(fail)?;
    Ok(map::settings_dto(s))
}

/// What the rules editor offers; needs `settings:read`.
#[server(endpoint = "rule_choices")]
pub async fn rule_choices() -> Result<RuleOptions, AppError> {
    use super::ctx::{fail, require};
    use crate::dto::Choice;
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsRead).await?;
    let store = &admin.state.services.store;
    let impersonating = store
        .role_catalog()
        .await
        .map_err(fail)?
        .impersonating_roles();
    let roles = store.list_roles("").await.map_err(fail)?;
    let choice = |id: String, name: String| Choice { id, name };
    Ok(RuleOptions {
        impersonating_roles: roles
            .iter()
            .filter(|r| impersonating.contains(&r.id))
            .map(|r| choice(r.id.clone(), r.name.clone()))
            .collect(),
        roles: roles.into_iter().map(|r| choice(r.id, r.name)).collect(),
        connections: store
            .list_connections()
            .await
            .map_err(fail)?
            .into_iter()
            .map(|c| choice(c.id, c.name))
            .collect(),
        applications: store
            .list_applications()
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|a| a.app_type != masquerade::domain::AppType::MachineToMachine)
            .map(|a| choice(a.client_id, a.name))
            .collect(),
        live_impersonations: store
            .live_impersonations(masquerade::unix_now())
            .await
            .map_err(fail)?
            .len(),
    })
}

/// Ends every live impersonation; returns how many. `confirm` is the
/// console's confirmation step, so that nothing ends everything by
/// accident.
#[server(endpoint = "revoke_all_impersonations")]
pub async fn revoke_all_impersonations(confirm: bool) -> Result<usize, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    // Permission first: the confirmation is nobody else's business.
    let c = require(Permission::ImpersonationRevoke).await?;
    if !confirm {
        return Err(fail(masquerade::CoreError::field(
            "confirm",
            "Confirm that every live impersonation should end.",
        )));
    }
    masquerade::impersonation::revoke_all(
        &c.state.services,
        &c.principal,
        &c.audit,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)
}

/// "Check access": can `impersonator` (a person by id or email; or, with
/// `role_id`, anyone holding just that role) sign in as `user` (id or
/// email) into `client_id`?
#[server(endpoint = "check_impersonation")]
pub async fn check_impersonation(
    #[server(default)] impersonator: String,
    #[server(default)] role_id: String,
    user: String,
    client_id: String,
) -> Result<CheckAnswer, AppError> {
    use super::ctx::{console, fail};
    use masquerade::impersonation::check::{check, CheckActor};
    let c = console().await?;
    let actor = if role_id.trim().is_empty() {
        CheckActor::User(impersonator)
    } else {
        CheckActor::Role(role_id)
    };
    let r = check(
        &c.state.services,
        &c.principal,
        &c.audit,
        &actor,
        &user,
        &client_id,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(CheckAnswer {
        allowed: r.allowed,
        code: r.code,
        sentence: r.sentence,
        decided_by: r.decided_by,
        applied: r.applied,
        needs_approval: r.needs_approval,
        read_only: r.read_only,
    })
}

/// The people who may sign in as users, for the dry run's picker.
#[server(endpoint = "impersonators")]
pub async fn impersonators() -> Result<Vec<PersonChoice>, AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    Ok(
        masquerade::impersonation::check::impersonators(&c.state.services, &c.principal)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|u| PersonChoice {
                id: u.id,
                email: u.email,
                name: u.name,
            })
            .collect(),
    )
}

/// Marks a user protected (nobody may sign in as them) or not.
#[server(endpoint = "set_user_protected")]
pub async fn set_user_protected(user_id: String, protected: bool) -> Result<(), AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    masquerade::impersonation::protect::set_protected(
        &c.state.services,
        &c.principal,
        &c.audit,
        &user_id,
        protected,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(())
}

/// How many requests wait for the caller's decision: the navigation's
/// badge (zero for those who may not decide).
#[server(endpoint = "approval_count")]
pub async fn approval_count() -> Result<i64, AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    masquerade::impersonation::approval::pending_count(
        &c.state.services,
        &c.principal,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)
}

#[server(endpoint = "pending_approvals")]
pub async fn pending_approvals() -> Result<Vec<ApprovalRow>, AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    let now = masquerade::unix_now();
    let svc = &c.state.services;
    let list = masquerade::impersonation::approval::pending(svc, &c.principal, now)
        .await
        .map_err(fail)?;
    map::approval_rows(svc, list, now).await.map_err(fail)
}

/// The caller's own requests, newest first.
#[server(endpoint = "my_requests")]
pub async fn my_requests() -> Result<Vec<ApprovalRow>, AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    let now = masquerade::unix_now();
    let svc = &c.state.services;
    let list = masquerade::impersonation::approval::mine(svc, &c.principal)
        .await
        .map_err(fail)?;
    map::approval_rows(svc, list, now).await.map_err(fail)
}

/// Approves or rejects someone else's request.
#[server(endpoint = "decide_request")]
pub async fn decide_request(
    id: String,
    approve: bool,
    #[server(default)] note: String,
) -> Result<ApprovalRow, AppError> {
    use super::ctx::{console, fail};
    let c = console().await?;
    let now = masquerade::unix_now();
    let svc = &c.state.services;
    let r = masquerade::impersonation::approval::decide(
        svc,
        &c.principal,
        &c.audit,
        &id,
        approve,
        &note,
        now,
    )
    .await
    .map_err(fail)?;
    map::approval_rows(svc, vec![r], now)
        .await
        .map_err(fail)?
        .pop()
        .ok_or_else(|| fail(AppError::NotFound("request".into())))
}

/// Step-up: the signed-in person enters their password again.
#[server(endpoint = "confirm_password")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    use super::ctx::{console, fail, session_token};
    let c = console().await?;
    let token = session_token().ok_or_else(|| fail(AppError::Unauthenticated))?;
    let svc = &c.state.services;
    masquerade::auth::step_up(
        &svc.store,
        &svc.config.throttle,
        &c.audit,
        &token,
        &c.session.email,
        &password,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)
}
