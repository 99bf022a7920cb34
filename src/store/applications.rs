use serde_json::json;

use super::audit::{append, AuditContext};
use super::hot::ClientRecord;
use super::{Store, Tx};
use crate::domain::application::{AppType, Application, ApplicationInput, TokenSettings};
use crate::error::{CoreError, CoreResult};
use crate::secrets::{hash_secret, new_client_id, new_secret};

const SELECT: &str =
    "SELECT client_id, name, description, app_type, client_secret_hash, secret_rotated_at, \
     callback_urls, allowed_logout_urls, allowed_web_origins, initiate_login_uri, grant_types, \
     allow_impersonation, created_at, updated_at, id_token_lifetime_secs, refresh_tokens, refresh_rotation, \
     refresh_lifetime_secs, signing_alg, impersonation_refresh FROM applications";

#[derive(sqlx::FromRow)]
struct AppRow {
    client_id: String,
    name: String,
    description: String,
    app_type: String,
    client_secret_hash: Option<String>,
    secret_rotated_at: Option<i64>,
    callback_urls: String,
    allowed_logout_urls: String,
    allowed_web_origins: String,
    initiate_login_uri: Option<String>,
    grant_types: String,
    allow_impersonation: i64,
    created_at: i64,
    updated_at: i64,
    id_token_lifetime_secs: i64,
    refresh_tokens: i64,
    refresh_rotation: i64,
    refresh_lifetime_secs: i64,
    signing_alg: String,
    impersonation_refresh: i64,
}

fn list(raw: &str) -> Vec<String> {
    serde_json::from_str(raw).unwrap_or_default()
}

impl AppRow {
    fn into_app(self, connection_ids: Vec<String>) -> Application {
        Application {
            app_type: AppType::parse(&self.app_type).unwrap_or(AppType::RegularWeb),
            client_id: self.client_id,
            name: self.name,
            description: self.description,
            has_secret: self.client_secret_hash.is_some(),
            secret_rotated_at: self.secret_rotated_at,
            callback_urls: list(&self.callback_urls),
            allowed_logout_urls: list(&self.allowed_logout_urls),
            allowed_web_origins: list(&self.allowed_web_origins),
            initiate_login_uri: self.initiate_login_uri,
            grant_types: list(&self.grant_types),
            allow_impersonation: self.allow_impersonation != 0,
            connection_ids,
            created_at: self.created_at,
            updated_at: self.updated_at,
            tokens: crate::domain::application::TokenSettings {
                id_token_lifetime_secs: self.id_token_lifetime_secs,
                refresh_tokens: self.refresh_tokens != 0,
                refresh_rotation: self.refresh_rotation != 0,
                refresh_lifetime_secs: self.refresh_lifetime_secs,
                signing_alg: self.signing_alg,
                impersonation_refresh: self.impersonation_refresh != 0,
            },
        }
    }
}

/// The freshly generated client secret, shown to the administrator once.
#[derive(Debug, Clone)]
pub struct NewSecret(pub String);

impl Store {
    /// Creates an application. Confidential types get a client secret, which
    /// is returned here and never again.
    pub async fn create_application(
        &self,
        ctx: &AuditContext,
        input: &ApplicationInput,
        now: i64,
    ) -> CoreResult<(Application, Option<NewSecret>)> {
        self.create_application_with_id(ctx, input, &new_client_id(), None, now)
            .await
    }

    /// As `create_application`, with a chosen client id and optionally a
    /// chosen secret (bootstrap clients and the demo's sample app).
    pub async fn create_application_with_id(
        &self,
        ctx: &AuditContext,
        input: &ApplicationInput,
        client_id: &str,
        secret: Option<&str>,
        now: i64,
    ) -> CoreResult<(Application, Option<NewSecret>)> {
        let app_type = input.validate()?;
        let secret = app_type
            .is_confidential()
            .then(|| secret.map(String::from).unwrap_or_else(new_secret));
        let grants = if input.grant_types.is_empty() {
            app_type.default_grants()
        } else {
            input.grant_types.clone()
        };
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO applications (client_id, name, description, app_type, client_secret_hash, secret_rotated_at, \
               callback_urls, allowed_logout_urls, allowed_web_origins, initiate_login_uri, grant_types, \
               allow_impersonation, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(client_id)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(app_type.as_str())
        .bind(secret.as_deref().map(hash_secret))
        .bind(secret.as_ref().map(|_| now))
        .bind(json!(input.callback_urls).to_string())
        .bind(json!(input.allowed_logout_urls).to_string())
        .bind(json!(input.allowed_web_origins).to_string())
        .bind(Some(input.initiate_login_uri.trim().to_string()).filter(|s| !s.is_empty()))
        .bind(json!(grants).to_string())
        .bind(i64::from(input.allow_impersonation))
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(super::conflict_on("client_id", "An application with this client id already exists."))?;
        set_connections(&mut tx, client_id, &input.connection_ids).await?;
        append(
            &mut tx,
            ctx,
            "application.created",
            Some(client_id),
            json!({"name": input.name.trim(), "type": app_type.as_str()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok((
            self.get_application(client_id).await?,
            secret.map(NewSecret),
        ))
    }

    pub async fn update_application(
        &self,
        ctx: &AuditContext,
        client_id: &str,
        input: &ApplicationInput,
        now: i64,
    ) -> CoreResult<Application> {
        let current = self.get_application(client_id).await?;
        let app_type = input.validate()?;
        if app_type.is_confidential() != current.app_type.is_confidential() {
            return Err(CoreError::field(
                "app_type",
                "An application cannot switch between public and confidential; create a new one instead.",
            ));
        }
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE applications SET name = $2, description = $3, app_type = $4, callback_urls = $5, \
               allowed_logout_urls = $6, allowed_web_origins = $7, initiate_login_uri = $8, grant_types = $9, \
               allow_impersonation = $10, updated_at = $11 WHERE client_id = $1",
        )
        .bind(client_id)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(app_type.as_str())
        .bind(json!(input.callback_urls).to_string())
        .bind(json!(input.allowed_logout_urls).to_string())
        .bind(json!(input.allowed_web_origins).to_string())
        .bind(Some(input.initiate_login_uri.trim().to_string()).filter(|s| !s.is_empty()))
        .bind(json!(input.grant_types).to_string())
        .bind(i64::from(input.allow_impersonation))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        set_connections(&mut tx, client_id, &input.connection_ids).await?;
        append(
            &mut tx,
            ctx,
            "application.updated",
            Some(client_id),
            json!({"name": input.name.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_application(client_id).await
    }

    pub async fn update_token_settings(
        &self,
        ctx: &AuditContext,
        client_id: &str,
        tokens: &TokenSettings,
        now: i64,
    ) -> CoreResult<Application> {
        tokens.validate()?;
        self.get_application(client_id).await?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE applications SET id_token_lifetime_secs = $2, refresh_tokens = $3, refresh_rotation = $4, \
             refresh_lifetime_secs = $5, signing_alg = $6, updated_at = $7, impersonation_refresh = $8 \
             WHERE client_id = $1",
        )
        .bind(client_id)
        .bind(tokens.id_token_lifetime_secs)
        .bind(i64::from(tokens.refresh_tokens))
        .bind(i64::from(tokens.refresh_rotation))
        .bind(tokens.refresh_lifetime_secs)
        .bind(&tokens.signing_alg)
        .bind(now)
        .bind(i64::from(tokens.impersonation_refresh))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            ctx,
            "application.tokens_updated",
            Some(client_id),
            json!(tokens),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_application(client_id).await
    }

    pub async fn rotate_secret(
        &self,
        ctx: &AuditContext,
        client_id: &str,
        now: i64,
    ) -> CoreResult<NewSecret> {
        self.replace_secret(ctx, client_id, new_secret(), now).await
    }

    /// Sets a secret chosen by the operator (the bootstrap client).
    pub async fn replace_secret(
        &self,
        ctx: &AuditContext,
        client_id: &str,
        secret: String,
        now: i64,
    ) -> CoreResult<NewSecret> {
        let app = self.get_application(client_id).await?;
        if !app.app_type.is_confidential() {
            return Err(CoreError::field(
                "secret",
                "Public applications have no client secret.",
            ));
        }
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE applications SET client_secret_hash = $2, secret_rotated_at = $3, updated_at = $3 WHERE client_id = $1")
            .bind(client_id)
            .bind(hash_secret(&secret))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            ctx,
            "application.secret_rotated",
            Some(client_id),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(NewSecret(secret))
    }

    pub async fn delete_application(
        &self,
        ctx: &AuditContext,
        client_id: &str,
        now: i64,
    ) -> CoreResult<()> {
        let app = self.get_application(client_id).await?;
        if ctx.actor_id.as_deref() == Some(format!("{client_id}@clients").as_str()) {
            return Err(CoreError::Forbidden(
                "An application cannot delete itself.".into(),
            ));
        }
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM application_connections WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM applications WHERE client_id = $1")
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            ctx,
            "application.deleted",
            Some(client_id),
            json!({"name": app.name}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    pub async fn get_application(&self, client_id: &str) -> CoreResult<Application> {
        let row: AppRow = sqlx::query_as(&format!("{SELECT} WHERE client_id = $1"))
            .bind(client_id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("application"))?;
        let conns: Vec<(String,)> =
            sqlx::query_as("SELECT connection_id FROM application_connections WHERE client_id = $1 ORDER BY connection_id")
                .bind(client_id)
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(row.into_app(conns.into_iter().map(|c| c.0).collect()))
    }

    pub async fn list_applications(&self) -> CoreResult<Vec<Application>> {
        let rows: Vec<AppRow> = sqlx::query_as(&format!("{SELECT} ORDER BY name, client_id"))
            .fetch_all(&mut *self.read().await?)
            .await?;
        let links: Vec<(String, String)> = sqlx::query_as(
            "SELECT client_id, connection_id FROM application_connections ORDER BY connection_id",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let conns = links
                    .iter()
                    .filter(|l| l.0 == r.client_id)
                    .map(|l| l.1.clone())
                    .collect();
                r.into_app(conns)
            })
            .collect())
    }

    /// The application and its secret hash, for client authentication at
    /// the token, revocation and introspection endpoints. Served from the
    /// token endpoint's cache (`store::hot`), at most `HOT_TTL` old.
    pub async fn client_for_auth(
        &self,
        client_id: &str,
    ) -> CoreResult<Option<std::sync::Arc<ClientRecord>>> {
        let hot = self.hot();
        if let Some(c) = hot.get(&hot.clients, client_id) {
            return Ok(Some(c));
        }
        let seen = hot.generation();
        let row: Option<AppRow> = sqlx::query_as(&format!("{SELECT} WHERE client_id = $1"))
            .bind(client_id)
            .fetch_optional(&mut *self.read().await?)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let conns: Vec<(String,)> =
            sqlx::query_as("SELECT connection_id FROM application_connections WHERE client_id = $1 ORDER BY connection_id")
                .bind(client_id)
                .fetch_all(&mut *self.read().await?)
                .await?;
        let secret_hash = row.client_secret_hash.clone();
        let record = std::sync::Arc::new(ClientRecord {
            app: row.into_app(conns.into_iter().map(|c| c.0).collect()),
            secret_hash,
        });
        hot.put(&hot.clients, client_id, record.clone(), seen);
        Ok(Some(record))
    }

    /// `get_application` served from `store::hot` like `client_for_auth`:
    /// for the paths that read it on every request (Sign in as User links).
    pub async fn application_hot(&self, client_id: &str) -> CoreResult<Application> {
        match self.client_for_auth(client_id).await? {
            Some(c) => Ok(c.app.clone()),
            None => Err(CoreError::NotFound("application")),
        }
    }

    /// Checks a presented client secret against the stored hash.
    pub async fn verify_client_secret(&self, client_id: &str, secret: &str) -> CoreResult<bool> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT client_secret_hash FROM applications WHERE client_id = $1")
                .bind(client_id)
                .fetch_optional(&mut *self.read().await?)
                .await?;
        Ok(match row {
            Some((Some(hash),)) => crate::secrets::hashes_equal(&hash, &hash_secret(secret)),
            _ => false,
        })
    }
}

async fn set_connections(
    tx: &mut Tx,
    client_id: &str,
    connection_ids: &[String],
) -> CoreResult<()> {
    sqlx::query("DELETE FROM application_connections WHERE client_id = $1")
        .bind(client_id)
        .execute(&mut **tx)
        .await?;
    let mut seen = std::collections::HashSet::new();
    for cid in connection_ids.iter().filter(|c| seen.insert(c.as_str())) {
        let n = sqlx::query(
            "INSERT INTO application_connections (client_id, connection_id) SELECT $1, id FROM connections WHERE id = $2",
        )
        .bind(client_id)
        .bind(cid)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(CoreError::field(
                "connections",
                "One of the chosen connections does not exist.",
            ));
        }
    }
    Ok(())
}
