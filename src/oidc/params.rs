//! Request parameter handling shared by the endpoints.

use std::collections::{HashMap, HashSet};

pub const MAX_PARAM_LEN: usize = 4096;
pub const MAX_PARAMS: usize = 64;

/// Collapses decoded form or query pairs into a map. RFC 6749 §3.1 and §3.2:
/// parameters must not repeat; empty values count as absent. No parameter
/// may contain NUL (RFC 6749 Appendix A), which PostgreSQL cannot even
/// compare against stored text.
pub fn single_valued(pairs: &[(String, String)]) -> Result<HashMap<String, String>, String> {
    if pairs.len() > MAX_PARAMS {
        return Err("Too many parameters.".into());
    }
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if k.len() > 128 || v.len() > MAX_PARAM_LEN {
            return Err(format!("The {} parameter is too long.", truncate(k)));
        }
        if has_nul(k, v) {
            return Err(format!(
                "The {} parameter contains a NUL character.",
                truncate(k)
            ));
        }
        if v.is_empty() {
            continue;
        }
        if out.insert(k.clone(), v.clone()).is_some() {
            return Err(format!("The {} parameter is repeated.", truncate(k)));
        }
    }
    Ok(out)
}

/// What can still be read from a request that `single_valued` refuses: the
/// parameters given exactly once and within the limits, and the names of
/// those that were repeated, too long or held a NUL. The authorization
/// endpoint uses it to find out whether the client and redirect URI are
/// trustworthy enough to send the `invalid_request` error back to
/// (RFC 6749 §4.1.2.1).
pub fn usable_params(pairs: &[(String, String)]) -> (HashMap<String, String>, HashSet<String>) {
    let mut out = HashMap::new();
    let mut bad = HashSet::new();
    for (k, v) in pairs {
        let unusable = k.len() > 128 || v.len() > MAX_PARAM_LEN || has_nul(k, v);
        // A repeat: empty values count as absent, so only non-empty ones clash.
        let repeated = !v.is_empty() && out.insert(k.clone(), v.clone()).is_some();
        if unusable || repeated {
            bad.insert(k.clone());
        }
    }
    out.retain(|k, _| !bad.contains(k));
    (out, bad)
}

fn has_nul(k: &str, v: &str) -> bool {
    k.contains('\0') || v.contains('\0')
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Space-separated tokens, deduplicated, in first-seen order.
pub fn space_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split(' ').filter(|t| !t.is_empty()) {
        if !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn rejects_repeats_and_oversize() {
        assert!(single_valued(&p(&[("a", "1"), ("a", "2")])).is_err());
        assert!(single_valued(&p(&[("a", &"x".repeat(5000))])).is_err());
        assert!(single_valued(&p(&[("client_id", "app\0")])).is_err());
        let m = single_valued(&p(&[("a", "1"), ("b", "")])).unwrap();
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn usable_params_leave_out_repeats_and_oversize() {
        let (map, bad) = usable_params(&p(&[
            ("client_id", "c"),
            ("state", "1"),
            ("state", "2"),
            ("nonce", &"x".repeat(5000)),
            ("audience", "api\0"),
            ("scope", ""),
            ("scope", "openid"),
        ]));
        assert_eq!(map.len(), 2);
        assert_eq!(map["client_id"], "c");
        assert_eq!(map["scope"], "openid");
        assert!(bad.contains("state") && bad.contains("nonce") && bad.contains("audience"));
        assert_eq!(bad.len(), 3);
    }

    #[test]
    fn splits_scopes() {
        assert_eq!(
            space_list("openid  profile openid"),
            vec!["openid", "profile"]
        );
    }
}
