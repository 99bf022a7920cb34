//! RP-initiated logout: only an ID token names who may be signed out, a
//! hint for someone else asks first, and an application's POST works.

use super::*;
use reqwest::header::{COOKIE, LOCATION, ORIGIN};
use reqwest::StatusCode;

const DEMO_SUPPORT: &str = "support@masquerade.test";
const DEMO_PASSWORD: &str = "masquerade-demo";

fn logout_url(s: &Server, hint: &str) -> String {
    format!(
        "{}/oidc/logout?id_token_hint={hint}&post_logout_redirect_uri={}",
        s.base,
        encode(&format!("{}/sample-app/", s.base))
    )
}

/// Access tokens travel to APIs; one must not work as a sign-out link.
pub async fn an_access_token_is_not_a_logout_hint(s: Server) {
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let access_token = s.management_token().await;
    let res = client()
        .get(logout_url(&s, &access_token))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("not an ID token"));
    assert!(signed_in(&s, &cookie).await);
}

/// A link carrying the attacker's own ID token must not sign the victim out.
pub async fn someone_elses_id_token_asks_before_signing_out(s: Server) {
    let (_, attackers_token) = id_token_for(&s, DEMO_SUPPORT, DEMO_PASSWORD).await;
    let victim = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .get(logout_url(&s, &attackers_token))
        .header(COOKIE, &victim)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Sign out?"));
    assert!(
        signed_in(&s, &victim).await,
        "the victim is still signed in"
    );

    // Their own ID token signs them out without a question.
    let (own_cookie, own_token) = id_token_for(&s, ADMIN.0, ADMIN.1).await;
    let res = client()
        .get(logout_url(&s, &own_token))
        .header(COOKIE, &own_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(!signed_in(&s, &own_cookie).await);
}

/// RP-Initiated Logout 1.0 §2: the application may POST, from its origin.
pub async fn logout_by_post_from_the_application_works(s: Server) {
    let (cookie, id_token) = id_token_for(&s, ADMIN.0, ADMIN.1).await;
    let back = format!("{}/sample-app/", s.base);
    let res = client()
        .post(format!("{}/oidc/logout", s.base))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://rp.example")
        .form(&[
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", back.as_str()),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "{:?}", res.text().await);
    assert_eq!(res.headers()[LOCATION], format!("{back}?state=s1").as_str());
    assert!(!signed_in(&s, &cookie).await);

    // Without a hint a cross-site POST is only a request: it asks first.
    let cookie = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .post(format!("{}/oidc/logout", s.base))
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://evil.example")
        .form(&[("state", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Sign out?"));
    assert!(signed_in(&s, &cookie).await);
}
