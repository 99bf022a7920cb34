//! Group commit for the writes of the busiest path (Sign in as User links,
//! grants and codes).
//!
//! With SQLite every write transaction holds the one writer connection from
//! BEGIN to COMMIT, and each statement is a round trip to the connection's
//! thread. At 32 concurrent Sign in as User flows the writer was the
//! bottleneck while the machine stood 30% idle: each flow held it for about
//! 20 round trips. Here one task takes every write waiting and runs them in
//! one transaction of a fixed handful of statements, however many there
//! are: one UPDATE claims every link being redeemed, one multi-row INSERT
//! per table, one UPDATE records every issue of tokens, and the audit
//! events take one UPDATE of the chain head and one multi-row INSERT. It
//! commits once, then answers each requester.
//!
//! Each answer is what it would have been had every operation committed on
//! its own in arrival order: of two claims of the same link in one batch,
//! the first decides and the second finds it used. If any statement fails,
//! the batch is rolled back and each operation retried in a transaction of
//! its own, so one bad request never costs another its write.

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::audit::{append_all, AuditContext, Pending};
use super::builder::{with_rows, Param};
use super::oauth::{CodeRecord, Grant};
use super::pool::Pool;
use super::writer::{Inbox, Writer};
use crate::domain::impersonation::Impersonation;
use crate::error::{CoreError, CoreResult};

/// Operations per transaction.
const MAX_BATCH: usize = 64;

/// A write that can share a transaction. Owned, so that it can be retried.
pub(crate) enum Op {
    InsertImpersonation {
        ctx: AuditContext,
        rec: Box<Impersonation>,
        ticket_hash: String,
        audit: Value,
    },
    ClaimImpersonation {
        ctx: AuditContext,
        rec: Box<Impersonation>,
        session_expires_at: i64,
        hint: Option<(String, i64)>,
        audit: Value,
        now: i64,
    },
    RecordImpersonationTokens {
        ctx: AuditContext,
        rec: Box<Impersonation>,
        audit: Value,
        now: i64,
    },
    CreateGrant {
        grant: Box<Grant>,
        code: Option<(String, Box<CodeRecord>)>,
    },
}

/// Rows for one statement, run together when the batch commits.
struct Rows {
    /// Everything before `VALUES`: "INSERT INTO t (a, b)", or
    /// "UPDATE t SET ... FROM (".
    head: &'static str,
    /// Everything after the rows: "" or ") AS v WHERE ...".
    tail: &'static str,
    columns: usize,
    values: Vec<Param>,
}

/// What the operations of a batch leave to be written at commit: rows to
/// insert, rows that drive an UPDATE, audit events. Every operation's
/// answer is decided before commit (a claim by the one statement that
/// claims the whole batch's links), and none is given before commit, so
/// nothing can ask for a row that is still queued.
#[derive(Default)]
pub(crate) struct Batch {
    inserts: Vec<Rows>,
    updates: Vec<Rows>,
    events: Vec<Pending>,
}

impl Batch {
    /// Queues a row for `head` ("INSERT INTO t (a, b)"), inserted with the
    /// other rows of that table in one statement. Tables are inserted in
    /// the order they first appear, so a row may refer to one queued
    /// before it.
    pub fn insert(&mut self, head: &'static str, values: Vec<Param>) {
        Self::queue(&mut self.inserts, head, "", values);
    }

    /// Queues a row of values for an `UPDATE ... FROM (VALUES ...) AS v`
    /// that `head` and `tail` surround; run after the inserts. The values
    /// are `v.column1`, `v.column2`, ... in both databases.
    pub fn update(&mut self, head: &'static str, tail: &'static str, values: Vec<Param>) {
        Self::queue(&mut self.updates, head, tail, values);
    }

    fn queue(list: &mut Vec<Rows>, head: &'static str, tail: &'static str, values: Vec<Param>) {
        match list.iter_mut().find(|r| r.head == head) {
            Some(r) => r.values.extend(values),
            None => list.push(Rows {
                head,
                tail,
                columns: values.len(),
                values,
            }),
        }
    }

    /// Records an event, appended when the batch commits.
    pub fn audit(
        &mut self,
        ctx: &AuditContext,
        event_type: &str,
        target_id: Option<&str>,
        data: Value,
        now: i64,
    ) {
        self.events
            .push(Pending::new(ctx, event_type, target_id, data, now));
    }
}

struct Job {
    op: Op,
    reply: oneshot::Sender<CoreResult<bool>>,
}

#[derive(Default)]
pub(crate) struct Batcher {
    inbox: Inbox<Job>,
}

impl Batcher {
    /// Runs `op` in the next batch. The answer is the operation's own
    /// (false: a conditional change found nothing to change), given once
    /// the batch has committed.
    pub async fn run(
        &self,
        writer: &Writer,
        pool: &Pool,
        begin: &'static str,
        op: Op,
    ) -> CoreResult<bool> {
        let (reply, answer) = oneshot::channel();
        let job = Job { op, reply };
        if !self
            .inbox
            .send(writer, job, |rx| run_batches(pool.clone(), begin, rx))
        {
            return Err(CoreError::Internal("batched writes are not running".into()));
        }
        answer
            .await
            .map_err(|_| CoreError::Internal("batched writes stopped".into()))?
    }
}

async fn run_batches(pool: Pool, begin: &'static str, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let ops: Vec<&Op> = jobs.iter().map(|j| &j.op).collect();
        match commit(&pool, begin, &ops).await {
            Ok(results) => {
                for (job, r) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(e) if jobs.len() == 1 => {
                if let Some(job) = jobs.pop() {
                    let _ = job.reply.send(Err(e));
                }
            }
            Err(_) => {
                for job in jobs.drain(..) {
                    let r = commit(&pool, begin, &[&job.op])
                        .await
                        .map(|r| r.first().copied().unwrap_or(false));
                    let _ = job.reply.send(r);
                }
            }
        }
    }
}

/// One transaction: the claims of every link in the batch in one
/// statement, every operation in order, their rows, their audit events.
async fn commit(pool: &Pool, begin: &'static str, ops: &[&Op]) -> CoreResult<Vec<bool>> {
    use super::{impersonations as imp, oauth};
    let mut tx = pool.begin(begin).await?;
    let claims: Vec<imp::LinkClaim<'_>> = ops
        .iter()
        .filter_map(|op| match op {
            Op::ClaimImpersonation {
                rec,
                session_expires_at,
                hint,
                now,
                ..
            } => Some(imp::LinkClaim {
                id: &rec.id,
                session_expires_at: *session_expires_at,
                hint: hint.as_ref().map(|(h, at)| (h.as_str(), *at)),
                now: *now,
            }),
            _ => None,
        })
        .collect();
    let mut won = imp::claim_all(&mut tx, &claims).await?.into_iter();
    let tied: Vec<(&str, &str)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateGrant { grant, .. } => grant
                .impersonation_id
                .as_deref()
                .map(|imp| (imp, grant.id.as_str())),
            _ => None,
        })
        .collect();
    let live = imp::tie_grants(&mut tx, &tied).await?;
    let mut b = Batch::default();
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        results.push(match op {
            Op::InsertImpersonation {
                ctx,
                rec,
                ticket_hash,
                audit,
            } => {
                imp::insert(&mut b, ctx, rec, ticket_hash, audit.clone());
                true
            }
            Op::ClaimImpersonation {
                ctx,
                rec,
                audit,
                now,
                ..
            } => {
                let won = won.next().unwrap_or(false);
                if won {
                    imp::claimed(&mut b, ctx, rec, audit.clone(), *now);
                }
                won
            }
            Op::RecordImpersonationTokens {
                ctx,
                rec,
                audit,
                now,
            } => {
                imp::record_tokens(&mut b, ctx, rec, audit.clone(), *now);
                true
            }
            Op::CreateGrant { grant, code } => {
                let allowed = grant
                    .impersonation_id
                    .as_deref()
                    .is_none_or(|imp| live.iter().any(|l| l == imp));
                if allowed {
                    let code = code.as_ref().map(|(h, c)| (h.as_str(), c.as_ref()));
                    oauth::insert_grant(&mut b, grant, code);
                }
                allowed
            }
        });
    }
    for rows in b.inserts.into_iter().chain(b.updates) {
        with_rows(&mut tx, rows.head, rows.tail, rows.columns, rows.values).await?;
    }
    append_all(&mut tx, b.events).await?;
    tx.commit().await?;
    Ok(results)
}
