//! Where a browser may be sent after signing in: only back to this site.

use url::{Position, Url};

/// Where the console goes when `next` is missing or refused.
pub const DEFAULT_NEXT: &str = "/users";

/// `next` as a path on this site, or [`DEFAULT_NEXT`].
///
/// Browsers remove tabs and newlines from URLs (WHATWG URL parsing), so
/// `/<TAB>/evil.example` becomes `//evil.example` there, another origin.
/// Any control character or whitespace is therefore refused outright, and
/// what remains is resolved against the public URL and must keep its
/// origin. The answer is the resolved URL's own serialization (ASCII,
/// percent-encoded), so it is always a valid `Location` header value.
pub fn safe_next(public_url: &str, next: Option<&str>) -> String {
    next.and_then(|n| same_site_path(public_url, n))
        .unwrap_or_else(|| DEFAULT_NEXT.to_string())
}

fn same_site_path(public_url: &str, next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next.starts_with("//")
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = Url::parse(public_url).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin() {
        return None;
    }
    let path = &resolved[Position::BeforePath..];
    // Signing in again after signing in would loop.
    (!path.starts_with("/login")).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://id.example.com";

    fn next(n: &str) -> String {
        safe_next(BASE, Some(n))
    }

    #[test]
    fn paths_on_this_site_are_kept() {
        assert_eq!(next("/users/usr_1"), "/users/usr_1");
        assert_eq!(
            next("/authorize?client_id=a&scope=openid%20email"),
            "/authorize?client_id=a&scope=openid%20email"
        );
        assert_eq!(safe_next(BASE, None), DEFAULT_NEXT);
    }

    #[test]
    fn other_origins_are_refused() {
        for n in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(next(n), DEFAULT_NEXT, "{n:?}");
        }
    }

    #[test]
    fn control_characters_and_whitespace_are_refused() {
        for n in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\u{0}",
            "/users\n",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{7f}",
        ] {
            assert_eq!(next(n), DEFAULT_NEXT, "{n:?}");
        }
    }

    #[test]
    fn the_answer_is_always_a_header_value() {
        let n = next("/users?q=Zoë&x=\u{2028}");
        assert_eq!(n, DEFAULT_NEXT, "U+2028 is whitespace");
        let n = next("/users?q=Zoë");
        assert!(n.is_ascii(), "{n}");
        assert_eq!(n, "/users?q=Zo%C3%AB");
    }

    #[test]
    fn the_login_page_is_not_a_destination() {
        assert_eq!(next("/login?next=/users"), DEFAULT_NEXT);
    }
}
