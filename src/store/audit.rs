//! The tamper-evident audit log: each event carries the SHA-256 of its own
//! content and of the event before it, so an edited or deleted row breaks the
//! chain from that point on (`verify_chain`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::builder::{insert_rows, Param};
use super::{Store, Tx};
use crate::error::CoreResult;
use crate::secrets::new_sortable_id;

/// Who did something and from where; recorded with every event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditContext {
    pub actor_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
}

impl AuditContext {
    pub fn system() -> Self {
        AuditContext {
            actor_id: None,
            ip: String::new(),
            user_agent: "masquerade".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub event_type: String,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

fn event_hash(e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    // Length-prefix every field so that no two different events hash alike.
    for part in [
        e.seq.to_string().as_str(),
        &e.id,
        &e.at.to_string(),
        &e.event_type,
        e.actor_id.as_deref().unwrap_or(""),
        e.target_id.as_deref().unwrap_or(""),
        &e.ip,
        &e.user_agent,
        &e.data,
        &e.prev_hash,
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// An event waiting to be appended, in the transaction of the change it
/// describes.
pub(crate) struct Pending {
    pub actor_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub event_type: String,
    pub target_id: Option<String>,
    pub data: serde_json::Value,
    pub at: i64,
}

impl Pending {
    pub fn new(
        ctx: &AuditContext,
        event_type: &str,
        target_id: Option<&str>,
        data: serde_json::Value,
        now: i64,
    ) -> Pending {
        Pending {
            actor_id: ctx.actor_id.clone(),
            ip: ctx.ip.chars().take(64).collect(),
            user_agent: ctx.user_agent.chars().take(512).collect(),
            event_type: event_type.to_string(),
            target_id: target_id.map(String::from),
            data,
            at: now,
        }
    }
}

/// Appends one event inside the caller's transaction, so the event exists
/// exactly when the change it describes does.
pub async fn append(
    tx: &mut Tx,
    ctx: &AuditContext,
    event_type: &str,
    target_id: Option<&str>,
    data: serde_json::Value,
    now: i64,
) -> CoreResult<()> {
    append_all(
        tx,
        vec![Pending::new(ctx, event_type, target_id, data, now)],
    )
    .await
}

/// Appends events in order inside the caller's transaction: one UPDATE of
/// the head reserves their sequence numbers (and takes the row lock that
/// serialises appenders across instances), then multi-row INSERTs. The
/// trigger `audit_head_follows` moves the head's hash to the last event.
pub(crate) async fn append_all(tx: &mut Tx, events: Vec<Pending>) -> CoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (last, mut prev_hash): (i64, String) = sqlx::query_as(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, last_hash",
    )
    .bind(events.len() as i64)
    .fetch_one(&mut **tx)
    .await?;
    let first = last - events.len() as i64 + 1;
    let mut sealed = Vec::with_capacity(events.len());
    for (seq, p) in (first..).zip(events) {
        let mut e = AuditEvent {
            seq,
            id: new_sortable_id("evt", p.at),
            at: p.at,
            event_type: p.event_type,
            actor_id: p.actor_id,
            target_id: p.target_id,
            ip: p.ip,
            user_agent: p.user_agent,
            data: p.data.to_string(),
            prev_hash,
            hash: String::new(),
        };
        e.hash = event_hash(&e);
        prev_hash = e.hash.clone();
        sealed.push(e);
    }
    let mut values = Vec::with_capacity(sealed.len() * 11);
    for e in &sealed {
        values.extend([
            Param::from(e.seq),
            (&e.id).into(),
            e.at.into(),
            (&e.event_type).into(),
            (&e.actor_id).into(),
            (&e.target_id).into(),
            (&e.ip).into(),
            (&e.user_agent).into(),
            (&e.data).into(),
            (&e.prev_hash).into(),
            (&e.hash).into(),
        ]);
    }
    insert_rows(
        tx,
        "INSERT INTO audit_events (seq, id, at, event_type, actor_id, target_id, ip, user_agent, data, prev_hash, hash)",
        11,
        values,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChainCheck {
    Intact { events: i64 },
    BrokenAt { seq: i64 },
}

impl Store {
    pub async fn audit_for_target(
        &self,
        target_id: &str,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT seq, id, at, event_type, actor_id, target_id, ip, user_agent, data, prev_hash, hash \
             FROM audit_events WHERE target_id = $1 ORDER BY seq DESC LIMIT $2",
        )
        .bind(target_id)
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    pub async fn audit_recent(&self, limit: i64) -> CoreResult<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            "SELECT seq, id, at, event_type, actor_id, target_id, ip, user_agent, data, prev_hash, hash \
             FROM audit_events ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    /// Recomputes every hash in order and reports the first event that does
    /// not match its content or its predecessor.
    pub async fn verify_audit_chain(&self) -> CoreResult<ChainCheck> {
        let events: Vec<AuditEvent> = sqlx::query_as(
            "SELECT seq, id, at, event_type, actor_id, target_id, ip, user_agent, data, prev_hash, hash \
             FROM audit_events ORDER BY seq",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        let mut prev = String::new();
        for (expected_seq, e) in (1..).zip(events.iter()) {
            if e.seq != expected_seq || e.prev_hash != prev || event_hash(e) != e.hash {
                return Ok(ChainCheck::BrokenAt { seq: e.seq });
            }
            prev = e.hash.clone();
        }
        Ok(ChainCheck::Intact {
            events: events.len() as i64,
        })
    }
}
