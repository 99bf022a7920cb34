use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};
use crate::validate::check_text;

pub const DEFAULT_CONNECTION: &str = "Username-Password-Authentication";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub strategy: String,
    pub created_at: i64,
    pub user_count: i64,
}

/// Connection names appear in URLs and logs, so they keep to a safe alphabet
/// (Auth0's rule: letters, digits and hyphens, no leading or trailing hyphen).
pub fn validate_connection_name(name: &str) -> CoreResult<()> {
    let mut p = Problems::default();
    check_text(&mut p, "name", name, true, 128);
    if p.is_empty() {
        let ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        p.check(
            ok,
            "name",
            "Use letters, digits and hyphens only, with no hyphen at either end.",
        );
    }
    p.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_connection_name(DEFAULT_CONNECTION).is_ok());
        assert!(validate_connection_name("partners").is_ok());
        assert!(validate_connection_name("").is_err());
        assert!(validate_connection_name("has space").is_err());
        assert!(validate_connection_name("-lead").is_err());
    }
}
