//! Compact JWS signing with in-memory keys, and verification that pins the
//! algorithm to the key id (never to the token's own `alg` header).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{DecodingKey, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::material::{Alg, KeyMaterial};
use crate::error::{CoreError, CoreResult};

/// Signs `claims` as a compact JWS with header {alg, typ, kid}.
pub fn sign<T: Serialize>(
    key: &KeyMaterial,
    kid: &str,
    typ: &str,
    claims: &T,
) -> CoreResult<String> {
    // Fields in the order serde_json gave the header before: alg, kid, typ.
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'a str,
        kid: &'a str,
        typ: &'a str,
    }
    let internal = |e: serde_json::Error| CoreError::Internal(e.to_string());
    let header = serde_json::to_vec(&Header {
        alg: key.alg().as_str(),
        kid,
        typ,
    })
    .map_err(internal)?;
    let payload = serde_json::to_vec(claims).map_err(internal)?;
    let mut out = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 100);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    let sig = key.sign(out.as_bytes())?;
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(sig, &mut out);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("algorithm does not match the key")]
    AlgorithmMismatch,
    #[error("invalid signature")]
    BadSignature,
    #[error("token expired")]
    Expired,
    #[error("wrong token type")]
    WrongType,
}

pub struct VerifiedJwt<T> {
    pub kid: String,
    pub claims: T,
}

/// The header fields needed before choosing a key.
pub fn peek_header(token: &str) -> Result<(String, String, Option<String>), JwtError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
    // Re-read raw: jsonwebtoken rejects unknown algorithms such as "none"
    // before we see them, which is what we want; anything it parses has a kid
    // we can look up.
    let kid = header.kid.ok_or(JwtError::UnknownKey)?;
    Ok((kid, format!("{:?}", header.alg), header.typ))
}

/// Verifies signature, expiry and type. `alg` comes from our key record for
/// `kid`; a token claiming any other algorithm is rejected before any
/// cryptography, which rules out `alg: none` and HMAC/public-key confusion.
pub fn verify<T: DeserializeOwned>(
    token: &str,
    jwk: &Value,
    alg: Alg,
    expected_typ: Option<&str>,
    now: i64,
) -> Result<T, JwtError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
    if header.alg != alg.jsonwebtoken() {
        return Err(JwtError::AlgorithmMismatch);
    }
    if let Some(t) = expected_typ {
        if !header
            .typ
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(t))
        {
            return Err(JwtError::WrongType);
        }
    }
    let jwk: jsonwebtoken::jwk::Jwk =
        serde_json::from_value(jwk.clone()).map_err(|_| JwtError::UnknownKey)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| JwtError::UnknownKey)?;
    let mut validation = Validation::new(alg.jsonwebtoken());
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data =
        jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => JwtError::BadSignature,
            _ => JwtError::Malformed,
        })?;
    // Expiry is checked against the caller's clock, not the system's.
    if let Some(exp) = data.claims.get("exp").and_then(Value::as_i64) {
        if exp <= now {
            return Err(JwtError::Expired);
        }
    }
    serde_json::from_value(data.claims).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token_for(alg: Alg) -> (KeyMaterial, Value, String) {
        let (key, _) = KeyMaterial::generate(alg).unwrap();
        let jwk = key.public_jwk("k1");
        let t = sign(&key, "k1", "at+jwt", &json!({"sub": "u1", "exp": 2000})).unwrap();
        (key, jwk, t)
    }

    #[test]
    fn round_trips_every_algorithm() {
        for alg in Alg::ALL {
            let (_, jwk, t) = token_for(alg);
            let claims: Value = verify(&t, &jwk, alg, Some("at+jwt"), 1000).unwrap();
            assert_eq!(claims["sub"], "u1", "{alg:?}");
            assert_eq!(
                verify::<Value>(&t, &jwk, alg, Some("at+jwt"), 2000).unwrap_err(),
                JwtError::Expired
            );
            assert_eq!(
                verify::<Value>(&t, &jwk, alg, Some("JWT"), 1000).unwrap_err(),
                JwtError::WrongType
            );
        }
    }

    #[test]
    fn rejects_alg_none_and_confusion() {
        let (_, jwk, t) = token_for(Alg::RS256);
        let parts: Vec<&str> = t.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt","kid":"k1"}"#);
        let none = format!("{none_header}.{}.", parts[1]);
        assert!(verify::<Value>(&none, &jwk, Alg::RS256, None, 1000).is_err());
        // HS256 signed with the public key's bytes as the HMAC secret.
        let hs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"at+jwt","kid":"k1"}"#);
        let forged = format!("{hs_header}.{}.{}", parts[1], parts[2]);
        assert_eq!(
            verify::<Value>(&forged, &jwk, Alg::RS256, None, 1000).unwrap_err(),
            JwtError::AlgorithmMismatch
        );
        // A token signed with ES256 presented for an RS256 key id.
        let (_, _, es) = token_for(Alg::ES256);
        assert_eq!(
            verify::<Value>(&es, &jwk, Alg::RS256, None, 1000).unwrap_err(),
            JwtError::AlgorithmMismatch
        );
    }

    #[test]
    fn rejects_tampered_payload() {
        let (_, jwk, t) = token_for(Alg::ES256);
        let mut parts: Vec<String> = t.split('.').map(String::from).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(r#"{"sub":"admin","exp":2000}"#);
        assert_eq!(
            verify::<Value>(&parts.join("."), &jwk, Alg::ES256, None, 1000).unwrap_err(),
            JwtError::BadSignature
        );
    }
}
