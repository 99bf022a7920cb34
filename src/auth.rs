//! Console sign-in: throttling, password check, session creation.

use crate::error::{CoreError, CoreResult};
use crate::password::{dummy_hash, verify_password_blocking};
use crate::store::sessions::SessionPolicy;
use crate::store::throttle::{account_key, ip_key};
use crate::store::{AuditContext, Store, ThrottlePolicy};
use crate::validate::MAX_EMAIL_LEN;

/// The same message for an unknown email and a wrong password, so the form
/// does not tell an attacker which accounts exist.
pub const BAD_CREDENTIALS: &str = "Wrong email or password.";

#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub user_id: String,
}

pub async fn sign_in(
    store: &Store,
    throttle: &ThrottlePolicy,
    sessions: SessionPolicy,
    ctx: &AuditContext,
    email: &str,
    password: &str,
    now: i64,
) -> CoreResult<SignedIn> {
    let email = email.trim();
    if email.is_empty() || password.is_empty() {
        let mut errs = Vec::new();
        if email.is_empty() {
            errs.push(crate::error::FieldError::new(
                "email",
                "Enter your email address.",
            ));
        }
        if password.is_empty() {
            errs.push(crate::error::FieldError::new(
                "password",
                "Enter your password.",
            ));
        }
        return Err(CoreError::Validation(errs));
    }
    if email.len() > MAX_EMAIL_LEN || password.len() > crate::password::MAX_PASSWORD_LEN {
        return Err(CoreError::Unauthenticated);
    }
    let acct = account_key(email);
    let ip = ip_key(&ctx.ip);
    store
        .reserve_attempt(
            &[(&acct, throttle.per_account), (&ip, throttle.per_ip)],
            throttle,
            now,
        )
        .await?;

    let record = store.login_record(email).await?;
    let hash = record
        .as_ref()
        .and_then(|r| r.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = verify_password_blocking(password.to_string(), hash).await;
    let record = match record {
        Some(r) if ok => r,
        // The attempt was counted when it was reserved.
        _ => return Err(CoreError::Unauthenticated),
    };
    if record.blocked != 0 {
        return Err(CoreError::Forbidden(
            "This account is blocked. Ask an administrator to unblock it.".into(),
        ));
    }
    store.attempt_succeeded(&acct, &[&ip]).await?;
    let ctx = AuditContext {
        actor_id: Some(record.id.clone()),
        ..ctx.clone()
    };
    let token = store
        .create_console_session(&ctx, &record.id, sessions, now)
        .await?;
    Ok(SignedIn {
        token,
        user_id: record.id,
    })
}

/// Step-up: the signed-in console user (`email`, holding the session
/// `token`) enters their password again, so that what needs a recent
/// password (minting under the step-up setting) may go ahead. Throttled
/// like signing in, under the same account key.
pub async fn step_up(
    store: &Store,
    throttle: &ThrottlePolicy,
    ctx: &AuditContext,
    token: &str,
    email: &str,
    password: &str,
    now: i64,
) -> CoreResult<()> {
    if password.is_empty() {
        return Err(CoreError::field("password", "Enter your password."));
    }
    let wrong = || CoreError::field("password", "That is not your password.");
    if password.len() > crate::password::MAX_PASSWORD_LEN {
        return Err(wrong());
    }
    let acct = account_key(email);
    let ip = ip_key(&ctx.ip);
    store
        .reserve_attempt(
            &[(&acct, throttle.per_account), (&ip, throttle.per_ip)],
            throttle,
            now,
        )
        .await?;
    let hash = store
        .login_record(email)
        .await?
        .and_then(|r| r.password_hash)
        .unwrap_or_else(|| dummy_hash().to_string());
    if !verify_password_blocking(password.to_string(), hash).await {
        return Err(wrong());
    }
    store.attempt_succeeded(&acct, &[&ip]).await?;
    store.reauthenticated(ctx, token, now).await
}
