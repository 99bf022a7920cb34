//! Failed sign-in throttling, kept in the database so that every instance
//! behind a load balancer sees the same counts.

use super::Store;
use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed per account within `window_secs` before a lockout.
    pub per_account: i64,
    /// Failures allowed per client IP within `window_secs`.
    pub per_ip: i64,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            per_account: 5,
            per_ip: 30,
            window_secs: 900,
            lockout_secs: 900,
        }
    }
}

pub fn account_key(email: &str) -> String {
    format!("acct:{}", email.trim().to_lowercase())
}

pub fn ip_key(ip: &str) -> String {
    format!("ip:{ip}")
}

impl Store {
    /// Refuses early when either key is locked out.
    pub async fn check_throttle(&self, keys: &[String], now: i64) -> CoreResult<()> {
        for key in keys {
            let row: Option<(i64,)> =
                sqlx::query_as("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
                    .bind(key)
                    .fetch_optional(&mut *self.read().await?)
                    .await?;
            if let Some((until,)) = row {
                if until > now {
                    return Err(CoreError::Throttled {
                        retry_after_secs: until - now,
                    });
                }
            }
        }
        Ok(())
    }

    /// Counts one failure against `key`; locks it once `limit` is reached.
    pub async fn record_failure(
        &self,
        key: &str,
        limit: i64,
        policy: &ThrottlePolicy,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        // One upsert, so concurrent failures on PostgreSQL never lose a count.
        let (failures,): (i64,) = sqlx::query_as(
            "INSERT INTO login_throttle (throttle_key, window_start, failures, locked_until) VALUES ($1, $2, 1, 0) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
               window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
             RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(now - policy.window_secs)
        .fetch_one(&mut *tx)
        .await?;
        if failures >= limit {
            sqlx::query("UPDATE login_throttle SET locked_until = $2, failures = 0, window_start = $3 WHERE throttle_key = $1")
                .bind(key)
                .bind(now + policy.lockout_secs)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_throttle(&self, key: &str) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
