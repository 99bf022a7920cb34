//! /api/v1/users

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use masquerade::domain::user::{NewUser, UserPatch, UserQuery, UserSort};
use masquerade::domain::{connection::DEFAULT_CONNECTION, User};
use masquerade::error::{CoreError, Problems};
use masquerade::password::{check_strength, hash_password_blocking};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    connection_id: Option<String>,
    blocked: Option<bool>,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    desc: bool,
    after: Option<String>,
    limit: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::UsersRead)?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if p.q.len() > 200 {
        return Err(ApiError::bad_request(
            "Search text is limited to 200 characters.",
        ));
    }
    let page = state
        .services
        .store
        .search_users(&UserQuery {
            search: p.q,
            connection_id: p.connection_id.filter(|c| !c.is_empty()),
            blocked: p.blocked,
            role_id: None,
            sort: UserSort::parse(&p.sort),
            descending: p.desc,
            after: p.after.filter(|a| !a.is_empty()),
            limit: p.limit.unwrap_or(50).clamp(1, 100),
        })
        .await?;
    Ok(Json(json!(page)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    #[serde(default)]
    name: String,
    connection_id: Option<String>,
    password: Option<String>,
    picture: Option<String>,
    app_metadata: Option<Value>,
    user_metadata: Option<Value>,
}

fn metadata_text(v: Option<Value>) -> Option<String> {
    v.map(|v| v.to_string())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CreateUser>,
) -> Result<Response, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let store = &state.services.store;
    let connection_id = match body.connection_id {
        Some(c) => c,
        None => store
            .connection_by_name(DEFAULT_CONNECTION)
            .await?
            .map(|c| c.id)
            .ok_or(CoreError::NotFound("connection"))?,
    };
    let input = NewUser {
        email: body.email,
        name: body.name,
        connection_id,
        password: body.password.filter(|p| !p.is_empty()),
        picture: body.picture.filter(|p| !p.is_empty()),
        app_metadata: metadata_text(body.app_metadata),
        user_metadata: metadata_text(body.user_metadata),
    };
    input.validate()?;
    store
        .get_connection(&input.connection_id)
        .await
        .map_err(|_| CoreError::field("connection_id", "There is no connection with this id."))?;
    let hash = match &input.password {
        Some(p) => Some(hash_password_blocking(p.clone()).await?),
        None => None,
    };
    let now = masquerade::unix_now();
    let user = store
        .create_user(&caller.audit, &input, hash, &[], now)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(user))).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<User>, ApiError> {
    caller.require(Permission::UsersRead)?;
    Ok(Json(state.services.store.get_user(&id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    email: Option<String>,
    name: Option<String>,
    picture: Option<String>,
    app_metadata: Option<Value>,
    user_metadata: Option<Value>,
    blocked: Option<bool>,
    password: Option<String>,
}

/// Applies only the fields present. Everything is validated before the
/// first write, so a bad field leaves the user untouched.
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<PatchUser>,
) -> Result<Json<User>, ApiError> {
    caller.require(Permission::UsersWrite)?;
    let store = &state.services.store;
    let current = store.get_user(&id).await?;
    let profile_changed = body.email.is_some()
        || body.name.is_some()
        || body.picture.is_some()
        || body.app_metadata.is_some()
        || body.user_metadata.is_some();
    let patch = UserPatch {
        email: body.email.unwrap_or(current.email),
        name: body.name.unwrap_or(current.name),
        picture: body
            .picture
            .unwrap_or_else(|| current.picture.unwrap_or_default()),
        app_metadata: body
            .app_metadata
            .unwrap_or(current.app_metadata)
            .to_string(),
        user_metadata: body
            .user_metadata
            .unwrap_or(current.user_metadata)
            .to_string(),
    };
    patch.validate()?;
    if let Some(pw) = &body.password {
        let mut p = Problems::default();
        check_strength(&mut p, "password", pw);
        p.into_result()?;
    }
    let hash = match body.password {
        Some(pw) => Some(hash_password_blocking(pw).await?),
        None => None,
    };
    let now = masquerade::unix_now();
    if profile_changed {
        store.update_user(&caller.audit, &id, &patch, now).await?;
    }
    if let Some(hash) = hash {
        store
            .set_password_hash(&caller.audit, &id, &hash, now)
            .await?;
    }
    if let Some(blocked) = body.blocked.filter(|b| *b != current.blocked) {
        store.set_blocked(&caller.audit, &id, blocked, now).await?;
    }
    Ok(Json(store.get_user(&id).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::UsersWrite)?;
    state
        .services
        .store
        .delete_user(&caller.audit, &id, masquerade::unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
