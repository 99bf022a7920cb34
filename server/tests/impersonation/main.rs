//! Sign in as User over HTTP against the real binary: minting through the
//! REST API, every redemption outcome, the tokens' `act` claims, revocation,
//! app-initiated mode, and the policy checked again at redemption.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;
mod approvals;
mod audit_log;
mod delivery;
mod hardening;
mod policy;
mod rules;
mod stages;

use approvals::*;
use audit_log::*;
use common::*;
use delivery::*;
use hardening::*;
use masquerade::testing::{execute, strings};
use policy::*;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use rules::*;
use serde_json::{json, Value};
use stages::*;

both_backends!(
    code_flow_with_audience_carries_act,
    every_broken_link_has_its_own_page,
    policy_is_checked_again_when_the_link_is_opened,
    refusals_create_nothing,
    form_post_implicit_and_revocation,
    app_initiated_mode,
    sample_app_banner_and_the_admin_stays_signed_in,
    console_server_functions_check_permission,
    settings_and_the_session_cap,
    rp_logout_of_an_impersonation_keeps_the_console_cookie,
    code_links_for_public_clients_are_refused_at_minting,
    rules_per_role_decide_at_every_step,
    switched_off_refuses_everything_and_revoke_all_ends_it,
    protected_users_are_never_impersonated,
    bound_links_open_only_for_their_maker,
    step_up_asks_for_the_password_again,
    read_only_tokens_carry_only_read_permissions,
    four_eyes_approval,
    every_rule_denies_at_every_step,
    audit_log_search_timeline_export_and_verify,
    console_export_needs_audit_read,
);

const DEMO_ADMIN: &str = "admin@masquerade.test";
const ORDERS_API: &str = "https://api.orders.example/";

struct Ctx {
    token: String,
    admin: String,
    target: String,
    target_email: String,
    callback: String,
}

/// A token for the REST API, the demo admin as impersonator, and an
/// ordinary demo user as target.
async fn setup(s: &Server) -> Ctx {
    let token = s.management_token().await;
    let admin = s.user_id(&token, DEMO_ADMIN).await;
    // The 200 generated demo users all live on connections the sample app
    // enables; pick an active one on the default connection.
    let (_, page) = s
        .rest(
            Method::GET,
            "/users?blocked=false&limit=100",
            Some(&token),
            None,
        )
        .await;
    let target = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            // A customer: the demo's ordinary users hold only that role.
            u["roles"].as_array().is_some_and(|r| {
                r.len() == 1
                    && !["rol_admin", "rol_support", "rol_auditor"]
                        .contains(&r[0].as_str().unwrap_or(""))
            }) && u["connection_name"] == "Username-Password-Authentication"
        })
        .expect("an ordinary user")
        .clone();
    Ctx {
        token,
        admin,
        target: target["id"].as_str().unwrap().to_string(),
        target_email: target["email"].as_str().unwrap().to_string(),
        callback: format!("{}/sample-app/callback", s.base),
    }
}

async fn mint(s: &Server, c: &Ctx, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "impersonator_id": c.admin,
        "client_id": "sample-app",
        "reason": "Ticket 4711: customer cannot see their orders",
        "ticket": "SUP-4711",
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid email profile",
        "state": "/orders/42",
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    s.rest(
        Method::POST,
        &format!("/users/{}/impersonation", c.target),
        Some(&c.token),
        Some(body),
    )
    .await
}

async fn open(url: &str) -> reqwest::Response {
    client().get(url).send().await.unwrap()
}

async fn events(s: &Server, id: &str) -> Vec<String> {
    strings(
        &s.database_url,
        &format!("SELECT event_type FROM audit_events WHERE data LIKE '%{id}%' ORDER BY seq"),
    )
    .await
}
