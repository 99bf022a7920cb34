//! What each server function needs, as the issue states it: the oracle the
//! matrix holds the server to.

/// What a row needs before it lets a caller in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Need {
    /// Anyone (signing in and out, who am I).
    Public,
    /// This Management API permission for the whole tenant.
    Perm(&'static str),
    /// This permission for the tenant or for some application (Sign in as
    /// User, which then decides per application).
    Somewhere(&'static str),
    /// All of these, tenant-wide.
    All(&'static [&'static str]),
    /// Anyone signed in to the console, whatever they hold.
    SignedIn,
}

/// What a principal holds: tenant-wide, and for some application only.
#[derive(Clone, Debug, Default)]
pub struct Holds {
    pub tenant: Vec<&'static str>,
    pub somewhere: Vec<&'static str>,
}

impl Need {
    pub fn allows(self, h: &Holds) -> bool {
        match self {
            Need::Public => true,
            Need::Perm(p) => h.tenant.contains(&p),
            Need::Somewhere(p) => h.tenant.contains(&p) || h.somewhere.contains(&p),
            Need::All(ps) => ps.iter().all(|p| h.tenant.contains(p)),
            Need::SignedIn => true,
        }
    }
}

pub fn needs_of(function: &str) -> Option<Need> {
    use Need::*;
    Some(match function {
        "current_user" | "login_context" | "sign_in" | "sign_out" => Public,
        "list_apis" | "get_api" => Perm("apis:read"),
        "create_api" | "update_api" | "delete_api" | "set_api_client" | "set_client_grant" => {
            Perm("apis:write")
        }
        "list_applications" | "get_application" => Perm("applications:read"),
        "create_application"
        | "update_application"
        | "update_token_settings"
        | "rotate_application_secret"
        | "delete_application" => Perm("applications:write"),
        "list_connections" => Perm("connections:read"),
        "create_connection" | "set_connection_enabled" => Perm("connections:write"),
        "impersonation_options" | "create_impersonation_link" => Somewhere("impersonation:create"),
        "impersonation_history" | "live_impersonations" => Perm("impersonation:read"),
        "revoke_impersonation" => Perm("impersonation:revoke"),
        "impersonation_settings" | "list_signing_keys" | "rule_choices" => Perm("settings:read"),
        "revoke_all_impersonations" => Perm("impersonation:revoke"),
        "check_impersonation" | "impersonators" => Perm("impersonation:read"),
        "set_user_protected" => All(&["users:write", "impersonation:create"]),
        "approval_count" | "confirm_password" => SignedIn,
        // Anyone's own account, from their own console session only (an
        // impersonated token, or any token, is refused).
        "account_activity" => SignedIn,
        "pending_approvals" | "decide_request" => Perm("impersonation:approve"),
        "my_requests" => Somewhere("impersonation:create"),
        "save_impersonation_settings" => Perm("settings:write"),
        "audit_search" | "audit_event" | "audit_timeline" | "audit_names" | "audit_choices"
        | "audit_verify" | "audit_verify_step" => Perm("audit:read"),
        "audit_stream_settings" | "audit_stream_statuses" => Perm("settings:read"),
        "save_audit_stream_settings" | "send_test_stream_record" | "resume_audit_stream" => {
            Perm("settings:write")
        }
        "rotate_signing_keys" => Perm("keys:write"),
        "list_roles" | "get_role" | "permission_catalog" | "role_members" | "user_roles"
        | "role_scopes" => Perm("roles:read"),
        "create_role"
        | "update_role"
        | "delete_role"
        | "change_role_permissions"
        | "assign_role"
        | "unassign_role" => Perm("roles:write"),
        "search_users" | "get_user" => Perm("users:read"),
        "create_user" | "update_user" | "set_user_blocked" | "set_user_password"
        | "delete_user" => Perm("users:write"),
        _ => return None,
    })
}
