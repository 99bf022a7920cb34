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
