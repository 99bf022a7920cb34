//! Roles: the list, a role with its permissions and members, creating,
//! duplicating, changing and deleting, and a user's roles. Each function
//! asks `masquerade::authz` for one typed permission; the rules (built-in
//! roles are fixed, the last administrator stays one) live in the core.

use leptos::prelude::*;

use crate::dto::{
    ApiPermissions, MemberPage, PermissionChoice, RoleDetailDto, RoleDto, UserRolesDto,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub(crate) fn role_dto(r: masquerade::domain::Role) -> RoleDto {
    RoleDto {
        scope: r.client_id.map(|c| {
            let name = r.application_name.unwrap_or_else(|| c.clone());
            (c, name)
        }),
        id: r.id,
        name: r.name,
        description: r.description,
        builtin: r.builtin,
        member_count: r.member_count,
    }
}

/// Permissions grouped by API, in the order given.
#[cfg(feature = "ssr")]
fn grouped(
    perms: Vec<masquerade::domain::RolePermission>,
    builtin_api: &str,
) -> Vec<ApiPermissions> {
    let mut out: Vec<ApiPermissions> = Vec::new();
    for p in perms {
        let row = crate::dto::PermissionRow {
            api_id: p.api_id.clone(),
            permission: p.permission,
            description: p.description,
        };
        match out.iter_mut().find(|g| g.api_id == p.api_id) {
            Some(g) => g.permissions.push(row),
            None => out.push(ApiPermissions {
                builtin: p.api_id == builtin_api,
                api_id: p.api_id,
                api_name: p.api_name,
                api_identifier: p.api_identifier,
                permissions: vec![row],
            }),
        }
    }
    out
}

#[cfg(feature = "ssr")]
async fn builtin_api_id(svc: &masquerade::Services) -> Result<String, AppError> {
    Ok(svc
        .store
        .list_apis()
        .await
        .map_err(super::ctx::fail)?
        .into_iter()
        .find(|a| a.builtin)
        .map(|a| a.id)
        .unwrap_or_default())
}

#[server(endpoint = "list_roles")]
pub async fn list_roles(q: String) -> Result<Vec<RoleDto>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesRead).await?;
    if q.chars().count() > 200 {
        return Err(fail(AppError::invalid(
            "q",
            "Search text is limited to 200 characters.",
        )));
    }
    let roles = c.state.services.store.list_roles(&q).await.map_err(fail)?;
    Ok(roles.into_iter().map(role_dto).collect())
}

#[server(endpoint = "get_role")]
pub async fn get_role(id: String) -> Result<RoleDetailDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesRead).await?;
    let svc = &c.state.services;
    let d = svc.store.role_detail(&id).await.map_err(fail)?;
    let builtin = builtin_api_id(svc).await?;
    Ok(RoleDetailDto {
        permissions: grouped(d.permissions, &builtin),
        role: role_dto(d.role),
    })
}

/// Every permission of every API, grouped, for the "Add permissions" picker.
#[server(endpoint = "permission_catalog")]
pub async fn permission_catalog() -> Result<Vec<ApiPermissions>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesRead).await?;
    let apis = c.state.services.store.list_apis().await.map_err(fail)?;
    Ok(apis
        .into_iter()
        .map(|a| ApiPermissions {
            permissions: a
                .permissions
                .iter()
                .map(|p| crate::dto::PermissionRow {
                    api_id: a.id.clone(),
                    permission: p.value.clone(),
                    description: p.description.clone(),
                })
                .collect(),
            api_id: a.id,
            api_name: a.name,
            api_identifier: a.identifier,
            builtin: a.builtin,
        })
        .collect())
}

/// Creates a role; with `copy_from`, with that role's permissions.
#[server(endpoint = "create_role")]
pub async fn create_role(
    name: String,
    description: String,
    client_id: String,
    #[server(default)] copy_from: String,
) -> Result<RoleDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::RoleInput;
    let c = require(Permission::RolesWrite).await?;
    let input = RoleInput {
        name,
        description,
        client_id: Some(client_id),
    };
    let store = &c.state.services.store;
    let now = masquerade::unix_now();
    let role = if copy_from.is_empty() {
        store.create_role(&c.audit, &input, &[], now).await
    } else {
        store
            .duplicate_role(&c.audit, &copy_from, &input, now)
            .await
    }
    .map_err(fail)?;
    Ok(role_dto(role))
}

#[server(endpoint = "update_role")]
pub async fn update_role(
    id: String,
    name: String,
    description: String,
    client_id: String,
) -> Result<RoleDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::RoleInput;
    let c = require(Permission::RolesWrite).await?;
    let input = RoleInput {
        name,
        description,
        client_id: Some(client_id),
    };
    let role = c
        .state
        .services
        .store
        .update_role(&c.audit, &id, &input, masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(role_dto(role))
}

/// Deletes a role; answers how many users held it.
#[server(endpoint = "delete_role")]
pub async fn delete_role(id: String) -> Result<i64, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesWrite).await?;
    c.state
        .services
        .store
        .delete_role(&c.audit, &id, masquerade::unix_now())
        .await
        .map_err(fail)
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "change_role_permissions")]
pub async fn change_role_permissions(
    id: String,
    add: Vec<PermissionChoice>,
    remove: Vec<PermissionChoice>,
) -> Result<RoleDetailDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::PermissionRef;
    let c = require(Permission::RolesWrite).await?;
    if add.len() + remove.len() > 500 {
        return Err(fail(AppError::invalid(
            "permissions",
            "Change at most 500 permissions at a time.",
        )));
    }
    let refs = |v: Vec<PermissionChoice>| -> Vec<PermissionRef> {
        v.into_iter()
            .map(|p| PermissionRef {
                api_id: p.api_id,
                permission: p.permission,
            })
            .collect()
    };
    let svc = &c.state.services;
    let d = svc
        .store
        .change_role_permissions(
            &c.audit,
            &id,
            &refs(add),
            &refs(remove),
            masquerade::unix_now(),
        )
        .await
        .map_err(fail)?;
    let builtin = builtin_api_id(svc).await?;
    Ok(RoleDetailDto {
        permissions: grouped(d.permissions, &builtin),
        role: role_dto(d.role),
    })
}

/// A page of a role's members, searchable like the Users list.
#[server(endpoint = "role_members")]
pub async fn role_members(
    id: String,
    q: String,
    after: Option<String>,
) -> Result<MemberPage, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::domain::UserQuery;
    let c = require(Permission::RolesRead).await?;
    if q.chars().count() > 200 {
        return Err(fail(AppError::invalid(
            "q",
            "Search text is limited to 200 characters.",
        )));
    }
    let store = &c.state.services.store;
    store.get_role(&id).await.map_err(fail)?;
    let page = store
        .search_users(&UserQuery {
            search: q,
            role_id: Some(id),
            after: after.filter(|a| !a.is_empty()),
            limit: 25,
            ..Default::default()
        })
        .await
        .map_err(fail)?;
    Ok(MemberPage {
        members: page
            .users
            .into_iter()
            .map(|u| crate::dto::MemberRow {
                id: u.id,
                email: u.email,
                name: u.name,
                blocked: u.blocked,
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
        next: page.next,
    })
}

#[server(endpoint = "assign_role")]
pub async fn assign_role(role_id: String, user_ids: Vec<String>) -> Result<usize, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesWrite).await?;
    if user_ids.is_empty() || user_ids.len() > 100 {
        return Err(fail(AppError::invalid(
            "user_ids",
            "Choose between 1 and 100 users.",
        )));
    }
    c.state
        .services
        .store
        .assign_role(&c.audit, &role_id, &user_ids, masquerade::unix_now())
        .await
        .map_err(fail)
}

#[server(endpoint = "unassign_role")]
pub async fn unassign_role(role_id: String, user_id: String) -> Result<bool, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesWrite).await?;
    c.state
        .services
        .store
        .unassign_role(&c.audit, &role_id, &user_id, masquerade::unix_now())
        .await
        .map_err(fail)
}

/// A user's Roles tab: their roles and what they give, grouped by API.
#[server(endpoint = "user_roles")]
pub async fn user_roles(user_id: String) -> Result<UserRolesDto, AppError> {
    use super::ctx::{fail, require};
    use crate::dto::{HeldApiPermissions, HeldPermissionRow};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesRead).await?;
    let store = &c.state.services.store;
    let roles = store.roles_of_user(&user_id).await.map_err(fail)?;
    let held = store.user_permissions(&user_id).await.map_err(fail)?;
    let mut permissions: Vec<HeldApiPermissions> = Vec::new();
    for h in held {
        let row = HeldPermissionRow {
            permission: h.permission.permission.clone(),
            description: h.permission.description.clone(),
            via: h
                .via
                .iter()
                .map(|(_, name, scope)| match scope {
                    Some(app) => {
                        let app_name = roles
                            .iter()
                            .find(|r| r.client_id.as_deref() == Some(app.as_str()))
                            .and_then(|r| r.application_name.clone())
                            .unwrap_or_else(|| app.clone());
                        format!("{name} (for {app_name} only)")
                    }
                    None => name.clone(),
                })
                .collect(),
        };
        match permissions
            .iter_mut()
            .find(|g| g.api_identifier == h.permission.api_identifier)
        {
            Some(g) => g.permissions.push(row),
            None => permissions.push(HeldApiPermissions {
                api_name: h.permission.api_name.clone(),
                api_identifier: h.permission.api_identifier.clone(),
                permissions: vec![row],
            }),
        }
    }
    Ok(UserRolesDto {
        roles: roles.into_iter().map(role_dto).collect(),
        permissions,
    })
}

/// The applications a role can be scoped to (client id, name), for the
/// role form. Needs only roles:read, so a role editor can scope roles
/// without reading the applications' settings.
#[server(endpoint = "role_scopes")]
pub async fn role_scopes() -> Result<Vec<(String, String)>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::RolesRead).await?;
    let apps = c
        .state
        .services
        .store
        .list_applications()
        .await
        .map_err(fail)?;
    Ok(apps
        .into_iter()
        .filter(|a| a.app_type != masquerade::domain::AppType::MachineToMachine)
        .map(|a| (a.client_id, a.name))
        .collect())
}
