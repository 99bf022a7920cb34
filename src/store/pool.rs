//! Connections and transactions for the store.
//!
//! PostgreSQL uses sqlx's pool. SQLite uses `LocalPool`, a fixed set of
//! connections opened at start-up and handed out behind a fair semaphore.
//! The reason is what sqlx's pool does when a connection is returned: it
//! spawns a task that pings the connection before anyone else may have it.
//! For SQLite that ping is one more round trip to the connection's thread on
//! every query, and for the single writer connection it kept the write lock
//! unusable until the spawned task was scheduled: under 32 concurrent Sign
//! in as User flows the writer sat idle behind the runtime's run queue
//! (measured: 360 flows/s, 3.2 ms of server CPU per flow, 37% of it in
//! context switches). An SQLite connection lives in this process and cannot
//! go stale, so `LocalPool` returns it synchronously on drop.
//!
//! Transactions are driven through sqlx's `TransactionManager` on either
//! kind of connection, so a transaction dropped without `commit` is rolled
//! back exactly as a `sqlx::Transaction` would be: the rollback is queued on
//! the connection before anyone else can use it.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Database, TransactionManager};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{CoreError, CoreResult};

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

type Manager = <Any as Database>::TransactionManager;

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlx(AnyPool),
    Local(Arc<LocalPool>),
}

impl Pool {
    /// A sqlx pool (PostgreSQL).
    pub async fn sqlx(url: &str, size: u32) -> Result<Pool, sqlx::Error> {
        let pool = AnyPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        Ok(Pool::Sqlx(pool))
    }

    /// `size` connections opened now, each prepared by `setup` (SQLite).
    pub async fn local(url: &str, size: usize, setup: &str) -> Result<Pool, sqlx::Error> {
        let mut conns = Vec::with_capacity(size);
        for _ in 0..size {
            let mut conn = AnyConnection::connect(url).await?;
            sqlx::Executor::execute(&mut conn, setup).await?;
            conns.push(conn);
        }
        Ok(Pool::Local(Arc::new(LocalPool {
            idle: Mutex::new(conns),
            permits: Arc::new(Semaphore::new(size)),
            size,
        })))
    }

    pub async fn acquire(&self) -> CoreResult<Conn> {
        match self {
            Pool::Sqlx(p) => Ok(Conn(Leased::Pooled(p.acquire().await?))),
            Pool::Local(p) => Ok(Conn(Leased::Local(p.clone().acquire().await?))),
        }
    }

    /// Starts a transaction with `begin` ("BEGIN" or "BEGIN IMMEDIATE").
    pub async fn begin(&self, begin: &'static str) -> CoreResult<Tx> {
        let mut conn = self.acquire().await?;
        Manager::begin(&mut conn, Some(begin.into())).await?;
        Ok(Tx { conn, open: true })
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Pool::Sqlx(p) => p.is_closed(),
            Pool::Local(p) => p.permits.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::Sqlx(p) => p.close().await,
            Pool::Local(p) => p.close().await,
        }
    }
}

pub(crate) struct LocalPool {
    idle: Mutex<Vec<AnyConnection>>,
    /// One permit per connection; FIFO, so waiting requests are served in
    /// arrival order (it is the tail of the latency that suffers otherwise).
    permits: Arc<Semaphore>,
    size: usize,
}

impl LocalPool {
    async fn acquire(self: Arc<Self>) -> CoreResult<Lease> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| CoreError::Internal("timed out waiting for a database connection".into()))?
            .map_err(|_| CoreError::Internal("the database is closed".into()))?;
        let conn = self.idle().pop().ok_or_else(|| {
            CoreError::Internal("database connection pool out of step with its permits".into())
        })?;
        Ok(Lease {
            conn: Some(conn),
            pool: self,
            _permit: permit,
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<AnyConnection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn close(&self) {
        let Ok(all) = self.permits.acquire_many(self.size as u32).await else {
            return;
        };
        self.permits.close();
        let conns: Vec<AnyConnection> = self.idle().drain(..).collect();
        drop(all);
        for c in conns {
            let _ = c.close().await;
        }
    }
}

/// A connection of a `LocalPool`, returned to it when dropped.
struct Lease {
    conn: Option<AnyConnection>,
    pool: Arc<LocalPool>,
    // Dropped after `drop` has put the connection back.
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.pool.idle().push(c);
        }
    }
}

/// A connection from either kind of pool; use it as `&mut *conn`.
pub struct Conn(Leased);

enum Leased {
    Pooled(PoolConnection<Any>),
    Local(Lease),
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Leased::Pooled(c) => c,
            // Present from acquire until drop.
            Leased::Local(l) => l.conn.as_ref().expect("leased connection"),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Leased::Pooled(c) => c,
            Leased::Local(l) => l.conn.as_mut().expect("leased connection"),
        }
    }
}

/// A write transaction: use it as `&mut *tx`, finish it with `commit`.
/// Dropped without `commit`, it is rolled back.
pub struct Tx {
    conn: Conn,
    open: bool,
}

impl Tx {
    pub async fn commit(mut self) -> CoreResult<()> {
        Manager::commit(&mut self.conn).await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.open {
            Manager::start_rollback(&mut self.conn);
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}
