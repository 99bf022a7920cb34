//! Data shapes shared by the server functions and the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
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
    pub roles: Vec<String>,
    pub is_self: bool,
    /// Why "Sign in as User" is disabled, if it is.
    pub impersonate_disabled: Option<String>,
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
    pub link_ttl_secs: i64,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationLink {
    pub url: String,
    pub expires_at: i64,
    pub expires_in: i64,
    pub impersonation_id: String,
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
