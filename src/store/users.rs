use serde_json::json;

use super::audit::{append, AuditContext};
use super::builder::Sql;
use super::{conflict_on, Store};
use crate::domain::user::{NewUser, User, UserPatch};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;

const DUPLICATE_EMAIL: &str = "A user with this email already exists.";

pub(super) const SELECT: &str =
    "SELECT u.id, u.email, u.name, u.picture, u.connection_id, c.name AS connection_name, \
     u.password_hash, u.blocked, u.created_at, u.updated_at, u.last_login_at, u.login_count, \
     u.app_metadata, u.user_metadata, u.protected FROM users u JOIN connections c ON c.id = u.connection_id";

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: String,
    email: String,
    name: String,
    picture: Option<String>,
    connection_id: String,
    connection_name: String,
    password_hash: Option<String>,
    blocked: i64,
    created_at: i64,
    updated_at: i64,
    last_login_at: i64,
    login_count: i64,
    app_metadata: String,
    user_metadata: String,
    protected: i64,
}

#[derive(sqlx::FromRow)]
struct UserRoleRow {
    #[sqlx(flatten)]
    user: UserRow,
    role_id: Option<String>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            picture: r.picture,
            connection_id: r.connection_id,
            connection_name: r.connection_name,
            blocked: r.blocked != 0,
            has_password: r.password_hash.is_some(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
            login_count: r.login_count,
            app_metadata: serde_json::from_str(&r.app_metadata).unwrap_or_else(|_| json!({})),
            user_metadata: serde_json::from_str(&r.user_metadata).unwrap_or_else(|_| json!({})),
            protected: r.protected != 0,
            roles: Vec::new(),
        }
    }
}

/// What a sign-in needs to decide, and nothing more.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginRecord {
    pub id: String,
    pub password_hash: Option<String>,
    pub blocked: i64,
}

/// A pre-hashed user for bulk seeding (demo data, benchmarks).
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub email: String,
    pub name: String,
    pub connection_id: String,
    pub password_hash: Option<String>,
    pub blocked: bool,
    pub created_at: i64,
    pub last_login_at: i64,
    pub login_count: i64,
    pub app_metadata: serde_json::Value,
    pub user_metadata: serde_json::Value,
    pub roles: Vec<String>,
}

impl Store {
    pub async fn create_user(
        &self,
        ctx: &AuditContext,
        input: &NewUser,
        password_hash: Option<String>,
        roles: &[&str],
        now: i64,
    ) -> CoreResult<User> {
        let (app_md, user_md) = input.validate()?;
        let id = new_id("usr");
        let email = input.email.trim();
        let mut tx = self.begin().await?;
        let conn: Option<(String,)> = sqlx::query_as("SELECT id FROM connections WHERE id = $1")
            .bind(&input.connection_id)
            .fetch_optional(&mut *tx)
            .await?;
        if conn.is_none() {
            return Err(CoreError::field(
                "connection",
                "This connection does not exist.",
            ));
        }
        sqlx::query(
            "INSERT INTO users (id, email, email_lc, name, name_lc, picture, connection_id, password_hash, blocked, \
               created_at, updated_at, app_metadata, user_metadata) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9, $10, $11)",
        )
        .bind(&id)
        .bind(email)
        .bind(email.to_lowercase())
        .bind(input.name.trim())
        .bind(input.name.trim().to_lowercase())
        .bind(input.picture.clone().filter(|p| !p.trim().is_empty()))
        .bind(&input.connection_id)
        .bind(password_hash)
        .bind(now)
        .bind(app_md.to_string())
        .bind(user_md.to_string())
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("email", DUPLICATE_EMAIL))?;
        Store::index_user_tx(&mut tx, &id, email, input.name.trim()).await?;
        for role in roles {
            Store::grant_role_tx(&mut tx, &id, role).await?;
        }
        append(
            &mut tx,
            ctx,
            "user.created",
            Some(&id),
            json!({"email": email, "connection_id": input.connection_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_user(&id).await
    }

    /// Inserts many pre-hashed users in one transaction, with one audit event.
    pub async fn seed_users(
        &self,
        ctx: &AuditContext,
        users: &[SeedUser],
        now: i64,
    ) -> CoreResult<Vec<String>> {
        let mut ids = Vec::with_capacity(users.len());
        let mut tx = self.begin().await?;
        for u in users {
            let id = new_id("usr");
            sqlx::query(
                "INSERT INTO users (id, email, email_lc, name, name_lc, picture, connection_id, password_hash, blocked, \
                   created_at, updated_at, last_login_at, login_count, app_metadata, user_metadata) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $9, $10, $11, $12, $13)",
            )
            .bind(&id)
            .bind(&u.email)
            .bind(u.email.to_lowercase())
            .bind(&u.name)
            .bind(u.name.to_lowercase())
            .bind(&u.connection_id)
            .bind(&u.password_hash)
            .bind(i64::from(u.blocked))
            .bind(u.created_at)
            .bind(u.last_login_at)
            .bind(u.login_count)
            .bind(u.app_metadata.to_string())
            .bind(u.user_metadata.to_string())
            .execute(&mut *tx)
            .await
            .map_err(conflict_on("email", DUPLICATE_EMAIL))?;
            Store::index_user_tx(&mut tx, &id, &u.email, &u.name).await?;
            for role in &u.roles {
                Store::grant_role_tx(&mut tx, &id, role).await?;
            }
            ids.push(id);
        }
        append(
            &mut tx,
            ctx,
            "users.seeded",
            None,
            json!({"count": users.len()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The user with their role ids, in one query (it runs on every token
    /// issued to a user): one row per role, or one with no role.
    pub async fn get_user(&self, id: &str) -> CoreResult<User> {
        self.get_users(&[id])
            .await?
            .pop()
            .ok_or(CoreError::NotFound("user"))
    }

    /// The users with these ids that exist, with their roles, in one query
    /// (an impersonation reads both parties on every link).
    pub async fn get_users(&self, ids: &[&str]) -> CoreResult<Vec<User>> {
        let mut q = Sql::new(
            "SELECT u.id, u.email, u.name, u.picture, u.connection_id, c.name AS connection_name, \
             u.password_hash, u.blocked, u.created_at, u.updated_at, u.last_login_at, u.login_count, \
             u.app_metadata, u.user_metadata, u.protected, r.role_id FROM users u JOIN connections c ON c.id = u.connection_id \
             LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id IN (",
        );
        q.bind_list(ids.iter().copied())
            .push(") ORDER BY u.id, r.role_id");
        let rows: Vec<UserRoleRow> = sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?;
        let mut users: Vec<User> = Vec::new();
        for row in rows {
            match users.last_mut() {
                Some(u) if u.id == row.user.id => u.roles.extend(row.role_id),
                _ => {
                    let mut u = User::from(row.user);
                    u.roles = row.role_id.into_iter().collect();
                    users.push(u);
                }
            }
        }
        Ok(users)
    }

    pub async fn login_record(&self, email: &str) -> CoreResult<Option<LoginRecord>> {
        Ok(
            sqlx::query_as("SELECT id, password_hash, blocked FROM users WHERE email_lc = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(&mut *self.read().await?)
                .await?,
        )
    }

    pub async fn update_user(
        &self,
        ctx: &AuditContext,
        id: &str,
        patch: &UserPatch,
        now: i64,
    ) -> CoreResult<User> {
        let (app_md, user_md) = patch.validate()?;
        let email = patch.email.trim();
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET email = $2, email_lc = $3, name = $4, name_lc = $5, picture = $6, \
               app_metadata = $7, user_metadata = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(id)
        .bind(email)
        .bind(email.to_lowercase())
        .bind(patch.name.trim())
        .bind(patch.name.trim().to_lowercase())
        .bind(Some(patch.picture.trim().to_string()).filter(|p| !p.is_empty()))
        .bind(app_md.to_string())
        .bind(user_md.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("email", DUPLICATE_EMAIL))?
        .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        append(
            &mut tx,
            ctx,
            "user.updated",
            Some(id),
            json!({"email": email}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_user(id).await
    }

    /// Blocking also ends the user's console sessions and the
    /// impersonations they started, at once. Nobody blocks their own
    /// account, and the last unblocked administrator stays unblocked.
    pub async fn set_blocked(
        &self,
        ctx: &AuditContext,
        id: &str,
        blocked: bool,
        now: i64,
    ) -> CoreResult<User> {
        if blocked && ctx.actor_id.as_deref() == Some(id) {
            return Err(CoreError::Forbidden(
                "You cannot block your own account.".into(),
            ));
        }
        let mut tx = self.begin().await?;
        if blocked {
            super::role_members::keep_an_administrator(&mut tx, id).await?;
        }
        let n = sqlx::query("UPDATE users SET blocked = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(blocked))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        if blocked {
            sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            super::impersonations::revoke_all_of_actor(
                &mut tx,
                ctx,
                id,
                "impersonator_blocked",
                now,
            )
            .await?;
        }
        append(
            &mut tx,
            ctx,
            if blocked {
                "user.blocked"
            } else {
                "user.unblocked"
            },
            Some(id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_user(id).await
    }

    /// Marks a user protected (nobody may impersonate them) or not. Making
    /// them protected also ends the impersonations of them still live.
    pub async fn set_protected(
        &self,
        ctx: &AuditContext,
        id: &str,
        protected: bool,
        now: i64,
    ) -> CoreResult<User> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET protected = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(i64::from(protected))
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        let ended = if protected {
            super::impersonations::revoke_live(
                &mut tx,
                ctx,
                super::impersonations::LiveOf::Target(id),
                "user_protected",
                now,
            )
            .await?
        } else {
            0
        };
        append(
            &mut tx,
            ctx,
            if protected {
                "user.protected"
            } else {
                "user.unprotected"
            },
            Some(id),
            json!({ "impersonations_ended": ended }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_user(id).await
    }

    /// A new password signs the user out everywhere.
    pub async fn set_password_hash(
        &self,
        ctx: &AuditContext,
        id: &str,
        hash: &str,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("user"));
        }
        sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append(&mut tx, ctx, "user.password_set", Some(id), json!({}), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a user, ending what they started. Nobody deletes their own
    /// account, and the last unblocked administrator stays.
    pub async fn delete_user(&self, ctx: &AuditContext, id: &str, now: i64) -> CoreResult<()> {
        if ctx.actor_id.as_deref() == Some(id) {
            return Err(CoreError::Forbidden(
                "You cannot delete your own account.".into(),
            ));
        }
        let mut tx = self.begin().await?;
        super::role_members::keep_an_administrator(&mut tx, id).await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT email FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((email,)) = row else {
            return Err(CoreError::NotFound("user"));
        };
        super::impersonations::revoke_all_of_actor(&mut tx, ctx, id, "impersonator_deleted", now)
            .await?;
        // Explicit deletes rather than relying on ON DELETE CASCADE, which
        // SQLite honours only when foreign_keys is on for that connection.
        for sql in [
            "DELETE FROM console_sessions WHERE user_id = $1",
            "DELETE FROM user_roles WHERE user_id = $1",
            "DELETE FROM user_search WHERE user_id = $1",
            "DELETE FROM users WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        append(
            &mut tx,
            ctx,
            "user.deleted",
            Some(id),
            json!({"email": email}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    pub async fn count_users(&self) -> CoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(n)
    }
}
