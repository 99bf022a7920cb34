use super::{Store, Tx};
use crate::domain::role::{Role, ADMIN_ROLE, SUPPORT_ROLE};
use crate::error::CoreResult;

impl Store {
    /// Creates the built-in roles if they are missing; safe on every start.
    pub async fn ensure_builtin_roles(&self) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        for (id, name, description) in [
            (
                ADMIN_ROLE,
                "Administrator",
                "Full access to the Masquerade console.",
            ),
            (
                SUPPORT_ROLE,
                "Support agent",
                "Helps users; console access arrives with roles and permissions.",
            ),
        ] {
            sqlx::query(
                "INSERT INTO roles (id, name, description, builtin) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(name)
            .bind(description)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_roles(&self) -> CoreResult<Vec<Role>> {
        Ok(
            sqlx::query_as("SELECT id, name, description FROM roles ORDER BY name")
                .fetch_all(&mut *self.read().await?)
                .await?,
        )
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
}
