//! GET /impersonate/{ticket}: opens a Sign in as User link. Each way a link
//! can fail has its own page, worded for the support engineer holding it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use http::{header, StatusCode};
use masquerade::domain::impersonation::Denial;
use masquerade::impersonation::redeem::{redeem, Redemption};

use crate::oidc::authorize::{deliver, found};
use crate::oidc::pages::{escape, page};
use crate::request_audit::RequestAudit;
use app::components::format::datetime;
use app::functions::ctx::{cookie_value, SESSION_COOKIE};
use app::state::AppState;

pub async fn open(
    State(state): State<AppState>,
    RequestAudit(audit): RequestAudit,
    headers: http::HeaderMap,
    ticket: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let now = masquerade::unix_now();
    // A ticket that does not even decode (not UTF-8) matches no link: the
    // same "not valid" page as any other tampered ticket.
    let ticket = ticket.map(|Path(t)| t).unwrap_or_default();
    let modified = query.is_some();
    let opener = match opener(&state, &headers, now).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "reading the console session failed");
            None
        }
    };
    match redeem(
        &state.services,
        &audit,
        &ticket,
        modified,
        opener.as_deref(),
        now,
    )
    .await
    {
        Ok(Redemption::Deliver {
            redirect_uri,
            mode,
            params,
        }) => deliver(&redirect_uri, mode, &params),
        Ok(Redemption::AppInitiated { url }) => found(&url),
        Ok(Redemption::NotValid) => problem(
            StatusCode::NOT_FOUND,
            "This impersonation link is not valid",
            "The link is unknown or was changed on the way. Copy it again from the console, or generate a new one.",
        ),
        Ok(Redemption::Modified) => problem(
            StatusCode::BAD_REQUEST,
            "Impersonation links can't be modified",
            "Something was added to this link after it was generated, so it was not used. Open it exactly as the console gave it. To land on a particular page of the application, put that path in State under \"Show advanced settings\" when you generate the link.",
        ),
        Ok(Redemption::Expired { at }) => problem(
            StatusCode::GONE,
            "This impersonation link has expired",
            &format!(
                "It expired at {} ({}). Links are valid for a few minutes only; generate a new one from the console.",
                datetime_secs(at),
                ago(now - at)
            ),
        ),
        Ok(Redemption::AlreadyUsed { at }) => problem(
            StatusCode::GONE,
            "This impersonation link was already used",
            &format!(
                "It was opened at {} ({}). Each link works once; generate a new one from the console.",
                datetime_secs(at),
                ago(now - at)
            ),
        ),
        Ok(Redemption::Revoked { at }) => problem(
            StatusCode::GONE,
            "This impersonation was revoked",
            &format!("An administrator revoked it at {}.", datetime_secs(at)),
        ),
        Ok(Redemption::Denied(Denial::LinkBoundToMinter)) => problem(
            StatusCode::FORBIDDEN,
            "This link opens only for the person who created it",
            "Links are bound to the person who generated them, in a browser signed in to the console as that person. Nothing was done and the link still works for them; this attempt was recorded in the audit log.",
        ),
        Ok(Redemption::Denied(d)) => problem(
            StatusCode::FORBIDDEN,
            "Impersonation denied",
            &format!(
                "{} The link was checked again when it was opened, and is no longer allowed. (Reason code: {}.)",
                d.message(),
                d.code()
            ),
        ),
        Err(e) => {
            tracing::error!(error = %e, "impersonation redemption failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The link could not be opened. Try again, or generate a new one.",
            )
        }
    }
}

/// The console user signed in in this browser, if any.
async fn opener(
    state: &AppState,
    headers: &http::HeaderMap,
    now: i64,
) -> masquerade::CoreResult<Option<String>> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let svc = &state.services;
    Ok(svc
        .store
        .console_session(&token, svc.config.sessions, now)
        .await?
        .map(|s| s.user_id))
}

fn datetime_secs(ts: i64) -> String {
    // `datetime` shows minutes; a link lives for minutes, so add seconds.
    let base = datetime(ts);
    let secs = ts.rem_euclid(60);
    base.replacen(" UTC", &format!(":{secs:02} UTC"), 1)
}

fn ago(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{} seconds ago", s.max(0)),
        s if s < 7200 => format!("{} minutes ago", s / 60),
        s => format!("{} hours ago", s / 3600),
    }
}

fn problem(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<p class=\"text-xs font-semibold uppercase tracking-wide text-slate-500\">Sign in as User</p>\
         <h1 class=\"mt-1 text-xl font-semibold\">{}</h1>\
         <p role=\"alert\" class=\"mt-3 text-sm text-slate-700\">{}</p>\
         <p class=\"mt-6\"><a class=\"text-sm font-medium text-indigo-600 hover:underline\" href=\"/users\">Back to the console</a></p>",
        escape(title),
        escape(message)
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(page(title, &body)),
    )
        .into_response()
}
