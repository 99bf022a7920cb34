//! The integrity check as the console and the REST API ask for it: whole,
//! or a part at a time so that a screen can show progress between parts.
//! Either way it needs `audit:read` and ends by recording `audit.verified`
//! with the answer.
//!
//! Between parts the caller holds a position: a JWS by the current ES256
//! key (`typ` `audit-verify-position+jwt`) saying how far this caller's run
//! has come. Only what the server signed continues a run, so a caller
//! cannot skip the events it has not had checked; and the position carries
//! no hash: where the chain must continue from is read again from the event
//! at that position.

use serde::{Deserialize, Serialize};

use crate::authz::{Permission, Principal};
use crate::error::{CoreError, CoreResult};
use crate::keys::Alg;
use crate::store::{AuditContext, ChainCheck, ChainPosition, ChainStep};
use crate::Services;

/// Events one part checks, at most: a part stays a short request.
pub const PART_EVENTS: i64 = 50_000;
pub const POSITION_TYP: &str = "audit-verify-position+jwt";
/// How long a position continues a run.
const POSITION_SECS: i64 = 3_600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PositionClaims {
    iss: String,
    /// Who runs the check: nobody else may continue it.
    sub: String,
    after_seq: i64,
    events: i64,
    iat: i64,
    exp: i64,
}

/// One part's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProgress {
    /// Intact so far: `events` of `total` checked; `position` continues.
    Continue {
        events: i64,
        total: i64,
        position: String,
    },
    /// The verdict (recorded as `audit.verified`).
    Finished(ChainCheck),
}

/// Walks the chain (`progress(done, total)` as it goes) and records that it
/// was checked, with the answer.
pub async fn verify(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    progress: impl FnMut(i64, i64),
    now: i64,
) -> CoreResult<ChainCheck> {
    crate::authz::require(principal, Permission::AuditRead)?;
    let check = svc.store.verify_audit_chain_with(progress).await?;
    record(svc, ctx, &check, now).await?;
    Ok(check)
}

/// Checks the next `limit` events (at most `PART_EVENTS`) of the run that
/// `position` continues, or of a new run without one. A position that is
/// not one this server gave this caller, or has expired, is refused.
pub async fn verify_part(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    position: Option<&str>,
    limit: i64,
    now: i64,
) -> CoreResult<VerifyProgress> {
    crate::authz::require(principal, Permission::AuditRead)?;
    let sub = principal.actor_id().unwrap_or_default();
    let from = match position.filter(|p| !p.is_empty()) {
        None => None,
        Some(token) => Some(read_position(svc, token, &sub, now).await?),
    };
    let checkpoints = svc.store.audit_checkpoint_hashes().await?;
    let step = svc
        .store
        .verify_audit_chain_part(&checkpoints, from, limit.clamp(1, PART_EVENTS), |_, _| {})
        .await?;
    match step {
        ChainStep::More { at, total } => {
            let claims = PositionClaims {
                iss: svc.config.public_url.clone(),
                sub,
                after_seq: at.after_seq,
                events: at.events,
                iat: now,
                exp: now + POSITION_SECS,
            };
            Ok(VerifyProgress::Continue {
                events: at.events,
                total: total.max(at.events),
                position: svc.keys.sign(Alg::ES256, POSITION_TYP, &claims)?,
            })
        }
        ChainStep::Done(check) => {
            record(svc, ctx, &check, now).await?;
            Ok(VerifyProgress::Finished(check))
        }
    }
}

async fn read_position(
    svc: &Services,
    token: &str,
    sub: &str,
    now: i64,
) -> CoreResult<ChainPosition> {
    let refused = || {
        CoreError::field(
            "position",
            "This check cannot be continued (it expired or is not yours). Start it again.",
        )
    };
    // A token is a few hundred bytes; anything far longer is not ours.
    if token.len() > 4_096 {
        return Err(refused());
    }
    let claims = svc
        .keys
        .verify::<PositionClaims>(token, Some(POSITION_TYP), now)
        .await
        .map_err(|_| refused())?;
    if claims.sub != sub || claims.iss != svc.config.public_url {
        return Err(refused());
    }
    Ok(ChainPosition {
        after_seq: claims.after_seq,
        events: claims.events,
    })
}

async fn record(
    svc: &Services,
    ctx: &AuditContext,
    check: &ChainCheck,
    now: i64,
) -> CoreResult<()> {
    let data = match check {
        ChainCheck::Intact { events, last_seq } => {
            serde_json::json!({"intact": true, "events": events, "last_seq": last_seq})
        }
        ChainCheck::BrokenAt { seq, what } => {
            serde_json::json!({"intact": false, "seq": seq, "what": what.as_str()})
        }
    };
    svc.store
        .append_event(ctx, "audit.verified", None, data, now)
        .await
}
