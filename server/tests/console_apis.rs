//! HTTP tests of the console's APIs, signing keys and application token
//! settings against the real binary, on SQLite and PostgreSQL.

mod common;

use common::*;
use reqwest::header::{COOKIE, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::sqlite_server().await).await; })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::postgres_server().await).await; })* }
    };
}

both_backends!(
    admin_manages_an_api_and_its_applications,
    non_admins_change_nothing,
    bad_input_gets_field_errors_not_500s,
    builtin_api_is_protected,
    rotating_keys_publishes_one_more_key,
    application_token_settings,
);

/// Calls a server function that takes JSON (the browser's encoding for forms
/// with lists).
async fn call_json(
    s: &Server,
    name: &str,
    cookie: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = client()
        .post(format!("{}/api/{name}", s.base))
        .header(ORIGIN, &s.base)
        .json(&body);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn api_form(identifier: &str, name: &str) -> Value {
    json!({
        "identifier": identifier,
        "name": name,
        "signing_alg": "ES256",
        "token_lifetime": "2",
        "token_lifetime_unit": "hours",
        "permissions": [
            {"value": "read:invoices", "description": "Read invoices"},
            {"value": "write:invoices", "description": "Create and void invoices"},
            {"value": "", "description": "  "},
        ],
    })
}

fn fields(body: &Value) -> Vec<String> {
    let mut f: Vec<String> = body["Invalid"]
        .as_array()
        .unwrap_or_else(|| panic!("field errors expected: {body}"))
        .iter()
        .map(|p| p["field"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

async fn apis(s: &Server, admin: &str) -> Vec<Value> {
    let (status, body, _) = s.call("list_apis", Some(admin), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

async fn admin_manages_an_api_and_its_applications(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let before = apis(&s, &admin).await;
    assert_eq!(
        before.len(),
        2,
        "the built-in Management API and the demo Orders API"
    );
    assert_eq!(
        before[0]["builtin"], true,
        "the built-in API is listed first"
    );
    assert_eq!(before[0]["name"], "Masquerade Management API");

    let (status, created) = call_json(
        &s,
        "create_api",
        Some(&admin),
        json!({"form": api_form("https://billing.example.com/", "Billing API")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["token_lifetime_secs"], 7200);
    assert_eq!(created["builtin"], false);
    assert_eq!(
        created["permissions"],
        json!([
            {"value": "read:invoices", "description": "Read invoices", "read_only": true},
            {"value": "write:invoices", "description": "Create and void invoices", "read_only": false},
        ]),
        "blank rows are dropped; read-only impersonation follows the names by default"
    );

    let mut form = api_form("https://billing.example.com/", "Billing");
    form["signing_alg"] = json!("EdDSA");
    form["token_lifetime"] = json!("90");
    form["token_lifetime_unit"] = json!("minutes");
    form["permissions"] =
        json!([{"value": "read:invoices", "description": "Read", "read_only": false}]);
    let (status, updated) = call_json(
        &s,
        "update_api",
        Some(&admin),
        json!({"id": id, "form": form}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Billing");
    assert_eq!(updated["signing_alg"], "EdDSA");
    assert_eq!(updated["token_lifetime_secs"], 5400);
    assert_eq!(updated["permissions"].as_array().unwrap().len(), 1);
    assert_eq!(
        updated["permissions"][0]["read_only"], false,
        "left out of read-only impersonation, against its name"
    );

    let (status, body, _) = s
        .call(
            "set_api_client",
            Some(&admin),
            &[
                ("api_id", &id),
                ("client_id", "sample-app"),
                ("authorized", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, api, _) = s.call("get_api", Some(&admin), &[("id", &id)]).await;
    assert_eq!(api["client_ids"], json!(["sample-app"]));
    let (_, app, _) = s
        .call(
            "get_application",
            Some(&admin),
            &[("client_id", "sample-app")],
        )
        .await;
    assert!(
        app["apis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str() && a["name"] == "Billing"),
        "the application page lists the APIs that authorize it: {app}"
    );
    let listed = apis(&s, &admin).await;
    let row = listed.iter().find(|a| a["id"] == id.as_str()).unwrap();
    assert_eq!(row["app_count"], 1);
    assert_eq!(row["permission_count"], 1);

    let (status, body, _) = s
        .call(
            "set_api_client",
            Some(&admin),
            &[
                ("api_id", &id),
                ("client_id", "no-such-app"),
                ("authorized", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, _) = s
        .call(
            "set_api_client",
            Some(&admin),
            &[
                ("api_id", &id),
                ("client_id", "sample-app"),
                ("authorized", "false"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, api, _) = s.call("get_api", Some(&admin), &[("id", &id)]).await;
    assert_eq!(api["client_ids"], json!([]));

    let (status, body, _) = s.call("delete_api", Some(&admin), &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = s.call("get_api", Some(&admin), &[("id", &id)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(apis(&s, &admin).await.len(), 2);

    let page = client()
        .get(format!("{}/apis", s.base))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Masquerade Management API") && html.contains("Built-in"),
        "the list is rendered on the server"
    );
}

async fn non_admins_change_nothing(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let orders = apis(&s, &admin).await[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let support = s
        .sign_in("support@masquerade.test", "masquerade-demo")
        .await;
    for (who, cookie, expected) in [
        ("anonymous", None, StatusCode::UNAUTHORIZED),
        (
            "support agent",
            Some(support.as_str()),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (status, body) = call_json(
            &s,
            "create_api",
            cookie,
            json!({"form": api_form("https://sneaky.example.com/", "Sneaky")}),
        )
        .await;
        assert_eq!(status, expected, "{who} create_api: {body}");
        let (status, _) = call_json(
            &s,
            "update_api",
            cookie,
            json!({"id": orders, "form": api_form("https://api.orders.example/", "Renamed")}),
        )
        .await;
        assert_eq!(status, expected, "{who} update_api");
        let (status, _) = call_json(
            &s,
            "update_token_settings",
            cookie,
            json!({"client_id": "sample-app", "form": {
                "id_token_lifetime": "1", "id_token_lifetime_unit": "minutes",
                "refresh_tokens": false, "refresh_rotation": false,
                "refresh_lifetime": "1", "refresh_lifetime_unit": "days",
                "signing_alg": "RS256"}}),
        )
        .await;
        assert_eq!(status, expected, "{who} update_token_settings");
        for (name, form) in [
            ("list_apis", vec![]),
            ("get_api", vec![("id", orders.as_str())]),
            ("delete_api", vec![("id", orders.as_str())]),
            (
                "set_api_client",
                vec![
                    ("api_id", orders.as_str()),
                    ("client_id", "sample-app"),
                    ("authorized", "false"),
                ],
            ),
            ("list_signing_keys", vec![]),
            ("rotate_signing_keys", vec![("alg", "ES256")]),
        ] {
            let (status, body, _) = s.call(name, cookie, &form).await;
            assert_eq!(status, expected, "{who} {name}: {body}");
            assert!(
                body.to_string().len() < 200,
                "{who} {name} learns nothing: {body}"
            );
        }
    }

    let after = apis(&s, &admin).await;
    assert_eq!(after.len(), 2, "nothing created or deleted");
    assert_eq!(after[1]["name"], "Orders API", "nothing renamed");
    assert_eq!(after[1]["app_count"], 3, "nothing deauthorized");
    let (_, app, _) = s
        .call(
            "get_application",
            Some(&admin),
            &[("client_id", "sample-app")],
        )
        .await;
    assert_eq!(app["tokens"]["signing_alg"], "ES256", "token settings kept");
    let (_, keys, _) = s.call("list_signing_keys", Some(&admin), &[]).await;
    assert_eq!(
        keys["keys"].as_array().unwrap().len(),
        6,
        "no rotation happened"
    );
}

async fn bad_input_gets_field_errors_not_500s(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let mut form = api_form("billing", "");
    form["signing_alg"] = json!("HS256");
    form["token_lifetime"] = json!("soon");
    form["permissions"] = json!([
        {"value": "read invoices", "description": ""},
    ]);
    let (status, body) = call_json(&s, "create_api", Some(&admin), json!({ "form": form })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        fields(&body),
        [
            "identifier",
            "name",
            "permissions",
            "signing_alg",
            "token_lifetime_secs"
        ]
    );
    let text = body.to_string();
    assert!(text.contains("Enter a whole number."), "{text}");

    let mut form = api_form("https://billing.example.com/", "Billing");
    form["token_lifetime"] = json!("31");
    form["token_lifetime_unit"] = json!("days");
    form["permissions"] = json!([
        {"value": "read:invoices", "description": ""},
        {"value": "read:invoices", "description": "again"},
    ]);
    let (status, body) = call_json(&s, "create_api", Some(&admin), json!({ "form": form })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["permissions", "token_lifetime_secs"]);
    assert!(body.to_string().contains("listed twice"), "{body}");

    let (status, body) = call_json(
        &s,
        "create_api",
        Some(&admin),
        json!({"form": api_form("https://api.orders.example/", "Orders again")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["Invalid"][0]["message"],
        "An API with this identifier already exists."
    );

    let (status, body) = call_json(
        &s,
        "create_api",
        Some(&admin),
        json!({"form": {"name": 42}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "malformed: {body}");
    let (status, _) = call_json(
        &s,
        "update_api",
        Some(&admin),
        json!({"id": "api_doesnotexist", "form": api_form("https://x.example.com/", "X")}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = s
        .call("delete_api", Some(&admin), &[("id", "api_doesnotexist")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = s
        .call("rotate_signing_keys", Some(&admin), &[("alg", "HS256")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, body) = call_json(
        &s,
        "update_token_settings",
        Some(&admin),
        json!({"client_id": "sample-app", "form": {
            "id_token_lifetime": "0", "id_token_lifetime_unit": "hours",
            "refresh_tokens": true, "refresh_rotation": true,
            "refresh_lifetime": "400", "refresh_lifetime_unit": "days",
            "signing_alg": "none"}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        fields(&body),
        [
            "id_token_lifetime_secs",
            "refresh_lifetime_secs",
            "signing_alg"
        ]
    );

    assert_eq!(apis(&s, &admin).await.len(), 2, "nothing half-written");
}

async fn builtin_api_is_protected(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (_, builtin, _) = s
        .call(
            "get_api",
            Some(&admin),
            &[("id", apis(&s, &admin).await[0]["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(builtin["builtin"], true);
    let id = builtin["id"].as_str().unwrap().to_string();
    assert_eq!(builtin["identifier"], format!("{}/api/v1/", s.base));

    let (status, body, _) = s.call("delete_api", Some(&admin), &[("id", &id)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("cannot be deleted"), "{body}");

    let form = |identifier: &str, permissions: &Value| {
        json!({"id": id, "form": {
            "identifier": identifier,
            "name": "Management",
            "signing_alg": "RS256",
            "token_lifetime": "30",
            "token_lifetime_unit": "minutes",
            "permissions": permissions,
        }})
    };
    let permissions = builtin["permissions"].clone();
    let (status, body) = call_json(
        &s,
        "update_api",
        Some(&admin),
        form("https://elsewhere.example/", &permissions),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["identifier"]);
    let (status, body) = call_json(
        &s,
        "update_api",
        Some(&admin),
        form(builtin["identifier"].as_str().unwrap(), &json!([])),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Its name, lifetime and algorithm may change.
    let (status, body) = call_json(
        &s,
        "update_api",
        Some(&admin),
        form(builtin["identifier"].as_str().unwrap(), &permissions),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["identifier"], builtin["identifier"]);
    assert_eq!(body["token_lifetime_secs"], 1800);
    let listed = apis(&s, &admin).await;
    assert_eq!(listed.len(), 2, "still there");
    assert_eq!(listed[0]["id"], id.as_str());
}

async fn jwks_len(s: &Server) -> usize {
    let jwks: Value = client()
        .get(format!("{}/.well-known/jwks.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"].as_array().unwrap().len()
}

async fn rotating_keys_publishes_one_more_key(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (status, before, _) = s.call("list_signing_keys", Some(&admin), &[]).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert_eq!(
        before["jwks_url"],
        format!("{}/.well-known/jwks.json", s.base)
    );
    assert_eq!(
        before["longest_token_lifetime_secs"], 36_000,
        "the default ID token lifetime is the longest"
    );
    let es256 = |keys: &Value, state: &str| -> Vec<Value> {
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["alg"] == "ES256" && k["state"] == state)
            .cloned()
            .collect()
    };
    let next = es256(&before, "next")[0]["kid"].clone();
    let current = es256(&before, "current")[0]["kid"].clone();
    let published = jwks_len(&s).await;
    assert_eq!(published, 6);

    let (status, after, _) = s
        .call("rotate_signing_keys", Some(&admin), &[("alg", "ES256")])
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(jwks_len(&s).await, published + 1, "one more key published");
    assert_eq!(es256(&after, "current")[0]["kid"], next, "next now signs");
    let previous = es256(&after, "previous");
    assert_eq!(previous.len(), 1);
    assert_eq!(previous[0]["kid"], current, "the old key still verifies");
    assert_eq!(
        previous[0]["retire_after"].as_i64().unwrap(),
        previous[0]["deactivated_at"].as_i64().unwrap() + 36_000
    );
    assert_ne!(es256(&after, "next")[0]["kid"], next, "a new next key");

    let (_, listed, _) = s.call("list_signing_keys", Some(&admin), &[]).await;
    assert_eq!(listed["keys"], after["keys"]);
    let page = client()
        .get(format!("{}/settings/keys", s.base))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(current.as_str().unwrap()),
        "previous key listed"
    );
}

async fn application_token_settings(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let (status, app, _) = s
        .call(
            "get_application",
            Some(&admin),
            &[("client_id", "sample-app")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{app}");
    assert_eq!(
        app["tokens"],
        json!({
            "id_token_lifetime_secs": 36_000,
            "refresh_tokens": true,
            "refresh_rotation": true,
            "refresh_lifetime_secs": 2_592_000,
            "signing_alg": "ES256",
            "impersonation_refresh": false,
        })
    );
    let (status, saved) = call_json(
        &s,
        "update_token_settings",
        Some(&admin),
        json!({"client_id": "sample-app", "form": {
            "id_token_lifetime": "15", "id_token_lifetime_unit": "minutes",
            "refresh_tokens": true, "refresh_rotation": false,
            "refresh_lifetime": "7", "refresh_lifetime_unit": "days",
            "signing_alg": "RS256", "impersonation_refresh": true}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, app, _) = s
        .call(
            "get_application",
            Some(&admin),
            &[("client_id", "sample-app")],
        )
        .await;
    assert_eq!(
        app["tokens"],
        json!({
            "id_token_lifetime_secs": 900,
            "refresh_tokens": true,
            "refresh_rotation": false,
            "refresh_lifetime_secs": 604_800,
            "signing_alg": "RS256",
            "impersonation_refresh": true,
        })
    );
    assert_eq!(app["name"], "Sample App", "other settings untouched");
    let (status, _) = call_json(
        &s,
        "update_token_settings",
        Some(&admin),
        json!({"client_id": "no-such-app", "form": {
            "id_token_lifetime": "15", "id_token_lifetime_unit": "minutes",
            "refresh_tokens": false, "refresh_rotation": false,
            "refresh_lifetime": "7", "refresh_lifetime_unit": "days",
            "signing_alg": "ES256"}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
