//! Found in review (issue 10): RP-initiated logout of an impersonated
//! session leaves the administrator's console cookie alone, and a code link
//! for a public client, which could never be exchanged, is refused when it
//! is minted.

use super::*;

/// The impersonated ID token from a `form_post` link opened in the
/// administrator's browser.
async fn impersonated_id_token(s: &Server, c: &Ctx, console: &str) -> (String, String) {
    let (status, link) = mint(
        s,
        c,
        json!({"response_type": "id_token token", "response_mode": "form_post"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = client()
        .get(link["url"].as_str().unwrap())
        .header(reqwest::header::COOKIE, console)
        .send()
        .await
        .unwrap();
    let html = form_post_page(res).await;
    (
        form_field(&html, "id_token"),
        link["impersonation_id"].as_str().unwrap().to_string(),
    )
}

pub(super) async fn rp_logout_of_an_impersonation_keeps_the_console_cookie(s: Server) {
    let c = setup(&s).await;
    let console = s.sign_in(DEMO_ADMIN, "masquerade-demo").await;
    let (id_token, id) = impersonated_id_token(&s, &c, &console).await;
    let res = client()
        .get(format!(
            "{}/oidc/logout?id_token_hint={id_token}&post_logout_redirect_uri={}",
            s.base,
            encode(&format!("{}/sample-app/", s.base))
        ))
        .header(reqwest::header::COOKIE, &console)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let cleared: Vec<_> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("masq_session="))
        .collect();
    assert!(
        cleared.is_empty(),
        "the administrator's console cookie must survive: {cleared:?}"
    );
    let (status, me, _) = s.call("current_user", Some(&console), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], DEMO_ADMIN, "{me}");
    assert!(
        events(&s, &id)
            .await
            .contains(&"impersonation.revoked".to_string()),
        "the impersonation itself ended"
    );
}

pub(super) async fn code_links_for_public_clients_are_refused_at_minting(s: Server) {
    let c = setup(&s).await;
    let (status, body) = mint(
        &s,
        &c,
        json!({
            "client_id": "orders-spa",
            "callback_url": "http://localhost:5173/callback",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let field = body["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field"] == "response_type"))
        .unwrap_or_else(|| panic!("no response_type problem in {body}"));
    assert!(
        field["message"]
            .as_str()
            .is_some_and(|m| m.contains("public client") && m.contains("App-initiated")),
        "{field}"
    );
    let minted = strings(
        &s.database_url,
        "SELECT id FROM impersonations WHERE client_id = 'orders-spa'",
    )
    .await;
    assert!(minted.is_empty(), "nothing was minted");
}
