//! /api/v1/connections

use axum::extract::State;
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use serde_json::{json, Value};

use super::{ApiError, Caller, PathParams};
use app::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ConnectionsRead)?;
    let store = &state.services.store;
    let mut out = Vec::new();
    for c in store.list_connections().await? {
        let clients = store.connection_clients(&c.id).await?;
        let mut v = json!(c);
        v["enabled_clients"] = json!(clients);
        out.push(v);
    }
    Ok(Json(json!({ "connections": out })))
}

async fn set(
    state: AppState,
    caller: Caller,
    id: String,
    client_id: String,
    enabled: bool,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ConnectionsWrite)?;
    state
        .services
        .store
        .set_connection_enabled(
            &caller.audit,
            &id,
            &client_id,
            enabled,
            masquerade::unix_now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, client_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(state, caller, id, client_id, true).await
}

pub async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, client_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set(state, caller, id, client_id, false).await
}
