//! Four-eyes approval: under a role's rule that asks for it, minting makes
//! a request instead of a link; someone else holding
//! `impersonation:approve` approves or rejects it; the requester then turns
//! an approval into its one link within the tenant's approval window.

use super::policy::Allowance;
use crate::authz::{Permission, Principal};
use crate::domain::impersonation::{LinkRequest, MODE_FULL, MODE_READ_ONLY};
use crate::domain::{Application, User};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_sortable_id;
use crate::services::Services;
use crate::store::impersonation_requests::ImpersonationRequest;
use crate::store::AuditContext;

/// How long a request waits for a decision before it lapses.
pub const REQUEST_PENDING_SECS: i64 = 24 * 3600;

/// Records a request for `link`, as the rule of `allowance`'s role asks.
#[allow(clippy::too_many_arguments)]
pub(super) async fn request(
    svc: &Services,
    ctx: &AuditContext,
    actor: &User,
    target: &User,
    app: &Application,
    link: &LinkRequest,
    read_only: bool,
    allowance: &Allowance,
    now: i64,
) -> CoreResult<String> {
    let link = LinkRequest {
        read_only,
        request_id: String::new(),
        ..link.clone()
    };
    let r = ImpersonationRequest {
        id: new_sortable_id("req", now),
        actor_id: actor.id.clone(),
        actor_email: actor.email.clone(),
        target_id: target.id.clone(),
        target_email: target.email.clone(),
        client_id: app.client_id.clone(),
        role_id: allowance.role_id.clone().unwrap_or_default(),
        link: serde_json::to_string(&link).map_err(|e| CoreError::Internal(e.to_string()))?,
        mode: if read_only { MODE_READ_ONLY } else { MODE_FULL }.into(),
        status: "pending".into(),
        created_at: now,
        decided_at: 0,
        decided_by: None,
        decision_note: String::new(),
        approved_until: 0,
        used_at: 0,
    };
    svc.store.insert_impersonation_request(ctx, &r, now).await?;
    Ok(r.id)
}

pub(super) fn not_usable() -> CoreError {
    CoreError::field(
        "request_id",
        "This approval cannot be used: it is not approved yet, was rejected, has expired, was used, \
         or is for someone else.",
    )
}

/// The link an approved request stands for, if `actor_id` may turn it into
/// one now (the policy is checked again by the caller).
pub(super) async fn approved_link(
    svc: &Services,
    id: &str,
    actor_id: &str,
    target_id: &str,
    now: i64,
) -> CoreResult<(String, LinkRequest)> {
    let r = match svc.store.get_impersonation_request(id).await {
        Ok(r) => r,
        Err(CoreError::NotFound(_)) => return Err(not_usable()),
        Err(e) => return Err(e),
    };
    if r.actor_id != actor_id || r.target_id != target_id || r.state(now) != "approved" {
        return Err(not_usable());
    }
    let link: LinkRequest = serde_json::from_str(&r.link).map_err(|_| not_usable())?;
    Ok((r.id, link))
}

/// Approves or rejects a pending request. The decider holds
/// `impersonation:approve` and is not the requester.
pub async fn decide(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    id: &str,
    approve: bool,
    note: &str,
    now: i64,
) -> CoreResult<ImpersonationRequest> {
    crate::authz::require(principal, Permission::ImpersonationApprove)?;
    if note.chars().count() > 500 || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(CoreError::field(
            "note",
            "The note is limited to 500 characters.",
        ));
    }
    let settings = super::settings::load(&svc.store).await?;
    let until = now + settings.approval_window_minutes * 60;
    svc.store
        .decide_impersonation_request(
            ctx,
            id,
            approve,
            note.trim(),
            until,
            now - REQUEST_PENDING_SECS,
            now,
        )
        .await
}

/// Requests waiting for a decision, for those who may decide them.
pub async fn pending(
    svc: &Services,
    principal: &Principal,
    now: i64,
) -> CoreResult<Vec<ImpersonationRequest>> {
    crate::authz::require(principal, Permission::ImpersonationApprove)?;
    svc.store
        .pending_impersonation_requests(now - REQUEST_PENDING_SECS)
        .await
}

/// How many wait, for the console's badge: zero for those who may not
/// decide them.
pub async fn pending_count(svc: &Services, principal: &Principal, now: i64) -> CoreResult<i64> {
    if crate::authz::require(principal, Permission::ImpersonationApprove).is_err() {
        return Ok(0);
    }
    svc.store
        .count_pending_impersonation_requests(now - REQUEST_PENDING_SECS)
        .await
}

/// The caller's own requests, newest first.
pub async fn mine(svc: &Services, principal: &Principal) -> CoreResult<Vec<ImpersonationRequest>> {
    crate::authz::require_somewhere(principal, Permission::ImpersonationCreate)?;
    let Principal::User { holdings, .. } = principal else {
        return Err(CoreError::Forbidden(
            "Only a person has requests of their own.".into(),
        ));
    };
    svc.store.impersonation_requests_of(&holdings.user_id).await
}

/// One request, for someone who may decide it or for its requester.
pub async fn get(
    svc: &Services,
    principal: &Principal,
    id: &str,
) -> CoreResult<ImpersonationRequest> {
    let may_decide = crate::authz::require(principal, Permission::ImpersonationApprove);
    // To someone who may not decide, an unknown request is refused like
    // anyone else's: they learn nothing about which ids exist.
    let r = match (svc.store.get_impersonation_request(id).await, may_decide) {
        (Ok(r), may_decide) => (r, may_decide),
        (Err(CoreError::NotFound(_)), Err(refused)) => return Err(refused),
        (Err(e), _) => return Err(e),
    };
    let (r, may_decide) = r;
    let own =
        matches!(principal, Principal::User { holdings, .. } if holdings.user_id == r.actor_id);
    match may_decide {
        Ok(()) => Ok(r),
        Err(_) if own => Ok(r),
        Err(e) => Err(e),
    }
}
