//! Input rules shared by every entry point (console, REST API, seeding).

use crate::error::Problems;

pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_NAME_LEN: usize = 200;
pub const MAX_URL_LEN: usize = 2000;
pub const MAX_URLS: usize = 50;
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain
/// of letters, digits and hyphens, no spaces. Full RFC 5322 is not useful here.
pub fn is_valid_email(email: &str) -> bool {
    if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || local.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_email(p: &mut Problems, field: &str, email: &str) {
    if email.trim().is_empty() {
        p.add(field, "Enter an email address.");
    } else if !is_valid_email(email.trim()) {
        p.add(field, "Enter a valid email address, like name@example.com.");
    }
}

pub fn check_text(p: &mut Problems, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        p.add(field, "This field is required.");
    } else if value.chars().count() > max {
        p.add(field, format!("Use at most {max} characters."));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        p.add(field, "Control characters are not allowed.");
    }
}

/// Why a URL is not acceptable as a redirect target, if it is not.
/// Redirect URLs are compared exactly, so anything that would make a match
/// ambiguous (fragments, wildcards, relative forms) is refused up front.
pub fn redirect_url_problem(raw: &str) -> Option<String> {
    if raw.len() > MAX_URL_LEN {
        return Some(format!("URLs must be at most {MAX_URL_LEN} characters."));
    }
    if raw.contains('*') {
        return Some(format!(
            "\"{raw}\": wildcards are not allowed; list each URL exactly."
        ));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("\"{raw}\": URLs cannot contain spaces."));
    }
    let parsed = match url::Url::parse(raw) {
        Ok(u) => u,
        Err(_) => {
            return Some(format!(
                "\"{raw}\" is not an absolute URL; it must start with https:// or http://."
            ))
        }
    };
    if parsed.scheme() != "https" && parsed.scheme() != "http" {
        return Some(format!("\"{raw}\": only http and https URLs are allowed."));
    }
    if parsed.host_str().map(str::is_empty).unwrap_or(true) {
        return Some(format!("\"{raw}\" has no host."));
    }
    if raw.contains('#') {
        return Some(format!(
            "\"{raw}\": a URL here cannot contain a fragment (#)."
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some(format!("\"{raw}\": credentials in URLs are not allowed."));
    }
    None
}

/// An origin is scheme://host[:port] with nothing after it.
pub fn origin_problem(raw: &str) -> Option<String> {
    if let Some(p) = redirect_url_problem(raw) {
        return Some(p);
    }
    let parsed = url::Url::parse(raw).ok()?;
    if parsed.path() != "/" || raw.ends_with('/') || parsed.query().is_some() {
        return Some(format!(
            "\"{raw}\": an origin is scheme://host[:port] with no path, like https://app.example.com."
        ));
    }
    None
}

pub fn check_url_list(
    p: &mut Problems,
    field: &str,
    urls: &[String],
    rule: fn(&str) -> Option<String>,
) {
    if urls.len() > MAX_URLS {
        p.add(field, format!("List at most {MAX_URLS} URLs."));
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for u in urls {
        if let Some(msg) = rule(u) {
            p.add(field, msg);
            return;
        }
        if !seen.insert(u) {
            p.add(field, format!("\"{u}\" is listed twice."));
            return;
        }
    }
}

/// Splits a textarea or comma-separated list into trimmed, non-empty items.
pub fn split_list(raw: &str) -> Vec<String> {
    raw.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn check_metadata(p: &mut Problems, field: &str, raw: &str) -> Option<serde_json::Value> {
    if raw.len() > MAX_METADATA_BYTES {
        p.add(
            field,
            format!("Metadata must be at most {} KB.", MAX_METADATA_BYTES / 1024),
        );
        return None;
    }
    let trimmed = if raw.trim().is_empty() { "{}" } else { raw };
    match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(v @ serde_json::Value::Object(_)) => Some(v),
        Ok(_) => {
            p.add(
                field,
                "Metadata must be a JSON object, like {\"plan\": \"pro\"}.",
            );
            None
        }
        Err(e) => {
            p.add(field, format!("Not valid JSON: {e}."));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_valid_email("ada@example.com"));
        assert!(is_valid_email("a.b+c@sub.example.co.uk"));
        for bad in [
            "",
            "a",
            "a@b",
            "@x.com",
            "a b@x.com",
            "a@-x.com",
            "a@x..com",
            "a@@x.com",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert!(!is_valid_email(&format!("{}@x.com", "a".repeat(300))));
    }

    #[test]
    fn redirect_urls() {
        assert!(redirect_url_problem("https://app.example.com/callback").is_none());
        assert!(redirect_url_problem("http://localhost:3000/cb?x=1").is_none());
        for bad in [
            "/callback",
            "app.example.com/cb",
            "https://*.example.com/cb",
            "https://app.example.com/cb#frag",
            "javascript:alert(1)",
            "ftp://x.com/",
            "https://user:pw@x.com/",
            "https://x.com/a b",
        ] {
            assert!(redirect_url_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn origins() {
        assert!(origin_problem("https://app.example.com").is_none());
        assert!(origin_problem("http://localhost:3000").is_none());
        assert!(origin_problem("https://app.example.com/").is_some());
        assert!(origin_problem("https://app.example.com/path").is_some());
    }

    #[test]
    fn lists() {
        assert_eq!(split_list(" a, b\n\nc ,"), vec!["a", "b", "c"]);
        let mut p = Problems::default();
        check_url_list(
            &mut p,
            "u",
            &["https://a.com/x".into(), "https://a.com/x".into()],
            redirect_url_problem,
        );
        assert!(!p.is_empty());
    }

    #[test]
    fn metadata() {
        let mut p = Problems::default();
        assert!(check_metadata(&mut p, "m", "{\"a\":1}").is_some());
        assert!(check_metadata(&mut p, "m", "").is_some());
        assert!(p.is_empty());
        assert!(check_metadata(&mut p, "m", "[1]").is_none());
        assert!(check_metadata(&mut p, "m", "{oops").is_none());
        assert!(!p.is_empty());
    }
}
