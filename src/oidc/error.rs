//! Error codes from RFC 6749 §4.1.2.1 / §5.2, OIDC Core §3.1.2.6 and RFC 6750.

use serde::Serialize;

/// An error at the token, revocation, introspection or userinfo endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{error}: {error_description}")]
pub struct OAuthError {
    pub error: &'static str,
    pub error_description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            error_description: description.into(),
        }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new("invalid_request", d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new("invalid_client", d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new("invalid_grant", d)
    }
    pub fn unauthorized_client(d: impl Into<String>) -> Self {
        Self::new("unauthorized_client", d)
    }
    pub fn unsupported_grant_type(d: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", d)
    }
    pub fn invalid_scope(d: impl Into<String>) -> Self {
        Self::new("invalid_scope", d)
    }
    pub fn invalid_token(d: impl Into<String>) -> Self {
        Self::new("invalid_token", d)
    }
    pub fn server_error() -> Self {
        Self::new("server_error", "The server could not complete the request.")
    }

    /// HTTP status per RFC 6749 §5.2 and RFC 6750 §3.1.
    pub fn status(&self) -> u16 {
        match self.error {
            "invalid_client" | "invalid_token" => 401,
            "server_error" => 500,
            "insufficient_scope" => 403,
            _ => 400,
        }
    }
}

/// An error at the authorization endpoint. When the client and redirect URI
/// are trustworthy it goes back to the client; otherwise it is shown on our
/// own page and never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.11).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    #[error("{0}")]
    ShowToUser(String),
    #[error("{error}: {description}")]
    Redirect {
        error: &'static str,
        description: String,
    },
}

impl AuthorizeError {
    pub fn redirect(error: &'static str, description: impl Into<String>) -> Self {
        AuthorizeError::Redirect {
            error,
            description: description.into(),
        }
    }
}
