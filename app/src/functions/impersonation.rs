//! Sign in as User from the console: the dialog's choices, minting a link,
//! the history of a user, and the live impersonations with revocation.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::{ImpersonationChoices, ImpersonationLink, ImpersonationRow};
use crate::error::AppError;

/// What the dialog sends; the same fields as the REST API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkForm {
    pub client_id: String,
    pub reason: String,
    pub ticket: String,
    /// "" (query for a code, fragment for tokens), form_post or app_initiated.
    pub response_mode: String,
    pub response_type: String,
    pub scope: String,
    pub state: String,
    pub audience: String,
    pub callback_url: String,
    /// Read-only impersonation.
    #[serde(default)]
    pub read_only: bool,
    /// An approved request to turn into its link.
    #[serde(default)]
    pub request_id: String,
}

/// The signed-in console user as the impersonation policy sees them.
#[cfg(feature = "ssr")]
pub(crate) async fn actor(
    c: &super::ctx::Console,
) -> Result<masquerade::impersonation::Person, AppError> {
    use super::ctx::fail;
    let svc = &c.state.services;
    let me = svc.store.get_user(&c.session.user_id).await.map_err(fail)?;
    masquerade::impersonation::policy::person_of(svc, me)
        .await
        .map_err(fail)
}

#[server(endpoint = "impersonation_options")]
pub async fn impersonation_options(user_id: String) -> Result<ImpersonationChoices, AppError> {
    use super::ctx::{fail, require_somewhere};
    use crate::dto::ImpersonationApp;
    use masquerade::authz::Permission;
    // Sign in as User for some application; which ones, and whom, the
    // policy decides per application.
    let admin = require_somewhere(Permission::ImpersonationCreate).await?;
    let svc = &admin.state.services;
    let me = actor(&admin).await?;
    let target = svc.store.get_user(&user_id).await.map_err(fail)?;
    let target = masquerade::impersonation::policy::person_of(svc, target)
        .await
        .map_err(fail)?;
    let o = masquerade::impersonation::options::dialog_options(
        svc,
        &me,
        &target,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(ImpersonationChoices {
        refused: o.refused.map(|d| d.message()),
        apps: o
            .apps
            .into_iter()
            .map(|a| ImpersonationApp {
                app_initiated: a
                    .modes
                    .contains(&masquerade::domain::impersonation::DeliveryMode::AppInitiated),
                client_id: a.client_id,
                name: a.name,
                excluded: a.excluded.map(|d| d.message()),
                response_types: a.response_types,
                callback_urls: a.callback_urls,
                audiences: a
                    .audiences
                    .into_iter()
                    .map(|x| (x.identifier, x.name))
                    .collect(),
                needs_approval: a.needs_approval,
                read_only_only: a.read_only_only,
            })
            .collect(),
        require_reason: o.settings.require_reason,
        require_ticket: o.settings.require_ticket,
        ticket_example: o.settings.ticket_example(),
        step_up_needed: o
            .settings
            .step_up_due(Some(admin.session.reauth_at), masquerade::unix_now()),
        step_up_minutes: o.settings.step_up_minutes,
        approval_window_minutes: o.settings.approval_window_minutes,
        link_ttl_secs: o.settings.link_ttl_secs,
        suggested_state: masquerade::secrets::new_secret()[..22].to_string(),
    })
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "create_impersonation_link")]
pub async fn create_impersonation_link(
    user_id: String,
    form: LinkForm,
) -> Result<ImpersonationLink, AppError> {
    use super::ctx::{fail, require_somewhere};
    use masquerade::authz::Permission;
    use masquerade::domain::impersonation::LinkRequest;
    use masquerade::impersonation::{mint, MintOutcome};
    // The policy, run by `mint`, decides per application.
    let admin = require_somewhere(Permission::ImpersonationCreate).await?;
    let now = masquerade::unix_now();
    let req = LinkRequest {
        client_id: form.client_id,
        reason: form.reason,
        ticket: form.ticket,
        response_mode: form.response_mode,
        response_type: form.response_type,
        scope: form.scope,
        state: form.state,
        audience: form.audience,
        callback_url: form.callback_url,
        read_only: form.read_only,
        request_id: form.request_id,
    };
    let outcome = mint(
        &admin.state.services,
        &admin.audit,
        &admin.principal,
        None,
        &user_id,
        &req,
        Some(admin.session.reauth_at),
        now,
    )
    .await;
    match outcome {
        Ok(MintOutcome::Link(m)) => Ok(ImpersonationLink {
            expires_in: m.expires_at - now,
            url: m.url,
            expires_at: m.expires_at,
            impersonation_id: m.impersonation_id,
            request_id: None,
            approval_role: String::new(),
        }),
        Ok(MintOutcome::Requested {
            request_id,
            role_name,
        }) => Ok(ImpersonationLink {
            url: String::new(),
            expires_at: 0,
            expires_in: 0,
            impersonation_id: String::new(),
            request_id: Some(request_id),
            approval_role: role_name,
        }),
        Err(e) => Err(fail(impersonation_error(e))),
    }
}

/// How a refusal to mint reaches the console: the policy's sentence, or
/// the step-up prompt's cue.
#[cfg(feature = "ssr")]
pub(crate) fn impersonation_error(e: masquerade::impersonation::ImpersonationError) -> AppError {
    use masquerade::impersonation::ImpersonationError as E;
    match e {
        E::Denied(d) => AppError::Forbidden(d.message()),
        E::StepUpRequired { minutes } => AppError::StepUpRequired(minutes),
        E::Core(e) => e.into(),
    }
}

#[cfg(feature = "ssr")]
async fn rows(
    svc: &masquerade::Services,
    records: Vec<masquerade::domain::impersonation::Impersonation>,
) -> Result<Vec<ImpersonationRow>, AppError> {
    let apps = svc
        .store
        .list_applications()
        .await
        .map_err(super::ctx::fail)?;
    let now = masquerade::unix_now();
    Ok(records
        .into_iter()
        .map(|r| {
            let status = serde_json::to_value(r.status(now))
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            ImpersonationRow {
                app_name: apps
                    .iter()
                    .find(|a| a.client_id == r.client_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| r.client_id.clone()),
                id: r.id,
                actor_email: r.actor_email,
                target_id: r.target_id,
                target_email: r.target_email,
                client_id: r.client_id,
                reason: r.reason,
                ticket: r.ticket_ref,
                response_type: r.response_type,
                response_mode: r.response_mode,
                created_at: r.created_at,
                redeemed_at: r.redeemed_at,
                session_expires_at: r.session_expires_at,
                status,
                denied_reason: r.denied_reason,
                revoked_at: r.revoked_at,
            }
        })
        .collect())
}

#[server(endpoint = "impersonation_history")]
pub async fn impersonation_history(user_id: String) -> Result<Vec<ImpersonationRow>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ImpersonationRead).await?;
    let svc = &admin.state.services;
    let records = svc
        .store
        .impersonations_of_user(&user_id, 200)
        .await
        .map_err(fail)?;
    rows(svc, records).await
}

#[server(endpoint = "live_impersonations")]
pub async fn live_impersonations() -> Result<Vec<ImpersonationRow>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ImpersonationRead).await?;
    let svc = &admin.state.services;
    let records = svc
        .store
        .live_impersonations(masquerade::unix_now())
        .await
        .map_err(fail)?;
    rows(svc, records).await
}

#[server(endpoint = "revoke_impersonation")]
pub async fn revoke_impersonation(id: String) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ImpersonationRevoke).await?;
    let svc = &admin.state.services;
    let rec = svc.store.get_impersonation(&id).await.map_err(fail)?;
    svc.store
        .revoke_impersonation(&admin.audit, &id, rec.audit_data(), masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(())
}
