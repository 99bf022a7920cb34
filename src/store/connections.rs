use serde_json::json;

use super::audit::{append, AuditContext};
use super::{conflict_on, Store};
use crate::domain::connection::{validate_connection_name, Connection};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;

const SELECT: &str = "SELECT c.id, c.name, c.strategy, c.created_at, \
     (SELECT COUNT(*) FROM users u WHERE u.connection_id = c.id) AS user_count \
     FROM connections c";

impl Store {
    pub async fn list_connections(&self) -> CoreResult<Vec<Connection>> {
        Ok(sqlx::query_as(&format!("{SELECT} ORDER BY c.name"))
            .fetch_all(&mut *self.read().await?)
            .await?)
    }

    pub async fn get_connection(&self, id: &str) -> CoreResult<Connection> {
        sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("connection"))
    }

    pub async fn connection_by_name(&self, name: &str) -> CoreResult<Option<Connection>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE c.name = $1"))
            .bind(name)
            .fetch_optional(&mut *self.read().await?)
            .await?)
    }

    /// Creates a database connection and, in the same transaction, enables it
    /// for the listed applications.
    pub async fn create_connection(
        &self,
        ctx: &AuditContext,
        name: &str,
        enable_for: &[String],
        now: i64,
    ) -> CoreResult<Connection> {
        let name = name.trim();
        validate_connection_name(name)?;
        let id = new_id("con");
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO connections (id, name, strategy, created_at) VALUES ($1, $2, 'database', $3)")
            .bind(&id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(conflict_on("name", "A connection with this name already exists."))?;
        for client_id in enable_for {
            let n = sqlx::query(
                "INSERT INTO application_connections (client_id, connection_id) \
                 SELECT client_id, $2 FROM applications WHERE client_id = $1",
            )
            .bind(client_id)
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(CoreError::field(
                    "applications",
                    format!("Unknown application {client_id}."),
                ));
            }
        }
        append(
            &mut tx,
            ctx,
            "connection.created",
            Some(&id),
            json!({"name": name, "enabled_for": enable_for}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_connection(&id).await
    }

    /// Turns a connection on or off for one application.
    pub async fn set_connection_enabled(
        &self,
        ctx: &AuditContext,
        connection_id: &str,
        client_id: &str,
        enabled: bool,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM connections WHERE id = $1")
            .bind(connection_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(CoreError::NotFound("connection"));
        }
        let app: Option<(String,)> =
            sqlx::query_as("SELECT client_id FROM applications WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await?;
        if app.is_none() {
            return Err(CoreError::NotFound("application"));
        }
        sqlx::query(
            "DELETE FROM application_connections WHERE client_id = $1 AND connection_id = $2",
        )
        .bind(client_id)
        .bind(connection_id)
        .execute(&mut *tx)
        .await?;
        if enabled {
            sqlx::query(
                "INSERT INTO application_connections (client_id, connection_id) VALUES ($1, $2)",
            )
            .bind(client_id)
            .bind(connection_id)
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            ctx,
            if enabled {
                "connection.enabled"
            } else {
                "connection.disabled"
            },
            Some(connection_id),
            json!({"client_id": client_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    /// Client ids of the applications that have this connection enabled.
    pub async fn connection_clients(&self, connection_id: &str) -> CoreResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT client_id FROM application_connections WHERE connection_id = $1 ORDER BY client_id",
        )
        .bind(connection_id)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
