use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::validate::{check_text, MAX_NAME_LEN};

/// Identifier of the built-in Management API, relative to the public URL.
pub const MANAGEMENT_API_PATH: &str = "/api/v1/";

/// The built-in Management API as it should be for this public URL.
pub fn management_api(public_url: &str) -> ApiInput {
    ApiInput {
        identifier: format!("{}{MANAGEMENT_API_PATH}", public_url.trim_end_matches('/')),
        name: "Masquerade Management API".into(),
        signing_alg: "ES256".into(),
        token_lifetime_secs: 3600,
        permissions: crate::authz::Permission::ALL
            .iter()
            .map(|p| Permission {
                value: p.as_str().into(),
                description: p.description().into(),
                read_only: None,
            })
            .collect(),
        permissions_in_token: false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub value: String,
    pub description: String,
    /// Whether read-only impersonation may carry it; unset means: yes for
    /// names ending in `:read` or starting with `read:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

impl Permission {
    pub fn new(value: impl Into<String>, description: impl Into<String>) -> Self {
        Permission {
            value: value.into(),
            description: description.into(),
            read_only: None,
        }
    }

    /// A permission whose "allowed in read-only impersonation" flag is
    /// `read_only`; kept unset when that is what the name says anyway, so
    /// that renaming it later keeps following the name.
    pub fn with_read_only(
        value: impl Into<String>,
        description: impl Into<String>,
        read_only: bool,
    ) -> Self {
        let value = value.into();
        Permission {
            read_only: (read_only != reads_by_name(&value)).then_some(read_only),
            value,
            description: description.into(),
        }
    }

    /// Allowed in read-only impersonation.
    pub fn safe_to_read(&self) -> bool {
        self.read_only.unwrap_or_else(|| reads_by_name(&self.value))
    }
}

/// The default for "allowed in read-only impersonation": a name that says
/// it reads.
pub fn reads_by_name(permission: &str) -> bool {
    permission.ends_with(":read") || permission.starts_with("read:")
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
    /// Put the user's permissions for this API into its access tokens as a
    /// `permissions` claim (Auth0's "Add Permissions in the Access Token").
    pub permissions_in_token: bool,
    /// Client ids this API authorizes.
    pub client_ids: Vec<String>,
    /// For each authorized client, the permissions client_credentials may
    /// give it.
    pub grants: Vec<ClientGrant>,
}

impl Api {
    /// The permissions granted to `client_id`, if this API authorizes it.
    pub fn granted_to(&self, client_id: &str) -> Option<&[String]> {
        self.grants
            .iter()
            .find(|g| g.client_id == client_id)
            .map(|g| g.permissions.as_slice())
    }

    pub fn defines(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p.value == permission)
    }

    /// Whether read-only impersonation may carry `permission`.
    pub fn safe_to_read(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .find(|p| p.value == permission)
            .is_some_and(Permission::safe_to_read)
    }
}

/// What an API lets one machine client ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientGrant {
    pub client_id: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiInput {
    pub identifier: String,
    pub name: String,
    pub signing_alg: String,
    pub token_lifetime_secs: i64,
    pub permissions: Vec<Permission>,
    #[serde(default)]
    pub permissions_in_token: bool,
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
                read_only: None,
            }],
            permissions_in_token: false,
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
            read_only: None,
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
