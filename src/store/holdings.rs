//! What a user holds through their roles.
//!
//! Roles are few and users many, so the store keeps a catalog of every
//! role with the permissions it gives, and a user's holdings are their
//! role ids looked up in it. Both are kept for at most `HOT_TTL` in the hot
//! cache, so the permission check on every console request and every
//! Management API call costs no database round trip, and a page of users
//! gets every user's holdings from the roles already loaded with the page.
//! Every role, membership or user change made through this store empties
//! the cache; other instances see it within `HOT_TTL`.

use std::collections::HashMap;
use std::sync::Arc;

use super::roles::builtin_permissions;
use super::Store;
use crate::authz::{HeldApiPermission, HeldRole, Holdings, PermSet, Permission};
use crate::error::CoreResult;

/// One role and what it gives.
#[derive(Debug, Clone)]
struct CatalogRole {
    name: String,
    client_id: Option<String>,
    management: PermSet,
    /// (api id, permission) of customer APIs.
    api: Vec<(String, String)>,
}

/// Every role, by id.
#[derive(Debug, Clone, Default)]
pub struct RoleCatalog {
    roles: HashMap<String, CatalogRole>,
}

impl RoleCatalog {
    /// The name of a role, when it exists.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.roles.get(id).map(|r| r.name.as_str())
    }

    /// The ids of the roles that give `impersonation:create`.
    pub fn impersonating_roles(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .roles
            .iter()
            .filter(|(_, r)| r.management.contains(Permission::ImpersonationCreate))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// The holdings of a user with these roles (unknown role ids, say of a
    /// role deleted a moment ago, give nothing).
    pub fn holdings(&self, user_id: &str, blocked: bool, role_ids: &[String]) -> Holdings {
        let mut h = Holdings {
            user_id: user_id.to_string(),
            blocked,
            ..Default::default()
        };
        let mut held: Vec<(&String, &CatalogRole)> = role_ids
            .iter()
            .filter_map(|id| self.roles.get_key_value(id))
            .collect();
        held.sort_by_key(|(_, r)| r.name.to_lowercase());
        for (id, role) in held {
            for (api_id, permission) in &role.api {
                h.api.push(HeldApiPermission {
                    api_id: api_id.clone(),
                    permission: permission.clone(),
                    client_id: role.client_id.clone(),
                });
            }
            match &role.client_id {
                None => h.tenant = h.tenant.union(role.management),
                Some(c) => match h.scoped.iter_mut().find(|(sc, _)| sc == c) {
                    Some((_, set)) => *set = set.union(role.management),
                    None => h.scoped.push((c.clone(), role.management)),
                },
            }
            h.roles.push(HeldRole {
                id: id.clone(),
                name: role.name.clone(),
                client_id: role.client_id.clone(),
                grants_impersonation: role.management.contains(Permission::ImpersonationCreate),
            });
        }
        h
    }
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: String,
    name: String,
    client_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PermissionRow {
    role_id: String,
    api_id: String,
    permission: String,
    management: i64,
}

impl Store {
    /// Every role and what it gives, at most `HOT_TTL` old.
    pub async fn role_catalog(&self) -> CoreResult<Arc<RoleCatalog>> {
        let hot = self.hot();
        if let Some(c) = hot.get(&hot.roles, "") {
            return Ok(c);
        }
        let seen = hot.generation();
        let c = Arc::new(self.read_role_catalog().await?);
        hot.put(&hot.roles, "", c.clone(), seen);
        Ok(c)
    }

    async fn read_role_catalog(&self) -> CoreResult<RoleCatalog> {
        let mut conn = self.read().await?;
        let roles: Vec<RoleRow> = sqlx::query_as("SELECT id, name, client_id FROM roles")
            .fetch_all(&mut *conn)
            .await?;
        let perms: Vec<PermissionRow> = sqlx::query_as(
            "SELECT rp.role_id, rp.api_id, rp.permission, a.builtin AS management \
             FROM role_permissions rp JOIN apis a ON a.id = rp.api_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut catalog = RoleCatalog::default();
        for r in roles {
            let mut management = builtin_permissions(&r.id).unwrap_or(PermSet::EMPTY);
            let mut api = Vec::new();
            for p in perms.iter().filter(|p| p.role_id == r.id) {
                if p.management != 0 {
                    if let Some(perm) = Permission::parse(&p.permission) {
                        management.insert(perm);
                    }
                } else {
                    api.push((p.api_id.clone(), p.permission.clone()));
                }
            }
            catalog.roles.insert(
                r.id,
                CatalogRole {
                    name: r.name,
                    client_id: r.client_id,
                    management,
                    api,
                },
            );
        }
        Ok(catalog)
    }

    /// The user's holdings, at most `HOT_TTL` old; `None` when there is no
    /// such user.
    pub async fn holdings(&self, user_id: &str) -> CoreResult<Option<Arc<Holdings>>> {
        let hot = self.hot();
        if let Some(h) = hot.get(&hot.holdings, user_id) {
            return Ok(Some(h));
        }
        let seen = hot.generation();
        let catalog = self.role_catalog().await?;
        let Some((blocked, roles)) = self.blocked_and_roles(user_id).await? else {
            return Ok(None);
        };
        let h = Arc::new(catalog.holdings(user_id, blocked, &roles));
        hot.put(&hot.holdings, user_id, h.clone(), seen);
        Ok(Some(h))
    }

    /// The holdings as they are in the database now, bypassing the cache:
    /// for decisions that must see the latest state (minting and redeeming
    /// an impersonation).
    pub async fn read_holdings(&self, user_id: &str) -> CoreResult<Option<Holdings>> {
        let catalog = self.read_role_catalog().await?;
        Ok(self
            .blocked_and_roles(user_id)
            .await?
            .map(|(blocked, roles)| catalog.holdings(user_id, blocked, &roles)))
    }

    async fn blocked_and_roles(&self, user_id: &str) -> CoreResult<Option<(bool, Vec<String>)>> {
        let mut conn = self.read().await?;
        let blocked: Option<(i64,)> = sqlx::query_as("SELECT blocked FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some((blocked,)) = blocked else {
            return Ok(None);
        };
        let roles: Vec<(String,)> =
            sqlx::query_as("SELECT role_id FROM user_roles WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(&mut *conn)
                .await?;
        Ok(Some((
            blocked != 0,
            roles.into_iter().map(|r| r.0).collect(),
        )))
    }
}
