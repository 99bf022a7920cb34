//! Where each log stream stands: the outbox cursor (last event delivered),
//! retries, the last error, pause, and a lease so one instance delivers a
//! stream at a time.

use serde::{Deserialize, Serialize};

use super::Store;
use crate::error::CoreResult;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StreamState {
    pub stream_id: String,
    pub delivered_seq: i64,
    pub delivered_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub failing_since: i64,
    pub last_error: String,
    pub paused: i64,
    pub lease_until: i64,
}

const COLUMNS: &str = "stream_id, delivered_seq, delivered_at, attempts, next_attempt_at, \
    failing_since, last_error, paused, lease_until";

impl Store {
    /// A stream's state, made (from the start of the log) the first time.
    pub async fn ensure_stream(&self, id: &str) -> CoreResult<StreamState> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO audit_stream_state (stream_id) VALUES ($1) ON CONFLICT (stream_id) DO NOTHING")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let s = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_stream_state WHERE stream_id = $1"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn stream_states(&self) -> CoreResult<Vec<StreamState>> {
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM audit_stream_state"))
                .fetch_all(&mut *self.read().await?)
                .await?,
        )
    }

    /// Takes the stream for `secs` when it is due, unpaused and nobody else
    /// holds it.
    pub async fn lease_stream(
        &self,
        id: &str,
        secs: i64,
        now: i64,
    ) -> CoreResult<Option<StreamState>> {
        let mut tx = self.begin().await?;
        let s = sqlx::query_as(&format!(
            "UPDATE audit_stream_state SET lease_until = $2 WHERE stream_id = $1 \
             AND lease_until <= $3 AND paused = 0 AND next_attempt_at <= $3 RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(now + secs)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Delivered through `upto` (never moves back); the lease ends.
    pub async fn stream_delivered(&self, id: &str, upto: i64, now: i64) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE audit_stream_state SET delivered_seq = CASE WHEN delivered_seq < $2 THEN $2 ELSE delivered_seq END, \
             delivered_at = $3, attempts = 0, next_attempt_at = 0, failing_since = 0, last_error = '', lease_until = 0 \
             WHERE stream_id = $1",
        )
        .bind(id)
        .bind(upto)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A failed attempt: when to try again, since when it fails, whether
    /// it is now paused.
    pub async fn stream_failed(
        &self,
        id: &str,
        error: &str,
        next_attempt_at: i64,
        failing_since: i64,
        paused: bool,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE audit_stream_state SET attempts = attempts + 1, next_attempt_at = $2, failing_since = $3, \
             last_error = $4, paused = $5, lease_until = 0 WHERE stream_id = $1",
        )
        .bind(id)
        .bind(next_attempt_at)
        .bind(failing_since)
        .bind(error.chars().take(500).collect::<String>())
        .bind(i64::from(paused))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unpauses a stream: it is tried again at once, from where it stopped.
    pub async fn resume_stream(&self, id: &str) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE audit_stream_state SET paused = 0, attempts = 0, next_attempt_at = 0, failing_since = 0, \
             lease_until = 0 WHERE stream_id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
