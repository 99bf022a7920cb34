//! The authorization matrix, over HTTP against the real binary: every
//! server function and every REST operation, called by each kind of
//! principal, must be allowed exactly when the principal holds the
//! permission it needs, and refused (401, or 403 naming the permission)
//! otherwise.
//!
//! The rows are discovered, not listed: server functions from the server's
//! own registry (a test-only route), REST operations from the served
//! OpenAPI document, which a unit test holds to the router. A new function
//! without an expectation in `expect.rs` fails this test, and a REST
//! operation's expectation is the permission the document names for it.

#[path = "../common/mod.rs"]
mod common;
#[path = "../server_fn_bad_input/encode.rs"]
#[allow(dead_code)]
mod encode;
mod expect;
#[path = "../server_fn_bad_input/functions.rs"]
#[allow(dead_code)]
mod functions;
mod principals;
mod rest;

use std::collections::BTreeSet;

use common::*;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use reqwest::StatusCode;
use serde_json::Value;

use expect::{needs_of, Need};
use principals::{Principal, Principals};

pub fn short(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// What one cell of the matrix came to.
pub struct Cell {
    pub row: String,
    pub principal: &'static str,
    pub expected_allow: bool,
    pub allowed: bool,
    pub status: StatusCode,
    pub body: String,
}

#[tokio::test]
async fn every_function_and_route_allows_exactly_what_the_principal_holds() {
    let s = sqlite_server_with_env(&[("MASQUERADE_TEST_ROUTES", "1")]).await;
    let p = Principals::set_up(&s).await;
    let mut cells = Vec::new();
    cells.extend(server_function_cells(&s, &p).await);
    cells.extend(rest::cells(&s, &p).await);

    let wrong_allows: Vec<&Cell> = cells
        .iter()
        .filter(|c| c.allowed && !c.expected_allow)
        .collect();
    let wrong_denies: Vec<&Cell> = cells
        .iter()
        .filter(|c| !c.allowed && c.expected_allow)
        .collect();
    let describe = |list: &[&Cell]| {
        list.iter()
            .map(|c| {
                format!(
                    "  {} as {}: {} {}",
                    c.row,
                    c.principal,
                    c.status,
                    short(&c.body, 160)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    eprintln!(
        "authorization matrix: {} cells, {} rows; {} wrong allows, {} wrong denies",
        cells.len(),
        cells
            .iter()
            .map(|c| c.row.clone())
            .collect::<BTreeSet<_>>()
            .len(),
        wrong_allows.len(),
        wrong_denies.len()
    );
    assert!(
        wrong_allows.is_empty() && wrong_denies.is_empty(),
        "wrong allows:\n{}\nwrong denies:\n{}",
        describe(&wrong_allows),
        describe(&wrong_denies)
    );
}

/// The server functions the server has registered, by name.
async fn registered(s: &Server) -> BTreeSet<String> {
    let res = client()
        .get(format!("{}/test-only/server-functions", s.base))
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .map(|p| p.trim_start_matches("/api/").to_string())
        .collect()
}

/// A server function refuses with 401, or 403 naming a permission; any
/// other answer (even a 403 for another reason, or a 404 for the made-up
/// ids of the base arguments) means it let the caller through.
fn fn_allowed(status: StatusCode, body: &str) -> bool {
    let refused = status == StatusCode::UNAUTHORIZED
        || (status == StatusCode::FORBIDDEN && body.contains("NeedsPermission"));
    !refused
}

async fn server_function_cells(s: &Server, p: &Principals) -> Vec<Cell> {
    let names = registered(s).await;
    let mut cells = Vec::new();
    for name in &names {
        let need = needs_of(name).unwrap_or_else(|| {
            panic!("the server function {name} has no expectation in authz_matrix/expect.rs")
        });
        // Signing in and out are for everyone; calling them would only end
        // the sessions this test holds.
        if need == Need::Public {
            continue;
        }
        let fun = functions::FUNCTIONS
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} has no entry in server_fn_bad_input/functions.rs"));
        let mut args = (fun.base)();
        if name == "create_impersonation_link" {
            // An application a scoped role covers, so that the scoped
            // impersonator is judged on the permission, not on the app.
            args["form"]["client_id"] = "sample-app".into();
        }
        let body = encode::plain(fun.codec, &args);
        let content_type = match fun.codec {
            functions::Codec::Json => "application/json",
            functions::Codec::Form => "application/x-www-form-urlencoded",
        };
        for principal in p.all() {
            let mut req = client()
                .post(format!("{}/api/{name}", s.base))
                .header(ORIGIN, &s.base)
                .header(CONTENT_TYPE, content_type)
                .body(body.clone());
            match principal {
                Principal::Session { cookie, .. } => req = req.header(COOKIE, cookie),
                // Bearer tokens are for the REST API; a server function
                // must not take one for a session.
                Principal::Token { token, .. } => req = req.bearer_auth(token),
                Principal::Nobody => {}
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            cells.push(Cell {
                row: format!("server function {name}"),
                principal: principal.name(),
                expected_allow: principal.is_session() && need.allows(principal.holds()),
                allowed: fn_allowed(status, &text),
                status,
                body: text,
            });
        }
    }
    cells
}
