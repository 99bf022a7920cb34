//! /api/v1/roles, a user's roles and permissions, and what an API grants
//! each client. The same store functions as the console's; the rules
//! (built-in roles fixed, the last administrator kept) live there.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use masquerade::domain::{Api, PermissionRef, Role, RoleDetail, RoleInput, UserQuery};
use masquerade::error::CoreError;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

/// At most this many ids or permissions in one request.
const MAX_ITEMS: usize = 100;

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if p.q.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "Search text is limited to 200 characters.",
        ));
    }
    let roles = state.services.store.list_roles(&p.q).await?;
    Ok(Json(json!({ "roles": roles })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    client_id: Option<String>,
    /// Copy this role's permissions (any role, built-in ones included).
    #[serde(default)]
    copy_from: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<NewRole>,
) -> Result<Response, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let input = RoleInput {
        name: body.name,
        description: body.description,
        client_id: body.client_id,
    };
    let store = &state.services.store;
    let now = masquerade::unix_now();
    let role = match body.copy_from.filter(|c| !c.is_empty()) {
        Some(from) => {
            store
                .duplicate_role(&caller.audit, &from, &input, now)
                .await?
        }
        None => store.create_role(&caller.audit, &input, &[], now).await?,
    };
    Ok((StatusCode::CREATED, Json(role)).into_response())
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<RoleDetail>, ApiError> {
    caller.require(Permission::RolesRead)?;
    Ok(Json(state.services.store.role_detail(&id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    client_id: Option<String>,
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<RoleBody>,
) -> Result<Json<Role>, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let input = RoleInput {
        name: body.name,
        description: body.description,
        client_id: body.client_id,
    };
    Ok(Json(
        state
            .services
            .store
            .update_role(&caller.audit, &id, &input, masquerade::unix_now())
            .await?,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::RolesWrite)?;
    state
        .services
        .store
        .delete_role(&caller.audit, &id, masquerade::unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn permissions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let d = state.services.store.role_detail(&id).await?;
    Ok(Json(json!({ "permissions": d.permissions })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionList {
    permissions: Vec<PermissionRef>,
}

fn bounded<T>(items: &[T], field: &str) -> Result<(), ApiError> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(CoreError::field(field, format!("Give between 1 and {MAX_ITEMS}.")).into());
    }
    Ok(())
}

async fn change_permissions(
    state: &AppState,
    caller: &Caller,
    id: &str,
    add: &[PermissionRef],
    remove: &[PermissionRef],
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let d = state
        .services
        .store
        .change_role_permissions(&caller.audit, id, add, remove, masquerade::unix_now())
        .await?;
    Ok(Json(json!({ "permissions": d.permissions })))
}

pub async fn add_permissions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<PermissionList>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesWrite)?;
    bounded(&body.permissions, "permissions")?;
    change_permissions(&state, &caller, &id, &body.permissions, &[]).await
}

pub async fn remove_permissions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<PermissionList>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesWrite)?;
    bounded(&body.permissions, "permissions")?;
    change_permissions(&state, &caller, &id, &[], &body.permissions).await
}

#[derive(Deserialize)]
pub struct MemberParams {
    #[serde(default)]
    q: String,
    after: Option<String>,
    limit: Option<i64>,
}

pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    params: Result<Query<MemberParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    if p.q.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "Search text is limited to 200 characters.",
        ));
    }
    let store = &state.services.store;
    store.get_role(&id).await?;
    let page = store
        .search_users(&UserQuery {
            search: p.q,
            role_id: Some(id),
            after: p.after.filter(|a| !a.is_empty()),
            limit: p.limit.unwrap_or(50).clamp(1, 100),
            ..Default::default()
        })
        .await?;
    Ok(Json(json!(page)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserIds {
    users: Vec<String>,
}

pub async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<UserIds>,
) -> Result<Json<Value>, ApiError> {
    assign(
        &state,
        &caller,
        std::slice::from_ref(&id),
        &body.users,
        "users",
    )
    .await
}

/// Gives every role to every user; `field` names the list the caller sent.
async fn assign(
    state: &AppState,
    caller: &Caller,
    roles: &[String],
    users: &[String],
    field: &str,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesWrite)?;
    bounded(if field == "users" { users } else { roles }, field)?;
    let added = state
        .services
        .store
        .assign_roles(&caller.audit, roles, users, masquerade::unix_now())
        .await?;
    Ok(Json(json!({ "added": added })))
}

async fn unassign(
    state: &AppState,
    caller: &Caller,
    role_id: &str,
    user_id: &str,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::RolesWrite)?;
    let store = &state.services.store;
    store.get_user(user_id).await?;
    if store
        .unassign_role(&caller.audit, role_id, user_id, masquerade::unix_now())
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(CoreError::NotFound("membership").into())
    }
}

pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, user_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    unassign(&state, &caller, &id, &user_id).await
}

pub async fn user_roles(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let store = &state.services.store;
    store.get_user(&user_id).await?;
    Ok(Json(
        json!({ "roles": store.roles_of_user(&user_id).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleIds {
    roles: Vec<String>,
}

pub async fn add_user_roles(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody<RoleIds>,
) -> Result<Json<Value>, ApiError> {
    assign(
        &state,
        &caller,
        &body.roles,
        std::slice::from_ref(&user_id),
        "roles",
    )
    .await
}

pub async fn remove_user_role(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((user_id, role_id)): PathParams<(String, String)>,
) -> Result<StatusCode, ApiError> {
    unassign(&state, &caller, &role_id, &user_id).await
}

pub async fn user_permissions(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::RolesRead)?;
    let held = state.services.store.user_permissions(&user_id).await?;
    Ok(Json(json!({ "permissions": held })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    permissions: Vec<String>,
}

/// Which of the API's permissions client_credentials may give the client
/// (authorizing it if it was not).
pub async fn set_client_grant(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((id, client_id)): PathParams<(String, String)>,
    JsonBody(body): JsonBody<Grant>,
) -> Result<Json<Api>, ApiError> {
    caller.require(Permission::ApisWrite)?;
    if body.permissions.len() > 200 {
        return Err(CoreError::field("permissions", "Give at most 200.").into());
    }
    Ok(Json(
        state
            .services
            .store
            .set_client_grant(
                &caller.audit,
                &id,
                &client_id,
                &body.permissions,
                masquerade::unix_now(),
            )
            .await?,
    ))
}
