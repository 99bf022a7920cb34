//! Who holds a role: assigning and unassigning (never the last
//! administrator), and reading members. Each change is one transaction with
//! its audit event, and empties the hot cache.

use serde_json::json;

use super::audit::{append, AuditContext};
use super::roles::{RoleRow, SELECT_ROLE};
use super::{Store, Tx};
use crate::authz::ADMIN_ROLE;
use crate::domain::role::Role;
use crate::domain::User;
use crate::error::{CoreError, CoreResult};

impl Store {
    /// Gives the role to each user; those who hold it already are skipped.
    /// Answers how many were added.
    pub async fn assign_role(
        &self,
        ctx: &AuditContext,
        role_id: &str,
        user_ids: &[String],
        now: i64,
    ) -> CoreResult<usize> {
        self.assign_roles(ctx, &[role_id.to_string()], user_ids, now)
            .await
    }

    /// Gives every role to every user, in one transaction: all or nothing
    /// (an unknown role or user changes nothing). Pairs that exist already
    /// are skipped. Answers how many were added.
    pub async fn assign_roles(
        &self,
        ctx: &AuditContext,
        role_ids: &[String],
        user_ids: &[String],
        now: i64,
    ) -> CoreResult<usize> {
        let mut roles = Vec::with_capacity(role_ids.len());
        for id in role_ids {
            roles.push(self.get_role(id).await?);
        }
        // Handing out a role hands out what it gives.
        let catalog = self.role_catalog().await?;
        let given = catalog.holdings("", false, role_ids).management();
        ctx.may_grant(given)?;
        let mut tx = self.begin().await?;
        let mut added = 0;
        for user_id in user_ids {
            let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(CoreError::NotFound("user"));
            }
            for role in &roles {
                let n = sqlx::query(
                    "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(user_id)
                .bind(&role.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n > 0 {
                    added += 1;
                    append(
                        &mut tx,
                        ctx,
                        "role.assigned",
                        Some(user_id),
                        json!({"role_id": role.id, "role_name": role.name}),
                        now,
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        self.hot().invalidate();
        Ok(added)
    }

    /// Takes the role from the user, ending their console sessions. The last
    /// unblocked administrator keeps the Administrator role. False when the
    /// user did not hold it.
    pub async fn unassign_role(
        &self,
        ctx: &AuditContext,
        role_id: &str,
        user_id: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let role = self.get_role(role_id).await?;
        let mut tx = self.begin().await?;
        if role_id == ADMIN_ROLE {
            keep_an_administrator(&mut tx, user_id).await?;
        }
        let n = sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            sqlx::query("DELETE FROM console_sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            append(
                &mut tx,
                ctx,
                "role.unassigned",
                Some(user_id),
                json!({"role_id": role_id, "role_name": role.name}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.hot().invalidate();
        Ok(n > 0)
    }

    /// The roles a user holds, by name.
    pub async fn roles_of_user(&self, user_id: &str) -> CoreResult<Vec<Role>> {
        let rows: Vec<RoleRow> = sqlx::query_as(&format!(
            "{SELECT_ROLE} WHERE r.id IN (SELECT role_id FROM user_roles WHERE user_id = $1) \
             ORDER BY r.builtin DESC, r.name_lc"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows.into_iter().map(Role::from).collect())
    }

    pub async fn user_role_ids(&self, user_id: &str) -> CoreResult<Vec<String>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
                .bind(user_id)
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub(crate) async fn grant_role_tx(tx: &mut Tx, user_id: &str, role_id: &str) -> CoreResult<()> {
        sqlx::query(
            "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(role_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub async fn count_role_members(&self, role_id: &str) -> CoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM user_roles WHERE role_id = $1")
            .bind(role_id)
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok(n)
    }

    /// Up to `limit` users holding any of `role_ids`, by email.
    pub async fn members_of_any(&self, role_ids: &[String], limit: i64) -> CoreResult<Vec<User>> {
        if role_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..role_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT u.id FROM users u WHERE u.id IN \
               (SELECT user_id FROM user_roles WHERE role_id IN ({})) \
             ORDER BY u.email_lc LIMIT $1",
            marks.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(limit);
        for id in role_ids {
            q = q.bind(id);
        }
        let ids: Vec<(String,)> = q.fetch_all(&mut *self.read().await?).await?;
        let refs: Vec<&str> = ids.iter().map(|(id,)| id.as_str()).collect();
        let mut users = self.get_users(&refs).await?;
        users.sort_by_key(|u| u.email.to_lowercase());
        Ok(users)
    }
}

/// Refuses a change that would leave no unblocked administrator besides
/// `user_id`, when `user_id` is one now. The update of the Administrator
/// role's row first takes its row lock on PostgreSQL (SQLite has one
/// writer), so two such changes cannot both see the other administrator
/// and both go ahead.
pub(super) async fn keep_an_administrator(tx: &mut Tx, user_id: &str) -> CoreResult<()> {
    sqlx::query("UPDATE roles SET updated_at = updated_at WHERE id = $1")
        .bind(ADMIN_ROLE)
        .execute(&mut **tx)
        .await?;
    let (is_admin,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id \
         WHERE ur.role_id = $1 AND ur.user_id = $2 AND u.blocked = 0",
    )
    .bind(ADMIN_ROLE)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if is_admin == 0 {
        return Ok(());
    }
    let (others,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id \
         WHERE ur.role_id = $1 AND ur.user_id <> $2 AND u.blocked = 0",
    )
    .bind(ADMIN_ROLE)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if others == 0 {
        return Err(CoreError::Conflict {
            field: "role".into(),
            message: "This is the last unblocked administrator: make someone else an administrator first.".into(),
        });
    }
    Ok(())
}
