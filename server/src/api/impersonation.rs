//! Sign in as User over REST: mint a link for a named impersonator, read
//! the history, list and revoke live impersonations.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use masquerade::authz::Permission;
use masquerade::domain::impersonation::{Denial, Impersonation, LinkRequest};
use masquerade::impersonation::{mint, ImpersonationError, MintOutcome};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{ApiError, Caller, JsonBody, PathParams};
use app::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintBody {
    /// Required with a machine client's token; with a user's token it may
    /// only name that user.
    #[serde(default)]
    impersonator_id: Option<String>,
    client_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    response_mode: String,
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    callback_url: String,
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    request_id: String,
}

fn denied(d: Denial) -> ApiError {
    let status = match d {
        Denial::TargetNotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::FORBIDDEN,
    };
    ApiError::new(status, d.code(), d.message())
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
    JsonBody(body): JsonBody<MintBody>,
) -> Result<Response, ApiError> {
    let req = LinkRequest {
        client_id: body.client_id,
        reason: body.reason,
        ticket: body.ticket,
        response_mode: body.response_mode,
        response_type: body.response_type,
        scope: body.scope,
        state: body.state,
        audience: body.audience,
        callback_url: body.callback_url,
        read_only: body.read_only,
        request_id: body.request_id,
    };
    match mint(
        &state.services,
        &caller.audit,
        &caller.principal,
        body.impersonator_id.as_deref(),
        &user_id,
        &req,
        caller.authenticated_at,
        masquerade::unix_now(),
    )
    .await
    {
        Ok(MintOutcome::Link(m)) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "url": m.url,
                "expires_at": m.expires_at,
                "impersonation_id": m.impersonation_id,
            })),
        )
            .into_response()),
        Ok(MintOutcome::Requested {
            request_id,
            role_name,
        }) => Ok((
            StatusCode::ACCEPTED,
            Json(json!({
                "status": "pending_approval",
                "request_id": request_id,
                "message": format!("The role '{role_name}' requires someone else's approval: the request waits for it."),
            })),
        )
            .into_response()),
        Err(ImpersonationError::Denied(d)) => Err(denied(d)),
        Err(ImpersonationError::StepUpRequired { minutes }) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "step_up_required",
            format!("Sign in again: minting needs a password entered within the last {minutes} minutes."),
        )),
        Err(ImpersonationError::Core(e)) => Err(e.into()),
    }
}

/// An impersonation as the API shows it: the record plus its status.
#[derive(Serialize)]
pub struct View {
    #[serde(flatten)]
    record: Impersonation,
    status: masquerade::domain::impersonation::ImpersonationStatus,
}

fn view(records: Vec<Impersonation>) -> Vec<View> {
    let now = masquerade::unix_now();
    records
        .into_iter()
        .map(|r| View {
            status: r.status(now),
            record: r,
        })
        .collect()
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(user_id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ImpersonationRead)?;
    let store = &state.services.store;
    store.get_user(&user_id).await?;
    let records = store.impersonations_of_user(&user_id, 200).await?;
    Ok(Json(json!({ "impersonations": view(records) })))
}

pub async fn live(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ImpersonationRead)?;
    let records = state
        .services
        .store
        .live_impersonations(masquerade::unix_now())
        .await?;
    Ok(Json(json!({ "impersonations": view(records) })))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ImpersonationRevoke)?;
    let store = &state.services.store;
    let rec = store.get_impersonation(&id).await?;
    let rec = store
        .revoke_impersonation(&caller.audit, &id, rec.audit_data(), masquerade::unix_now())
        .await?;
    Ok(Json(json!(view(vec![rec]).pop())))
}
