//! Persistence of signing keys (private halves sealed by the master key).

use serde_json::json;

use super::audit::{append, AuditContext};
use super::Store;
use crate::error::CoreResult;
use crate::keys::ring::KeySummary;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRecord {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub private_sealed: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub activated_at: i64,
    pub deactivated_at: i64,
}

impl Store {
    /// Every key still published (next, current, previous).
    pub async fn published_keys(&self) -> CoreResult<Vec<KeyRecord>> {
        Ok(sqlx::query_as(
            "SELECT kid, alg, state, private_sealed, public_jwk, created_at, activated_at, deactivated_at \
             FROM signing_keys WHERE state <> 'retired' ORDER BY created_at, kid",
        )
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    /// Inserts a key; returns false when the per-algorithm uniqueness rule
    /// says another instance just created the same slot.
    pub async fn insert_key(&self, rec: &KeyRecord) -> CoreResult<bool> {
        let mut tx = self.begin().await?;
        let res = sqlx::query(
            "INSERT INTO signing_keys (kid, alg, state, private_sealed, public_jwk, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&rec.kid)
        .bind(&rec.alg)
        .bind(&rec.state)
        .bind(&rec.private_sealed)
        .bind(&rec.public_jwk)
        .bind(rec.created_at)
        .bind(rec.activated_at)
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {
                tx.commit().await?;
                Ok(true)
            }
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Promotes `next` to `current` and `current` to `previous` for one
    /// algorithm, inserts the new `next`, and retires previous keys whose
    /// tokens have all expired, all in one transaction with its audit event.
    pub async fn rotate_keys(
        &self,
        ctx: &AuditContext,
        alg: &str,
        new_next: &KeyRecord,
        retire_before: i64,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let promoted: Option<String> =
            sqlx::query_as("SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'next'")
                .bind(alg)
                .fetch_optional(&mut *tx)
                .await?
                .map(|(kid,): (String,)| kid);
        let demoted: Option<String> =
            sqlx::query_as("SELECT kid FROM signing_keys WHERE alg = $1 AND state = 'current'")
                .bind(alg)
                .fetch_optional(&mut *tx)
                .await?
                .map(|(kid,): (String,)| kid);
        sqlx::query("UPDATE signing_keys SET state = 'previous', deactivated_at = $2 WHERE alg = $1 AND state = 'current'")
            .bind(alg)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE signing_keys SET state = 'current', activated_at = $2 WHERE alg = $1 AND state = 'next'")
            .bind(alg)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, state, private_sealed, public_jwk, created_at) VALUES ($1, $2, 'next', $3, $4, $5)",
        )
        .bind(&new_next.kid)
        .bind(alg)
        .bind(&new_next.private_sealed)
        .bind(&new_next.public_jwk)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let retired = retire_expired(&mut tx, retire_before, now).await?;
        append(
            &mut tx,
            ctx,
            "signing_keys.rotated",
            promoted.as_deref(),
            json!({
                "alg": alg,
                "current": promoted,
                "previous": demoted,
                "next": new_next.kid,
                "retired": retired,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The longest time a token we signed may still be presented: the
    /// longest API access-token or application ID-token lifetime, and never
    /// less than the userinfo access token's. A key taken out of signing
    /// must keep verifying at least this long.
    pub async fn longest_token_lifetime(&self) -> CoreResult<i64> {
        let (apis,): (Option<i64>,) = sqlx::query_as("SELECT MAX(token_lifetime_secs) FROM apis")
            .fetch_one(&mut *self.read().await?)
            .await?;
        let (apps,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(id_token_lifetime_secs) FROM applications")
                .fetch_one(&mut *self.read().await?)
                .await?;
        Ok(apis
            .unwrap_or(0)
            .max(apps.unwrap_or(0))
            .max(crate::oidc::issue::USERINFO_TOKEN_LIFETIME_SECS))
    }

    /// The most recently retired keys (no key material), newest first.
    pub async fn retired_keys(&self, limit: i64) -> CoreResult<Vec<KeySummary>> {
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT kid, alg, created_at, activated_at, deactivated_at, retired_at \
             FROM signing_keys WHERE state = 'retired' ORDER BY retired_at DESC, kid LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kid, alg, created_at, activated_at, deactivated_at, retired_at)| KeySummary {
                    kid,
                    alg,
                    state: "retired".into(),
                    created_at,
                    activated_at,
                    deactivated_at,
                    retired_at,
                },
            )
            .collect())
    }

    /// Retires previous keys deactivated before `retire_before`.
    pub async fn retire_expired_keys(&self, retire_before: i64, now: i64) -> CoreResult<u64> {
        let mut tx = self.begin().await?;
        let n = retire_expired(&mut tx, retire_before, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}

async fn retire_expired(tx: &mut super::Tx, retire_before: i64, now: i64) -> CoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE signing_keys SET state = 'retired', retired_at = $2, private_sealed = '' \
         WHERE state = 'previous' AND deactivated_at < $1",
    )
    .bind(retire_before)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
