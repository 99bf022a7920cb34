//! Who may impersonate whom, over REST: "Check access", protected users,
//! four-eyes requests and "Revoke all". Each handler parses, calls the
//! same core function as the console, and maps the answer.

use axum::extract::{Query, State};
use axum::Json;
use masquerade::impersonation::approval;
use masquerade::impersonation::check::{check as dry_run, CheckActor, CheckResult};
use masquerade::store::impersonation_requests::ImpersonationRequest;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// The person asked about (id or email); or `role_id` for anyone
    /// holding just that role.
    #[serde(default)]
    impersonator_id: String,
    #[serde(default)]
    role_id: String,
    user_id: String,
    client_id: String,
}

pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<CheckBody>,
) -> Result<Json<CheckResult>, ApiError> {
    let actor = match (body.impersonator_id.trim(), body.role_id.trim()) {
        ("", "") | (_, "") => CheckActor::User(body.impersonator_id),
        ("", role) => CheckActor::Role(role.to_string()),
        _ => {
            return Err(masquerade::CoreError::field(
                "role_id",
                "Name the impersonator or a role, not both.",
            )
            .into())
        }
    };
    let r = dry_run(
        &state.services,
        &caller.principal,
        &caller.audit,
        &actor,
        &body.user_id,
        &body.client_id,
        masquerade::unix_now(),
    )
    .await?;
    Ok(Json(r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectionBody {
    protected: bool,
}

pub async fn set_protection(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody<ProtectionBody>,
) -> Result<Json<Value>, ApiError> {
    let user = masquerade::impersonation::protect::set_protected(
        &state.services,
        &caller.principal,
        &caller.audit,
        &user_id,
        body.protected,
        masquerade::unix_now(),
    )
    .await?;
    Ok(Json(
        json!({ "user_id": user.id, "protected": user.protected }),
    ))
}

pub async fn revoke_all(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let n = masquerade::impersonation::revoke_all(
        &state.services,
        &caller.principal,
        &caller.audit,
        masquerade::unix_now(),
    )
    .await?;
    Ok(Json(json!({ "revoked": n })))
}

/// A request as the API shows it: the record (without the stored link
/// request) plus what it means now.
#[derive(Serialize)]
pub struct RequestView {
    id: String,
    impersonator_id: String,
    impersonator_email: String,
    user_id: String,
    user_email: String,
    client_id: String,
    role_id: String,
    mode: String,
    reason: String,
    ticket: String,
    /// pending, approved, expired, rejected or used.
    status: &'static str,
    created_at: i64,
    decided_at: i64,
    decided_by: Option<String>,
    decision_note: String,
    approved_until: i64,
    used_at: i64,
}

fn view(r: ImpersonationRequest, now: i64) -> RequestView {
    let link: masquerade::domain::impersonation::LinkRequest =
        serde_json::from_str(&r.link).unwrap_or_default();
    RequestView {
        status: r.state(now),
        id: r.id,
        impersonator_id: r.actor_id,
        impersonator_email: r.actor_email,
        user_id: r.target_id,
        user_email: r.target_email,
        client_id: r.client_id,
        role_id: r.role_id,
        mode: r.mode,
        reason: link.reason,
        ticket: link.ticket,
        created_at: r.created_at,
        decided_at: r.decided_at,
        decided_by: r.decided_by,
        decision_note: r.decision_note,
        approved_until: r.approved_until,
        used_at: r.used_at,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestsParams {
    /// Only the caller's own requests (any status), instead of those
    /// waiting for a decision.
    #[serde(default)]
    mine: bool,
}

pub async fn requests(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<RequestsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let now = masquerade::unix_now();
    let svc = &state.services;
    let list = if p.mine {
        approval::mine(svc, &caller.principal).await?
    } else {
        approval::pending(svc, &caller.principal, now).await?
    };
    let list: Vec<RequestView> = list.into_iter().map(|r| view(r, now)).collect();
    Ok(Json(json!({ "requests": list })))
}

pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<RequestView>, ApiError> {
    let r = approval::get(&state.services, &caller.principal, &id).await?;
    Ok(Json(view(r, masquerade::unix_now())))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    #[serde(default)]
    note: String,
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    id: &str,
    approve: bool,
    note: &str,
) -> Result<Json<RequestView>, ApiError> {
    let now = masquerade::unix_now();
    let r = approval::decide(
        &state.services,
        &caller.principal,
        &caller.audit,
        id,
        approve,
        note,
        now,
    )
    .await?;
    Ok(Json(view(r, now)))
}

pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<RequestView>, ApiError> {
    decide(&state, &caller, &id, true, &body.note).await
}

pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
    JsonBody(body): JsonBody<DecisionBody>,
) -> Result<Json<RequestView>, ApiError> {
    decide(&state, &caller, &id, false, &body.note).await
}
