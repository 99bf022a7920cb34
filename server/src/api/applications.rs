//! /api/v1/applications

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use masquerade::domain::application::TokenSettings;
use masquerade::domain::{Application, ApplicationInput, DEFAULT_CONNECTION};
use masquerade::error::CoreError;
use masquerade::services::Services;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppBody {
    name: String,
    #[serde(default)]
    description: String,
    app_type: String,
    #[serde(default)]
    callback_urls: Vec<String>,
    #[serde(default)]
    allowed_logout_urls: Vec<String>,
    #[serde(default)]
    allowed_web_origins: Vec<String>,
    #[serde(default)]
    initiate_login_uri: String,
    #[serde(default)]
    grant_types: Vec<String>,
    #[serde(default)]
    allow_impersonation: bool,
    /// Omitted: the default connection, so the app's users can sign in.
    connection_ids: Option<Vec<String>>,
    tokens: Option<TokenSettings>,
}

impl AppBody {
    async fn into_input(
        self,
        svc: &Services,
    ) -> Result<(ApplicationInput, Option<TokenSettings>), ApiError> {
        let connection_ids = match self.connection_ids {
            Some(ids) => ids,
            None => svc
                .store
                .connection_by_name(DEFAULT_CONNECTION)
                .await?
                .map(|c| vec![c.id])
                .unwrap_or_default(),
        };
        let input = ApplicationInput {
            name: self.name,
            description: self.description,
            app_type: self.app_type,
            callback_urls: self.callback_urls,
            allowed_logout_urls: self.allowed_logout_urls,
            allowed_web_origins: self.allowed_web_origins,
            initiate_login_uri: self.initiate_login_uri,
            grant_types: self.grant_types,
            allow_impersonation: self.allow_impersonation,
            connection_ids,
        };
        // Validate everything before the first write.
        input.validate()?;
        if let Some(t) = &self.tokens {
            t.validate()?;
        }
        let known = svc.store.list_connections().await?;
        if let Some(bad) = input
            .connection_ids
            .iter()
            .find(|id| !known.iter().any(|c| &c.id == *id))
        {
            return Err(CoreError::field(
                "connection_ids",
                format!("There is no connection \"{bad}\"."),
            )
            .into());
        }
        Ok((input, self.tokens))
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ApplicationsRead)?;
    let apps = state.services.store.list_applications().await?;
    Ok(Json(json!({ "applications": apps })))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(client_id): PathParams<String>,
) -> Result<Json<Application>, ApiError> {
    caller.require(Permission::ApplicationsRead)?;
    Ok(Json(
        state.services.store.get_application(&client_id).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<AppBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ApplicationsWrite)?;
    let svc = &state.services;
    let (input, tokens) = body.into_input(svc).await?;
    let now = masquerade::unix_now();
    let (mut app, secret) = svc
        .store
        .create_application(&caller.audit, &input, now)
        .await?;
    if let Some(t) = tokens {
        app = svc
            .store
            .update_token_settings(&caller.audit, &app.client_id, &t, now)
            .await?;
    }
    let mut body = json!({ "application": app });
    if let Some(s) = secret {
        body["client_secret"] = json!(s.0);
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(client_id): PathParams<String>,
    JsonBody(body): JsonBody<AppBody>,
) -> Result<Json<Application>, ApiError> {
    caller.require(Permission::ApplicationsWrite)?;
    let svc = &state.services;
    let (input, tokens) = body.into_input(svc).await?;
    let now = masquerade::unix_now();
    let mut app = svc
        .store
        .update_application(&caller.audit, &client_id, &input, now)
        .await?;
    if let Some(t) = tokens {
        app = svc
            .store
            .update_token_settings(&caller.audit, &client_id, &t, now)
            .await?;
    }
    Ok(Json(app))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(client_id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ApplicationsWrite)?;
    state
        .services
        .store
        .delete_application(&caller.audit, &client_id, masquerade::unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(client_id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ApplicationsWrite)?;
    let secret = state
        .services
        .store
        .rotate_secret(&caller.audit, &client_id, masquerade::unix_now())
        .await?;
    Ok(Json(
        json!({ "client_id": client_id, "client_secret": secret.0 }),
    ))
}
