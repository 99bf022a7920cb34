//! Sign in as User: minting single-use links, redeeming them, and the
//! app-initiated variant. The policy decision lives in `policy` and runs at
//! both ends.

pub mod mint;
pub mod options;
pub mod policy;
pub mod redeem;
pub mod settings;

pub use mint::{mint, Minted};
pub use policy::may_impersonate;

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

/// The impersonator and the user, read together (at minting and again at
/// redemption). Missing ones are denials, not errors.
async fn parties(
    svc: &crate::Services,
    actor_id: &str,
    target_id: &str,
) -> crate::CoreResult<Result<(User, User), Denial>> {
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
    Ok(match (actor, target) {
        (None, _) => Err(Denial::ActorNotFound),
        (_, None) => Err(Denial::TargetNotFound),
        (Some(a), Some(t)) => Ok((a, t)),
    })
}
