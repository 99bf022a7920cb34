//! The one authorization decision. Every server function, REST route and
//! guard asks here whether a principal holds a typed permission; nothing
//! else in the product compares role names or permission strings.
//!
//! - A permission belongs to an API. The built-in Management API's
//!   permissions (`Permission`) gate the console and `/api/v1`; the
//!   customer's own APIs' permissions go into users' access tokens.
//! - A role holds permissions of any number of APIs; a user's permissions
//!   are the union of their roles'. A role may be scoped to one
//!   application: its `impersonation:create` then allows impersonating into
//!   that application only, and its customer API permissions go only into
//!   tokens issued to that application.
//! - Built-in roles (`builtin`) cannot be changed or deleted; Administrator
//!   always holds every permission.

mod account;
pub mod builtin;
mod permission;
mod principal;

pub use account::{may_enter, own_account, Area, ACCOUNT_PATH};
pub use builtin::{builtin, BuiltinRole, ADMIN_ROLE, AUDITOR_ROLE, BUILTIN_ROLES, SUPPORT_ROLE};
pub use permission::{PermSet, Permission};
pub use principal::{HeldApiPermission, HeldRole, Holdings, Principal};

use crate::error::{CoreError, CoreResult};

/// Allows the request when the principal holds `permission`.
pub fn require(principal: &Principal, permission: Permission) -> CoreResult<()> {
    decide(principal, principal.permissions(), permission)
}

/// Allows the request when the principal holds `permission` for acting on
/// the application `client_id` (tenant-wide, or through a role scoped to it).
pub fn require_for_app(
    principal: &Principal,
    permission: Permission,
    client_id: &str,
) -> CoreResult<()> {
    decide(
        principal,
        principal.permissions_for_app(client_id),
        permission,
    )
}

/// Allows the request when the principal holds `permission` anywhere: for
/// the whole tenant, or for at least one application through a scoped
/// role (Sign in as User's dialog and minting, which then decide per
/// application).
pub fn require_somewhere(principal: &Principal, permission: Permission) -> CoreResult<()> {
    let mut held = principal.permissions();
    if let Principal::User { holdings, scope } = principal {
        let scoped = holdings
            .scoped
            .iter()
            .any(|(c, _)| holdings.management_for_app(c).contains(permission));
        if scoped && scope.is_none_or(|s| s.contains(permission)) {
            held.insert(permission);
        }
    }
    decide(principal, held, permission)
}

fn decide(principal: &Principal, held: PermSet, permission: Permission) -> CoreResult<()> {
    match principal {
        Principal::Anonymous => Err(CoreError::Unauthenticated),
        _ if held.contains(permission) => Ok(()),
        _ => Err(CoreError::NeedsPermission(permission)),
    }
}

/// Whether anyone holding these permissions may enter the console at all:
/// at least one Management API permission, or Sign in as User for some
/// application.
pub fn may_enter_console(holdings: &Holdings) -> bool {
    !holdings.management().is_empty()
        || (!holdings.blocked && !holdings.impersonation_apps().is_empty())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn user(tenant: &[Permission], scoped: &[(&str, &[Permission])]) -> Principal {
        Principal::User {
            holdings: Arc::new(Holdings {
                user_id: "usr_1".into(),
                tenant: tenant.iter().copied().collect(),
                scoped: scoped
                    .iter()
                    .map(|(c, p)| (c.to_string(), p.iter().copied().collect()))
                    .collect(),
                ..Default::default()
            }),
            scope: None,
        }
    }

    #[test]
    fn a_permission_is_held_or_named_as_missing() {
        let p = user(&[Permission::UsersRead], &[]);
        assert!(require(&p, Permission::UsersRead).is_ok());
        assert!(matches!(
            require(&p, Permission::UsersWrite),
            Err(CoreError::NeedsPermission(Permission::UsersWrite))
        ));
        assert!(matches!(
            require(&Principal::Anonymous, Permission::UsersRead),
            Err(CoreError::Unauthenticated)
        ));
    }

    #[test]
    fn scoped_impersonation_stays_with_its_application() {
        let p = user(
            &[],
            &[(
                "sample-app",
                &[Permission::ImpersonationCreate, Permission::UsersRead],
            )],
        );
        assert!(
            require(&p, Permission::UsersRead).is_ok(),
            "lent to the console"
        );
        assert!(require(&p, Permission::ImpersonationCreate).is_err());
        assert!(require_for_app(&p, Permission::ImpersonationCreate, "sample-app").is_ok());
        assert!(require_for_app(&p, Permission::ImpersonationCreate, "other-app").is_err());
        let Principal::User { holdings, .. } = &p else {
            unreachable!()
        };
        assert!(may_enter_console(holdings));
    }

    #[test]
    fn a_token_narrows_and_blocking_empties() {
        let Principal::User { holdings, .. } =
            user(&[Permission::UsersRead, Permission::UsersWrite], &[])
        else {
            unreachable!()
        };
        let narrowed = Principal::User {
            holdings: holdings.clone(),
            scope: Some(PermSet::from_scope("users:read roles:write")),
        };
        assert!(require(&narrowed, Permission::UsersRead).is_ok());
        assert!(require(&narrowed, Permission::UsersWrite).is_err());
        assert!(
            require(&narrowed, Permission::RolesWrite).is_err(),
            "not held"
        );
        let blocked = Principal::User {
            holdings: Arc::new(Holdings {
                blocked: true,
                ..(*holdings).clone()
            }),
            scope: None,
        };
        assert!(require(&blocked, Permission::UsersRead).is_err());
    }

    #[test]
    fn impersonated_tokens_hold_nothing() {
        let p = Principal::Impersonated {
            user_id: "usr_t".into(),
            actor_id: "usr_a".into(),
        };
        for perm in Permission::ALL {
            assert!(require(&p, *perm).is_err());
        }
    }
}
