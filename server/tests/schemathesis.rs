//! Schemathesis (an independent, property-based API fuzzer) against the
//! served `/api/v1/openapi.json`: every operation, with a Management API
//! token holding every permission. Checks: no 5xx, only documented status
//! codes and content types, and bodies that match the documented schemas.
//!
//! Seed and examples per operation are fixed so a run is repeatable and fits
//! CI; `MASQUERADE_SCHEMATHESIS_EXAMPLES` and `MASQUERADE_SCHEMATHESIS_SEED`
//! change them. The `schemathesis` command comes from `scripts/setup`;
//! without it the test fails, unless `MASQUERADE_SKIP_SCHEMATHESIS=1`.
//!
//! Nothing is excluded. Schemathesis deletes and rewrites what it finds,
//! but the run stays meaningful: the token is a self-contained JWT, so
//! rotating the bootstrap client's secret or changing its settings does not
//! end it; the server refuses to let an application delete itself and to
//! delete or re-identify the built-in Management API. The end of the test
//! checks that the token still works.

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;
use reqwest::{Method, StatusCode};

const CHECKS: &str = "not_a_server_error,status_code_conformance,\
                      response_schema_conformance,content_type_conformance";

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

#[tokio::test]
async fn management_api_matches_its_openapi_document() {
    if std::env::var("MASQUERADE_SKIP_SCHEMATHESIS").as_deref() == Ok("1") {
        eprintln!("SKIPPED: MASQUERADE_SKIP_SCHEMATHESIS=1, the Management API was not fuzzed");
        return;
    }
    let s = sqlite_server().await;
    let token = s.management_token().await;
    let workdir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let run = Command::new("schemathesis")
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", s.base))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args([
            "--max-examples",
            &setting("MASQUERADE_SCHEMATHESIS_EXAMPLES", "100"),
        ])
        .args([
            "--seed",
            &setting("MASQUERADE_SCHEMATHESIS_SEED", "20260610"),
        ])
        .args(["--workers", "1"])
        // No example database: each run starts from the seed alone.
        .args(["--generation-database", "none"])
        .args(["--request-timeout", "20"])
        .args(["--no-color", "--output-truncate", "false"])
        // Keep what it writes (reports, caches) out of the checkout.
        .current_dir(workdir.path())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `schemathesis` ({e}): install it with scripts/setup \
                 (pip install 'schemathesis>=4,<5'), or set MASQUERADE_SKIP_SCHEMATHESIS=1"
            )
        });
    let out = String::from_utf8_lossy(&run.stdout);
    eprintln!(
        "schemathesis finished in {:.0?}:\n{}",
        started.elapsed(),
        tail(&out, 40)
    );
    assert!(
        run.status.success(),
        "schemathesis found problems ({}):\n{out}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    // Schemathesis leaves out the operation that serves the document itself.
    let operations = documented_operations(&s).await - 1;
    assert!(
        out.contains(&format!("Tested: {operations}")),
        "not every operation was tested:\n{}",
        tail(&out, 40)
    );

    // The run was authorized to the end and left the built-in API in place.
    let (status, apis) = s.rest(Method::GET, "/apis", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{apis}");
    let management = format!("{}/api/v1/", s.base);
    assert!(
        apis["apis"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["identifier"] == management.as_str() && a["builtin"] == true),
        "{apis}"
    );
}

async fn documented_operations(s: &Server) -> usize {
    let (status, doc) = s.rest(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
