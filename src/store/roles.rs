//! Roles and their permissions (their members: `role_members`). Every change is one
//! transaction with its audit event (before and after), and empties the
//! hot cache so this instance's next permission check sees it at once.

use std::collections::BTreeMap;

use serde_json::json;

use super::audit::{append, AuditContext};
use super::{conflict_on, Store, Tx};
use crate::authz::{builtin, PermSet, Permission, BUILTIN_ROLES};
use crate::domain::role::{PermissionRef, Role, RoleDetail, RoleInput, RolePermission};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;

const DUPLICATE_NAME: &str = "Another role already has this name.";

#[derive(sqlx::FromRow)]
pub(super) struct RoleRow {
    id: String,
    name: String,
    description: String,
    client_id: Option<String>,
    application_name: Option<String>,
    builtin: i64,
    member_count: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Role {
        Role {
            id: r.id,
            name: r.name,
            description: r.description,
            client_id: r.client_id,
            application_name: r.application_name,
            builtin: r.builtin != 0,
            member_count: r.member_count,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(super) const SELECT_ROLE: &str = "SELECT r.id, r.name, r.description, r.client_id, a.name AS application_name, r.builtin, \
       (SELECT COUNT(*) FROM user_roles m WHERE m.role_id = r.id) AS member_count, r.created_at, r.updated_at \
     FROM roles r LEFT JOIN applications a ON a.client_id = r.client_id";

/// The permissions of one API, as stored in `apis.permissions`.
#[derive(sqlx::FromRow)]
struct ApiRow {
    id: String,
    identifier: String,
    name: String,
    permissions: String,
    builtin: i64,
}

impl ApiRow {
    fn described(&self, permission: &str) -> Option<String> {
        serde_json::from_str::<Vec<crate::domain::Permission>>(&self.permissions)
            .unwrap_or_default()
            .into_iter()
            .find(|p| p.value == permission)
            .map(|p| p.description)
    }
}

impl Store {
    /// Creates the built-in roles, or brings their names and descriptions
    /// up to date; safe on every start.
    pub async fn ensure_builtin_roles(&self) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        for r in BUILTIN_ROLES {
            sqlx::query(
                "INSERT INTO roles (id, name, name_lc, description, builtin) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (id) DO UPDATE SET name = $2, name_lc = $3, description = $4, builtin = 1",
            )
            .bind(r.id)
            .bind(r.name)
            .bind(r.name.to_lowercase())
            .bind(r.description)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.hot().invalidate();
        Ok(())
    }

    /// Roles whose name has a word starting with `search` (all when empty),
    /// built-in ones first, then by name.
    pub async fn list_roles(&self, search: &str) -> CoreResult<Vec<Role>> {
        let rows: Vec<RoleRow> = sqlx::query_as(&format!(
            "{SELECT_ROLE} ORDER BY r.builtin DESC, r.name_lc, r.id"
        ))
        .fetch_all(&mut *self.read().await?)
        .await?;
        let words: Vec<String> = search
            .to_lowercase()
            .split_whitespace()
            .map(String::from)
            .collect();
        Ok(rows
            .into_iter()
            .map(Role::from)
            .filter(|r| {
                let name = r.name.to_lowercase();
                let app = r
                    .application_name
                    .clone()
                    .unwrap_or_default()
                    .to_lowercase();
                words.iter().all(|w| {
                    name.split_whitespace()
                        .chain(app.split_whitespace())
                        .any(|n| n.starts_with(w.as_str()))
                })
            })
            .collect())
    }

    pub async fn get_role(&self, id: &str) -> CoreResult<Role> {
        let row: RoleRow = sqlx::query_as(&format!("{SELECT_ROLE} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("role"))?;
        Ok(row.into())
    }

    /// A role with its permissions, grouped by API (the Management API
    /// first), each with the description the API gives it.
    pub async fn role_detail(&self, id: &str) -> CoreResult<RoleDetail> {
        let role = self.get_role(id).await?;
        let apis: Vec<ApiRow> = sqlx::query_as(
            "SELECT id, identifier, name, permissions, builtin FROM apis ORDER BY builtin DESC, name",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        let mut permissions = Vec::new();
        if let Some(b) = builtin(&role.id) {
            if let Some(api) = apis.iter().find(|a| a.builtin != 0) {
                for p in (b.permissions)().iter() {
                    permissions.push(RolePermission {
                        api_id: api.id.clone(),
                        api_name: api.name.clone(),
                        api_identifier: api.identifier.clone(),
                        permission: p.as_str().into(),
                        description: p.description().into(),
                    });
                }
            }
        } else {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT api_id, permission FROM role_permissions WHERE role_id = $1 ORDER BY permission",
            )
            .bind(id)
            .fetch_all(&mut *self.read().await?)
            .await?;
            for api in &apis {
                let mut perms: Vec<&String> = rows
                    .iter()
                    .filter(|(a, _)| a == &api.id)
                    .map(|(_, p)| p)
                    .collect();
                // The Management API's in the product's own order (as the
                // built-in roles show them), others by name.
                if api.builtin != 0 {
                    perms.sort_by_key(|p| {
                        Permission::parse(p).map_or(usize::MAX, |x| {
                            Permission::ALL
                                .iter()
                                .position(|a| *a == x)
                                .unwrap_or(usize::MAX)
                        })
                    });
                }
                for perm in perms {
                    permissions.push(RolePermission {
                        api_id: api.id.clone(),
                        api_name: api.name.clone(),
                        api_identifier: api.identifier.clone(),
                        permission: perm.clone(),
                        description: api.described(perm).unwrap_or_default(),
                    });
                }
            }
        }
        Ok(RoleDetail { role, permissions })
    }

    /// Creates a role, with `permissions` (when duplicating one).
    pub async fn create_role(
        &self,
        ctx: &AuditContext,
        input: &RoleInput,
        permissions: &[PermissionRef],
        now: i64,
    ) -> CoreResult<Role> {
        input.validate()?;
        let id = new_id("rol");
        let mut tx = self.begin().await?;
        check_scope(&mut tx, input.scope()).await?;
        ctx.may_grant(management_in(&mut tx, permissions).await?)?;
        sqlx::query(
            "INSERT INTO roles (id, name, name_lc, description, builtin, client_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6, $6)",
        )
        .bind(&id)
        .bind(input.name.trim())
        .bind(input.name.trim().to_lowercase())
        .bind(input.description.trim())
        .bind(input.scope())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("name", DUPLICATE_NAME))?;
        let added = add_permissions(&mut tx, &id, permissions).await?;
        append(
            &mut tx,
            ctx,
            "role.created",
            Some(&id),
            json!({
                "after": {"name": input.name.trim(), "description": input.description.trim(),
                          "client_id": input.scope(), "permissions": refs_json(&added)},
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_role(&id).await
    }

    /// A new role with `input`'s name, description and scope and every
    /// permission of `from` (built-in roles included: that is how one gets
    /// a changeable copy of Support agent).
    pub async fn duplicate_role(
        &self,
        ctx: &AuditContext,
        from: &str,
        input: &RoleInput,
        now: i64,
    ) -> CoreResult<Role> {
        let source = self.role_detail(from).await?;
        let perms: Vec<PermissionRef> = source
            .permissions
            .iter()
            .map(|p| PermissionRef {
                api_id: p.api_id.clone(),
                permission: p.permission.clone(),
            })
            .collect();
        self.create_role(ctx, input, &perms, now).await
    }

    /// Renames, describes or rescopes a role. Built-in roles stay as they are.
    pub async fn update_role(
        &self,
        ctx: &AuditContext,
        id: &str,
        input: &RoleInput,
        now: i64,
    ) -> CoreResult<Role> {
        input.validate()?;
        let before = self.get_role(id).await?;
        refuse_builtin(&before)?;
        let mut tx = self.begin().await?;
        check_scope(&mut tx, input.scope()).await?;
        let n = sqlx::query(
            "UPDATE roles SET name = $2, name_lc = $3, description = $4, client_id = $5, updated_at = $6 \
             WHERE id = $1 AND builtin = 0",
        )
        .bind(id)
        .bind(input.name.trim())
        .bind(input.name.trim().to_lowercase())
        .bind(input.description.trim())
        .bind(input.scope())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on("name", DUPLICATE_NAME))?
        .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("role"));
        }
        append(
            &mut tx,
            ctx,
            "role.changed",
            Some(id),
            json!({
                "before": {"name": before.name, "description": before.description, "client_id": before.client_id},
                "after": {"name": input.name.trim(), "description": input.description.trim(), "client_id": input.scope()},
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        self.get_role(id).await
    }

    /// Deletes a role. Its members lose it, and their console sessions end
    /// (what they may do changed under them). Built-in roles cannot go.
    /// Answers how many users held it.
    pub async fn delete_role(&self, ctx: &AuditContext, id: &str, now: i64) -> CoreResult<i64> {
        let before = self.role_detail(id).await?;
        refuse_builtin(&before.role)?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM console_sessions WHERE user_id IN (SELECT user_id FROM user_roles WHERE role_id = $1)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let members = sqlx::query("DELETE FROM user_roles WHERE role_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM role_permissions WHERE role_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query("DELETE FROM roles WHERE id = $1 AND builtin = 0")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(CoreError::NotFound("role"));
        }
        append(
            &mut tx,
            ctx,
            "role.deleted",
            Some(id),
            json!({
                "before": {"name": before.role.name, "client_id": before.role.client_id,
                           "permissions": before.permissions.iter().map(|p| json!({"api_id": p.api_id, "permission": p.permission})).collect::<Vec<_>>()},
                "members": members,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(members as i64)
    }

    /// Adds and removes permissions of a role in one change. Each must be a
    /// permission its API defines; built-in roles are fixed.
    pub async fn change_role_permissions(
        &self,
        ctx: &AuditContext,
        id: &str,
        add: &[PermissionRef],
        remove: &[PermissionRef],
        now: i64,
    ) -> CoreResult<RoleDetail> {
        let role = self.get_role(id).await?;
        refuse_builtin(&role)?;
        let mut tx = self.begin().await?;
        ctx.may_grant(management_in(&mut tx, add).await?)?;
        let added = add_permissions(&mut tx, id, add).await?;
        let mut removed = Vec::new();
        for r in remove {
            let n = sqlx::query(
                "DELETE FROM role_permissions WHERE role_id = $1 AND api_id = $2 AND permission = $3",
            )
            .bind(id)
            .bind(&r.api_id)
            .bind(&r.permission)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                removed.push(r.clone());
            }
        }
        if !added.is_empty() || !removed.is_empty() {
            sqlx::query("UPDATE roles SET updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            append(
                &mut tx,
                ctx,
                "role.permissions_changed",
                Some(id),
                json!({"added": refs_json(&added), "removed": refs_json(&removed)}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.hot().invalidate();
        self.role_detail(id).await
    }

    /// Of these roles' names and scopes, by id, for lists of users.
    pub async fn role_names(&self) -> CoreResult<BTreeMap<String, (String, Option<String>)>> {
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT id, name, client_id FROM roles")
                .fetch_all(&mut *self.read().await?)
                .await?;
        Ok(rows.into_iter().map(|(i, n, c)| (i, (n, c))).collect())
    }
}

fn refuse_builtin(role: &Role) -> CoreResult<()> {
    if role.builtin {
        return Err(CoreError::Forbidden(format!(
            "{} is a built-in role: it cannot be changed or deleted. Duplicate it to make one you can change.",
            role.name
        )));
    }
    Ok(())
}

async fn check_scope(tx: &mut Tx, client_id: Option<&str>) -> CoreResult<()> {
    if let Some(c) = client_id {
        let app: Option<(String,)> =
            sqlx::query_as("SELECT client_id FROM applications WHERE client_id = $1")
                .bind(c)
                .fetch_optional(&mut **tx)
                .await?;
        if app.is_none() {
            return Err(CoreError::field(
                "client_id",
                "There is no application with this client id.",
            ));
        }
    }
    Ok(())
}

/// Adds permissions to a role; each must be defined by its API. Answers
/// those that were new.
async fn add_permissions(
    tx: &mut Tx,
    role_id: &str,
    perms: &[PermissionRef],
) -> CoreResult<Vec<PermissionRef>> {
    let mut added = Vec::new();
    for p in perms {
        let api: Option<ApiRow> = sqlx::query_as(
            "SELECT id, identifier, name, permissions, builtin FROM apis WHERE id = $1",
        )
        .bind(&p.api_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(api) = api else {
            return Err(CoreError::field(
                "permissions",
                "There is no API with this id.",
            ));
        };
        let defined = if api.builtin != 0 {
            Permission::parse(&p.permission).is_some()
        } else {
            api.described(&p.permission).is_some()
        };
        if !defined {
            return Err(CoreError::field(
                "permissions",
                format!(
                    "{} has no permission \"{}\".",
                    api.name,
                    p.permission.chars().take(100).collect::<String>()
                ),
            ));
        }
        let n = sqlx::query(
            "INSERT INTO role_permissions (role_id, api_id, permission) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(role_id)
        .bind(&p.api_id)
        .bind(&p.permission)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n > 0 {
            added.push(p.clone());
        }
    }
    Ok(added)
}

/// The Management API permissions among `perms`.
async fn management_in(tx: &mut Tx, perms: &[PermissionRef]) -> CoreResult<PermSet> {
    let builtin: Option<(String,)> = sqlx::query_as("SELECT id FROM apis WHERE builtin = 1")
        .fetch_optional(&mut **tx)
        .await?;
    let Some((builtin,)) = builtin else {
        return Ok(PermSet::EMPTY);
    };
    Ok(perms
        .iter()
        .filter(|p| p.api_id == builtin)
        .filter_map(|p| Permission::parse(&p.permission))
        .collect())
}

fn refs_json(refs: &[PermissionRef]) -> serde_json::Value {
    json!(refs
        .iter()
        .map(|p| json!({"api_id": p.api_id, "permission": p.permission}))
        .collect::<Vec<_>>())
}

/// What holders of `role` get from it on the Management API.
pub(super) fn builtin_permissions(role_id: &str) -> Option<PermSet> {
    builtin(role_id).map(|b| (b.permissions)())
}
