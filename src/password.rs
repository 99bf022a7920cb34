//! Password hashing with argon2id.

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use rand::rngs::OsRng;

use crate::error::{CoreError, CoreResult, Problems};

pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn check_strength(problems: &mut Problems, field: &str, password: &str) {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        problems.add(
            field,
            format!("Use at least {MIN_PASSWORD_LEN} characters."),
        );
    } else if n > MAX_PASSWORD_LEN {
        problems.add(field, format!("Use at most {MAX_PASSWORD_LEN} characters."));
    }
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes), the OWASP baseline.
pub fn hash_password(password: &str) -> CoreResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(format!("hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashing is CPU-bound for tens of milliseconds: keep it off the async workers.
pub async fn hash_password_blocking(password: String) -> CoreResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
}

pub async fn verify_password_blocking(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A valid argon2id hash of a random password, verified against when the
/// account does not exist so that timing does not reveal which emails exist.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2p4YhE5nH8eZ8QeQ1n0zJmJb2k7F9Y3Vd5m1Lr0o6uU"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
    }

    #[test]
    fn garbage_hash_never_verifies() {
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("x", dummy_hash()));
    }

    #[test]
    fn strength() {
        let mut p = Problems::default();
        check_strength(&mut p, "password", "short");
        assert!(!p.is_empty());
        let mut p = Problems::default();
        check_strength(&mut p, "password", "long enough");
        assert!(p.is_empty());
    }
}
