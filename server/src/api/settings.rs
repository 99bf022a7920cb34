//! /api/v1/settings/impersonation: the tenant's rules for Sign in as User.

use axum::extract::State;
use axum::Json;
use masquerade::authz::Permission;
use masquerade::domain::impersonation::ImpersonationSettings;
use masquerade::impersonation::settings;

use super::{ApiError, Caller, JsonBody};
use app::state::AppState;

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ImpersonationSettings>, ApiError> {
    caller.require(Permission::SettingsRead)?;
    Ok(Json(settings::load(&state.services.store).await?))
}

pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<ImpersonationSettings>,
) -> Result<Json<ImpersonationSettings>, ApiError> {
    caller.require(Permission::SettingsWrite)?;
    let store = &state.services.store;
    settings::save(store, &caller.audit, &body, masquerade::unix_now()).await?;
    Ok(Json(settings::load(store).await?))
}
