//! /api/v1/apis: resource servers and the applications they authorize.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use masquerade::domain::{Api, ApiInput};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiBody {
    identifier: String,
    name: String,
    #[serde(default = "default_alg")]
    signing_alg: String,
    #[serde(default = "default_lifetime")]
    token_lifetime_secs: i64,
    #[serde(default)]
    permissions: Vec<masquerade::domain::Permission>,
    #[serde(default)]
    permissions_in_token: bool,
}

fn default_alg() -> String {
    "ES256".into()
}

fn default_lifetime() -> i64 {
    3600
}

impl From<ApiBody> for ApiInput {
    fn from(b: ApiBody) -> Self {
        ApiInput {
            identifier: b.identifier,
            name: b.name,
            signing_alg: b.signing_alg,
            token_lifetime_secs: b.token_lifetime_secs,
            permissions: b.permissions,
            permissions_in_token: b.permissions_in_token,
        }
    }
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ApisRead)?;
    Ok(Json(
        json!({ "apis": state.services.store.list_apis().await? }),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Api>, ApiError> {
    caller.require(Permission::ApisRead)?;
    Ok(Json(state.services.store.get_api(&id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<ApiBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ApisWrite)?;
    let api = state
        .services
        .store
        .create_api(&caller.audit, &body.into(), false, masquerade::unix_now())
        .await?;
    Ok((StatusCode::CREATED, Json(api)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<ApiBody>,
) -> Result<Json<Api>, ApiError> {
    caller.require(Permission::ApisWrite)?;
    Ok(Json(
        state
            .services
            .store
            .update_api(&caller.audit, &id, &body.into(), masquerade::unix_now())
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ApisWrite)?;
    state
        .services
        .store
        .delete_api(&caller.audit, &id, masquerade::unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_client(
    state: AppState,
    caller: Caller,
    id: String,
    client_id: String,
    authorized: bool,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ApisWrite)?;
    state
        .services
        .store
        .set_api_client(
            &caller.audit,
            &id,
            &client_id,
            authorized,
            masquerade::unix_now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn authorize(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, client_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_client(state, caller, id, client_id, true).await
}

pub async fn deauthorize(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, client_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_client(state, caller, id, client_id, false).await
}
