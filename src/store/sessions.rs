//! Console sign-in sessions. The cookie carries a random token; only its
//! SHA-256 is stored, so a copy of the database cannot be replayed as cookies.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{append, AuditContext};
use super::Store;
use crate::error::CoreResult;
use crate::secrets::{hash_secret, new_secret};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the password was last entered in this session (sign-in or
    /// step-up).
    pub reauth_at: i64,
}

/// Sessions end after `idle_secs` without a request, and in any case after
/// `absolute_secs`.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 3600,
        }
    }
}

/// Writing last_seen on every request would make each page view a write;
/// once a minute is precise enough for a 30-minute idle timeout.
const TOUCH_EVERY_SECS: i64 = 60;

impl Store {
    /// Records a successful sign-in and returns the new session's token.
    pub async fn create_console_session(
        &self,
        ctx: &AuditContext,
        user_id: &str,
        policy: SessionPolicy,
        now: i64,
    ) -> CoreResult<String> {
        let token = new_secret();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, \
               reauth_at) VALUES ($1, $2, $3, $3, $4, $5, $6, $3)",
        )
        .bind(hash_secret(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + policy.absolute_secs)
        .bind(&ctx.ip)
        .bind(ctx.user_agent.chars().take(512).collect::<String>())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE users SET last_login_at = $2, login_count = login_count + 1 WHERE id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            ctx,
            "console.signed_in",
            Some(user_id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The live session for `token`, or None when it is unknown, expired,
    /// idle too long, or its user has been blocked or deleted.
    pub async fn console_session(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: i64,
    ) -> CoreResult<Option<ConsoleSession>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: String,
            email: String,
            name: String,
            blocked: i64,
            created_at: i64,
            last_seen_at: i64,
            expires_at: i64,
            reauth_at: i64,
        }
        let id_hash = hash_secret(token);
        let row: Option<Row> = sqlx::query_as(
            "SELECT s.user_id, u.email, u.name, u.blocked, s.created_at, s.last_seen_at, s.expires_at, s.reauth_at \
             FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1",
        )
        .bind(&id_hash)
        .fetch_optional(&mut *self.read().await?)
        .await?;
        let Some(row) = row else { return Ok(None) };
        if row.blocked != 0 || row.expires_at <= now || row.last_seen_at + policy.idle_secs <= now {
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_EVERY_SECS {
            let mut tx = self.begin().await?;
            sqlx::query("UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1")
                .bind(&id_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(Some(ConsoleSession {
            user_id: row.user_id,
            email: row.email,
            name: row.name,
            created_at: row.created_at,
            reauth_at: row.reauth_at.max(row.created_at),
            expires_at: row
                .expires_at
                .min(now.max(row.last_seen_at) + policy.idle_secs),
        }))
    }

    /// Records that the password was entered again in this session.
    pub async fn reauthenticated(
        &self,
        ctx: &AuditContext,
        token: &str,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let row: Option<(String,)> = sqlx::query_as(
            "UPDATE console_sessions SET reauth_at = $2 WHERE id_hash = $1 RETURNING user_id",
        )
        .bind(hash_secret(token))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = row else {
            return Err(crate::CoreError::Unauthenticated);
        };
        append(
            &mut tx,
            ctx,
            "console.reauthenticated",
            Some(&user_id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn end_console_session(
        &self,
        ctx: &AuditContext,
        token: &str,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let row: Option<(String,)> =
            sqlx::query_as("DELETE FROM console_sessions WHERE id_hash = $1 RETURNING user_id")
                .bind(hash_secret(token))
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((user_id,)) = row {
            // Whoever ends a session without saying who they are (signing
            // out, an application's logout request) is its person.
            let ctx = AuditContext {
                actor_id: ctx.actor_id.clone().or_else(|| Some(user_id.clone())),
                ..ctx.clone()
            };
            append(
                &mut tx,
                &ctx,
                "console.signed_out",
                Some(&user_id),
                json!({}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
