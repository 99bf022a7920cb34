//! "Check access": can this person impersonate that user into that
//! application? The same decision as minting, with every rule that applied
//! named and the one that decided, and nothing written but the
//! `impersonation.checked` event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{parties, policy, settings};
use crate::authz::{Permission, Principal};
use crate::domain::impersonation::Denial;
use crate::error::{CoreError, CoreResult};
use crate::services::Services;
use crate::store::AuditContext;

/// The answer of the dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub allowed: bool,
    /// "allowed", or the reason code of the refusal.
    pub code: String,
    /// One sentence: "Allowed …" or "Denied: …".
    pub sentence: String,
    /// The role whose rule decided, when a configured rule did.
    pub decided_by: Option<String>,
    /// Every rule that applied, in words.
    pub applied: Vec<String>,
    /// Terms of an allowed impersonation.
    pub needs_approval: bool,
    pub read_only: bool,
}

/// Whose impersonation the dry run asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckActor {
    /// A person, by id or email.
    User(String),
    /// Anyone holding just this role (the role screen asks this way).
    Role(String),
}

/// A user named by id, or by email when it holds an `@`.
async fn user_id_of(svc: &Services, named: &str, field: &str) -> CoreResult<Option<String>> {
    let named = named.trim();
    if named.is_empty() {
        return Err(CoreError::field(field, "Choose a user."));
    }
    if named.len() > crate::validate::MAX_EMAIL_LEN {
        return Ok(None);
    }
    if named.contains('@') {
        return Ok(svc.store.login_record(named).await?.map(|r| r.id));
    }
    Ok(Some(named.to_string()))
}

/// Runs the policy for `actor` impersonating `target` (id or email) into
/// `client_id`, as it stands now. Needs `impersonation:read`.
pub async fn check(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    actor: &CheckActor,
    target: &str,
    client_id: &str,
    now: i64,
) -> CoreResult<CheckResult> {
    crate::authz::require(principal, Permission::ImpersonationRead)?;
    let Some(target_id) = user_id_of(svc, target, "user_id").await? else {
        return Err(CoreError::field(
            "user_id",
            "There is no user with this email.",
        ));
    };
    let target_id = target_id.as_str();
    let actor_id = match actor {
        CheckActor::User(named) => match user_id_of(svc, named, "impersonator_id").await? {
            Some(id) => id,
            None => {
                return Err(CoreError::field(
                    "impersonator_id",
                    "There is no user with this email.",
                ))
            }
        },
        CheckActor::Role(_) => String::new(),
    };
    let actor_id = actor_id.as_str();
    if client_id.trim().is_empty() {
        return Err(CoreError::field("client_id", "Choose an application."));
    }
    let settings = settings::load(&svc.store).await?;
    let app = match svc.store.application_hot(client_id).await {
        Ok(a) => a,
        Err(CoreError::NotFound(_)) => {
            return Err(CoreError::field(
                "client_id",
                "There is no such application.",
            ))
        }
        Err(e) => return Err(e),
    };
    let parties = match actor {
        CheckActor::User(_) => parties(svc, actor_id, target_id).await?,
        CheckActor::Role(role_id) => role_holder(svc, role_id, target_id).await?,
    };
    let (result, applied) = match parties {
        Err(d) => (Err(d), Vec::new()),
        Ok((actor, target)) => (
            policy::may_impersonate(&actor, &target, &app, &settings, now),
            policy::applied_rules(&actor, &target, Some(&app), &settings),
        ),
    };
    let answer = match result {
        Ok(a) => {
            let mut terms = Vec::new();
            if a.approval {
                terms.push("after someone else approves");
            }
            if a.read_only {
                terms.push("read-only");
            }
            let via = a
                .role_name
                .as_ref()
                .map(|r| format!(" through the role '{r}'"))
                .unwrap_or_default();
            CheckResult {
                allowed: true,
                code: "allowed".into(),
                sentence: format!(
                    "Allowed{via}{}.",
                    if terms.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", terms.join(" and "))
                    }
                ),
                decided_by: a.role_name.clone(),
                applied,
                needs_approval: a.approval,
                read_only: a.read_only,
            }
        }
        Err(d) => denied(d, applied),
    };
    let mut data = json!({
        "impersonator_id": actor_id,
        "role_id": match actor { CheckActor::Role(r) => Some(r), CheckActor::User(_) => None },
        "user_id": target_id,
        "client_id": client_id,
        "allowed": answer.allowed,
        "code": answer.code,
    });
    if let Some(r) = &answer.decided_by {
        data["decided_by"] = json!(r);
    }
    svc.store
        .append_event(ctx, "impersonation.checked", Some(target_id), data, now)
        .await?;
    Ok(answer)
}

/// Someone holding only `role_id`, and the target: the role screen's
/// question ("can holders of this role …").
async fn role_holder(
    svc: &Services,
    role_id: &str,
    target_id: &str,
) -> CoreResult<Result<(policy::Person, policy::Person), Denial>> {
    let catalog = svc.store.role_catalog().await?;
    let holdings = catalog.holdings("", false, &[role_id.to_string()]);
    if holdings.roles.is_empty() {
        return Err(CoreError::NotFound("role"));
    }
    let target = match svc.store.get_user(target_id).await {
        Ok(u) => u,
        Err(CoreError::NotFound(_)) => return Ok(Err(Denial::TargetNotFound)),
        Err(e) => return Err(e),
    };
    let actor = policy::Person {
        user: crate::domain::User {
            id: String::new(),
            email: String::new(),
            name: format!("A holder of {}", holdings.roles[0].name),
            roles: vec![role_id.to_string()],
            ..Default::default()
        },
        holdings,
    };
    let target = policy::person_of(svc, target).await?;
    Ok(Ok((actor, target)))
}

fn denied(d: Denial, applied: Vec<String>) -> CheckResult {
    CheckResult {
        allowed: false,
        code: d.code().into(),
        sentence: format!("Denied: {}", d.message()),
        decided_by: d.role().map(|(_, name)| name.to_string()),
        applied,
        needs_approval: false,
        read_only: false,
    }
}

/// The people who may sign in as users at all (holders of a role giving
/// `impersonation:create`), for the dry run's picker; at most 200.
pub async fn impersonators(
    svc: &Services,
    principal: &Principal,
) -> CoreResult<Vec<crate::domain::User>> {
    crate::authz::require(principal, Permission::ImpersonationRead)?;
    let roles = svc.store.role_catalog().await?.impersonating_roles();
    svc.store.members_of_any(&roles, 200).await
}
