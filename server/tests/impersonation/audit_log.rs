//! The audit log over REST on both databases (issue 13): an impersonation's
//! events with their columns, filters that combine, keyset pages, bad
//! filters refused with their field, one event, the timeline, the export
//! (CSV and JSON Lines, streamed past one batch, itself audited) and verify.

use super::*;

async fn get(s: &Server, token: &str, path: &str) -> (StatusCode, Value) {
    s.rest(Method::GET, path, Some(token), None).await
}

pub(super) async fn audit_log_search_timeline_export_and_verify(s: Server) {
    let c = setup(&s).await;
    let (status, link) = mint(
        &s,
        &c,
        json!({"reason": "Audit spec: orders missing", "ticket": "SUP-9001"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let imp = link["impersonation_id"].as_str().unwrap().to_string();
    let res = open(link["url"].as_str().unwrap()).await;
    let back = params_of(res.headers()[LOCATION].to_str().unwrap());
    let (status, tokens) = s
        .sample_app_exchange(&back["code"], &c.callback, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");

    // Filtered by the impersonator, the area and words of the reason.
    let filter = format!("actor={}&action=impersonation.&q=orders%20MISSING", c.admin);
    let (status, page) = get(&s, &c.token, &format!("/audit/events?{filter}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let actions: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "impersonation.tokens_issued",
            "impersonation.link_redeemed",
            "impersonation.link_created"
        ],
        "newest first"
    );
    assert_eq!(
        (
            page["total"].as_i64(),
            page["total_is_lower_bound"].as_bool()
        ),
        (Some(3), Some(false))
    );
    let created = &page["events"][2];
    for (field, want) in [
        ("actor_type", "user"),
        ("actor_name", DEMO_ADMIN),
        ("target_type", "user"),
        ("target_name", c.target_email.as_str()),
        ("client_id", "sample-app"),
        ("application", "Sample App"),
        ("impersonation_id", imp.as_str()),
        ("outcome", "success"),
        ("reason", "Audit spec: orders missing"),
        ("ticket", "SUP-9001"),
    ] {
        assert_eq!(created[field], want, "{field}: {created}");
    }
    assert_eq!(created["details"]["ticket"], "SUP-9001", "details are JSON");

    // Keyset pages of one.
    let (_, first) = get(&s, &c.token, &format!("/audit/events?{filter}&limit=1")).await;
    let next = first["next_before"].as_i64().expect("a next page");
    let (_, second) = get(
        &s,
        &c.token,
        &format!("/audit/events?{filter}&limit=1&before={next}"),
    )
    .await;
    assert_eq!(second["events"][0]["action"], "impersonation.link_redeemed");
    let (_, none) = get(
        &s,
        &c.token,
        &format!("/audit/events?{filter}&outcome=denied"),
    )
    .await;
    assert_eq!(none["total"], 0, "filters combine");
    let (_, by_target) = get(
        &s,
        &c.token,
        &format!("/audit/events?target={}&app=sample-app&range=24h", c.target),
    )
    .await;
    assert!(by_target["total"].as_i64().unwrap() >= 3, "{by_target}");

    // Bad filters: 400 with the field, never a 500.
    for (query, field) in [
        ("outcome=maybe", "outcome"),
        ("from=2026-13-01", "from"),
        ("range=1y", "range"),
        ("from=2026-12-02&to=2026-12-01", "to"),
    ] {
        let (status, body) = get(&s, &c.token, &format!("/audit/events?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
    }
    for query in ["limit=lots", "before=x", "colour=red"] {
        let (status, body) = get(&s, &c.token, &format!("/audit/events?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }

    // One event; the timeline with the time between steps.
    let id = created["id"].as_str().unwrap();
    let (status, one) = get(&s, &c.token, &format!("/audit/events/{id}")).await;
    assert_eq!(
        (status, one["hash_version"].as_i64()),
        (StatusCode::OK, Some(2)),
        "{one}"
    );
    assert_eq!(
        get(&s, &c.token, "/audit/events/evt_nothing").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, timeline) = get(&s, &c.token, &format!("/impersonations/{imp}/timeline")).await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    let steps: Vec<(&str, i64)> = timeline["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["after_secs"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps[0], ("impersonation.link_created", 0));
    assert_eq!(
        steps.iter().map(|s| s.0).collect::<Vec<_>>(),
        [
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.tokens_issued"
        ]
    );
    assert_eq!(
        get(&s, &c.token, "/impersonations/imp_nothing/timeline")
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // More events than one export batch: dry runs write one each.
    let support = s.user_id(&c.token, "support@masquerade.test").await;
    let checks = (0..1_050).map(|_| {
        s.rest(
            Method::POST,
            "/impersonation/check",
            Some(&c.token),
            Some(
                json!({"impersonator_id": support, "user_id": c.target, "client_id": "sample-app"}),
            ),
        )
    });
    use futures_util::StreamExt;
    let mut checks = futures_util::stream::iter(checks).buffer_unordered(8);
    while let Some((status, _)) = checks.next().await {
        assert_eq!(status, StatusCode::OK);
    }
    let export = |format: &str| {
        client()
            .get(format!(
                "{}/api/v1/audit/export?format={format}&action=impersonation.checked",
                s.base
            ))
            .bearer_auth(&c.token)
            .send()
    };
    let res = export("csv").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"masquerade-audit-"));
    let total: usize = res.headers()["x-total-rows"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 1_050, "{total}");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert!(
        lines[0].starts_with("seq,id,time,action,outcome,"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), total + 1, "a header and every row");
    let seqs: Vec<i64> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "oldest first, none twice"
    );
    let jsonl = export("jsonl").await.unwrap().text().await.unwrap();
    let rows: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), total);
    assert!(rows.iter().all(|r| r["action"] == "impersonation.checked"));
    let (status, body) = s
        .rest(
            Method::GET,
            "/audit/export?format=xml",
            Some(&c.token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("format"))
    );
    let exported = strings(
        &s.database_url,
        "SELECT data FROM audit_events WHERE event_type = 'audit.exported' ORDER BY seq",
    )
    .await;
    assert_eq!(exported.len(), 2, "each export is on the record");
    assert!(
        exported[0].contains("\"format\":\"csv\""),
        "{}",
        exported[0]
    );

    // Unfiltered, the file is the log as it was when asked for: exactly the
    // rows it announced, without its own audit.exported event.
    let res = client()
        .get(format!("{}/api/v1/audit/export?format=jsonl", s.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    let announced: usize = res.headers()["x-total-rows"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let all: Vec<Value> = res
        .text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(all.len(), announced, "exactly the rows announced");
    let own: i64 = strings(
        &s.database_url,
        "SELECT CAST(MAX(seq) AS TEXT) FROM audit_events WHERE event_type = 'audit.exported'",
    )
    .await[0]
        .parse()
        .unwrap();
    let seq = |r: &Value| {
        r["seq"]
            .as_i64()
            .or_else(|| r["seq"].as_str().and_then(|v| v.parse().ok()))
            .unwrap()
    };
    assert_eq!(
        all.last().map(seq),
        Some(own - 1),
        "everything before its own event, nothing after"
    );

    // The chain verifies, and the check is recorded.
    let (status, v) = s
        .rest(Method::POST, "/audit/verify", Some(&c.token), None)
        .await;
    assert_eq!(
        (status, v["intact"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("events verified, chain intact up to seq"),
        "{v}"
    );
    let (_, last) = get(&s, &c.token, "/audit/events?action=audit.verified").await;
    assert_eq!(last["total"], 1);

    // Without MASQUERADE_AUDIT_STREAM_DIR, a file stream is refused.
    let (status, body) = s
        .rest(
            Method::PUT,
            "/settings/audit",
            Some(&c.token),
            Some(json!({"streams": [{"name": "Archive", "kind": "file", "file": "audit.jsonl"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["fields"][0]["field"], "streams[0].file", "{body}");
    assert!(
        body.to_string().contains("MASQUERADE_AUDIT_STREAM_DIR"),
        "{body}"
    );
}

/// The console's Export link: the session decides, and a person without
/// audit:read gets 403.
pub(super) async fn console_export_needs_audit_read(s: Server) {
    let admin = s.sign_in(ADMIN.0, ADMIN.1).await;
    let res = client()
        .get(format!("{}/audit/export?format=jsonl&range=24h", s.base))
        .header(reqwest::header::COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(
        body.lines().any(|l| l.contains("console.signed_in")),
        "{body}"
    );
    let bad = client()
        .get(format!("{}/audit/export?format=csv&from=yesterday", s.base))
        .header(reqwest::header::COOKIE, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("YYYY-MM-DD"));

    let c = setup(&s).await;
    let role = management_role(&s, &c.token, "Only users", &["users:read"]).await;
    new_user(&s, &c.token, "reader@audit.test", &[&role]).await;
    let reader = s
        .sign_in("reader@audit.test", "a-long-test-password-1")
        .await;
    let res = client()
        .get(format!("{}/audit/export?format=csv", s.base))
        .header(reqwest::header::COOKIE, &reader)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("audit:read"));
}
