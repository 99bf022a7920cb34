//! Sign in as User: minting single-use links, redeeming them, and the
//! app-initiated variant. The policy decision lives in `policy` and runs at
//! both ends.

pub mod approval;
pub mod check;
pub mod mint;
pub mod options;
pub mod policy;
pub mod protect;
pub mod redeem;
pub mod settings;

pub use mint::{mint, MintOutcome, Minted};
pub use policy::{may_impersonate, Person};

use crate::domain::impersonation::Denial;
use crate::domain::User;
use crate::error::CoreError;

/// Path of the redemption endpoint; the ticket follows.
pub const REDEEM_PATH: &str = "/impersonate/";

/// Prefix of the opaque login_hint of app-initiated mode, so /authorize can
/// tell it from an email address.
pub const HINT_PREFIX: &str = "mqimp_";

/// How long an application has to come back with the login_hint.
pub const HINT_TTL_SECS: i64 = 120;

#[derive(Debug)]
pub enum ImpersonationError {
    /// The policy said no; the code goes to the caller and the audit log.
    Denied(Denial),
    /// The step-up setting asks for the password again before minting.
    StepUpRequired {
        minutes: i64,
    },
    Core(CoreError),
}

impl From<CoreError> for ImpersonationError {
    fn from(e: CoreError) -> Self {
        ImpersonationError::Core(e)
    }
}

impl From<Denial> for ImpersonationError {
    fn from(d: Denial) -> Self {
        ImpersonationError::Denied(d)
    }
}

/// Revokes an impersonation unless it already was: every grant it produced
/// stops working at once.
pub async fn end(
    svc: &crate::Services,
    ctx: &crate::store::AuditContext,
    id: &str,
    now: i64,
) -> crate::CoreResult<()> {
    let rec = svc.store.get_impersonation(id).await?;
    if rec.revoked_at > 0 {
        return Ok(());
    }
    match svc
        .store
        .revoke_impersonation(ctx, id, rec.audit_data(), now)
        .await
    {
        Ok(_) | Err(CoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Ends every live impersonation (the settings' "Revoke all", shown when
/// impersonation is switched off). Needs `impersonation:revoke`.
pub async fn revoke_all(
    svc: &crate::Services,
    principal: &crate::authz::Principal,
    ctx: &crate::store::AuditContext,
    now: i64,
) -> crate::CoreResult<usize> {
    crate::authz::require(principal, crate::authz::Permission::ImpersonationRevoke)?;
    svc.store
        .revoke_all_impersonations(ctx, "revoked_all", now)
        .await
}

/// The impersonator and the user, read together, with what each holds
/// (at minting and again at redemption). Their accounts and role
/// memberships are read fresh; what each role gives comes from the role
/// catalog (`store::holdings`). Missing ones are denials, not errors.
async fn parties(
    svc: &crate::Services,
    actor_id: &str,
    target_id: &str,
) -> crate::CoreResult<Result<(Person, Person), Denial>> {
    let mut users = svc.store.get_users(&[actor_id, target_id]).await?;
    let mut take = |id: &str| {
        users
            .iter()
            .position(|u| u.id == id)
            .map(|i| users.swap_remove(i))
    };
    // Impersonating oneself is refused by the policy, which needs both.
    let actor = take(actor_id);
    let target = if actor_id == target_id {
        actor.clone()
    } else {
        take(target_id)
    };
    let catalog = svc.store.role_catalog().await?;
    let person = |user: User| Person {
        holdings: catalog.holdings(&user.id, user.blocked, &user.roles),
        user,
    };
    Ok(match (actor, target) {
        (None, _) => Err(Denial::ActorNotFound),
        (_, None) => Err(Denial::TargetNotFound),
        (Some(a), Some(t)) => Ok((person(a), person(t))),
    })
}

/// The policy, over the people and the application as they are now and
/// the settings as they are now, for an impersonation minted earlier: at
/// redemption, when the app-initiated hint comes back, at the code exchange
/// and at each refresh. A rule changed in between denies here.
pub async fn recheck(
    svc: &crate::Services,
    rec: &crate::domain::impersonation::Impersonation,
    settings: &crate::domain::impersonation::ImpersonationSettings,
    now: i64,
) -> crate::CoreResult<Result<(Person, Person, crate::domain::Application), Denial>> {
    let (actor, target) = match parties(svc, &rec.actor_id, &rec.target_id).await? {
        Ok(p) => p,
        Err(d) => return Ok(Err(d)),
    };
    let app = match svc.store.application_hot(&rec.client_id).await {
        Ok(a) => a,
        Err(CoreError::NotFound(_)) => return Ok(Err(Denial::ApplicationNotFound)),
        Err(e) => return Err(e),
    };
    let decided = policy::may_impersonate(&actor, &target, &app, settings, now)
        .and_then(|a| policy::terms_met(&a, rec));
    Ok(decided.map(|_| (actor, target, app)))
}

/// Whether the impersonator behind a live impersonation still may sign in
/// to its application: checked by the token endpoint, /userinfo and
/// introspection, so that blocking the impersonator or taking their role
/// away ends what they started (on other instances within `HOT_TTL`).
pub async fn impersonator_still_may(
    svc: &crate::Services,
    rec: &crate::domain::impersonation::Impersonation,
) -> crate::CoreResult<bool> {
    Ok(svc.store.holdings(&rec.actor_id).await?.is_some_and(|h| {
        h.management_for_app(&rec.client_id)
            .contains(crate::authz::Permission::ImpersonationCreate)
    }))
}
