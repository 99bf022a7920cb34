//! Verifying the audit chain: every hash recomputed in order, the chain held
//! to its head and its checkpoints. It runs whole (the command line, REST)
//! or a part at a time from a position (the console, which shows progress
//! between parts); both walk the same steps, so they give the same verdict.
//!
//! A position is only where to continue: the hash the next event must follow
//! is read again from the event at that position, never taken from the
//! caller.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::audit::{AuditEvent, AUDIT_COLUMNS};
use super::Store;
use crate::error::{CoreError, CoreResult};

/// What is wrong where the chain breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainBreak {
    /// The event's content does not match its own hash.
    Edited,
    /// Sequence numbers skip: events were deleted from the middle.
    Missing,
    /// The event is intact but does not follow the one before it: moved,
    /// renumbered or put in from elsewhere.
    Reordered,
    /// The newest events are gone: the chain's head (or, once checkpoints
    /// exist, the last checkpoint) says more were written.
    Truncated,
}

impl ChainBreak {
    pub fn as_str(self) -> &'static str {
        match self {
            ChainBreak::Edited => "edited",
            ChainBreak::Missing => "missing",
            ChainBreak::Reordered => "reordered",
            ChainBreak::Truncated => "truncated",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            ChainBreak::Edited => "its content no longer matches its hash (edited)",
            ChainBreak::Missing => "events before it are missing (deleted)",
            ChainBreak::Reordered => {
                "it does not follow the event before it (reordered or replaced)"
            }
            ChainBreak::Truncated => {
                "the chain ends early: newer events were written and are gone (truncated)"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainCheck {
    Intact { events: i64, last_seq: i64 },
    BrokenAt { seq: i64, what: ChainBreak },
}

impl ChainCheck {
    /// What the console and `masquerade audit verify` print.
    pub fn sentence(&self) -> String {
        match self {
            ChainCheck::Intact { events, last_seq } => {
                format!("{events} events verified, chain intact up to seq {last_seq}.")
            }
            ChainCheck::BrokenAt { seq, what } => {
                format!("Chain broken at seq {seq}: {}.", what.explain())
            }
        }
    }
}

/// Rows read per round trip while verifying: memory stays bounded however
/// long the log is.
const VERIFY_BATCH: i64 = 2_000;

/// How far a verification has come: every event up to `after_seq` checked,
/// `events` of them in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPosition {
    pub after_seq: i64,
    pub events: i64,
}

/// What one part of a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainStep {
    /// Intact so far; continue from `at`. `total` is how many events the
    /// chain holds now.
    More { at: ChainPosition, total: i64 },
    /// The verdict, as the whole verification gives it.
    Done(ChainCheck),
}

/// Why `event` (expected at `expected_seq`, after `prev`) breaks the chain.
fn break_at(
    e: &AuditEvent,
    expected_seq: i64,
    prev: &str,
    checkpoints: &BTreeMap<i64, String>,
) -> Option<ChainCheck> {
    let broken = |what| Some(ChainCheck::BrokenAt { seq: e.seq, what });
    if e.seq != expected_seq {
        return Some(ChainCheck::BrokenAt {
            seq: expected_seq,
            what: ChainBreak::Missing,
        });
    }
    if e.computed_hash() != e.hash {
        return broken(ChainBreak::Edited);
    }
    if e.prev_hash != prev {
        return broken(ChainBreak::Reordered);
    }
    // A chain rebuilt from here on, every hash recomputed, still differs
    // from what was checkpointed.
    if checkpoints.get(&e.seq).is_some_and(|h| h != &e.hash) {
        return broken(ChainBreak::Edited);
    }
    None
}

impl Store {
    /// Recomputes every hash in order and reports the first event that does
    /// not match its content or its predecessor, or a chain that ends
    /// before its head says it should.
    pub async fn verify_audit_chain(&self) -> CoreResult<ChainCheck> {
        self.verify_audit_chain_with(|_, _| {}).await
    }

    /// As `verify_audit_chain`, telling `progress(done, total)` after each
    /// batch.
    pub async fn verify_audit_chain_with(
        &self,
        progress: impl FnMut(i64, i64),
    ) -> CoreResult<ChainCheck> {
        let checkpoints = self.audit_checkpoint_hashes().await?;
        self.verify_audit_chain_against(&checkpoints, progress)
            .await
    }

    /// The checkpoints recorded here, seq → hash.
    pub async fn audit_checkpoint_hashes(&self) -> CoreResult<BTreeMap<i64, String>> {
        Ok(self
            .audit_checkpoints()
            .await?
            .into_iter()
            .map(|c| (c.seq, c.hash))
            .collect())
    }

    /// As `verify_audit_chain_with`, holding the chain to `checkpoints`
    /// (seq → hash) as well: those recorded here and any kept elsewhere (a
    /// log stream's copy). An event that differs from its checkpoint is
    /// reported as edited; a checkpoint beyond the last event, as
    /// truncated, even when the head itself was rewound.
    pub async fn verify_audit_chain_against(
        &self,
        checkpoints: &BTreeMap<i64, String>,
        mut progress: impl FnMut(i64, i64),
    ) -> CoreResult<ChainCheck> {
        let mut from = None;
        loop {
            match self
                .verify_audit_chain_part(checkpoints, from, i64::MAX, &mut progress)
                .await?
            {
                ChainStep::Done(check) => return Ok(check),
                // Events were appended while it ran: walk those too.
                ChainStep::More { at, .. } => from = Some(at),
            }
        }
    }

    /// Checks up to `limit` events after `from` (or from where the chain
    /// starts), telling `progress(done, total)` after each batch. Once the
    /// walk reaches the head, the head and `checkpoints` are checked as the
    /// whole verification does.
    ///
    /// Refuses a position before where the chain now starts (retention
    /// removed events meanwhile): the caller starts again.
    pub async fn verify_audit_chain_part(
        &self,
        checkpoints: &BTreeMap<i64, String>,
        from: Option<ChainPosition>,
        limit: i64,
        mut progress: impl FnMut(i64, i64),
    ) -> CoreResult<ChainStep> {
        let head = self.audit_head().await?;
        let total = head.seq - head.pruned_seq;
        let (mut at, mut prev) = match from {
            None => (
                ChainPosition {
                    after_seq: head.pruned_seq,
                    events: 0,
                },
                head.pruned_hash.clone(),
            ),
            Some(p) if p.after_seq == head.pruned_seq => (p, head.pruned_hash.clone()),
            Some(p) if p.after_seq < head.pruned_seq => {
                return Err(CoreError::Conflict {
                    field: "position".into(),
                    message: "Old events were removed while the check ran. Start it again.".into(),
                })
            }
            Some(p) => match self.audit_event_at(p.after_seq).await? {
                // The event there was checked by the part before; it must
                // still be what was checked.
                Some(e) if e.computed_hash() == e.hash => (p, e.hash),
                Some(_) => {
                    return Ok(ChainStep::Done(ChainCheck::BrokenAt {
                        seq: p.after_seq,
                        what: ChainBreak::Edited,
                    }))
                }
                None => {
                    return Ok(ChainStep::Done(ChainCheck::BrokenAt {
                        seq: p.after_seq,
                        what: ChainBreak::Missing,
                    }))
                }
            },
        };
        // Events after the head read above are appended meanwhile: left for
        // the next part, so that none is taken for one the head does not know.
        let end = head.seq.min(at.after_seq.saturating_add(limit.max(1)));
        let mut expected_seq = at.after_seq + 1;
        let mut ran_out = false;
        while expected_seq <= end {
            let batch: Vec<AuditEvent> = sqlx::query_as(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2"
            ))
            .bind(expected_seq)
            .bind(VERIFY_BATCH.min(end - expected_seq + 1))
            .fetch_all(&mut *self.read().await?)
            .await?;
            if batch.is_empty() {
                ran_out = true;
                break;
            }
            for e in &batch {
                if let Some(broken) = break_at(e, expected_seq, &prev, checkpoints) {
                    return Ok(ChainStep::Done(broken));
                }
                prev.clone_from(&e.hash);
                expected_seq += 1;
                at.events += 1;
            }
            at.after_seq = expected_seq - 1;
            progress(at.events, total.max(at.events));
        }
        let last_seq = at.after_seq;
        if !ran_out && last_seq < head.seq {
            return Ok(ChainStep::More { at, total });
        }
        // Deleting the newest rows leaves an intact, shorter chain: the
        // head, moved in the same transaction as every append, says more.
        let checkpointed = checkpoints.keys().next_back().copied().unwrap_or(0);
        if head.seq != last_seq || head.last_hash != prev || checkpointed > last_seq {
            return Ok(ChainStep::Done(ChainCheck::BrokenAt {
                seq: last_seq + 1,
                what: ChainBreak::Truncated,
            }));
        }
        // Events beyond the head: appended since it was read (walk them
        // next), or left there by someone who rewound the head.
        if self.audit_event_at(last_seq + 1).await?.is_some() {
            let now = self.audit_head().await?;
            if now.seq > head.seq {
                return Ok(ChainStep::More {
                    at,
                    total: now.seq - now.pruned_seq,
                });
            }
            return Ok(ChainStep::Done(ChainCheck::BrokenAt {
                seq: last_seq + 1,
                what: ChainBreak::Truncated,
            }));
        }
        Ok(ChainStep::Done(ChainCheck::Intact {
            events: at.events,
            last_seq,
        }))
    }

    async fn audit_event_at(&self, seq: i64) -> CoreResult<Option<AuditEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE seq = $1"
        ))
        .bind(seq)
        .fetch_optional(&mut *self.read().await?)
        .await?)
    }
}
