//! Minting a Sign in as User link: check the policy, validate what the
//! administrator chose against the application, store only the ticket's hash.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{policy, settings, ImpersonationError, REDEEM_PATH};
use crate::domain::impersonation::{
    DeliveryMode, Denial, Impersonation, ImpersonationSettings, LinkRequest,
};
use crate::domain::{Application, User};
use crate::error::{CoreError, CoreResult, Problems};
use crate::oidc::authorize::ResponseType;
use crate::oidc::params::space_list;
use crate::secrets::{hash_secret, new_secret, new_sortable_id};
use crate::services::Services;
use crate::store::AuditContext;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Minted {
    pub impersonation_id: String,
    pub url: String,
    pub expires_at: i64,
}

const MAX_STATE_LEN: usize = 500;
const MAX_REASON_LEN: usize = 500;
const MAX_TICKET_LEN: usize = 100;
const MAX_SCOPE_LEN: usize = 1000;

fn printable(s: &str) -> bool {
    s.chars().all(|c| !c.is_control())
}

/// A link request checked against the application it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    pub response_type: ResponseType,
    pub mode: DeliveryMode,
    pub scope: Vec<String>,
    pub state: String,
    pub audience: Option<String>,
    pub redirect_uri: String,
    pub reason: String,
    pub ticket: String,
}

/// Every problem at once, each under the field the dialog and the REST API
/// use. `audiences` are the API identifiers that authorize the application.
pub fn validate(
    req: &LinkRequest,
    app: &Application,
    audiences: &[String],
    settings: &ImpersonationSettings,
) -> CoreResult<ValidLink> {
    let mut p = Problems::default();
    let reason = req.reason.trim().to_string();
    if settings.require_reason && reason.is_empty() {
        p.add("reason", "Say why you are signing in as this user.");
    }
    p.check(
        reason.chars().count() <= MAX_REASON_LEN && printable(&reason),
        "reason",
        "The reason is limited to 500 characters.",
    );
    let ticket = req.ticket.trim().to_string();
    p.check(
        ticket.chars().count() <= MAX_TICKET_LEN && printable(&ticket),
        "ticket",
        "The ticket reference is limited to 100 characters.",
    );

    let rt_raw = if req.response_type.trim().is_empty() {
        "code"
    } else {
        req.response_type.trim()
    };
    let rt = ResponseType::parse(rt_raw);
    match rt {
        None => p.add(
            "response_type",
            "Choose code, token, id_token or a combination of them.",
        ),
        Some(rt) => {
            let has = |g: &str| app.grant_types.iter().any(|x| x == g);
            if rt.code && !has("authorization_code") {
                p.add(
                    "response_type",
                    format!("{} does not use the authorization code grant.", app.name),
                );
            } else if rt.returns_tokens() && !has("implicit") {
                p.add(
                    "response_type",
                    format!(
                        "{} does not accept tokens from the authorization endpoint (implicit grant).",
                        app.name
                    ),
                );
            }
        }
    }
    let rt = rt.unwrap_or_default();

    let mode = if req.response_mode.trim().is_empty() {
        Some(if rt.returns_tokens() {
            DeliveryMode::Fragment
        } else {
            DeliveryMode::Query
        })
    } else {
        DeliveryMode::parse(req.response_mode.trim())
    };
    match mode {
        None => p.add(
            "response_mode",
            "Choose query, fragment, form_post or app_initiated.",
        ),
        Some(DeliveryMode::Query) if rt.returns_tokens() => p.add(
            "response_mode",
            "Tokens are never put in a query string: choose fragment or form_post.",
        ),
        Some(DeliveryMode::AppInitiated) if app.initiate_login_uri.is_none() => p.add(
            "response_mode",
            format!("{} has no initiate-login URI.", app.name),
        ),
        _ => {}
    }

    let scope_raw = if req.scope.trim().is_empty() {
        "openid"
    } else {
        req.scope.trim()
    };
    let scope = space_list(scope_raw);
    let scope_ok = scope_raw.len() <= MAX_SCOPE_LEN
        && scope.iter().all(|s| {
            s.chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        });
    p.check(
        scope_ok,
        "scope",
        "Scopes are separated by spaces and contain no quotes or backslashes.",
    );
    if rt.id_token && !scope.iter().any(|s| s == "openid") {
        p.add("scope", "An ID token needs the openid scope.");
    }

    let state = req.state.clone();
    if state.trim().is_empty() {
        p.add(
            "state",
            "State is required: applications that check it refuse a response without one.",
        );
    } else if state.chars().count() > MAX_STATE_LEN || !printable(&state) {
        p.add("state", "State is limited to 500 printable characters.");
    }

    let audience = Some(req.audience.trim().to_string()).filter(|a| !a.is_empty());
    if let Some(a) = &audience {
        p.check(
            audiences.iter().any(|x| x == a),
            "audience",
            "The application is not authorized for that API.",
        );
    }

    let redirect_uri = if req.callback_url.trim().is_empty() {
        app.callback_urls.first().cloned().unwrap_or_default()
    } else {
        req.callback_url.trim().to_string()
    };
    p.check(
        app.callback_urls.iter().any(|u| u == &redirect_uri),
        "callback_url",
        "Choose one of the application's callback URLs.",
    );
    p.into_result()?;
    Ok(ValidLink {
        response_type: rt,
        mode: mode.unwrap_or(DeliveryMode::Query),
        scope,
        state,
        audience,
        redirect_uri,
        reason,
        ticket,
    })
}

/// Records a refusal at minting and returns it.
async fn refuse(
    svc: &Services,
    ctx: &AuditContext,
    actor: &User,
    target: &User,
    req: &LinkRequest,
    denial: Denial,
    now: i64,
) -> ImpersonationError {
    let data = json!({
        "impersonator_id": actor.id,
        "impersonator_email": actor.email,
        "user_id": target.id,
        "user_email": target.email,
        "client_id": req.client_id.trim(),
        "reason": req.reason.trim(),
        "denied": denial.code(),
        "stage": "mint",
    });
    if let Err(e) = svc
        .store
        .record_impersonation_denied(ctx, None, &target.id, denial.code(), data, now)
        .await
    {
        return e.into();
    }
    denial.into()
}

/// Creates a single-use link for `actor_id` to sign in as `target_id`.
/// `via` names the machine client when the REST API was used.
pub async fn mint(
    svc: &Services,
    ctx: &AuditContext,
    actor_id: &str,
    target_id: &str,
    req: &LinkRequest,
    via: Option<&str>,
    now: i64,
) -> Result<Minted, ImpersonationError> {
    let (actor, target) = super::parties(svc, actor_id, target_id).await??;
    let ctx = AuditContext {
        actor_id: Some(actor.id.clone()),
        ..ctx.clone()
    };
    if req.client_id.trim().is_empty() {
        return Err(CoreError::field("client_id", "Choose an application.").into());
    }
    let app = match svc.store.application_hot(req.client_id.trim()).await {
        Ok(a) => a,
        Err(CoreError::NotFound(_)) => {
            return Err(CoreError::field("client_id", "There is no such application.").into())
        }
        Err(e) => return Err(e.into()),
    };
    if let Err(d) = policy::may_impersonate(&actor, &target, &app, now) {
        return Err(refuse(svc, &ctx, &actor, &target, req, d, now).await);
    }
    let settings = settings::load(&svc.store).await?;
    let audiences = svc.store.audiences_for_client(&app.client_id).await?;
    let link = validate(req, &app, &audiences, &settings)?;

    let ticket = new_secret();
    let rec = Impersonation {
        id: new_sortable_id("imp", now),
        actor_id: actor.id.clone(),
        actor_email: actor.email.clone(),
        target_id: target.id.clone(),
        target_email: target.email.clone(),
        client_id: app.client_id.clone(),
        reason: link.reason.clone(),
        ticket_ref: link.ticket.clone(),
        response_type: link.response_type.as_str(),
        response_mode: link.mode.as_str().into(),
        scope: link.scope.join(" "),
        state: link.state.clone(),
        audience: link.audience.clone().unwrap_or_default(),
        redirect_uri: link.redirect_uri.clone(),
        created_at: now,
        expires_at: now + settings.link_ttl_secs,
        ..Default::default()
    };
    let mut data = rec.audit_data();
    data["response_type"] = json!(rec.response_type);
    data["response_mode"] = json!(rec.response_mode);
    data["audience"] = json!(rec.audience);
    data["expires_at"] = json!(rec.expires_at);
    if let Some(v) = via {
        data["via"] = json!(v);
    }
    svc.store
        .insert_impersonation(&ctx, &rec, &hash_secret(&ticket), data)
        .await?;
    Ok(Minted {
        impersonation_id: rec.id,
        url: format!("{}{REDEEM_PATH}{ticket}", svc.config.public_url),
        expires_at: rec.expires_at,
    })
}
