//! The audit export as a download: the console's link (`/audit/export`,
//! with the console session) and the REST route both stream it here, a
//! batch of events at a time, so memory stays bounded whatever the size.
//! `X-Total-Rows` says up front how many rows follow, for a progress bar.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use http::{header, HeaderValue, StatusCode};
use masquerade::audit::export::{self, Format, Plan, BATCH};
use masquerade::audit::params::AuditParams;
use masquerade::authz::Principal;
use masquerade::store::audit_query::AuditFilter;
use masquerade::Services;
use serde::Deserialize;

use crate::request_audit::RequestAudit;
use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;

struct Cursor {
    svc: Arc<Services>,
    filter: AuditFilter,
    format: Format,
    after: i64,
    through: i64,
    head: bool,
    done: bool,
}

/// The response: headers now, rows as they are read.
pub fn stream(svc: Arc<Services>, filter: AuditFilter, plan: Plan, now: i64) -> Response {
    let cursor = Cursor {
        svc,
        filter,
        format: plan.format,
        after: 0,
        through: plan.through_seq,
        head: true,
        done: false,
    };
    let body = stream::unfold(cursor, |mut c| async move {
        if c.done {
            return None;
        }
        let mut chunk = if c.head {
            c.format.head()
        } else {
            String::new()
        };
        c.head = false;
        match c.svc.store.audit_batch(&c.filter, c.after, BATCH).await {
            Ok(events) => {
                c.done = (events.len() as i64) < BATCH
                    || events.last().is_some_and(|e| e.seq >= c.through);
                if let Some(last) = events.last() {
                    c.after = last.seq;
                }
                for e in events.iter().filter(|e| e.seq <= c.through) {
                    chunk.push_str(&c.format.row(e));
                }
                Some((Ok::<_, std::io::Error>(chunk), c))
            }
            // Headers are gone already: end the body early so the
            // download is visibly incomplete rather than silently short.
            Err(e) => {
                tracing::error!(error = %e, "audit export stopped");
                c.done = true;
                Some((Err(std::io::Error::other("audit export stopped")), c))
            }
        }
    });
    let name = format!(
        "masquerade-audit-{}.{}",
        export::rfc3339(now).replace(':', "-"),
        plan.format.as_str()
    );
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(plan.format.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&plan.rows.to_string()) {
        h.insert("x-total-rows", v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Deserialize)]
pub struct ConsoleExport {
    #[serde(default)]
    format: String,
    #[serde(flatten)]
    params: AuditParams,
}

/// `/audit/export` for the console's Export links, with its session.
pub async fn console(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: http::HeaderMap,
    query: Result<Query<ConsoleExport>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let svc = &state.services;
    let now = masquerade::unix_now();
    let Ok(Query(q)) = query else {
        return plain(
            StatusCode::BAD_REQUEST,
            "The export's filters could not be read.",
        );
    };
    let session = match cookie_value(&headers, SESSION_COOKIE) {
        Some(token) => {
            svc.store
                .console_session(&token, svc.config.sessions, now)
                .await
        }
        None => Ok(None),
    };
    let holdings = match session {
        Ok(Some(s)) => svc.store.holdings(&s.user_id).await,
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let holdings = match holdings {
        Ok(Some(h)) => h,
        Ok(None) => {
            return plain(
                StatusCode::UNAUTHORIZED,
                "Sign in to the console to export the audit log.",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the console session failed");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The export could not start. Try again.",
            );
        }
    };
    let audit = masquerade::store::AuditContext {
        actor_id: Some(holdings.user_id.clone()),
        ..audit
    };
    let principal = Principal::User {
        holdings,
        scope: None,
    };
    let started = async {
        let format = Format::parse(if q.format.is_empty() {
            "csv"
        } else {
            &q.format
        })?;
        let filter = q.params.filter(now)?;
        let plan = export::begin(svc, &principal, &audit, &filter, format, now).await?;
        Ok::<_, masquerade::CoreError>((filter, plan))
    };
    match started.await {
        Ok((filter, plan)) => stream(svc.clone(), filter, plan, now),
        Err(e) => {
            let status = match &e {
                masquerade::CoreError::Validation(_) => StatusCode::BAD_REQUEST,
                masquerade::CoreError::NeedsPermission(_) | masquerade::CoreError::Forbidden(_) => {
                    StatusCode::FORBIDDEN
                }
                masquerade::CoreError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            let message = match &e {
                masquerade::CoreError::Validation(errs) => errs
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join(" "),
                masquerade::CoreError::Internal(_) => {
                    "The export could not start. Try again.".into()
                }
                other => other.to_string(),
            };
            plain(status, &message)
        }
    }
}

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_string(),
    )
        .into_response()
}
