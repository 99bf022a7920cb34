use leptos::prelude::*;

use crate::dto::Me;
use crate::error::AppError;

/// Who is signed in to the console, if anyone.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use super::ctx::current_session;
    Ok(current_session().await?.map(|s| Me {
        user_id: s.user_id,
        email: s.email,
        name: s.name,
        is_admin: s.is_admin,
    }))
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
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
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

/// Only same-site paths are followed after sign-in, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.starts_with("/login") =>
        {
            n.to_string()
        }
        _ => "/users".to_string(),
    }
}

/// Paths that belong to the administration console (as opposed to
/// protocol endpoints a sign-in may continue to).
pub fn is_console_path(path: &str) -> bool {
    !(path.starts_with("/authorize")
        || path.starts_with("/impersonate")
        || path.starts_with("/oauth/"))
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
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/users/usr_1")), "/users/usr_1");
        assert_eq!(safe_next(Some("//evil.example")), "/users");
        assert_eq!(safe_next(Some("https://evil.example")), "/users");
        assert_eq!(safe_next(Some("/\\evil.example")), "/users");
        assert_eq!(safe_next(None), "/users");
    }
}
