//! The master key that encrypts private signing keys at rest (AES-256-GCM).

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::{engine::general_purpose::STANDARD, Engine};

use crate::error::{CoreError, CoreResult};

pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// From 32 bytes, given as base64 (standard or URL-safe) or 64 hex digits.
    pub fn parse(encoded: &str) -> CoreResult<Self> {
        let s = encoded.trim();
        let bytes = if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(s).ok()
        } else {
            STANDARD.decode(s).ok().or_else(|| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(s)
                    .ok()
            })
        };
        match bytes {
            Some(b) if b.len() == 32 => Self::from_bytes(&b),
            _ => Err(CoreError::Internal(
                "the master key must be 32 bytes, as base64 or 64 hex digits".into(),
            )),
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> CoreResult<Self> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CoreError::Internal("invalid master key".into()))?;
        Ok(MasterKey {
            key: LessSafeKey::new(unbound),
        })
    }

    /// A fresh random key, base64-encoded, for first runs.
    pub fn generate() -> String {
        let mut b = [0u8; 32];
        let _ = SystemRandom::new().fill(&mut b);
        STANDARD.encode(b)
    }

    /// nonce || ciphertext || tag, base64. `context` is bound as associated
    /// data so a ciphertext cannot be moved to another key id.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> CoreResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CoreError::Internal("rng failure".into()))?;
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .map_err(|_| CoreError::Internal("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> CoreResult<Vec<u8>> {
        let raw = STANDARD
            .decode(sealed)
            .map_err(|_| CoreError::Internal("corrupt sealed key".into()))?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(CoreError::Internal("corrupt sealed key".into()));
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| CoreError::Internal("bad nonce".into()))?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| {
                CoreError::Internal("cannot decrypt a signing key: wrong master key?".into())
            })?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_bound_to_context() {
        let k = MasterKey::parse(&MasterKey::generate()).unwrap();
        let sealed = k.seal(b"secret", "kid-1").unwrap();
        assert_eq!(k.open(&sealed, "kid-1").unwrap(), b"secret");
        assert!(
            k.open(&sealed, "kid-2").is_err(),
            "a ciphertext cannot be replayed under another kid"
        );
        let other = MasterKey::parse(&MasterKey::generate()).unwrap();
        assert!(other.open(&sealed, "kid-1").is_err());
    }

    #[test]
    fn parses_hex_and_rejects_short() {
        assert!(MasterKey::parse(&"ab".repeat(32)).is_ok());
        assert!(MasterKey::parse("c2hvcnQ=").is_err());
    }
}
