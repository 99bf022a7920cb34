//! What the roles screens and a user's Roles tab show.

use serde::{Deserialize, Serialize};

/// A role in the list and on its own page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoleDto {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The application the role is scoped to, if any: client id and name.
    pub scope: Option<(String, String)>,
    pub builtin: bool,
    pub member_count: i64,
}

/// One permission as the role screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionRow {
    pub api_id: String,
    pub permission: String,
    pub description: String,
}

/// Permissions of one API, together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiPermissions {
    pub api_id: String,
    pub api_name: String,
    pub api_identifier: String,
    pub builtin: bool,
    pub permissions: Vec<PermissionRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDetailDto {
    pub role: RoleDto,
    /// Grouped by API, the Management API first.
    pub permissions: Vec<ApiPermissions>,
}

/// A permission to add or remove, as the role screen sends it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PermissionChoice {
    pub api_id: String,
    pub permission: String,
}

/// A permission a user holds, and through which roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldPermissionRow {
    pub permission: String,
    pub description: String,
    /// Role names that give it, each with " (for <application>)" when the
    /// role is scoped.
    pub via: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldApiPermissions {
    pub api_name: String,
    pub api_identifier: String,
    pub permissions: Vec<HeldPermissionRow>,
}

/// A user's Roles tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRolesDto {
    pub roles: Vec<RoleDto>,
    pub permissions: Vec<HeldApiPermissions>,
}

/// A member of a role, in its Users tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberPage {
    pub members: Vec<MemberRow>,
    pub total: i64,
    pub total_capped: bool,
    pub next: Option<String>,
}
