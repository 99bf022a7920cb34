//! Roles: named sets of permissions from any number of APIs, held by users.

use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::validate::{check_text, MAX_NAME_LEN};

pub use crate::authz::{ADMIN_ROLE, AUDITOR_ROLE, SUPPORT_ROLE};

pub const MAX_ROLE_DESCRIPTION: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Set when the role is scoped to one application (Asgardeo's "role
    /// audience: application"); `None` for a tenant-wide role.
    pub client_id: Option<String>,
    /// The name of that application, for display.
    pub application_name: Option<String>,
    pub builtin: bool,
    pub member_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One permission a role holds, with the API it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RolePermission {
    pub api_id: String,
    pub api_name: String,
    pub api_identifier: String,
    pub permission: String,
    pub description: String,
}

/// A role with its permissions, grouped by API in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDetail {
    #[serde(flatten)]
    pub role: Role,
    pub permissions: Vec<RolePermission>,
}

/// What a role is made of, as a form or the REST API sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// An application's client id to scope the role to, or none.
    #[serde(default)]
    pub client_id: Option<String>,
}

impl RoleInput {
    pub fn validate(&self) -> CoreResult<()> {
        let mut p = Problems::default();
        check_text(&mut p, "name", &self.name, true, MAX_NAME_LEN);
        check_text(
            &mut p,
            "description",
            &self.description,
            false,
            MAX_ROLE_DESCRIPTION,
        );
        if let Some(c) = &self.client_id {
            check_text(&mut p, "client_id", c, false, 200);
        }
        p.into_result()
    }

    /// The scope as stored: an empty client id means tenant-wide.
    pub fn scope(&self) -> Option<&str> {
        self.client_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

/// A permission to add to or remove from a role: the API's id and the
/// permission's name within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PermissionRef {
    pub api_id: String,
    pub permission: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_checked() {
        let ok = RoleInput {
            name: "Billing support".into(),
            description: "Helps with invoices".into(),
            client_id: Some(" ".into()),
        };
        assert!(ok.validate().is_ok());
        assert_eq!(ok.scope(), None, "blank means tenant-wide");
        let bad = RoleInput {
            name: " ".into(),
            description: "x".repeat(501),
            client_id: None,
        };
        let Err(crate::CoreError::Validation(errs)) = bad.validate() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "description"]);
    }
}
