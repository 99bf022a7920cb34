//! Token claim sets: ID tokens (OIDC Core §2) and JWT access tokens (RFC 9068).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha512};

use crate::keys::Alg;

/// `at_hash` / `c_hash`: the left half of the hash of the ASCII value, using
/// the hash of the ID token's signing algorithm (SHA-512 for Ed25519).
pub fn half_hash(alg: Alg, value: &str) -> String {
    let digest: Vec<u8> = match alg {
        Alg::ES256 | Alg::RS256 => Sha256::digest(value.as_bytes()).to_vec(),
        Alg::EdDSA => Sha512::digest(value.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Value,
    pub client_id: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The grant this token came from, so revoking the grant revokes it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub gid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Standard profile claims for the granted scopes (OIDC Core §5.4).
pub fn profile_claims(scopes: &[String], user: &crate::domain::User) -> Map<String, Value> {
    let mut m = Map::new();
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if has("email") {
        m.insert("email".into(), Value::String(user.email.clone()));
        // Verification flows arrive later; nothing is claimed verified yet.
        m.insert("email_verified".into(), Value::Bool(false));
    }
    if has("profile") {
        if !user.name.is_empty() {
            m.insert("name".into(), Value::String(user.name.clone()));
        }
        if let Some(p) = &user.picture {
            m.insert("picture".into(), Value::String(p.clone()));
        }
        m.insert("updated_at".into(), Value::from(user.updated_at));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_oidc_example() {
        // OIDC Core A.3: access_token jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y
        // with RS256 gives at_hash 77QmUPtjPfzWtF2AnpK9RQ.
        assert_eq!(
            half_hash(Alg::RS256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(half_hash(Alg::EdDSA, "x").len(), 43);
    }
}
