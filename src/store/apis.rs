//! APIs (resource servers) and which applications each one authorizes.

use std::sync::Arc;

use serde_json::json;

use super::audit::{append, AuditContext};
use super::{conflict_on, Store};
use crate::domain::api::{Api, ApiInput, ClientGrant, Permission};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;

#[derive(sqlx::FromRow)]
struct ApiRow {
    id: String,
    identifier: String,
    name: String,
    signing_alg: String,
    token_lifetime_secs: i64,
    permissions: String,
    builtin: i64,
    permissions_in_token: i64,
}

const SELECT: &str =
    "SELECT id, identifier, name, signing_alg, token_lifetime_secs, permissions, builtin, \
       permissions_in_token FROM apis";

impl Store {
    async fn api_from_row(&self, r: ApiRow) -> CoreResult<Api> {
        let clients: Vec<(String, String)> = sqlx::query_as(
            "SELECT client_id, scopes FROM api_clients WHERE api_id = $1 ORDER BY client_id",
        )
        .bind(&r.id)
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(Api {
            grants: clients
                .iter()
                .map(|(c, scopes)| ClientGrant {
                    client_id: c.clone(),
                    permissions: serde_json::from_str(scopes).unwrap_or_default(),
                })
                .collect(),
            permissions_in_token: r.permissions_in_token != 0,
            permissions: serde_json::from_str::<Vec<Permission>>(&r.permissions)
                .unwrap_or_default(),
            id: r.id,
            identifier: r.identifier,
            name: r.name,
            signing_alg: r.signing_alg,
            token_lifetime_secs: r.token_lifetime_secs,
            builtin: r.builtin != 0,
            client_ids: clients.into_iter().map(|c| c.0).collect(),
        })
    }

    pub async fn create_api(
        &self,
        ctx: &AuditContext,
        input: &ApiInput,
        builtin: bool,
        now: i64,
    ) -> CoreResult<Api> {
        input.validate()?;
        let id = new_id("api");
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO apis (id, identifier, name, signing_alg, token_lifetime_secs, permissions, builtin, \
               permissions_in_token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(input.identifier.trim())
        .bind(input.name.trim())
        .bind(&input.signing_alg)
        .bind(input.token_lifetime_secs)
        .bind(json!(input.permissions).to_string())
        .bind(i64::from(builtin))
        .bind(i64::from(input.permissions_in_token))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("identifier", "An API with this identifier already exists."))?;
        append(
            &mut tx,
            ctx,
            "api.created",
            Some(&id),
            json!({"identifier": input.identifier.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_api(&id).await
    }

    /// Changes an API. The built-in Management API keeps its identifier and
    /// permissions: the server's own authorization depends on them.
    pub async fn update_api(
        &self,
        ctx: &AuditContext,
        id: &str,
        input: &ApiInput,
        now: i64,
    ) -> CoreResult<Api> {
        input.validate()?;
        let current = self.get_api(id).await?;
        if current.builtin
            && (input.identifier.trim() != current.identifier
                || input.permissions != current.permissions)
        {
            return Err(CoreError::field(
                "identifier",
                "The Management API's identifier and permissions are fixed.",
            ));
        }
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE apis SET identifier = $2, name = $3, signing_alg = $4, token_lifetime_secs = $5, \
             permissions = $6, permissions_in_token = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(input.identifier.trim())
        .bind(input.name.trim())
        .bind(&input.signing_alg)
        .bind(input.token_lifetime_secs)
        .bind(json!(input.permissions).to_string())
        .bind(i64::from(input.permissions_in_token))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("identifier", "An API with this identifier already exists."))?;
        // A permission the API no longer defines leaves every role and
        // every client grant that held it.
        let dropped: Vec<&str> = current
            .permissions
            .iter()
            .filter(|p| !input.permissions.iter().any(|n| n.value == p.value))
            .map(|p| p.value.as_str())
            .collect();
        for perm in &dropped {
            sqlx::query("DELETE FROM role_permissions WHERE api_id = $1 AND permission = $2")
                .bind(id)
                .bind(*perm)
                .execute(&mut *tx)
                .await?;
        }
        if !dropped.is_empty() {
            for g in &current.grants {
                let kept: Vec<&String> = g
                    .permissions
                    .iter()
                    .filter(|p| !dropped.contains(&p.as_str()))
                    .collect();
                sqlx::query(
                    "UPDATE api_clients SET scopes = $3 WHERE api_id = $1 AND client_id = $2",
                )
                .bind(id)
                .bind(&g.client_id)
                .bind(json!(kept).to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        append(
            &mut tx,
            ctx,
            "api.updated",
            Some(id),
            json!({"identifier": input.identifier.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_api(id).await
    }

    /// Keeps the built-in API's identifier and permissions in line with this
    /// build and the configured public URL (both can change between starts).
    pub async fn sync_builtin_api(&self, input: &ApiInput, now: i64) -> CoreResult<Api> {
        input.validate()?;
        let existing: Option<(String,)> = sqlx::query_as("SELECT id FROM apis WHERE builtin = 1")
            .fetch_optional(&mut *self.read().await?)
            .await?;
        let Some((id,)) = existing else {
            return self
                .create_api(&AuditContext::system(), input, true, now)
                .await;
        };
        let current = self.get_api(&id).await?;
        if current.identifier == input.identifier && current.permissions == input.permissions {
            return Ok(current);
        }
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE apis SET identifier = $2, permissions = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(&id)
        .bind(&input.identifier)
        .bind(json!(input.permissions).to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            &AuditContext::system(),
            "api.updated",
            Some(&id),
            json!({"identifier": input.identifier}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_api(&id).await
    }

    pub async fn delete_api(&self, ctx: &AuditContext, id: &str, now: i64) -> CoreResult<()> {
        let api = self.get_api(id).await?;
        if api.builtin {
            return Err(CoreError::field(
                "api",
                "The Management API is built in and cannot be deleted.",
            ));
        }
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM api_clients WHERE api_id = $1",
            "DELETE FROM role_permissions WHERE api_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM apis WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            ctx,
            "api.deleted",
            Some(id),
            json!({"identifier": api.identifier}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    pub async fn get_api(&self, id: &str) -> CoreResult<Api> {
        let row: ApiRow = sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("API"))?;
        self.api_from_row(row).await
    }

    pub async fn api_by_identifier(&self, identifier: &str) -> CoreResult<Option<Api>> {
        let row: Option<ApiRow> = sqlx::query_as(&format!("{SELECT} WHERE identifier = $1"))
            .bind(identifier)
            .fetch_optional(&mut *self.read().await?)
            .await?;
        match row {
            Some(r) => Ok(Some(self.api_from_row(r).await?)),
            None => Ok(None),
        }
    }

    /// `api_by_identifier` for token requests, served from the token
    /// endpoint's cache (`store::hot`), at most `HOT_TTL` old.
    pub async fn api_for_token(&self, identifier: &str) -> CoreResult<Option<Arc<Api>>> {
        let hot = self.hot();
        if let Some(a) = hot.get(&hot.apis, identifier) {
            return Ok(Some(a));
        }
        let seen = hot.generation();
        let Some(api) = self.api_by_identifier(identifier).await? else {
            return Ok(None);
        };
        let api = Arc::new(api);
        hot.put(&hot.apis, identifier, api.clone(), seen);
        Ok(Some(api))
    }

    pub async fn list_apis(&self) -> CoreResult<Vec<Api>> {
        let rows: Vec<ApiRow> = sqlx::query_as(&format!("{SELECT} ORDER BY builtin DESC, name"))
            .fetch_all(&mut *self.read().await?)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.api_from_row(r).await?);
        }
        Ok(out)
    }

    /// Lets (or stops) an application request tokens for an API. A client
    /// newly authorized is granted none of the API's permissions until
    /// they are chosen (`set_client_grant`); authorizing it again keeps
    /// what it has.
    pub async fn set_api_client(
        &self,
        ctx: &AuditContext,
        api_id: &str,
        client_id: &str,
        authorized: bool,
        now: i64,
    ) -> CoreResult<()> {
        let api = self.get_api(api_id).await?;
        if api.builtin && !authorized {
            refuse_own_management_grant(ctx, client_id)?;
        }
        let granted = api.granted_to(client_id).map(<[String]>::to_vec);
        if authorized && granted.is_some() {
            return Ok(());
        }
        if !authorized && granted.is_none() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        require_application(&mut tx, client_id).await?;
        sqlx::query("DELETE FROM api_clients WHERE api_id = $1 AND client_id = $2")
            .bind(api_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        if authorized {
            sqlx::query(
                "INSERT INTO api_clients (api_id, client_id, scopes) VALUES ($1, $2, '[]')",
            )
            .bind(api_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            ctx,
            if authorized {
                "api.client_authorized"
            } else {
                "api.client_deauthorized"
            },
            Some(api_id),
            json!({"client_id": client_id, "before": granted, "after": authorized.then(Vec::<String>::new)}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    /// Sets which of the API's permissions client_credentials may give the
    /// client, authorizing it if it was not. Each must be one the API
    /// defines. Audited with before and after.
    pub async fn set_client_grant(
        &self,
        ctx: &AuditContext,
        api_id: &str,
        client_id: &str,
        permissions: &[String],
        now: i64,
    ) -> CoreResult<Api> {
        let api = self.get_api(api_id).await?;
        if let Some(bad) = permissions.iter().find(|p| !api.defines(p)) {
            return Err(CoreError::field(
                "permissions",
                format!(
                    "{} has no permission \"{}\".",
                    api.name,
                    bad.chars().take(100).collect::<String>()
                ),
            ));
        }
        if api.builtin {
            refuse_own_management_grant(ctx, client_id)?;
            ctx.may_grant(
                permissions
                    .iter()
                    .filter_map(|p| crate::authz::Permission::parse(p))
                    .collect(),
            )?;
        }
        let mut after: Vec<String> = permissions.to_vec();
        after.sort();
        after.dedup();
        let before = api.granted_to(client_id).map(<[String]>::to_vec);
        let mut tx = self.begin().await?;
        require_application(&mut tx, client_id).await?;
        sqlx::query("DELETE FROM api_clients WHERE api_id = $1 AND client_id = $2")
            .bind(api_id)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO api_clients (api_id, client_id, scopes) VALUES ($1, $2, $3)")
            .bind(api_id)
            .bind(client_id)
            .bind(json!(after).to_string())
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            ctx,
            "api.client_grant_changed",
            Some(api_id),
            json!({"client_id": client_id, "before": before, "after": after}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_api(api_id).await
    }

    /// Identifiers of the APIs that authorize this application.
    /// Served from `store::hot`, at most `HOT_TTL` old.
    pub async fn audiences_for_client(&self, client_id: &str) -> CoreResult<Vec<String>> {
        let hot = self.hot();
        if let Some(a) = hot.get(&hot.audiences, client_id) {
            return Ok(a.as_ref().clone());
        }
        let seen = hot.generation();
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT a.identifier FROM apis a JOIN api_clients c ON c.api_id = a.id WHERE c.client_id = $1 ORDER BY a.identifier",
        )
        .bind(client_id)
        .fetch_all(&mut *self.read().await?)
        .await?;
        let list: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        hot.put(&hot.audiences, client_id, Arc::new(list.clone()), seen);
        Ok(list)
    }
}

async fn require_application(tx: &mut super::Tx, client_id: &str) -> CoreResult<()> {
    let app: Option<(String,)> =
        sqlx::query_as("SELECT client_id FROM applications WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&mut **tx)
            .await?;
    if app.is_none() {
        return Err(CoreError::NotFound("application"));
    }
    Ok(())
}

/// A client may not change its own grant on the Management API: narrowing
/// it would lock the automation out, and widening it is an escalation.
fn refuse_own_management_grant(ctx: &AuditContext, client_id: &str) -> CoreResult<()> {
    if ctx.actor_id.as_deref() == Some(format!("{client_id}@clients").as_str()) {
        return Err(CoreError::Forbidden(
            "An application cannot change its own access to the Management API.".into(),
        ));
    }
    Ok(())
}
