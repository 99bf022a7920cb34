//! Group commit for the writes of the busiest path (Sign in as User links,
//! grants and codes).
//!
//! With SQLite every write transaction holds the one writer connection from
//! BEGIN to COMMIT, and each statement is a round trip to the connection's
//! thread. At 32 concurrent Sign in as User flows the writer was the
//! bottleneck while the machine stood 30% idle: each flow held it for about
//! 20 round trips. Here one task takes every write waiting, runs them in one
//! transaction, appends all their audit events with one UPDATE of the chain
//! head and one multi-row INSERT, commits once, and answers each requester.
//! A flow then holds the writer for about five round trips.
//!
//! Operations run in arrival order and see each other's changes, exactly as
//! if each had committed on its own: of two claims of the same link in one
//! batch, the second finds it used. If any operation fails, the batch is
//! rolled back and each operation retried in a transaction of its own, so
//! one bad request never costs another its write.

use serde_json::Value;
use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};

use super::audit::{append_all, AuditContext, Pending};
use super::builder::{insert_rows, Param};
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

/// Rows of one table, inserted together when the batch commits.
struct Rows {
    /// `INSERT INTO table (columns)`.
    head: &'static str,
    columns: usize,
    values: Vec<Param>,
}

/// The shared transaction as an operation sees it.
pub(crate) struct Batch<'t> {
    conn: &'t mut AnyConnection,
    events: Vec<Pending>,
    rows: Vec<Rows>,
}

impl Batch<'_> {
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// Queues a row for `head` ("INSERT INTO t (a, b)"), inserted with the
    /// other rows of that table in one statement when the batch commits.
    /// Tables are inserted in the order they first appear, so a row may
    /// refer to one queued before it. Only for rows that nothing else in the
    /// same batch reads: an operation's answer is not given before commit,
    /// so nothing can ask for a row that is still queued.
    pub fn insert(&mut self, head: &'static str, values: Vec<Param>) {
        match self.rows.iter_mut().find(|r| r.head == head) {
            Some(r) => r.values.extend(values),
            None => self.rows.push(Rows {
                head,
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

/// One transaction: every operation in order, then their audit events.
async fn commit(pool: &Pool, begin: &'static str, ops: &[&Op]) -> CoreResult<Vec<bool>> {
    let mut tx = pool.begin(begin).await?;
    let mut results = Vec::with_capacity(ops.len());
    let (events, rows) = {
        let mut b = Batch {
            conn: &mut tx,
            events: Vec::new(),
            rows: Vec::new(),
        };
        for op in ops {
            results.push(apply(&mut b, op).await?);
        }
        (b.events, b.rows)
    };
    for table in rows {
        insert_rows(&mut tx, table.head, table.columns, table.values).await?;
    }
    append_all(&mut tx, events).await?;
    tx.commit().await?;
    Ok(results)
}

async fn apply(b: &mut Batch<'_>, op: &Op) -> CoreResult<bool> {
    use super::{impersonations as imp, oauth};
    match op {
        Op::InsertImpersonation {
            ctx,
            rec,
            ticket_hash,
            audit,
        } => imp::insert(b, ctx, rec, ticket_hash, audit.clone())
            .await
            .map(|_| true),
        Op::ClaimImpersonation {
            ctx,
            rec,
            session_expires_at,
            hint,
            audit,
            now,
        } => {
            let hint = hint.as_ref().map(|(h, at)| (h.as_str(), *at));
            imp::claim(b, ctx, rec, *session_expires_at, hint, audit.clone(), *now).await
        }
        Op::RecordImpersonationTokens {
            ctx,
            rec,
            audit,
            now,
        } => imp::record_tokens(b, ctx, rec, audit.clone(), *now)
            .await
            .map(|_| true),
        Op::CreateGrant { grant, code } => {
            let code = code.as_ref().map(|(h, c)| (h.as_str(), c.as_ref()));
            oauth::insert_grant(b, grant, code).await.map(|_| true)
        }
    }
}
