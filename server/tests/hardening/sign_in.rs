//! Sign-in: the `next` destination, the throttle, client addresses.

use super::*;
use reqwest::header::LOCATION;
use reqwest::StatusCode;

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Browsers strip tabs and newlines from URLs, so `/<TAB>/evil.example`
/// would take the administrator to //evil.example.
pub async fn next_after_sign_in_stays_on_this_site(s: Server) {
    for next in [
        "/\t/evil.example",
        "/\t\t/evil.example",
        "/ /evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let res = post_sign_in(
            &s,
            &[("email", ADMIN.0), ("password", ADMIN.1), ("next", next)],
            &[("accept", "text/html")],
        )
        .await
        .unwrap();
        assert_eq!(location(&res), "/users", "next = {next:?}");
    }
    let res = post_sign_in(
        &s,
        &[
            ("email", ADMIN.0),
            ("password", ADMIN.1),
            ("next", "/users/usr_1?tab=roles"),
        ],
        &[("accept", "text/html")],
    )
    .await
    .unwrap();
    assert_eq!(location(&res), "/users/usr_1?tab=roles");
}

/// A newline in `next` used to panic inside the redirect (the connection
/// dropped); for an administrator and for a protocol destination alike.
pub async fn control_characters_in_next_never_panic(s: Server) {
    for (next, accept) in [
        ("/\n", "text/html"),
        ("/users\r\nSet-Cookie: x=1", "text/html"),
        ("/\u{0}", "*/*"),
        ("/authorize?client_id=sample-app\n", "text/html"),
        ("/authorize?client_id=sample-app\n", "*/*"),
        ("/impersonate/\r\n", "text/html"),
    ] {
        let res = post_sign_in(
            &s,
            &[("email", ADMIN.0), ("password", ADMIN.1), ("next", next)],
            &[("accept", accept)],
        )
        .await
        .unwrap_or_else(|e| panic!("next = {next:?}: the connection dropped: {e}"));
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "next = {next:?}: {}",
            res.status()
        );
        assert_eq!(location(&res), "/users", "next = {next:?}");
    }
}

/// 50 wrong passwords at once for one account: at most the limit (5) are
/// checked against the password; the rest are refused by the throttle.
pub async fn concurrent_guesses_get_at_most_the_limit(s: Server) {
    let guesses: Vec<_> = (0..50)
        .map(|i| {
            let url = format!("{}/api/sign_in", s.base);
            let origin = s.base.clone();
            tokio::spawn(async move {
                let res = client()
                    .post(url)
                    .header(reqwest::header::ORIGIN, origin)
                    .form(&[("email", ADMIN.0), ("password", &format!("wrong-{i}"))])
                    .send()
                    .await
                    .unwrap();
                (res.status(), res.text().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for g in guesses {
        answers.push(g.await.unwrap());
    }
    let checked = answers
        .iter()
        .filter(|(st, b)| *st == StatusCode::FORBIDDEN && b.contains("Wrong email or password"))
        .count();
    let throttled = answers
        .iter()
        .filter(|(st, _)| *st == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        (1..=5).contains(&checked),
        "{checked} of 50 concurrent guesses were checked against the password"
    );
    assert_eq!(checked + throttled, 50, "{answers:?}");
    // Locked now, even with the right password.
    let (status, _, _) = s
        .call(
            "sign_in",
            None,
            &[("email", ADMIN.0), ("password", ADMIN.1)],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// Behind one trusted proxy, the client is the entry the proxy appended,
/// not the one the client wrote at the left.
#[tokio::test]
async fn only_the_proxys_forwarded_entry_counts() {
    let s = sqlite_server_with_env(&[("MASQUERADE_TRUST_PROXY", "true")]).await;
    let res = post_sign_in(
        &s,
        &[("email", ADMIN.0), ("password", ADMIN.1)],
        &[("x-forwarded-for", "6.6.6.6, 203.0.113.7")],
    )
    .await
    .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    let ips = masquerade::testing::strings(
        &s.database_url,
        "SELECT ip FROM audit_events WHERE event_type = 'console.signed_in'",
    )
    .await;
    assert_eq!(ips, ["203.0.113.7"]);
    // A forged header cannot dodge the per-IP count either: every attempt
    // below comes from the same proxy-added address.
    for i in 0..3 {
        let forged = format!("10.9.9.{i}, 203.0.113.8");
        let _ = post_sign_in(
            &s,
            &[("email", "nobody@example.com"), ("password", "x")],
            &[("x-forwarded-for", &forged)],
        )
        .await
        .unwrap();
    }
    let counted = masquerade::testing::strings(
        &s.database_url,
        "SELECT throttle_key FROM login_throttle WHERE throttle_key LIKE 'ip:%' ORDER BY throttle_key",
    )
    .await;
    assert_eq!(counted, ["ip:203.0.113.7", "ip:203.0.113.8"]);
}
