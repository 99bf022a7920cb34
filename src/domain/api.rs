use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::validate::{check_text, MAX_NAME_LEN};

/// Identifier of the built-in Management API, relative to the public URL.
pub const MANAGEMENT_API_PATH: &str = "/api/v1/";

/// Every permission of the built-in Management API, with what it allows.
pub const MANAGEMENT_PERMISSIONS: &[(&str, &str)] = &[
    ("users:read", "Read users"),
    ("users:write", "Create, change, block and delete users"),
    ("applications:read", "Read applications"),
    (
        "applications:write",
        "Create, change and delete applications; rotate secrets",
    ),
    ("connections:read", "Read connections"),
    (
        "connections:write",
        "Enable and disable connections per application",
    ),
    ("apis:read", "Read APIs"),
    (
        "apis:write",
        "Create, change and delete APIs; authorize applications",
    ),
    ("impersonation:create", "Mint Sign in as User links"),
    (
        "impersonation:read",
        "Read impersonation history and active impersonations",
    ),
    ("impersonation:revoke", "End impersonated sessions"),
    ("settings:read", "Read tenant settings"),
    ("settings:write", "Change tenant settings"),
];

/// The built-in Management API as it should be for this public URL.
pub fn management_api(public_url: &str) -> ApiInput {
    ApiInput {
        identifier: format!("{}{MANAGEMENT_API_PATH}", public_url.trim_end_matches('/')),
        name: "Masquerade Management API".into(),
        signing_alg: "ES256".into(),
        token_lifetime_secs: 3600,
        permissions: MANAGEMENT_PERMISSIONS
            .iter()
            .map(|(value, description)| Permission {
                value: (*value).into(),
                description: (*description).into(),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub value: String,
    pub description: String,
}

/// A resource server: the audience of access tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Api {
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub signing_alg: String,
    pub token_lifetime_secs: i64,
    pub permissions: Vec<Permission>,
    pub builtin: bool,
    /// Client ids this API authorizes.
    pub client_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiInput {
    pub identifier: String,
    pub name: String,
    pub signing_alg: String,
    pub token_lifetime_secs: i64,
    pub permissions: Vec<Permission>,
}

pub const MAX_TOKEN_LIFETIME_SECS: i64 = 30 * 86400;
pub const MAX_PERMISSIONS: usize = 200;

impl ApiInput {
    pub fn validate(&self) -> CoreResult<()> {
        let mut p = Problems::default();
        // The identifier's form is checked only when its text is acceptable,
        // independently of the other fields, so every problem shows at once.
        let mut id_text = Problems::default();
        check_text(&mut id_text, "identifier", &self.identifier, true, 600);
        let id_text_ok = id_text.is_empty();
        check_text(&mut p, "name", &self.name, true, MAX_NAME_LEN);
        check_text(&mut p, "identifier", &self.identifier, true, 600);
        if id_text_ok
            && url::Url::parse(&self.identifier).is_err()
            && !self.identifier.starts_with("urn:")
        {
            p.add("identifier", "Use an absolute URI such as https://api.example.com/ (it becomes the token audience).");
        }
        p.check(
            crate::keys::Alg::parse(&self.signing_alg).is_some(),
            "signing_alg",
            "Choose ES256, RS256 or EdDSA.",
        );
        p.check(
            (60..=MAX_TOKEN_LIFETIME_SECS).contains(&self.token_lifetime_secs),
            "token_lifetime_secs",
            "Token lifetime must be between 60 seconds and 30 days.",
        );
        p.check(
            self.permissions.len() <= MAX_PERMISSIONS,
            "permissions",
            "An API can define at most 200 permissions.",
        );
        let mut seen = std::collections::HashSet::new();
        for perm in &self.permissions {
            if perm.description.chars().count() > 200 {
                p.add(
                    "permissions",
                    format!(
                        "The description of \"{}\" is longer than 200 characters.",
                        perm.value
                    ),
                );
                break;
            }
            let ok = !perm.value.is_empty()
                && perm.value.len() <= 100
                && perm
                    .value
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
            if !ok {
                p.add(
                    "permissions",
                    format!(
                        "\"{}\" is not a valid permission: no spaces or quotes.",
                        perm.value
                    ),
                );
                break;
            }
            if !seen.insert(&perm.value) {
                p.add(
                    "permissions",
                    format!("\"{}\" is listed twice.", perm.value),
                );
                break;
            }
        }
        p.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ApiInput {
        ApiInput {
            identifier: "https://orders.example.com/".into(),
            name: "Orders".into(),
            signing_alg: "ES256".into(),
            token_lifetime_secs: 3600,
            permissions: vec![Permission {
                value: "read:orders".into(),
                description: "Read orders".into(),
            }],
        }
    }

    #[test]
    fn validates() {
        assert!(input().validate().is_ok());
        let mut bad = input();
        bad.identifier = "orders".into();
        bad.signing_alg = "HS256".into();
        bad.token_lifetime_secs = 10;
        bad.permissions.push(Permission {
            value: "read orders".into(),
            description: String::new(),
        });
        let crate::error::CoreError::Validation(errs) = bad.validate().unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "identifier",
                "signing_alg",
                "token_lifetime_secs",
                "permissions"
            ]
        );
        bad.name = String::new();
        let crate::error::CoreError::Validation(errs) = bad.validate().unwrap_err() else {
            panic!()
        };
        assert!(
            errs.iter().any(|e| e.field == "identifier"),
            "the identifier is checked even when the name is missing"
        );
    }
}
