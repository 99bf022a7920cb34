//! Grants, authorization codes and refresh tokens. Codes and refresh tokens
//! are stored by hash; every state change is a single conditional UPDATE so
//! two concurrent redemptions cannot both succeed.

use super::Store;
use crate::error::CoreResult;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub user_id: Option<String>,
    pub scope: String,
    pub audience: Option<String>,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: i64,
    /// Set when the grant came from Sign in as User.
    pub impersonation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRecord {
    pub grant_id: String,
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub audience: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub expires_at: i64,
    pub used_at: i64,
    /// From the grant: set when the code came from Sign in as User.
    pub impersonation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redeem<T> {
    Ok(T),
    Unknown,
    Expired,
    /// Presented a second time: the grant has been revoked as a precaution.
    Replayed,
}

impl Store {
    pub async fn create_grant(
        &self,
        g: &Grant,
        code: Option<(&str, &CodeRecord)>,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO grants (id, client_id, user_id, scope, audience, auth_time, created_at, expires_at, impersonation_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&g.id)
        .bind(&g.client_id)
        .bind(&g.user_id)
        .bind(&g.scope)
        .bind(&g.audience)
        .bind(g.auth_time)
        .bind(g.created_at)
        .bind(g.expires_at)
        .bind(&g.impersonation_id)
        .execute(&mut *tx)
        .await?;
        if let Some((hash, c)) = code {
            sqlx::query(
                "INSERT INTO authorization_codes (code_hash, grant_id, client_id, user_id, redirect_uri, scope, audience, \
                   nonce, code_challenge, auth_time, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(hash)
            .bind(&c.grant_id)
            .bind(&c.client_id)
            .bind(&c.user_id)
            .bind(&c.redirect_uri)
            .bind(&c.scope)
            .bind(&c.audience)
            .bind(&c.nonce)
            .bind(&c.code_challenge)
            .bind(c.auth_time)
            .bind(g.created_at)
            .bind(c.expires_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks a code used. A second use revokes everything issued from it
    /// (RFC 6749 §4.1.2, RFC 9700 §4.5).
    pub async fn redeem_code(&self, hash: &str, now: i64) -> CoreResult<Redeem<CodeRecord>> {
        let mut tx = self.begin().await?;
        let rec: Option<CodeRecord> = sqlx::query_as(
            "SELECT c.grant_id, c.client_id, c.user_id, c.redirect_uri, c.scope, c.audience, c.nonce, c.code_challenge, \
               c.auth_time, c.expires_at, c.used_at, g.impersonation_id \
             FROM authorization_codes c JOIN grants g ON g.id = c.grant_id WHERE c.code_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(rec) = rec else {
            return Ok(Redeem::Unknown);
        };
        let claimed = sqlx::query(
            "UPDATE authorization_codes SET used_at = $2 WHERE code_hash = $1 AND used_at = 0",
        )
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            revoke_grant_tx(&mut tx, &rec.grant_id, now).await?;
            tx.commit().await?;
            return Ok(Redeem::Replayed);
        }
        if rec.expires_at <= now {
            tx.commit().await?;
            return Ok(Redeem::Expired);
        }
        tx.commit().await?;
        Ok(Redeem::Ok(rec))
    }

    pub async fn insert_refresh_token(
        &self,
        hash: &str,
        grant_id: &str,
        expires_at: i64,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash)
            .bind(grant_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a refresh token. With rotation, a token already rotated away is a
    /// sign of theft: the whole grant is revoked.
    pub async fn use_refresh_token(
        &self,
        hash: &str,
        rotate: bool,
        now: i64,
    ) -> CoreResult<Redeem<Grant>> {
        let mut tx = self.begin().await?;
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT grant_id, expires_at, rotated_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((grant_id, expires_at, _)) = row else {
            return Ok(Redeem::Unknown);
        };
        if rotate {
            let claimed = sqlx::query("UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at = 0")
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed == 0 {
                revoke_grant_tx(&mut tx, &grant_id, now).await?;
                tx.commit().await?;
                return Ok(Redeem::Replayed);
            }
        }
        let grant: Option<Grant> = sqlx::query_as(
            "SELECT id, client_id, user_id, scope, audience, auth_time, created_at, expires_at, revoked_at, impersonation_id FROM grants WHERE id = $1",
        )
        .bind(&grant_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        match grant {
            Some(g) if g.revoked_at == 0 && expires_at > now && g.expires_at > now => {
                Ok(Redeem::Ok(g))
            }
            Some(_) => Ok(Redeem::Expired),
            None => Ok(Redeem::Unknown),
        }
    }

    pub async fn get_grant(&self, id: &str) -> CoreResult<Option<Grant>> {
        Ok(sqlx::query_as(
            "SELECT id, client_id, user_id, scope, audience, auth_time, created_at, expires_at, revoked_at, impersonation_id FROM grants WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// True while the grant exists, is unexpired and unrevoked.
    pub async fn grant_active(&self, id: &str, now: i64) -> CoreResult<bool> {
        Ok(self
            .get_grant(id)
            .await?
            .is_some_and(|g| g.revoked_at == 0 && g.expires_at > now))
    }

    pub async fn revoke_grant(&self, id: &str, now: i64) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        revoke_grant_tx(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The grant behind a refresh token, for revocation (RFC 7009).
    pub async fn grant_of_refresh(&self, hash: &str) -> CoreResult<Option<String>> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT grant_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(hash)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(|r| r.0))
    }
}

pub(super) async fn revoke_grant_tx(tx: &mut super::Tx, id: &str, now: i64) -> CoreResult<()> {
    sqlx::query("UPDATE grants SET revoked_at = $2 WHERE id = $1 AND revoked_at = 0")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
