//! Persistence on SQLite or PostgreSQL through one code path (sqlx `Any`).
//!
//! Every query is written once, with `$n` placeholders that both backends
//! accept. The only per-backend choices are made here, when the pools are
//! built: SQLite gets WAL, a single writer connection and `BEGIN IMMEDIATE`
//! (so a write transaction takes the lock up front instead of failing with
//! SQLITE_BUSY half-way), with checkpoints taken off the write path, while
//! PostgreSQL shares one pool for both.

pub mod account_activity;
mod apis;
pub mod applications;
mod audit;
pub mod audit_chain;
pub mod audit_checkpoints;
pub mod audit_fields;
pub mod audit_query;
pub mod audit_streams;
mod batch;
mod builder;
mod connections;
pub mod held;
pub mod holdings;
pub mod hot;
pub mod impersonation_requests;
pub mod impersonations;
pub mod keys;
pub mod oauth;
mod pool;
mod role_members;
mod roles;
pub mod search;
pub mod sessions;
mod settings;
pub mod throttle;
pub mod users;
mod users_query;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::install_default_drivers;
use sqlx::Executor;

#[cfg(feature = "test-support")]
pub use audit::SeedEvent;
pub use audit::{AuditContext, AuditEvent, AUDIT_COLUMNS};
pub use audit_chain::{ChainBreak, ChainCheck, ChainPosition, ChainStep};
use pool::Pool;
pub use pool::{Conn, Tx};
pub use sessions::ConsoleSession;
pub use throttle::ThrottlePolicy;

use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    url: String,
    read: Pool,
    write: Pool,
    backend: Backend,
    begin_write: &'static str,
    /// Clients and APIs for the token endpoint (see `hot`), shared by clones.
    hot: Arc<hot::HotCache>,
    /// Groups concurrent authorization-code claims (see `oauth::CodeClaimer`).
    claimer: Arc<oauth::CodeClaimer>,
    /// Group commit for the busiest writes (see `batch`).
    batcher: Arc<batch::Batcher>,
    /// Where the batcher and the code claimer run (see `writer`).
    writer: Arc<writer::Writer>,
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub async fn open(url: &str) -> CoreResult<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(CoreError::Internal(format!(
                "unsupported database URL (expected sqlite: or postgres://): {}",
                redact(url)
            )));
        };
        let (url, read, write) = match backend {
            Backend::Sqlite => Self::open_sqlite(url).await?,
            Backend::Postgres => Self::open_postgres(url).await?,
        };
        let store = Store {
            url,
            read,
            write,
            backend,
            begin_write: match backend {
                Backend::Sqlite => "BEGIN IMMEDIATE",
                Backend::Postgres => "BEGIN",
            },
            hot: Arc::default(),
            claimer: Arc::default(),
            batcher: Arc::default(),
            writer: Arc::new(writer::Writer::start()?),
        };
        store.migrate().await?;
        store.backfill_search_index().await?;
        Ok(store)
    }

    /// The URL as used, the reading pool and the writing pool.
    async fn open_sqlite(url: &str) -> CoreResult<(String, Pool, Pool)> {
        let url = if url.contains('?') {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        let cannot = |e| CoreError::Internal(format!("cannot open SQLite database: {e}"));
        // The writer first: it is the connection that switches the file to WAL.
        let write = Pool::local(&url, 1, SQLITE_PRAGMAS).await.map_err(cannot)?;
        let read = Pool::local(&url, SQLITE_READERS, SQLITE_PRAGMAS)
            .await
            .map_err(cannot)?;
        spawn_checkpoints(read.clone());
        Ok((url, read, write))
    }

    /// One pool for reads and writes: PostgreSQL has no single writer.
    async fn open_postgres(url: &str) -> CoreResult<(String, Pool, Pool)> {
        let pool = Pool::sqlx(url, 16).await.map_err(|e| {
            CoreError::Internal(format!("cannot connect to PostgreSQL {}: {e}", redact(url)))
        })?;
        Ok((url.to_string(), pool.clone(), pool))
    }

    async fn migrate(&self) -> CoreResult<()> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let mut conn = self.write.acquire().await?;
        migrator
            .run(&mut *conn)
            .await
            .map_err(|e| CoreError::Internal(format!("migration failed: {e}")))
    }

    /// The URL this store was opened with (it may carry a password: never log it unredacted).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction. Everything a single action changes, its
    /// audit event included, goes through one of these.
    pub async fn begin(&self) -> CoreResult<Tx> {
        self.write.begin(self.begin_write).await
    }

    /// A connection for reading; with SQLite, one of several that read
    /// while the writer commits.
    pub(crate) async fn read(&self) -> CoreResult<Conn> {
        self.read.acquire().await
    }

    /// Runs `op` in the next group commit (see `batch`).
    pub(crate) async fn batched(&self, op: batch::Op) -> CoreResult<bool> {
        self.batcher
            .run(&self.writer, &self.write, self.begin_write, op)
            .await
    }

    pub(crate) fn hot(&self) -> &hot::HotCache {
        &self.hot
    }

    /// Refreshes PostgreSQL's planner statistics after bulk loads, which
    /// autovacuum only notices later. SQLite is left without statistics on
    /// purpose: measured on 100k users, its plans for the Users screen were
    /// better without them (p95 13 ms against 34 ms).
    pub async fn analyze(&self) -> CoreResult<()> {
        if self.backend == Backend::Postgres {
            self.write.acquire().await?.execute("ANALYZE").await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// How often the SQLite WAL is copied back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Copies the WAL back into the database every `CHECKPOINT_EVERY`, on a
/// reader connection. Left to SQLite, the commit that takes the WAL past
/// 1,000 pages does this work itself while every other write waits behind
/// it: under a stream of code redemptions that was the p99 (measured at 32
/// concurrent exchanges, same machine and load: p99 8.2-10.9 ms with it,
/// 6.7 ms with this, 6.5-8.5 ms with no checkpoints at all). A PASSIVE
/// checkpoint never blocks the writer.
fn spawn_checkpoints(pool: Pool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut warned: Option<std::time::Instant> = None;
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            let done = match pool.acquire().await {
                Ok(mut conn) => conn
                    .execute("PRAGMA wal_checkpoint(PASSIVE)")
                    .await
                    .map(|_| ())
                    .map_err(CoreError::from),
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                if pool.is_closed() {
                    break;
                }
                if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                    tracing::warn!(error = %e, "SQLite WAL checkpoint failed");
                    warned = Some(std::time::Instant::now());
                }
            }
        }
    });
}

/// Per-connection SQLite settings. WAL lets readers proceed while the single
/// writer commits; busy_timeout covers the moment a checkpoint holds the lock.
/// The automatic checkpoint stays as a backstop far above what
/// `spawn_checkpoints` lets the WAL reach (10,000 pages, 40 MB).
///
/// No memory map (`mmap_size`): a reader that starts a transaction after
/// any commit drops its pages, and with a map SQLite unmaps and remaps the
/// whole file for that. Under a stream of writes every reader did so on
/// almost every query, and the unmapping interrupted the other core each
/// time (measured at 32 concurrent Sign in as User flows: 1,104-1,110
/// flows/s with a 1 GB map, 1,210-1,290 without).
///
/// The default page cache (2 MB) for the writer too: SQLite walks the
/// writer's whole page table at the end of every transaction, and with a
/// 64 MB cache that walk was 6% of the writer's time; the pages it saved
/// reading come from the operating system's cache anyway (measured as
/// above: 1,124-1,257 flows/s with 64 MB, 1,240-1,388 with the default).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA wal_autocheckpoint = 10000;";

/// SQLite reader connections, each with its own thread.
const SQLITE_READERS: usize = 8;

/// Hides the password in a database URL before it reaches a log line.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// Maps a unique-constraint violation to a field-level conflict, and
/// anything else to an internal error.
pub(crate) fn conflict_on(
    field: &'static str,
    message: &'static str,
) -> impl Fn(sqlx::Error) -> CoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => CoreError::Conflict {
            field: field.to_string(),
            message: message.to_string(),
        },
        _ => CoreError::from(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact("sqlite:data/x.db"), "sqlite:data/x.db");
    }
}
