use leptos::prelude::*;

use crate::dto::{UserDetail, UserPageDto};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn row(
    p: masquerade::impersonation::Person,
    impersonate_disabled: Option<String>,
) -> crate::dto::UserRow {
    let u = p.user;
    crate::dto::UserRow {
        impersonate_disabled,
        roles: p.holdings.roles.into_iter().map(|r| r.name).collect(),
        id: u.id,
        email: u.email,
        name: u.name,
        connection: u.connection_name,
        blocked: u.blocked,
        last_login_at: u.last_login_at,
        login_count: u.login_count,
        created_at: u.created_at,
    }
}

#[cfg(feature = "ssr")]
fn detail(
    u: masquerade::domain::User,
    role_names: Vec<String>,
    me: &str,
    impersonate_disabled: Option<String>,
) -> UserDetail {
    let pretty =
        |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    UserDetail {
        impersonate_disabled,
        role_names,
        is_self: u.id == me,
        app_metadata: pretty(&u.app_metadata),
        user_metadata: pretty(&u.user_metadata),
        id: u.id,
        email: u.email,
        name: u.name,
        picture: u.picture.unwrap_or_default(),
        connection_id: u.connection_id,
        connection: u.connection_name,
        blocked: u.blocked,
        protected: u.protected,
        has_password: u.has_password,
        created_at: u.created_at,
        updated_at: u.updated_at,
        last_login_at: u.last_login_at,
        login_count: u.login_count,
        roles: u.roles,
    }
}

/// A user's page, with their roles' names and whether the viewer may sign
/// in as them.
#[cfg(feature = "ssr")]
async fn detail_for(
    c: &super::ctx::Console,
    user: masquerade::domain::User,
) -> Result<UserDetail, AppError> {
    use super::ctx::fail;
    use masquerade::impersonation::policy::person_of;
    let svc = &c.state.services;
    let me = super::impersonation::actor(c).await?;
    let target = person_of(svc, user.clone()).await.map_err(fail)?;
    let reason = masquerade::impersonation::options::ButtonContext::load(svc, &me)
        .await
        .map_err(fail)?
        .disabled_reason(&me, &target, masquerade::unix_now());
    let role_names = target.holdings.roles.into_iter().map(|r| r.name).collect();
    Ok(detail(user, role_names, &c.session.user_id, reason))
}

#[server(endpoint = "search_users")]
pub async fn search_users(
    q: String,
    connection: String,
    status: String,
    sort: String,
    desc: bool,
    after: Option<String>,
) -> Result<UserPageDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::{UserQuery, UserSort};
    let admin = require(Permission::UsersRead).await?;
    if q.len() > 200 {
        return Err(fail(AppError::invalid(
            "q",
            "Search text is limited to 200 characters.",
        )));
    }
    let query = UserQuery {
        search: q,
        connection_id: Some(connection).filter(|c| !c.is_empty()),
        blocked: match status.as_str() {
            "blocked" => Some(true),
            "active" => Some(false),
            _ => None,
        },
        role_id: None,
        sort: UserSort::parse(&sort),
        descending: desc,
        after: after.filter(|a| !a.is_empty()),
        limit: 25,
    };
    let page = admin
        .state
        .services
        .store
        .search_users(&query)
        .await
        .map_err(fail)?;
    let svc = &admin.state.services;
    let me = super::impersonation::actor(&admin).await?;
    let buttons = masquerade::impersonation::options::ButtonContext::load(svc, &me)
        .await
        .map_err(fail)?;
    let catalog = svc.store.role_catalog().await.map_err(fail)?;
    let now = masquerade::unix_now();
    Ok(UserPageDto {
        users: page
            .users
            .into_iter()
            .map(|u| {
                let target = masquerade::impersonation::Person {
                    holdings: catalog.holdings(&u.id, u.blocked, &u.roles),
                    user: u,
                };
                let reason = buttons.disabled_reason(&me, &target, now);
                row(target, reason)
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
        next: page.next,
    })
}

#[server(endpoint = "get_user")]
pub async fn get_user(id: String) -> Result<UserDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::UsersRead).await?;
    let user = admin
        .state
        .services
        .store
        .get_user(&id)
        .await
        .map_err(fail)?;
    detail_for(&admin, user).await
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    name: String,
    connection_id: String,
    password: String,
) -> Result<String, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::NewUser;
    let admin = require(Permission::UsersWrite).await?;
    let input = NewUser {
        email,
        name,
        connection_id,
        password: Some(password.clone()).filter(|p| !p.is_empty()),
        ..Default::default()
    };
    input.validate().map_err(fail)?;
    let hash = match &input.password {
        Some(p) => Some(
            masquerade::password::hash_password_blocking(p.clone())
                .await
                .map_err(fail)?,
        ),
        None => None,
    };
    let user = admin
        .state
        .services
        .store
        .create_user(&admin.audit, &input, hash, &[], masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(user.id)
}

#[server(endpoint = "update_user")]
pub async fn update_user(
    id: String,
    email: String,
    name: String,
    picture: String,
    app_metadata: String,
    user_metadata: String,
) -> Result<UserDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::UserPatch;
    let admin = require(Permission::UsersWrite).await?;
    let patch = UserPatch {
        email,
        name,
        picture,
        app_metadata,
        user_metadata,
    };
    let user = admin
        .state
        .services
        .store
        .update_user(&admin.audit, &id, &patch, masquerade::unix_now())
        .await
        .map_err(fail)?;
    detail_for(&admin, user).await
}

#[server(endpoint = "set_user_blocked")]
pub async fn set_user_blocked(id: String, blocked: bool) -> Result<UserDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::UsersWrite).await?;
    let user = admin
        .state
        .services
        .store
        .set_blocked(&admin.audit, &id, blocked, masquerade::unix_now())
        .await
        .map_err(fail)?;
    detail_for(&admin, user).await
}

#[server(endpoint = "set_user_password")]
pub async fn set_user_password(id: String, password: String) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::UsersWrite).await?;
    let mut problems = masquerade::error::Problems::default();
    masquerade::password::check_strength(&mut problems, "password", &password);
    problems.into_result().map_err(fail)?;
    let hash = masquerade::password::hash_password_blocking(password)
        .await
        .map_err(fail)?;
    admin
        .state
        .services
        .store
        .set_password_hash(&admin.audit, &id, &hash, masquerade::unix_now())
        .await
        .map_err(fail)
}

#[server(endpoint = "delete_user")]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::UsersWrite).await?;
    admin
        .state
        .services
        .store
        .delete_user(&admin.audit, &id, masquerade::unix_now())
        .await
        .map_err(fail)
}
