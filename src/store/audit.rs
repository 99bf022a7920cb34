//! The tamper-evident audit log: each event carries the SHA-256 of its own
//! content and of the event before it, so an edited or deleted row breaks the
//! chain from that point on (`audit_chain` verifies it).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::collections::{BTreeSet, HashMap};

use super::audit_fields::{derive, Derived};
use super::builder::{insert_rows, Param, Sql};
use super::{Store, Tx};
use crate::error::CoreResult;
use crate::secrets::new_sortable_id;

/// Who did something and from where; recorded with every event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditContext {
    pub actor_id: Option<String>,
    pub ip: String,
    pub user_agent: String,
    /// The Management API permissions the actor may hand to others, through
    /// a role or a client grant: those they hold themselves, so that nobody
    /// reaches a permission they lack by granting it. Empty unless the edge
    /// that built the context says otherwise; the system holds everything.
    #[serde(skip)]
    pub grantable: crate::authz::PermSet,
}

impl AuditContext {
    pub fn system() -> Self {
        AuditContext {
            actor_id: None,
            ip: String::new(),
            user_agent: "masquerade".into(),
            grantable: crate::authz::PermSet::all(),
        }
    }

    /// Refuses when `perms` holds a Management API permission the actor
    /// may not hand out, naming the first.
    pub fn may_grant(&self, perms: crate::authz::PermSet) -> crate::CoreResult<()> {
        match perms.iter().find(|p| !self.grantable.contains(*p)) {
            Some(p) => Err(crate::CoreError::NeedsPermission(p)),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
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
    /// 1: the fields above only (events from before the columns below);
    /// 2: every field.
    pub hash_v: i64,
    /// "user", "application" or "system".
    pub actor_type: String,
    /// Who acted and what was acted on, named as they were at the time.
    pub actor_name: String,
    pub target_type: String,
    pub target_name: String,
    pub client_id: String,
    pub client_name: String,
    pub impersonation_id: String,
    /// "success", "denied" or "failure".
    pub outcome: String,
    pub reason_code: String,
    pub reason: String,
    pub ticket: String,
}

/// Every column, in the order of `AuditEvent`.
pub const AUDIT_COLUMNS: &str =
    "seq, id, at, event_type, actor_id, target_id, ip, user_agent, data, \
     prev_hash, hash, hash_v, actor_type, actor_name, target_type, target_name, client_id, \
     client_name, impersonation_id, outcome, reason_code, reason, ticket";
const COLUMN_COUNT: usize = 23;

/// The hash version new events are written with.
const HASH_V: i64 = 2;

impl AuditEvent {
    /// The hash this event's content gives (what `hash` must be).
    pub fn computed_hash(&self) -> String {
        event_hash(self)
    }
}

fn event_hash(e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    let at = e.at.to_string();
    let mut parts = vec![
        seq.as_str(),
        &e.id,
        &at,
        &e.event_type,
        e.actor_id.as_deref().unwrap_or(""),
        e.target_id.as_deref().unwrap_or(""),
        &e.ip,
        &e.user_agent,
        &e.data,
        &e.prev_hash,
    ];
    // Any other version than 1 hashes everything: a row whose version was
    // lowered to hide an edited column fails as edited.
    if e.hash_v != 1 {
        parts.extend([
            "v2",
            &e.actor_type,
            &e.actor_name,
            &e.target_type,
            &e.target_name,
            &e.client_id,
            &e.client_name,
            &e.impersonation_id,
            &e.outcome,
            &e.reason_code,
            &e.reason,
            &e.ticket,
        ]);
    }
    // Length-prefix every field so that no two different events hash alike.
    for part in parts {
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
    let derived: Vec<Derived> = events
        .iter()
        .map(|p| {
            derive(
                p.actor_id.as_deref(),
                &p.event_type,
                p.target_id.as_deref(),
                &p.data,
            )
        })
        .collect();
    let names = Names::look_up(tx, &events, &derived).await?;
    let (last, mut prev_hash): (i64, String) = sqlx::query_as(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, last_hash",
    )
    .bind(events.len() as i64)
    .fetch_one(&mut **tx)
    .await?;
    let first = last - events.len() as i64 + 1;
    let mut sealed = Vec::with_capacity(events.len());
    for ((seq, p), d) in (first..).zip(events).zip(derived) {
        let mut e = AuditEvent {
            seq,
            id: new_sortable_id("evt", p.at),
            at: p.at,
            actor_name: names.of(p.actor_id.as_deref(), d.actor_type, d.actor_name),
            target_name: names.of(p.target_id.as_deref(), &d.target_type, d.target_name),
            client_name: names.client(&d.client_id),
            event_type: p.event_type,
            actor_id: p.actor_id,
            target_id: p.target_id,
            ip: p.ip,
            user_agent: p.user_agent,
            data: p.data.to_string(),
            prev_hash,
            hash: String::new(),
            hash_v: HASH_V,
            actor_type: d.actor_type.to_string(),
            target_type: d.target_type,
            client_id: d.client_id,
            impersonation_id: d.impersonation_id,
            outcome: d.outcome.to_string(),
            reason_code: d.reason_code,
            reason: d.reason,
            ticket: d.ticket,
        };
        e.hash = event_hash(&e);
        prev_hash = e.hash.clone();
        sealed.push(e);
    }
    let mut values = Vec::with_capacity(sealed.len() * COLUMN_COUNT);
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
            e.hash_v.into(),
            (&e.actor_type).into(),
            (&e.actor_name).into(),
            (&e.target_type).into(),
            (&e.target_name).into(),
            (&e.client_id).into(),
            (&e.client_name).into(),
            (&e.impersonation_id).into(),
            (&e.outcome).into(),
            (&e.reason_code).into(),
            (&e.reason).into(),
            (&e.ticket).into(),
        ]);
    }
    insert_rows(
        tx,
        &format!("INSERT INTO audit_events ({AUDIT_COLUMNS})"),
        COLUMN_COUNT,
        values,
    )
    .await?;
    Ok(())
}

/// An event for `Store::seed_audit_events`: benchmarks only.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone)]
pub struct SeedEvent {
    pub ctx: AuditContext,
    pub event_type: String,
    pub target_id: Option<String>,
    pub data: serde_json::Value,
    pub at: i64,
}

#[cfg(feature = "test-support")]
impl Store {
    /// Benchmarks only (bench_audit): appends `events`, in order, in one
    /// transaction through the ordinary write path (`append_all`: the same
    /// derived columns, recorded names and hash chain as every other event),
    /// without the changes they describe. Many events per transaction is
    /// what makes a million of them take a minute rather than hours.
    pub async fn seed_audit_events(&self, events: Vec<SeedEvent>) -> CoreResult<()> {
        let pending = events
            .into_iter()
            .map(|e| Pending::new(&e.ctx, &e.event_type, e.target_id.as_deref(), e.data, e.at))
            .collect();
        let mut tx = self.begin().await?;
        append_all(&mut tx, pending).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Users' emails and applications' names as they are in this transaction,
/// for the events about to be written.
#[derive(Default)]
struct Names {
    users: HashMap<String, String>,
    clients: HashMap<String, String>,
}

impl Names {
    async fn look_up(tx: &mut Tx, events: &[Pending], derived: &[Derived]) -> CoreResult<Names> {
        let mut user_ids = BTreeSet::new();
        let mut client_ids = BTreeSet::new();
        for (p, d) in events.iter().zip(derived) {
            for id in [p.actor_id.as_deref(), p.target_id.as_deref()]
                .into_iter()
                .flatten()
            {
                match id.strip_suffix("@clients") {
                    Some(client) => client_ids.insert(client.to_string()),
                    None if id.starts_with("usr_") => user_ids.insert(id.to_string()),
                    None => false,
                };
            }
            if !d.client_id.is_empty() {
                client_ids.insert(d.client_id.clone());
            }
        }
        let mut names = Names::default();
        if !user_ids.is_empty() {
            let mut q = Sql::new("SELECT id, email FROM users WHERE id IN (");
            q.bind_list(user_ids).push(")");
            let rows: Vec<(String, String)> = sqlx::query_as_with(&q.text, q.args)
                .fetch_all(&mut **tx)
                .await?;
            names.users.extend(rows);
        }
        if !client_ids.is_empty() {
            let mut q = Sql::new("SELECT client_id, name FROM applications WHERE client_id IN (");
            q.bind_list(client_ids).push(")");
            let rows: Vec<(String, String)> = sqlx::query_as_with(&q.text, q.args)
                .fetch_all(&mut **tx)
                .await?;
            names.clients.extend(rows);
        }
        Ok(names)
    }

    /// The name of `id` (of type `kind`): the store's, else what the
    /// event's details said, else the id itself.
    fn of(&self, id: Option<&str>, kind: &str, from_details: String) -> String {
        let Some(id) = id else {
            return if kind == "system" {
                "System".into()
            } else {
                String::new()
            };
        };
        let stored = match id.strip_suffix("@clients") {
            Some(client) => self.clients.get(client),
            None if kind == "application" => self.clients.get(id),
            None => self.users.get(id),
        };
        match stored {
            Some(n) => n.clone(),
            None if !from_details.is_empty() => from_details,
            None => id.to_string(),
        }
    }

    fn client(&self, client_id: &str) -> String {
        self.clients
            .get(client_id)
            .cloned()
            .unwrap_or_else(|| client_id.to_string())
    }
}

impl Store {
    /// Records an event that stands alone: something looked at or tried
    /// that changed nothing (a dry run, a refused attempt).
    pub async fn append_event(
        &self,
        ctx: &AuditContext,
        event_type: &str,
        target_id: Option<&str>,
        data: serde_json::Value,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        append(&mut tx, ctx, event_type, target_id, data, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn audit_for_target(
        &self,
        target_id: &str,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        Ok(sqlx::query_as(
            &format!("SELECT {AUDIT_COLUMNS} FROM audit_events WHERE target_id = $1 ORDER BY seq DESC LIMIT $2"),
        )
        .bind(target_id)
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    pub async fn audit_recent(&self, limit: i64) -> CoreResult<Vec<AuditEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events ORDER BY seq DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }
}
