use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::validate::{
    check_text, check_url_list, origin_problem, redirect_url_problem, MAX_NAME_LEN,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppType {
    #[serde(rename = "regular_web")]
    RegularWeb,
    #[serde(rename = "spa")]
    SinglePage,
    #[serde(rename = "native")]
    Native,
    #[serde(rename = "m2m")]
    MachineToMachine,
}

impl AppType {
    pub const ALL: [AppType; 4] = [
        AppType::RegularWeb,
        AppType::SinglePage,
        AppType::Native,
        AppType::MachineToMachine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppType::RegularWeb => "regular_web",
            AppType::SinglePage => "spa",
            AppType::Native => "native",
            AppType::MachineToMachine => "m2m",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        AppType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AppType::RegularWeb => "Regular web application",
            AppType::SinglePage => "Single-page application",
            AppType::Native => "Native",
            AppType::MachineToMachine => "Machine to machine",
        }
    }

    /// Public clients cannot keep a secret: they authenticate with PKCE only.
    pub fn is_confidential(self) -> bool {
        matches!(self, AppType::RegularWeb | AppType::MachineToMachine)
    }

    pub fn allowed_grants(self) -> &'static [&'static str] {
        match self {
            AppType::RegularWeb => &[
                "authorization_code",
                "implicit",
                "refresh_token",
                "client_credentials",
            ],
            AppType::SinglePage | AppType::Native => {
                &["authorization_code", "implicit", "refresh_token"]
            }
            AppType::MachineToMachine => &["client_credentials"],
        }
    }

    pub fn default_grants(self) -> Vec<String> {
        let g: &[&str] = match self {
            AppType::RegularWeb => &["authorization_code", "implicit", "refresh_token"],
            AppType::SinglePage | AppType::Native => {
                &["authorization_code", "implicit", "refresh_token"]
            }
            AppType::MachineToMachine => &["client_credentials"],
        };
        g.iter().map(|s| s.to_string()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub client_id: String,
    pub name: String,
    pub description: String,
    pub app_type: AppType,
    pub has_secret: bool,
    pub secret_rotated_at: Option<i64>,
    pub callback_urls: Vec<String>,
    pub allowed_logout_urls: Vec<String>,
    pub allowed_web_origins: Vec<String>,
    pub initiate_login_uri: Option<String>,
    pub grant_types: Vec<String>,
    pub allow_impersonation: bool,
    pub connection_ids: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub tokens: TokenSettings,
}

/// Per-application token settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSettings {
    pub id_token_lifetime_secs: i64,
    pub refresh_tokens: bool,
    pub refresh_rotation: bool,
    pub refresh_lifetime_secs: i64,
    pub signing_alg: String,
    /// Whether impersonated sessions may get refresh tokens (never past
    /// the impersonation session cap).
    #[serde(default)]
    pub impersonation_refresh: bool,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            id_token_lifetime_secs: 36_000,
            refresh_tokens: true,
            refresh_rotation: true,
            refresh_lifetime_secs: 30 * 86_400,
            signing_alg: "ES256".into(),
            impersonation_refresh: false,
        }
    }
}

impl TokenSettings {
    pub fn validate(&self) -> CoreResult<()> {
        let mut p = Problems::default();
        p.check(
            (60..=30 * 86_400).contains(&self.id_token_lifetime_secs),
            "id_token_lifetime_secs",
            "ID token lifetime must be between 60 seconds and 30 days.",
        );
        p.check(
            (60..=365 * 86_400).contains(&self.refresh_lifetime_secs),
            "refresh_lifetime_secs",
            "Refresh token lifetime must be between 60 seconds and 365 days.",
        );
        p.check(
            crate::keys::Alg::parse(&self.signing_alg).is_some(),
            "signing_alg",
            "Choose ES256, RS256 or EdDSA.",
        );
        p.into_result()
    }
}

/// Everything an administrator sets on an application, as one validated unit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApplicationInput {
    pub name: String,
    pub description: String,
    pub app_type: String,
    pub callback_urls: Vec<String>,
    pub allowed_logout_urls: Vec<String>,
    pub allowed_web_origins: Vec<String>,
    pub initiate_login_uri: String,
    pub grant_types: Vec<String>,
    pub allow_impersonation: bool,
    pub connection_ids: Vec<String>,
}

impl ApplicationInput {
    pub fn validate(&self) -> CoreResult<AppType> {
        let mut p = Problems::default();
        check_text(&mut p, "name", &self.name, true, MAX_NAME_LEN);
        check_text(&mut p, "description", &self.description, false, 1000);
        let app_type = AppType::parse(&self.app_type);
        p.check(
            app_type.is_some(),
            "app_type",
            "Choose an application type.",
        );
        check_url_list(
            &mut p,
            "callback_urls",
            &self.callback_urls,
            redirect_url_problem,
        );
        check_url_list(
            &mut p,
            "allowed_logout_urls",
            &self.allowed_logout_urls,
            redirect_url_problem,
        );
        check_url_list(
            &mut p,
            "allowed_web_origins",
            &self.allowed_web_origins,
            origin_problem,
        );
        let uri = self.initiate_login_uri.trim();
        if !uri.is_empty() {
            // OIDC Core §4: the initiate-login URI must use https (we allow
            // http for loopback development only).
            match redirect_url_problem(uri) {
                Some(m) => p.add("initiate_login_uri", m),
                None => {
                    let local = url::Url::parse(uri)
                        .ok()
                        .and_then(|u| u.host_str().map(|h| h == "localhost" || h == "127.0.0.1"))
                        .unwrap_or(false);
                    p.check(
                        uri.starts_with("https://") || local,
                        "initiate_login_uri",
                        "The initiate-login URI must use https (http only for localhost).",
                    );
                }
            }
        }
        if let Some(t) = app_type {
            let allowed = t.allowed_grants();
            for g in &self.grant_types {
                if !allowed.contains(&g.as_str()) {
                    p.add(
                        "grant_types",
                        format!(
                            "\"{g}\" is not available for a {}.",
                            t.label().to_lowercase()
                        ),
                    );
                    break;
                }
            }
        }
        p.into_result()?;
        // `app_type` is Some here: a None would have added a problem above.
        app_type.ok_or_else(|| {
            crate::error::CoreError::field("app_type", "Choose an application type.")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ApplicationInput {
        ApplicationInput {
            name: "Shop".into(),
            app_type: "regular_web".into(),
            callback_urls: vec!["https://shop.example.com/cb".into()],
            grant_types: vec!["authorization_code".into()],
            ..Default::default()
        }
    }

    #[test]
    fn valid_input() {
        assert_eq!(input().validate().unwrap(), AppType::RegularWeb);
    }

    #[test]
    fn rejects_bad_callback_and_grant() {
        let mut i = input();
        i.callback_urls.push("https://*.example.com/cb".into());
        i.app_type = "m2m".into();
        let crate::error::CoreError::Validation(errs) = i.validate().unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["callback_urls", "grant_types"]);
    }

    #[test]
    fn initiate_login_uri_must_be_https_except_localhost() {
        let mut i = input();
        i.initiate_login_uri = "http://shop.example.com/login".into();
        assert!(i.validate().is_err());
        i.initiate_login_uri = "http://localhost:3000/login".into();
        assert!(i.validate().is_ok());
    }

    #[test]
    fn type_round_trip() {
        for t in AppType::ALL {
            assert_eq!(AppType::parse(t.as_str()), Some(t));
            // The REST API shows the same code it accepts.
            assert_eq!(serde_json::json!(t), serde_json::json!(t.as_str()));
        }
    }
}
