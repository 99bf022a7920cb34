//! Signed checkpoints and retention, run in the background by every
//! instance (the store makes each happen once). A checkpoint is a JWS by
//! the current ES256 signing key over the chain's head, `typ`
//! `audit-checkpoint+jwt`, verifiable with the published JWKS by anyone
//! who keeps a copy.

use serde::{Deserialize, Serialize};

use crate::error::CoreResult;
use crate::keys::Alg;
use crate::store::audit_checkpoints::Checkpoint;
use crate::Services;

/// A checkpoint after this many events, or after `EVERY_SECS` with any.
pub const EVERY_EVENTS: i64 = 10_000;
pub const EVERY_SECS: i64 = 600;
pub const TYP: &str = "audit-checkpoint+jwt";
/// Events removed per retention round, so one round stays short.
const PRUNE_BATCH: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointClaims {
    pub iss: String,
    pub seq: i64,
    pub hash: String,
    pub at: i64,
}

/// Signs and records a checkpoint when one is due; the new checkpoint.
pub async fn make_if_due(svc: &Services, now: i64) -> CoreResult<Option<Checkpoint>> {
    let Some((seq, hash)) = svc
        .store
        .audit_checkpoint_due(EVERY_EVENTS, EVERY_SECS, now)
        .await?
    else {
        return Ok(None);
    };
    let claims = CheckpointClaims {
        iss: svc.config.public_url.clone(),
        seq,
        hash: hash.clone(),
        at: now,
    };
    let token = svc.keys.sign(Alg::ES256, TYP, &claims)?;
    let c = Checkpoint {
        seq,
        hash,
        at: now,
        token,
    };
    Ok(svc.store.insert_audit_checkpoint(&c).await?.then_some(c))
}

/// Whether a checkpoint's signature is ours and says what its row says.
pub async fn signed_ok(svc: &Services, c: &Checkpoint, now: i64) -> bool {
    match svc
        .keys
        .verify::<CheckpointClaims>(&c.token, Some(TYP), now)
        .await
    {
        Ok(claims) => claims.seq == c.seq && claims.hash == c.hash && claims.at == c.at,
        Err(_) => false,
    }
}

/// Removes events older than `days` (a whole prefix of the chain, in
/// rounds); how many went.
pub async fn apply_retention(svc: &Services, days: i64, now: i64) -> CoreResult<i64> {
    let before = now - days * 86_400;
    let mut removed = 0;
    loop {
        let n = svc.store.prune_audit(before, PRUNE_BATCH, now).await?;
        removed += n;
        if n < PRUNE_BATCH {
            return Ok(removed);
        }
    }
}
