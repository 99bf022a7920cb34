//! What an opened link leads to: each delivery mode, the tokens and their
//! `act` claims, every broken link's own page, and the sample app's banner.

use super::*;

pub(super) async fn code_flow_with_audience_carries_act(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"audience": ORDERS_API, "scope": "openid email read:orders"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/impersonate/", s.base)));
    let imp_id = link["impersonation_id"].as_str().unwrap().to_string();
    let ttl = link["expires_at"].as_i64().unwrap() - masquerade::unix_now();
    assert!(
        (100..=120).contains(&ttl),
        "default lifetime 2 minutes: {ttl}"
    );

    let res = open(url).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        res.headers().get(SET_COOKIE).is_none(),
        "no SSO session is created in the opener's browser"
    );
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{}?", c.callback)), "{loc}");
    let q = params_of(&loc);
    assert_eq!(q["state"], "/orders/42", "state comes back intact");
    assert_eq!(q["iss"], s.base);

    let (status, tokens) = s.sample_app_exchange(&q["code"], &c.callback, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(
        tokens.get("refresh_token").is_none(),
        "no refresh unless opted in"
    );
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], c.target.as_str());
    assert_eq!(id["email"], c.target_email.as_str());
    assert_eq!(id["act"], json!({"sub": c.admin, "email": DEMO_ADMIN}));
    assert_eq!(id["impersonated"], true);
    assert_eq!(id["impersonator"]["user_id"], c.admin.as_str());
    assert_eq!(id["impersonator"]["email"], DEMO_ADMIN);

    let at = tokens["access_token"].as_str().unwrap();
    let access = jwt_claims(at);
    assert_eq!(access["act"]["sub"], c.admin.as_str());
    assert!(access["aud"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == ORDERS_API));
    assert!(access["scope"].as_str().unwrap().contains("read:orders"));
    let cap = masquerade::unix_now() + 3600;
    assert!(access["exp"].as_i64().unwrap() <= cap + 1);

    let (_, info) = s.userinfo(at).await;
    assert_eq!(info["sub"], c.target.as_str());
    assert_eq!(info["act"]["sub"], c.admin.as_str());
    assert_eq!(info["impersonated"], true);
    assert_eq!(info["impersonator"]["email"], DEMO_ADMIN);

    // The API's view: introspection says who really acted.
    let intro = s.introspect(at).await;
    assert_eq!(intro["active"], true, "{intro}");
    assert_eq!(intro["act"]["sub"], c.admin.as_str());

    // Single use.
    let again = open(url).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already used"));

    assert_eq!(
        events(&s, &imp_id).await,
        [
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.tokens_issued"
        ]
    );
    let data = strings(
        &s.database_url,
        &format!(
            "SELECT data FROM audit_events WHERE event_type = 'impersonation.link_created' AND data LIKE '%{imp_id}%'"
        ),
    )
    .await;
    let data: Value = serde_json::from_str(&data[0]).unwrap();
    assert_eq!(
        data["reason"],
        "Ticket 4711: customer cannot see their orders"
    );
    assert_eq!(data["ticket"], "SUP-4711");
    assert_eq!(data["via"], format!("{}@clients", BOOTSTRAP.0));
    let actor = strings(
        &s.database_url,
        &format!(
            "SELECT actor_id FROM audit_events WHERE event_type = 'impersonation.link_redeemed' AND data LIKE '%{imp_id}%'"
        ),
    )
    .await;
    assert_eq!(actor, vec![c.admin.clone()]);
}

pub(super) async fn every_broken_link_has_its_own_page(s: Server) {
    let c = setup(&s).await;
    let (_, link) = mint(&s, &c, json!({})).await;
    let url = link["url"].as_str().unwrap().to_string();

    // Anything appended: refused, and the link is not used up.
    for suffix in ["?state=/elsewhere", "?", "?x"] {
        let res = open(&format!("{url}{suffix}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{suffix}");
        let page = res.text().await.unwrap();
        assert!(page.contains("can&#39;t be modified"), "{page}");
        assert!(page.contains("State"));
    }

    // Tampered: one character changed, or garbage.
    let last = url.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &url[..url.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    for bad in [
        tampered,
        format!("{}/impersonate/nope", s.base),
        format!("{}/impersonate/{}", s.base, "x".repeat(5000)),
        // Not UTF-8 once decoded: the router's extractor used to answer
        // with its own plain-text 400.
        format!("{}/impersonate/%00%FF", s.base),
    ] {
        let res = open(&bad).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert!(res
            .text()
            .await
            .unwrap()
            .contains("This impersonation link is not valid"));
    }

    // The untouched link still works.
    assert_eq!(open(&url).await.status(), StatusCode::FOUND);

    // Expired: says when.
    let (_, link) = mint(&s, &c, json!({})).await;
    let id = link["impersonation_id"].as_str().unwrap();
    execute(
        &s.database_url,
        &format!("UPDATE impersonations SET expires_at = 1700000000 WHERE id = '{id}'"),
    )
    .await;
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::GONE);
    let page = res.text().await.unwrap();
    assert!(page.contains("has expired"), "{page}");
    assert!(page.contains("2023-11-14 22:13:20 UTC"), "{page}");
}

pub(super) async fn form_post_implicit_and_revocation(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"response_type": "id_token token", "response_mode": "form_post"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let html = form_post_page(open(link["url"].as_str().unwrap()).await).await;
    assert!(
        html.contains(&format!("action=\"{}\"", c.callback)),
        "{html}"
    );
    assert_eq!(form_field(&html, "state"), "/orders/42");
    let id = jwt_claims(&form_field(&html, "id_token"));
    assert_eq!(id["act"]["sub"], c.admin.as_str());
    assert!(id.get("nonce").is_none());
    let at = form_field(&html, "access_token");

    let imp = link["impersonation_id"].as_str().unwrap();
    assert_eq!(
        events(&s, imp).await,
        [
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.tokens_issued"
        ]
    );

    // Listed as active until revoked; then its tokens stop working at once.
    let (_, live) = s
        .rest(Method::GET, "/impersonations", Some(&c.token), None)
        .await;
    let row = live["impersonations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == imp)
        .expect("listed")
        .clone();
    assert_eq!(row["status"], "active");
    let (status, revoked) = s
        .rest(
            Method::POST,
            &format!("/impersonations/{imp}/revoke"),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(s.userinfo(&at).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(s.introspect(&at).await["active"], false);
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/impersonations/{imp}/revoke"),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, history) = s
        .rest(
            Method::GET,
            &format!("/users/{}/impersonations", c.target),
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(history["impersonations"][0]["id"], imp);
    assert_eq!(
        events(&s, imp).await.last().unwrap(),
        "impersonation.revoked"
    );
}

pub(super) async fn app_initiated_mode(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"response_mode": "app_initiated", "state": "/orders/42"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let res = open(link["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let loc = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        loc.starts_with(&format!("{}/sample-app/login?", s.base)),
        "{loc}"
    );
    let q = params_of(&loc);
    assert_eq!(q["iss"], s.base);
    assert_eq!(
        q["target_link_uri"],
        format!(
            "{}/orders/42",
            url::Url::parse(&s.base)
                .unwrap()
                .origin()
                .ascii_serialization()
        )
    );
    let hint = q["login_hint"].clone();
    assert!(!hint.contains(&c.target) && !hint.contains('@'), "opaque");

    // The application's own request: its state, nonce and PKCE.
    let authorize = format!(
        "{}/authorize?client_id=sample-app&response_type=code&scope=openid%20email&state=rp-state-1&nonce=rp-nonce&code_challenge={PKCE_CHALLENGE}&code_challenge_method=S256&redirect_uri={}&login_hint={}",
        s.base,
        encode(&c.callback),
        encode(&hint)
    );
    let res = client().get(&authorize).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "no login prompt");
    assert!(res.headers().get(SET_COOKIE).is_none());
    let back = params_of(res.headers()[LOCATION].to_str().unwrap());
    assert_eq!(back["state"], "rp-state-1");
    let (status, tokens) = s
        .sample_app_exchange(&back["code"], &c.callback, Some(PKCE_VERIFIER))
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id = jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(id["nonce"], "rp-nonce");
    assert_eq!(id["sub"], c.target.as_str());
    assert_eq!(id["act"]["sub"], c.admin.as_str());

    // The hint works once.
    let res = client().get(&authorize).send().await.unwrap();
    let again = params_of(res.headers()[LOCATION].to_str().unwrap());
    assert_eq!(again["error"], "access_denied");
    assert_eq!(again["state"], "rp-state-1");

    // Its use is on the record once, for the impersonator, with the IP of
    // the browser that came back with it.
    let imp = link["impersonation_id"].as_str().unwrap();
    let used = strings(
        &s.database_url,
        &format!(
            "SELECT actor_id || ' ' || ip || ' ' || COALESCE(target_id, '') FROM audit_events \
             WHERE event_type = 'impersonation.hint_used' AND data LIKE '%{imp}%'"
        ),
    )
    .await;
    assert_eq!(used, vec![format!("{} 127.0.0.1 {}", c.admin, c.target)]);
}

/// Hidden fields of an auto-posting form, in order.
fn form_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|rest| {
            let (name, rest) = rest.split_once("\" value=\"").unwrap();
            let value = rest.split('"').next().unwrap();
            (
                name.to_string(),
                value
                    .replace("&#39;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

pub(super) async fn sample_app_banner_and_the_admin_stays_signed_in(s: Server) {
    let c = setup(&s).await;
    let console = s.sign_in(DEMO_ADMIN, "masquerade-demo").await;
    let (_, link) = mint(
        &s,
        &c,
        json!({"response_type": "id_token token", "response_mode": "form_post"}),
    )
    .await;
    let html = client()
        .get(link["url"].as_str().unwrap())
        .header(reqwest::header::COOKIE, &console)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // What the browser's auto-submit does.
    let res = client()
        .post(&c.callback)
        .header(reqwest::header::COOKIE, &console)
        .header(reqwest::header::ORIGIN, &s.base)
        .form(&form_fields(&html))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sample-app/orders/42");
    let app_cookie = res.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = client()
        .get(format!("{}/sample-app/orders/42", s.base))
        .header(reqwest::header::COOKIE, &app_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!(
        "Signed in as <strong>{}</strong>, impersonated by <strong>{DEMO_ADMIN}</strong> (reason: Ticket 4711: customer cannot see their orders)",
        c.target_email
    )), "{page}");
    assert!(page.contains("End impersonation"));
    assert!(page.contains("data-testid=\"state\">/orders/42<"));

    // An unsolicited response without `act` is refused (login CSRF).
    let res = client()
        .post(&c.callback)
        .form(&[
            ("state", "/x"),
            ("id_token", "e30.e30.e30"),
            ("access_token", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Ending it revokes the impersonation and leaves the console session alone.
    let res = client()
        .post(format!("{}/sample-app/end-impersonation", s.base))
        .header(reqwest::header::COOKIE, &app_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/sample-app/?ended=1");
    let id = link["impersonation_id"].as_str().unwrap();
    let (_, history) = s
        .rest(
            Method::GET,
            &format!("/users/{}/impersonations", c.target),
            Some(&c.token),
            None,
        )
        .await;
    let row = history["impersonations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["status"], "revoked", "{row}");
    let (status, me, _) = s.call("current_user", Some(&console), &[]).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], DEMO_ADMIN, "{me}");
}
