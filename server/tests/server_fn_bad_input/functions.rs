//! Every server function the console has, as the generator needs to know
//! it: its encoding, arguments that look right, which of them may be left
//! out, and whether answering those arguments may change anything.
//!
//! The base arguments of a function that writes name nothing that exists or
//! fail validation, so even a request the server should accept changes
//! nothing and is refused; a test case only ever adds damage to them.

use serde_json::{json, Value};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Codec {
    /// `application/x-www-form-urlencoded` (Leptos' default, serde_qs).
    Form,
    /// `input = Json`.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Reads only: the base arguments may be answered with 2xx.
    Reads,
    /// Reads, and records that it looked (Verify integrity): a call it
    /// answers appends its own audit event, and changes nothing else.
    Records,
    /// Writes when given valid arguments; the base arguments are refused.
    Writes,
    /// Signs in or out: any call that decodes acts (counts a failed
    /// attempt, ends the session), so every case carries damage that must
    /// stop it before the function runs.
    Session,
}

pub struct Fun {
    pub name: &'static str,
    pub codec: Codec,
    pub kind: Kind,
    /// Without an administrator's session it answers 401.
    pub admin_only: bool,
    pub base: fn() -> Value,
    /// Arguments (`a.b` inside an argument) that may be left out.
    pub optional: &'static [&'static str],
}

const fn f(
    name: &'static str,
    codec: Codec,
    kind: Kind,
    base: fn() -> Value,
    optional: &'static [&'static str],
) -> Fun {
    Fun {
        name,
        codec,
        kind,
        admin_only: true,
        base,
        optional,
    }
}

const MISSING: &str = "zz_does_not_exist";

fn none() -> Value {
    json!({})
}

fn api_form() -> Value {
    json!({"identifier": "not a uri", "name": "", "signing_alg": "none",
           "token_lifetime": "soon", "token_lifetime_unit": "eons",
           "permissions": [{"value": "a b", "description": "", "read_only": false}]})
}

fn app_form() -> Value {
    json!({"name": "", "description": "", "app_type": "teapot",
           "callback_urls": "not a url", "allowed_logout_urls": "", "allowed_web_origins": "",
           "initiate_login_uri": "", "grant_types": ["telepathy"], "allow_impersonation": false,
           "connection_ids": [MISSING]})
}

fn token_form() -> Value {
    json!({"id_token_lifetime": "soon", "id_token_lifetime_unit": "eons", "refresh_tokens": true,
           "refresh_rotation": true, "refresh_lifetime": "-1", "refresh_lifetime_unit": "eons",
           "signing_alg": "none", "impersonation_refresh": false})
}

fn link_form() -> Value {
    json!({"client_id": MISSING, "reason": "", "ticket": "", "response_mode": "telepathy",
           "response_type": "code", "scope": "openid", "state": "s", "audience": "",
           "callback_url": "", "read_only": false, "request_id": ""})
}

fn settings_form() -> Value {
    json!({"enabled": true, "require_reason": true, "require_ticket": false, "ticket_pattern": "(",
           "ticket_example": "", "link_ttl_secs": 1, "session_max_minutes": 1, "bind_links": false,
           "step_up": false, "step_up_minutes": 15, "approval_window_minutes": 30,
           "show_impersonator_names": false,
           "rules": [{"role_id": MISSING, "connections": [], "target_roles": [], "target_roles_mode": "allow",
                      "applications": [], "require_approval": false, "read_only": false}]})
}

const APP_OPTIONAL: &[&str] = &[
    "form.description",
    "form.callback_urls",
    "form.allowed_logout_urls",
    "form.allowed_web_origins",
    "form.initiate_login_uri",
    "form.grant_types",
    "form.allow_impersonation",
    "form.connection_ids",
];

const API_OPTIONAL: &[&str] = &[
    "form.permissions",
    "form.permissions.description",
    "form.permissions.read_only",
];

const TOKEN_OPTIONAL: &[&str] = &[
    "form.refresh_tokens",
    "form.refresh_rotation",
    "form.impersonation_refresh",
];

use Codec::*;
use Kind::*;

// One line a function reads better than what rustfmt makes of it.
#[rustfmt::skip]
pub const FUNCTIONS: &[Fun] = &[
    // account.rs
    f("account_activity", Form, Reads, none, &[]),
    // apis.rs
    f("list_apis", Form, Reads, none, &[]),
    f("get_api", Form, Reads, || json!({"id": MISSING}), &[]),
    f("create_api", Json, Writes, || json!({"form": api_form()}), API_OPTIONAL),
    f("update_api", Json, Writes, || json!({"id": MISSING, "form": api_form()}), API_OPTIONAL),
    f("delete_api", Form, Writes, || json!({"id": MISSING}), &[]),
    f("set_api_client", Form, Writes, || json!({"api_id": MISSING, "client_id": MISSING, "authorized": true}), &[]),
    f("set_client_grant", Form, Writes, || json!({"api_id": MISSING, "client_id": MISSING, "permissions": ["x"]}), &["permissions"]),
    // applications.rs
    f("list_applications", Form, Reads, none, &[]),
    f("get_application", Form, Reads, || json!({"client_id": MISSING}), &[]),
    f("create_application", Json, Writes, || json!({"form": app_form()}), APP_OPTIONAL),
    f("update_application", Json, Writes, || json!({"client_id": MISSING, "form": app_form()}), APP_OPTIONAL),
    f("update_token_settings", Json, Writes, || json!({"client_id": MISSING, "form": token_form()}), TOKEN_OPTIONAL),
    f("rotate_application_secret", Form, Writes, || json!({"client_id": MISSING}), &[]),
    f("delete_application", Form, Writes, || json!({"client_id": MISSING}), &[]),
    // auth.rs
    Fun { admin_only: false, ..f("current_user", Form, Reads, none, &[]) },
    Fun { admin_only: false, ..f("login_context", Form, Reads, || json!({"next": "/authorize?client_id=sample-app"}), &[]) },
    Fun { admin_only: false, ..f("sign_in", Form, Session, || json!({"email": "nobody@example.com", "password": "not-the-password", "next": "/users"}), &["next"]) },
    Fun { admin_only: false, ..f("sign_out", Form, Session, none, &[]) },
    // connections.rs
    f("list_connections", Form, Reads, none, &[]),
    f("create_connection", Form, Writes, || json!({"name": "", "client_ids": [MISSING]}), &["client_ids"]),
    f("set_connection_enabled", Form, Writes, || json!({"connection_id": MISSING, "client_id": MISSING, "enabled": true}), &[]),
    // impersonation.rs
    f("impersonation_options", Form, Reads, || json!({"user_id": MISSING}), &[]),
    f("create_impersonation_link", Json, Writes, || json!({"user_id": MISSING, "form": link_form()}), &["form.read_only", "form.request_id"]),
    f("impersonation_history", Form, Reads, || json!({"user_id": MISSING}), &[]),
    f("live_impersonations", Form, Reads, none, &[]),
    f("revoke_impersonation", Form, Writes, || json!({"id": MISSING}), &[]),
    // policy.rs
    f("impersonation_settings", Form, Reads, none, &[]),
    f("save_impersonation_settings", Json, Writes, || json!({"settings": settings_form()}), &["settings.ticket_example", "settings.show_impersonator_names"]),
    f("rule_choices", Form, Reads, none, &[]),
    f("audit_search", Json, Reads, || json!({"params": audit_params(), "before": null}), AUDIT_SEARCH_OPTIONAL),
    f("audit_event", Form, Reads, || json!({"id": MISSING}), &[]),
    f("audit_timeline", Form, Reads, || json!({"impersonation_id": MISSING}), &[]),
    f("audit_names", Form, Reads, || json!({"side": "actor", "q": MISSING}), &[]),
    f("audit_choices", Form, Reads, none, &[]),
    f("audit_verify", Form, Records, none, &[]),
    f("audit_verify_step", Form, Records, || json!({"position": MISSING, "limit": 2}), &["position", "limit"]),
    f("audit_stream_settings", Form, Reads, none, &[]),
    f("audit_stream_statuses", Form, Reads, none, &[]),
    f("save_audit_stream_settings", Json, Writes, || json!({"settings": {"retention_days": -1, "streams": [{"id": "", "name": MISSING, "kind": "webhook", "file": "", "url": "", "secret": "", "secret_set": false, "enabled": true, "pause_after_minutes": 60}]}}), &["settings.streams.id", "settings.streams.file", "settings.streams.url", "settings.streams.secret", "settings.streams.secret_set"]),
    f("send_test_stream_record", Form, Writes, || json!({"id": MISSING}), &[]),
    f("resume_audit_stream", Form, Writes, || json!({"id": MISSING}), &[]),
    f("revoke_all_impersonations", Form, Writes, || json!({"confirm": false}), &[]),
    f("check_impersonation", Form, Reads, || json!({"impersonator": MISSING, "role_id": "", "user": MISSING, "client_id": MISSING}), &["impersonator", "role_id"]),
    f("impersonators", Form, Reads, none, &[]),
    f("set_user_protected", Form, Writes, || json!({"user_id": MISSING, "protected": true}), &[]),
    f("approval_count", Form, Reads, none, &[]),
    f("pending_approvals", Form, Reads, none, &[]),
    f("my_requests", Form, Reads, none, &[]),
    f("decide_request", Form, Writes, || json!({"id": MISSING, "approve": true, "note": ""}), &["note"]),
    f("confirm_password", Form, Session, || json!({"password": "not-the-password"}), &[]),
    // keys.rs
    f("list_signing_keys", Form, Reads, none, &[]),
    f("rotate_signing_keys", Form, Writes, || json!({"alg": "none"}), &[]),
    // roles.rs
    f("list_roles", Form, Reads, || json!({"q": ""}), &[]),
    f("get_role", Form, Reads, || json!({"id": MISSING}), &[]),
    f("permission_catalog", Form, Reads, none, &[]),
    f("create_role", Form, Writes, || json!({"name": "", "description": "", "client_id": MISSING, "copy_from": ""}), &["copy_from"]),
    f("update_role", Form, Writes, || json!({"id": MISSING, "name": "", "description": "", "client_id": ""}), &[]),
    f("delete_role", Form, Writes, || json!({"id": MISSING}), &[]),
    f("change_role_permissions", Json, Writes, || json!({"id": MISSING, "add": [{"api_id": MISSING, "permission": "x"}], "remove": []}), &[]),
    f("role_members", Form, Reads, || json!({"id": MISSING, "q": "", "after": ""}), &["after"]),
    f("assign_role", Form, Writes, || json!({"role_id": MISSING, "user_ids": [MISSING]}), &[]),
    f("unassign_role", Form, Writes, || json!({"role_id": MISSING, "user_id": MISSING}), &[]),
    f("user_roles", Form, Reads, || json!({"user_id": MISSING}), &[]),
    f("role_scopes", Form, Reads, none, &[]),
    // users.rs
    f("search_users", Form, Reads, || json!({"q": "ada", "connection": "", "status": "", "sort": "email", "desc": false, "after": ""}), &["after"]),
    f("get_user", Form, Reads, || json!({"id": MISSING}), &[]),
    f("create_user", Form, Writes, || json!({"email": "not-an-email", "name": "", "connection_id": MISSING, "password": "short"}), &[]),
    f("update_user", Form, Writes, || json!({"id": MISSING, "email": "nobody@example.com", "name": "", "picture": "", "app_metadata": "{}", "user_metadata": "{}"}), &[]),
    f("set_user_blocked", Form, Writes, || json!({"id": MISSING, "blocked": true}), &[]),
    f("set_user_password", Form, Writes, || json!({"id": MISSING, "password": "short"}), &[]),
    f("delete_user", Form, Writes, || json!({"id": MISSING}), &[]),
];

impl Fun {
    pub fn path(&self) -> String {
        format!("/api/{}", self.name)
    }

    pub fn is_optional(&self, path: &str) -> bool {
        self.optional.contains(&path)
    }
}

/// Every filter of the audit search has a default (`AuditParamsDto` is
/// `#[serde(default)]`), so any may be left out.
const AUDIT_SEARCH_OPTIONAL: &[&str] = &[
    "before",
    "params.actor",
    "params.target",
    "params.app",
    "params.action",
    "params.outcome",
    "params.range",
    "params.from",
    "params.to",
    "params.ip",
    "params.q",
    "params.impersonation",
];

fn audit_params() -> Value {
    json!({
        "actor": "", "target": "", "app": "", "action": "", "outcome": "", "range": "",
        "from": "", "to": "", "ip": "", "q": "", "impersonation": "",
    })
}
