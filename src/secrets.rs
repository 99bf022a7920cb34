//! Random identifiers, bearer secrets and their hashes.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sha2::{Digest, Sha256};

const ID_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A prefixed identifier such as `usr_3k9w...`: 20 characters of Crockford
/// base32 give 100 random bits, enough that ids never collide in practice.
/// Ids are not secrets: they come from the thread's CSPRNG (seeded from the
/// OS), which saves a system call on every token issued (`jti`).
pub fn new_id(prefix: &str) -> String {
    let mut body = String::with_capacity(20);
    push_random(&mut body, 20);
    format!("{prefix}_{body}")
}

/// Appends `n` random characters of `ID_ALPHABET` (5 bits each).
fn push_random(body: &mut String, n: usize) {
    let mut bytes = [0u8; 20];
    let bytes = &mut bytes[..n.min(20)];
    rand::thread_rng().fill_bytes(bytes);
    body.extend(
        bytes
            .iter()
            .map(|b| ID_ALPHABET[(*b as usize) % ID_ALPHABET.len()] as char),
    );
}

/// A prefixed identifier that sorts by creation time, as long as `new_id`'s:
/// 7 characters of seconds since 1970 (35 bits, a thousand years), then 13
/// random ones (65 bits). For records written by the thousand (audit
/// events, grants, impersonations): with random ids every insert landed on
/// a random leaf of the primary-key index, and as those indexes outgrew the
/// page cache the Sign in as User benchmark fell from 1,013 to 727 flows/s
/// over four consecutive runs. Users, applications and other records whose
/// ids outsiders see keep `new_id`, which says nothing about their age.
pub fn new_sortable_id(prefix: &str, now: i64) -> String {
    let secs = now.max(0) as u64;
    let mut body = String::with_capacity(20);
    for i in (0..7).rev() {
        body.push(ID_ALPHABET[((secs >> (5 * i)) & 31) as usize] as char);
    }
    push_random(&mut body, 13);
    format!("{prefix}_{body}")
}

/// An alphanumeric client id of 32 characters (about 190 bits), no prefix,
/// as OAuth clients expect.
pub fn new_client_id() -> String {
    use rand::{distributions::Alphanumeric, Rng};
    OsRng
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// A bearer secret with 256 random bits, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Secrets are looked up by the SHA-256 of their value, so a database leak
/// does not leak usable session cookies or client secrets.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison of two hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id("usr");
        let b = new_id("usr");
        assert!(a.starts_with("usr_"));
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
    }

    #[test]
    fn sortable_ids_sort_by_time() {
        let a = new_sortable_id("evt", 1_800_000_000);
        let b = new_sortable_id("evt", 1_800_000_001);
        let c = new_sortable_id("evt", 30_000_000_000);
        assert_eq!(a.len(), 24);
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_ne!(
            new_sortable_id("evt", 1_800_000_000),
            new_sortable_id("evt", 1_800_000_000)
        );
    }

    #[test]
    fn secrets_have_256_bits() {
        assert_eq!(new_secret().len(), 43);
        assert_eq!(new_client_id().len(), 32);
    }

    #[test]
    fn hash_is_stable_and_compared_in_constant_time() {
        let h = hash_secret("abc");
        assert!(hashes_equal(&h, &hash_secret("abc")));
        assert!(!hashes_equal(&h, &hash_secret("abd")));
    }
}
