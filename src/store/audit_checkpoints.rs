//! Signed checkpoints of the audit chain, and retention: removing a whole
//! prefix of the chain while recording where it ended.

use serde::{Deserialize, Serialize};

use super::audit::{append, AuditContext};
use super::Store;
use crate::error::CoreResult;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: i64,
    /// A JWS over `{seq, hash, at}` by the signing key of that time.
    pub token: String,
}

/// Where the chain starts after retention: the last removed event.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainHead {
    pub seq: i64,
    pub last_hash: String,
    pub pruned_seq: i64,
    pub pruned_hash: String,
}

impl Store {
    pub async fn audit_head(&self) -> CoreResult<ChainHead> {
        Ok(sqlx::query_as(
            "SELECT seq, last_hash, pruned_seq, pruned_hash FROM audit_head WHERE id = 1",
        )
        .fetch_one(&mut *self.read().await?)
        .await?)
    }

    pub async fn audit_checkpoints(&self) -> CoreResult<Vec<Checkpoint>> {
        Ok(
            sqlx::query_as("SELECT seq, hash, at, token FROM audit_checkpoints ORDER BY seq")
                .fetch_all(&mut *self.read().await?)
                .await?,
        )
    }

    pub async fn last_audit_checkpoint(&self) -> CoreResult<Option<Checkpoint>> {
        Ok(sqlx::query_as(
            "SELECT seq, hash, at, token FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&mut *self.read().await?)
        .await?)
    }

    /// The head to checkpoint, when `every_events` events or `every_secs`
    /// seconds have passed since the last checkpoint and something was
    /// written since.
    pub async fn audit_checkpoint_due(
        &self,
        every_events: i64,
        every_secs: i64,
        now: i64,
    ) -> CoreResult<Option<(i64, String)>> {
        let head = self.audit_head().await?;
        if head.seq == 0 {
            return Ok(None);
        }
        let due = match self.last_audit_checkpoint().await? {
            None => true,
            Some(last) => {
                head.seq > last.seq
                    && (head.seq - last.seq >= every_events || now - last.at >= every_secs)
            }
        };
        Ok(due.then_some((head.seq, head.last_hash)))
    }

    /// Records a checkpoint; false when another instance recorded this one.
    pub async fn insert_audit_checkpoint(&self, c: &Checkpoint) -> CoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, at, token) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (seq) DO NOTHING",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.at)
        .bind(&c.token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Removes up to `max` of the oldest events written before `before`,
    /// records the last removed one as where the chain now starts, and
    /// writes an `audit.pruned` event; how many went. The head's row lock
    /// serialises this with appends and with other instances pruning.
    pub async fn prune_audit(&self, before: i64, max: i64, now: i64) -> CoreResult<i64> {
        let mut tx = self.begin().await?;
        let head: ChainHead = sqlx::query_as(
            "UPDATE audit_head SET pruned_seq = pruned_seq WHERE id = 1 \
             RETURNING seq, last_hash, pruned_seq, pruned_hash",
        )
        .fetch_one(&mut *tx)
        .await?;
        // The last event to go: old enough, and never the newest (the head
        // must keep an event to end on).
        let last: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, hash FROM audit_events WHERE seq > $1 AND seq < $2 AND at < $3 \
             AND seq <= $4 ORDER BY seq DESC LIMIT 1",
        )
        .bind(head.pruned_seq)
        .bind(head.seq)
        .bind(before)
        .bind(head.pruned_seq + max.max(1))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((upto, hash)) = last else {
            return Ok(0);
        };
        // Only an unbroken run of old events goes: a younger one in between
        // (clocks of several instances) ends the prefix before it.
        let (younger,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(seq) FROM audit_events WHERE seq > $1 AND seq <= $2 AND at >= $3",
        )
        .bind(head.pruned_seq)
        .bind(upto)
        .bind(before)
        .fetch_one(&mut *tx)
        .await?;
        let (upto, hash) = match younger {
            Some(y) if y <= head.pruned_seq + 1 => return Ok(0),
            Some(y) => {
                let (h,): (String,) =
                    sqlx::query_as("SELECT hash FROM audit_events WHERE seq = $1")
                        .bind(y - 1)
                        .fetch_one(&mut *tx)
                        .await?;
                (y - 1, h)
            }
            None => (upto, hash),
        };
        sqlx::query("UPDATE audit_prune_gate SET open = 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM audit_events WHERE seq > $1 AND seq <= $2")
            .bind(head.pruned_seq)
            .bind(upto)
            .execute(&mut *tx)
            .await?
            .rows_affected() as i64;
        sqlx::query("UPDATE audit_prune_gate SET open = 0 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE audit_head SET pruned_seq = $1, pruned_hash = $2 WHERE id = 1")
            .bind(upto)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            &AuditContext::system(),
            "audit.pruned",
            None,
            serde_json::json!({"removed": removed, "through_seq": upto, "through_hash": hash, "before": before}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(removed)
    }
}
