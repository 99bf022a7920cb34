//! The built-in roles. Their permissions are defined here, not stored, so
//! that they cannot be edited into something else and a permission added
//! to the product reaches Administrator without a data migration. They
//! cannot be deleted; any other role can be made from one by duplicating.

use super::{PermSet, Permission};

pub const ADMIN_ROLE: &str = "rol_admin";
pub const SUPPORT_ROLE: &str = "rol_support";
pub const AUDITOR_ROLE: &str = "rol_auditor";

pub struct BuiltinRole {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub permissions: fn() -> PermSet,
}

fn support() -> PermSet {
    [
        Permission::UsersRead,
        Permission::ImpersonationCreate,
        Permission::ImpersonationRead,
        Permission::AuditRead,
    ]
    .into_iter()
    .collect()
}

fn auditor() -> PermSet {
    [Permission::AuditRead, Permission::ImpersonationRead]
        .into_iter()
        .collect()
}

pub const BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        id: ADMIN_ROLE,
        name: "Administrator",
        description: "Everything in the console and the Management API. Always holds every permission.",
        permissions: PermSet::all,
    },
    BuiltinRole {
        id: SUPPORT_ROLE,
        name: "Support agent",
        description: "Looks users up, signs in as them to help, and reads the impersonation history and audit log.",
        permissions: support,
    },
    BuiltinRole {
        id: AUDITOR_ROLE,
        name: "Auditor",
        description: "Reads the audit log and the impersonation history; changes nothing.",
        permissions: auditor,
    },
];

/// The built-in role with this id, if it is one.
pub fn builtin(role_id: &str) -> Option<&'static BuiltinRole> {
    BUILTIN_ROLES.iter().find(|r| r.id == role_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrator_holds_everything_and_the_others_only_read_and_impersonate() {
        assert_eq!((builtin(ADMIN_ROLE).unwrap().permissions)(), PermSet::all());
        let support = (builtin(SUPPORT_ROLE).unwrap().permissions)();
        assert!(support.contains(Permission::ImpersonationCreate));
        assert!(!support.contains(Permission::UsersWrite));
        let auditor = (builtin(AUDITOR_ROLE).unwrap().permissions)();
        assert!(auditor.iter().all(|p| p.as_str().ends_with(":read")));
        assert!(builtin("rol_custom").is_none());
    }
}
