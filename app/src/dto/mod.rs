//! Data shapes shared by the server functions and the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub name: String,
    /// Management API permissions held anywhere (as their names), which
    /// decide what the console shows and enables.
    pub permissions: Vec<String>,
    /// Applications this person may sign in to as someone else through a
    /// role scoped to them (tenant-wide `impersonation:create` covers all).
    pub impersonation_apps: Vec<String>,
}

impl Me {
    pub fn has(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == permission)
    }

    /// Whether this person may use the console at all.
    pub fn may_enter(&self) -> bool {
        !self.permissions.is_empty() || !self.impersonation_apps.is_empty()
    }

    /// Whether Sign in as User is open to them for some application.
    pub fn may_impersonate(&self) -> bool {
        self.has("impersonation:create") || !self.impersonation_apps.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    /// Names of the roles the user holds.
    pub roles: Vec<String>,
    pub id: String,
    pub email: String,
    pub name: String,
    pub connection: String,
    pub blocked: bool,
    pub last_login_at: i64,
    pub login_count: i64,
    pub created_at: i64,
    /// Why "Sign in as User" is disabled for this row, if it is.
    pub impersonate_disabled: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPageDto {
    pub users: Vec<UserRow>,
    pub total: i64,
    pub total_capped: bool,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: String,
    pub email: String,
    pub name: String,
    pub picture: String,
    pub connection_id: String,
    pub connection: String,
    pub blocked: bool,
    pub has_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: i64,
    pub login_count: i64,
    pub app_metadata: String,
    pub user_metadata: String,
    /// Ids of the roles the user holds.
    pub roles: Vec<String>,
    /// Names of those roles, sorted, for display.
    pub role_names: Vec<String>,
    pub is_self: bool,
    /// Why "Sign in as User" is disabled, if it is.
    pub impersonate_disabled: Option<String>,
    /// Marked protected: nobody may sign in as them (administrators are
    /// refused by the policy whatever this says).
    #[serde(default)]
    pub protected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionDto {
    pub id: String,
    pub name: String,
    pub user_count: i64,
    pub enabled_clients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSummary {
    pub client_id: String,
    pub name: String,
    pub app_type: String,
    pub type_label: String,
    pub allow_impersonation: bool,
    pub callback_count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AppDetail {
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub app_type: String,
    pub type_label: String,
    pub confidential: bool,
    pub has_secret: bool,
    pub secret_rotated_at: Option<i64>,
    pub callback_urls: Vec<String>,
    pub allowed_logout_urls: Vec<String>,
    pub allowed_web_origins: Vec<String>,
    pub initiate_login_uri: String,
    pub grant_types: Vec<String>,
    pub allow_impersonation: bool,
    pub connection_ids: Vec<String>,
    pub tokens: TokenSettingsDto,
    /// APIs that let this application request tokens for them.
    pub apis: Vec<ApiRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenSettingsDto {
    pub id_token_lifetime_secs: i64,
    pub refresh_tokens: bool,
    pub refresh_rotation: bool,
    pub refresh_lifetime_secs: i64,
    pub signing_alg: String,
    pub impersonation_refresh: bool,
}

/// An application's token settings as submitted (lifetimes as typed, with
/// their unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenForm {
    pub id_token_lifetime: String,
    pub id_token_lifetime_unit: String,
    #[serde(default)]
    pub refresh_tokens: bool,
    #[serde(default)]
    pub refresh_rotation: bool,
    pub refresh_lifetime: String,
    pub refresh_lifetime_unit: String,
    pub signing_alg: String,
    #[serde(default)]
    pub impersonation_refresh: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiRef {
    pub id: String,
    pub name: String,
    pub identifier: String,
}

/// The application form as submitted (lists are newline-separated text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AppForm {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub app_type: String,
    #[serde(default)]
    pub callback_urls: String,
    #[serde(default)]
    pub allowed_logout_urls: String,
    #[serde(default)]
    pub allowed_web_origins: String,
    #[serde(default)]
    pub initiate_login_uri: String,
    #[serde(default)]
    pub grant_types: Vec<String>,
    #[serde(default)]
    pub allow_impersonation: bool,
    #[serde(default)]
    pub connection_ids: Vec<String>,
}

/// Returned once, right after an application is created or its secret rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretShownOnce {
    pub client_id: String,
    pub secret: Option<String>,
}

pub const APP_TYPES: [(&str, &str); 4] = [
    ("regular_web", "Regular web application"),
    ("spa", "Single-page application"),
    ("native", "Native"),
    ("m2m", "Machine to machine"),
];

pub const GRANT_TYPES: [(&str, &str); 4] = [
    ("authorization_code", "Authorization code"),
    ("implicit", "Implicit"),
    ("refresh_token", "Refresh token"),
    ("client_credentials", "Client credentials"),
];

/// What the Sign in as User dialog offers for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationChoices {
    /// Why this user cannot be impersonated at all, if so.
    pub refused: Option<String>,
    pub apps: Vec<ImpersonationApp>,
    pub require_reason: bool,
    /// A ticket reference is required.
    #[serde(default)]
    pub require_ticket: bool,
    /// What a ticket reference must look like ("SUP-1234"), when a pattern
    /// is set.
    #[serde(default)]
    pub ticket_example: String,
    pub link_ttl_secs: i64,
    /// Minting needs the password now (step-up): it was entered longer ago
    /// than the setting allows.
    #[serde(default)]
    pub step_up_needed: bool,
    #[serde(default)]
    pub step_up_minutes: i64,
    /// How long an approved request may be turned into its link.
    #[serde(default)]
    pub approval_window_minutes: i64,
    /// A fresh random value to pre-fill State with.
    pub suggested_state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationApp {
    pub client_id: String,
    pub name: String,
    /// Why the application cannot be used for this user, if so.
    pub excluded: Option<String>,
    pub response_types: Vec<String>,
    pub app_initiated: bool,
    pub callback_urls: Vec<String>,
    /// (identifier, name) of each API the application may call.
    pub audiences: Vec<(String, String)>,
    /// A rule asks for someone else's approval before a link.
    #[serde(default)]
    pub needs_approval: bool,
    /// A rule allows only read-only impersonation here.
    #[serde(default)]
    pub read_only_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationLink {
    pub url: String,
    pub expires_at: i64,
    pub expires_in: i64,
    pub impersonation_id: String,
    /// Set instead of a link when a rule asks for approval: the request
    /// now waiting for someone else's decision.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The role whose rule asked for approval.
    #[serde(default)]
    pub approval_role: String,
}

/// One impersonation, for the history tab and the list of active ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationRow {
    pub id: String,
    pub actor_email: String,
    pub target_id: String,
    pub target_email: String,
    pub client_id: String,
    pub app_name: String,
    pub reason: String,
    pub ticket: String,
    pub response_type: String,
    pub response_mode: String,
    pub created_at: i64,
    pub redeemed_at: i64,
    pub session_expires_at: i64,
    /// pending, expired, active, ended, denied or revoked.
    pub status: String,
    pub denied_reason: String,
    pub revoked_at: i64,
}

pub const SIGNING_ALGS: [(&str, &str); 3] = [
    ("ES256", "ES256: ECDSA with P-256 (recommended)"),
    ("RS256", "RS256: RSA 2048 (widest support)"),
    ("EdDSA", "EdDSA: Ed25519"),
];

/// Units offered for token lifetimes, with their length in seconds.
pub const LIFETIME_UNITS: [(&str, i64); 4] = [
    ("seconds", 1),
    ("minutes", 60),
    ("hours", 3600),
    ("days", 86_400),
];

/// A lifetime in seconds as the largest unit that divides it evenly:
/// 3600 → ("1", "hours"), 5400 → ("90", "minutes").
pub fn split_lifetime(secs: i64) -> (String, String) {
    let (unit, size) = LIFETIME_UNITS
        .iter()
        .rev()
        .find(|(_, size)| secs > 0 && secs % size == 0)
        .copied()
        .unwrap_or(("seconds", 1));
    ((secs / size).to_string(), unit.to_string())
}

/// The number of seconds in `value` `unit`s, or why it is not a lifetime.
pub fn parse_lifetime(value: &str, unit: &str) -> Result<i64, &'static str> {
    let size = LIFETIME_UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, s)| *s)
        .ok_or("Choose seconds, minutes, hours or days.")?;
    let n: i64 = value.trim().parse().map_err(|_| "Enter a whole number.")?;
    if n <= 0 {
        return Err("Enter a number greater than zero.");
    }
    n.checked_mul(size).ok_or("That is far too long.")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PermissionDto {
    pub value: String,
    #[serde(default)]
    pub description: String,
    /// Allowed in read-only impersonation. The server always says; a form
    /// that leaves it out gets the default, which follows the name
    /// (`…:read`, `read:…`).
    #[serde(default)]
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub id: String,
    pub name: String,
    pub identifier: String,
    pub signing_alg: String,
    pub token_lifetime_secs: i64,
    pub permission_count: usize,
    pub app_count: usize,
    pub builtin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiDetail {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub signing_alg: String,
    pub token_lifetime_secs: i64,
    pub permissions: Vec<PermissionDto>,
    pub builtin: bool,
    pub permissions_in_token: bool,
    /// Applications this API authorizes.
    pub client_ids: Vec<String>,
    /// What each authorized application may get by client_credentials.
    pub grants: Vec<(String, Vec<String>)>,
}

/// The API form as submitted (the lifetime as typed, with its unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiForm {
    pub identifier: String,
    pub name: String,
    pub signing_alg: String,
    pub token_lifetime: String,
    pub token_lifetime_unit: String,
    #[serde(default)]
    pub permissions: Vec<PermissionDto>,
    #[serde(default)]
    pub permissions_in_token: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeyDto {
    pub kid: String,
    pub alg: String,
    /// next, current, previous or retired.
    pub state: String,
    pub created_at: i64,
    pub activated_at: i64,
    pub deactivated_at: i64,
    /// For previous keys: when they leave the JWKS at the latest.
    pub retire_after: i64,
    pub retired_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKeysDto {
    pub jwks_url: String,
    pub longest_token_lifetime_secs: i64,
    pub keys: Vec<SigningKeyDto>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_round_trip() {
        assert_eq!(split_lifetime(3600), ("1".into(), "hours".into()));
        assert_eq!(split_lifetime(5400), ("90".into(), "minutes".into()));
        assert_eq!(split_lifetime(2_592_000), ("30".into(), "days".into()));
        assert_eq!(split_lifetime(61), ("61".into(), "seconds".into()));
        assert_eq!(parse_lifetime(" 90 ", "minutes"), Ok(5400));
        assert!(parse_lifetime("1.5", "hours").is_err());
        assert!(parse_lifetime("0", "hours").is_err());
        assert!(parse_lifetime("9223372036854775807", "days").is_err());
        assert!(parse_lifetime("1", "weeks").is_err());
    }
}

mod account;
mod audit;
mod policy;
mod roles;
pub mod streams;
pub use account::*;
pub use audit::*;
pub use policy::*;
pub use roles::*;

/// The server's default for "allowed in read-only impersonation", so the
/// API form can follow a permission's name as it is typed; the core
/// (`masquerade::domain::reads_by_name`) decides what is stored.
pub fn reads_by_name(permission: &str) -> bool {
    permission.ends_with(":read") || permission.starts_with("read:")
}
