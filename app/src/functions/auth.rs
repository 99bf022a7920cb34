use leptos::prelude::*;

use crate::dto::Me;
use crate::error::AppError;

/// Who is signed in to the console, if anyone.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use super::ctx::{current_session, fail, state};
    let Some(s) = current_session().await? else {
        return Ok(None);
    };
    let Some(h) = state()?
        .services
        .store
        .holdings(&s.user_id)
        .await
        .map_err(fail)?
    else {
        return Ok(None);
    };
    Ok(Some(Me {
        user_id: s.user_id,
        email: s.email,
        name: s.name,
        permissions: h
            .management()
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        impersonation_apps: h
            .impersonation_apps()
            .into_iter()
            .map(String::from)
            .collect(),
    }))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<Option<String>, AppError> {
    use super::ctx::{audit_context, fail, set_session_cookie, state};
    let st = state()?;
    let cfg = &st.services.config;
    let signed = masquerade::auth::sign_in(
        &st.services.store,
        &cfg.throttle,
        cfg.sessions,
        &audit_context(None),
        &email,
        &password,
        masquerade::unix_now(),
    )
    .await
    .map_err(|e| match e {
        masquerade::CoreError::Unauthenticated => fail(AppError::Forbidden(
            masquerade::auth::BAD_CREDENTIALS.into(),
        )),
        other => fail(other),
    })?;
    set_session_cookie(
        &signed.token,
        cfg.secure_cookies,
        cfg.sessions.absolute_secs,
    );
    let target = masquerade::navigation::safe_next(&cfg.public_url, next.as_deref());
    if !is_console_path(&target) {
        // Continuing a sign-in for an application: the browser must load the
        // protocol endpoint itself (the console router cannot). Script-driven
        // forms get the URL back; plain form posts get a redirect.
        let plain_form = use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        if plain_form {
            super::ctx::redirect(&target);
        }
        return Ok(Some(target));
    }
    // Accounts without any console permission may still sign in (for
    // applications, and for their own account pages); sent to the console,
    // they are told plainly that it is not for them.
    let area = masquerade::authz::Area::of(&target);
    let allowed = st
        .services
        .store
        .holdings(&signed.user_id)
        .await
        .map_err(fail)?
        .is_some_and(|h| masquerade::authz::may_enter(area, &h));
    super::ctx::redirect(if allowed { &target } else { "/no-access" });
    Ok(None)
}

/// Paths that belong to the administration console (as opposed to
/// protocol endpoints a sign-in may continue to).
pub fn is_console_path(path: &str) -> bool {
    !(path.starts_with("/authorize")
        || path.starts_with("/impersonate")
        || path.starts_with("/oauth/"))
}

/// The hosted login page's heading for where the sign-in continues: an
/// application (by name), the person's own account, or the console.
#[server(endpoint = "login_context")]
pub async fn login_context(next: String) -> Result<String, AppError> {
    use super::ctx::state;
    use masquerade::authz::Area;
    const CONSOLE: &str = "Sign in to the console";
    if Area::of(&next) == Area::Account {
        return Ok("Sign in to see your account".into());
    }
    let Some(query) = next.strip_prefix("/authorize?") else {
        return Ok(CONSOLE.into());
    };
    let Some(client_id) = url_param(query, "client_id") else {
        return Ok(CONSOLE.into());
    };
    Ok(state()?
        .services
        .store
        .get_application(&client_id)
        .await
        .ok()
        .map(|a| format!("Sign in to continue to {}", a.name))
        .unwrap_or_else(|| CONSOLE.into()))
}

#[cfg(feature = "ssr")]
fn url_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::ctx::{audit_context, clear_session_cookie, session_token, state};
    let st = state()?;
    if let Some(token) = session_token() {
        let _ = st
            .services
            .store
            .end_console_session(&audit_context(None), &token, masquerade::unix_now())
            .await;
    }
    clear_session_cookie(st.services.config.secure_cookies);
    super::ctx::redirect("/login");
    Ok(())
}
