//! The users search index: words, and the prefix ranges that find them.

use std::collections::BTreeSet;

use super::{Store, Tx};
use crate::error::CoreResult;

const MAX_TERM: usize = 100;

/// Searchable words of a user: the whole email, its local-part pieces and
/// domain, each name word, and the id.
pub fn terms(id: &str, email: &str, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let email = email.trim().to_lowercase();
    out.insert(email.clone());
    if let Some((local, domain)) = email.rsplit_once('@') {
        out.insert(local.to_string());
        out.insert(domain.to_string());
        for piece in local.split(['.', '_', '-', '+']) {
            out.insert(piece.to_string());
        }
    }
    for word in name
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == ',')
    {
        out.insert(word.to_string());
    }
    out.insert(id.to_lowercase());
    out.into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(MAX_TERM).collect())
        .collect()
}

/// The half-open range [low, high) of strings that start with `prefix`.
pub fn prefix_range(prefix: &str) -> (String, String) {
    let low = prefix.to_string();
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return (low, chars.into_iter().collect());
        }
    }
    (low, char::MAX.to_string())
}

impl Store {
    pub(crate) async fn index_user_tx(
        tx: &mut Tx,
        id: &str,
        email: &str,
        name: &str,
    ) -> CoreResult<()> {
        sqlx::query("DELETE FROM user_search WHERE user_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        for t in terms(id, email, name) {
            sqlx::query(
                "INSERT INTO user_search (term, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(t)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Rebuilds the index for users that have no terms (databases created
    /// before the index existed). Cheap when nothing is missing.
    pub async fn backfill_search_index(&self) -> CoreResult<u64> {
        // Once every user has been indexed, new and changed users are indexed
        // in their own transactions, so the scan below never needs repeating.
        if self.get_setting("search_index_complete").await?.is_some() {
            return Ok(0);
        }
        let missing: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, email, name FROM users u WHERE NOT EXISTS (SELECT 1 FROM user_search s WHERE s.user_id = u.id)",
        )
        .fetch_all(&mut *self.read().await?)
        .await?;
        for chunk in missing.chunks(1000) {
            let mut tx = self.begin().await?;
            for (id, email, name) in chunk {
                Store::index_user_tx(&mut tx, id, email, name).await?;
            }
            tx.commit().await?;
        }
        self.set_setting("search_index_complete", "1").await?;
        Ok(missing.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let t = terms(
            "usr_Abc",
            "Ada.Lovelace17@Example.com",
            "Ada  Lovelace-King",
        );
        for w in [
            "ada.lovelace17@example.com",
            "ada.lovelace17",
            "ada",
            "lovelace17",
            "example.com",
            "lovelace",
            "king",
            "usr_abc",
        ] {
            assert!(t.contains(w), "{w}");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(prefix_range("abc"), ("abc".into(), "abd".into()));
        assert_eq!(prefix_range("a%"), ("a%".into(), "a&".into()));
    }
}
