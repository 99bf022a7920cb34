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
    /// Counts one sign-in attempt against every key *before* the password
    /// is checked, and refuses it when a key is locked or this attempt is
    /// over the key's limit. Counting first is what makes the limit hold
    /// under concurrency: 50 simultaneous guesses each take a number from
    /// the same row (one upsert, serialised by the row lock on PostgreSQL
    /// and by the single writer on SQLite), and only the first `limit` of
    /// them are let through to the password check. A successful sign-in
    /// gives its attempt back with [`Store::attempt_succeeded`].
    pub async fn reserve_attempt(
        &self,
        keys: &[(&str, i64)],
        policy: &ThrottlePolicy,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let mut refused = None;
        for (key, limit) in keys {
            let (attempts, locked_until): (i64, i64) = sqlx::query_as(
                "INSERT INTO login_throttle (throttle_key, window_start, failures, locked_until) \
                 VALUES ($1, $2, 1, 0) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                   failures = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.failures \
                                   WHEN login_throttle.window_start < $3 THEN 1 \
                                   ELSE login_throttle.failures + 1 END, \
                   window_start = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.window_start \
                                       WHEN login_throttle.window_start < $3 THEN $2 \
                                       ELSE login_throttle.window_start END \
                 RETURNING failures, locked_until",
            )
            .bind(*key)
            .bind(now)
            .bind(now - policy.window_secs)
            .fetch_one(&mut *tx)
            .await?;
            if locked_until > now {
                refused = Some(locked_until - now);
                break;
            }
            if attempts > *limit {
                sqlx::query(
                    "UPDATE login_throttle SET locked_until = $2, failures = 0, window_start = $3 \
                     WHERE throttle_key = $1",
                )
                .bind(*key)
                .bind(now + policy.lockout_secs)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                refused = Some(policy.lockout_secs);
                break;
            }
        }
        tx.commit().await?;
        match refused {
            Some(retry_after_secs) => Err(CoreError::Throttled { retry_after_secs }),
            None => Ok(()),
        }
    }

    /// After a successful sign-in: the account starts afresh, and the
    /// attempt reserved against each shared key (the client IP) is given
    /// back, so that people signing in from one office network do not lock
    /// each other out.
    pub async fn attempt_succeeded(&self, cleared: &str, refunded: &[&str]) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(cleared)
            .execute(&mut *tx)
            .await?;
        for key in refunded {
            sqlx::query(
                "UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0",
            )
            .bind(*key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
