//! The audit log over REST: search with the console's filters, one event,
//! an impersonation's timeline, the integrity check and the export. Each
//! handler parses, calls the same core function as the console, and maps.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use masquerade::audit::export::{self, event_json, Format};
use masquerade::audit::params::AuditParams;
use masquerade::store::ChainCheck;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Caller, PathParams};
use app::state::AppState;

/// The console's URL filters, and the page.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    app: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    range: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    impersonation: String,
    before: Option<i64>,
    limit: Option<i64>,
    /// Only for the export: csv or jsonl.
    #[serde(default)]
    format: String,
}

impl EventsQuery {
    fn params(&self) -> AuditParams {
        AuditParams {
            actor: self.actor.clone(),
            target: self.target.clone(),
            app: self.app.clone(),
            action: self.action.clone(),
            outcome: self.outcome.clone(),
            range: self.range.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            ip: self.ip.clone(),
            q: self.q.clone(),
            impersonation: self.impersonation.clone(),
        }
    }
}

type QueryResult = Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>;

fn parsed(q: QueryResult) -> Result<EventsQuery, ApiError> {
    q.map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryResult,
) -> Result<Json<Value>, ApiError> {
    let q = parsed(query)?;
    let now = masquerade::unix_now();
    let filter = q.params().filter(now)?;
    let found = masquerade::audit::search(
        &state.services,
        &caller.principal,
        &filter,
        q.before,
        q.limit.unwrap_or(50).clamp(1, 500),
    )
    .await?;
    Ok(Json(json!({
        "events": found.page.events.iter().map(event_json).collect::<Vec<_>>(),
        "next_before": found.page.next,
        "total": found.total,
        "total_is_lower_bound": found.more,
    })))
}

pub async fn event(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    let e = masquerade::audit::event(&state.services, &caller.principal, &id).await?;
    let mut body = event_json(&e);
    body["prev_hash"] = json!(e.prev_hash);
    body["hash_version"] = json!(e.hash_v);
    Ok(Json(body))
}

pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    let steps = masquerade::audit::timeline(&state.services, &caller.principal, &id).await?;
    Ok(Json(json!({
        "impersonation_id": id,
        "steps": steps.iter().map(|s| {
            let mut e = event_json(&s.event);
            e["after_secs"] = json!(s.after_secs);
            e
        }).collect::<Vec<_>>(),
    })))
}

pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let check = masquerade::audit::verify(
        &state.services,
        &caller.principal,
        &caller.audit,
        |_, _| {},
        masquerade::unix_now(),
    )
    .await?;
    let mut body = json!({ "intact": matches!(check, ChainCheck::Intact { .. }), "message": check.sentence() });
    match check {
        ChainCheck::Intact { events, last_seq } => {
            body["events"] = json!(events);
            body["last_seq"] = json!(last_seq);
        }
        ChainCheck::BrokenAt { seq, what } => {
            body["broken_at_seq"] = json!(seq);
            body["what"] = json!(what.as_str());
        }
    }
    Ok(Json(body))
}

pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    query: QueryResult,
) -> Result<Response, ApiError> {
    let q = parsed(query)?;
    let now = masquerade::unix_now();
    let format = Format::parse(if q.format.is_empty() {
        "csv"
    } else {
        &q.format
    })?;
    let filter = q.params().filter(now)?;
    let plan = export::begin(
        &state.services,
        &caller.principal,
        &caller.audit,
        &filter,
        format,
        now,
    )
    .await?;
    Ok(crate::audit_export::stream(
        state.services.clone(),
        filter,
        plan,
        now,
    ))
}

/// The audit settings with each stream's state.
fn settings_view(
    s: masquerade::audit::streams::AuditSettings,
    statuses: Vec<masquerade::audit::streams::StreamStatus>,
) -> Value {
    let mut v = json!(s);
    if let Some(list) = v["streams"].as_array_mut() {
        for st in list {
            if let Some(o) = st.as_object_mut() {
                // Write-only: a webhook always has one, never shown.
                if o.remove("secret").is_some() {
                    o.insert("secret_set".into(), json!(true));
                }
            }
            let id = st["id"].as_str().unwrap_or_default().to_string();
            st["status"] = json!(statuses.iter().find(|x| x.id == id));
        }
    }
    v
}

pub async fn get_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let svc = &state.services;
    let s = masquerade::audit::streams::get(svc, &caller.principal).await?;
    let statuses = masquerade::audit::streams::statuses(svc, &caller.principal).await?;
    Ok(Json(settings_view(s, statuses)))
}

pub async fn put_settings(
    State(state): State<AppState>,
    caller: Caller,
    super::JsonBody(body): super::JsonBody<masquerade::audit::streams::AuditSettings>,
) -> Result<Json<Value>, ApiError> {
    let svc = &state.services;
    let s = masquerade::audit::streams::save(
        svc,
        &caller.principal,
        &caller.audit,
        body,
        masquerade::unix_now(),
    )
    .await?;
    let statuses = masquerade::audit::streams::statuses(svc, &caller.principal).await?;
    Ok(Json(settings_view(s, statuses)))
}

/// Sends one test record to the stream now, and says how it went.
pub async fn test_stream(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    let sent = masquerade::audit::delivery::send_test(
        &state.services,
        &caller.principal,
        &id,
        masquerade::unix_now(),
    )
    .await?;
    Ok(Json(match sent {
        Ok(()) => json!({"delivered": true}),
        Err(error) => json!({"delivered": false, "error": error}),
    }))
}

pub async fn resume_stream(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(id): PathParams<String>,
) -> Result<Json<Value>, ApiError> {
    masquerade::audit::streams::resume(&state.services, &caller.principal, &id).await?;
    Ok(Json(json!({"resumed": true})))
}
