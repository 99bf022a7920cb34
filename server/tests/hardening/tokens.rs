//! Introspection answers only those entitled to know about a token, and
//! helpers shared with the logout tests.

use super::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

pub async fn introspection_answers_only_the_tokens_client_and_its_api(s: Server) {
    let admin_token = s.management_token().await;
    let (stranger, stranger_secret) = s.m2m_app(&admin_token, "Stranger").await;
    let stranger = (stranger.as_str(), stranger_secret.as_str());

    // The review's finding: a brand-new client read the bootstrap client's
    // Management API token.
    let answer = s.introspect_as(stranger, &admin_token).await;
    assert_eq!(answer, json!({"active": false}), "{answer}");
    let own = s.introspect_as(BOOTSTRAP, &admin_token).await;
    assert_eq!(
        own["active"], true,
        "the client the token was issued to may ask"
    );
    assert_eq!(own["client_id"], BOOTSTRAP.0);

    // An API's own client may ask about tokens for that API.
    let (status, api) = s
        .rest(
            Method::POST,
            "/apis",
            Some(&admin_token),
            Some(json!({"identifier": "https://ledger.example/", "name": "Ledger", "permissions": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{api}");
    let api_id = api["id"].as_str().unwrap();
    let (caller, caller_secret) = s.m2m_app(&admin_token, "Ledger job").await;
    let (resource, resource_secret) = s.m2m_app(&admin_token, "Ledger service").await;
    for client_id in [&caller, &resource] {
        let (status, body) = s
            .rest(
                Method::PUT,
                &format!("/apis/{api_id}/clients/{client_id}"),
                Some(&admin_token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let ledger_token = s
        .m2m_token((&caller, &caller_secret), "https://ledger.example/", None)
        .await;
    let by_api_client = s
        .introspect_as((&resource, &resource_secret), &ledger_token)
        .await;
    assert_eq!(by_api_client["active"], true, "{by_api_client}");
    assert_eq!(by_api_client["client_id"], caller.as_str());
    let by_stranger = s.introspect_as(stranger, &ledger_token).await;
    assert_eq!(by_stranger, json!({"active": false}));
}

/// Signs `email` in to the console and then to the sample app through the
/// front door (code flow): the console cookie and the ID token.
pub async fn id_token_for(s: &Server, email: &str, password: &str) -> (String, String) {
    let cookie = s.sign_in(email, password).await;
    let tokens = s.sample_app_tokens(&cookie, "openid", None).await;
    (cookie, tokens["id_token"].as_str().unwrap().to_string())
}

/// Whether the console session behind `cookie` is still live.
pub async fn signed_in(s: &Server, cookie: &str) -> bool {
    let (status, me, _) = s.call("current_user", Some(cookie), &[]).await;
    assert_eq!(status, StatusCode::OK);
    !me.is_null()
}
