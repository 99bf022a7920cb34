//! Minting a Sign in as User link: check the policy, validate what the
//! administrator chose against the application, store only the ticket's hash.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{policy, settings, ImpersonationError, REDEEM_PATH};
use crate::authz::Principal;
use crate::domain::impersonation::{
    DeliveryMode, Denial, Impersonation, ImpersonationSettings, LinkRequest, MODE_FULL,
    MODE_READ_ONLY,
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
    if ticket.chars().count() > MAX_TICKET_LEN || !printable(&ticket) {
        p.add(
            "ticket",
            "The ticket reference is limited to 100 characters.",
        );
    } else if let Some(problem) = settings.ticket_problem(&ticket) {
        p.add("ticket", problem);
    }

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
    // A public client proves possession of its code with PKCE, and a link
    // carries no code_challenge: such a code could never be exchanged. In
    // app-initiated mode the application sends its own request, with PKCE.
    if rt.code && !app.app_type.is_confidential() && mode != Some(DeliveryMode::AppInitiated) {
        p.add(
            "response_type",
            format!(
                "{} is a public client, which must use PKCE, so a code from a link could never be \
                 exchanged. Choose App-initiated mode, or a token response type.",
                app.name
            ),
        );
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

/// Who the impersonator is when `principal` asks to mint a link naming
/// `requested` (the REST API's `impersonator_id`). With a user's session or
/// token it is that user, always: naming someone else would put their name
/// into `act`, the banner and the audit log. A machine client must name the
/// person it acts for, and the policy then judges that person.
pub fn impersonator_for(principal: &Principal, requested: Option<&str>) -> CoreResult<String> {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    match (principal, requested) {
        (Principal::User { holdings, .. }, None) => Ok(holdings.user_id.clone()),
        (Principal::User { holdings, .. }, Some(r)) if r == holdings.user_id => {
            Ok(holdings.user_id.clone())
        }
        (Principal::User { .. }, Some(_)) => Err(CoreError::Forbidden(
            "With a user's token the impersonator is that user: leave impersonator_id out, or name yourself."
                .into(),
        )),
        (Principal::Client { .. }, Some(r)) => Ok(r.to_string()),
        (Principal::Client { .. }, None) => Err(CoreError::field(
            "impersonator_id",
            "A machine client must name the person it acts for (impersonator_id).",
        )),
        (Principal::Anonymous, _) => Err(CoreError::Unauthenticated),
        (Principal::Impersonated { .. }, _) => Err(CoreError::Forbidden(
            "An impersonated session cannot start another impersonation.".into(),
        )),
    }
}

/// What minting came to: a link, or (under four-eyes approval) a request
/// waiting for someone else's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MintOutcome {
    Link(Minted),
    Requested {
        request_id: String,
        role_name: String,
    },
}

/// Creates a single-use link for `principal` (or the person a machine
/// client names, `requested`) to sign in as `target_id`. The caller must
/// hold `impersonation:create` for the application, and the policy must
/// allow the impersonator. `authenticated_at` is when the person last
/// entered their password (sign-in or step-up), for the step-up setting;
/// `None` for a machine client.
#[allow(clippy::too_many_arguments)]
pub async fn mint(
    svc: &Services,
    ctx: &AuditContext,
    principal: &Principal,
    requested: Option<&str>,
    target_id: &str,
    req: &LinkRequest,
    authenticated_at: Option<i64>,
    now: i64,
) -> Result<MintOutcome, ImpersonationError> {
    if matches!(principal, Principal::Impersonated { .. }) {
        return Err(Denial::Chain.into());
    }
    crate::authz::require_somewhere(principal, crate::authz::Permission::ImpersonationCreate)?;
    let actor_id = impersonator_for(principal, requested)?;
    let actor_id = actor_id.as_str();
    let via = match principal {
        Principal::Client { client_id, .. } => Some(format!("{client_id}@clients")),
        _ => None,
    };
    let via = via.as_deref();
    let (actor, target) = super::parties(svc, actor_id, target_id).await??;
    let ctx = AuditContext {
        actor_id: Some(actor.user.id.clone()),
        ..ctx.clone()
    };
    let settings = settings::load(&svc.store).await?;
    // An approved request is minted exactly as it was approved.
    let approved = match req.request_id.trim() {
        "" => None,
        id => Some(super::approval::approved_link(svc, id, &actor.user.id, target_id, now).await?),
    };
    let req = approved.as_ref().map(|(_, link)| link).unwrap_or(req);
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
    let allowance = match policy::may_impersonate(&actor, &target, &app, &settings, now) {
        Ok(a) => a,
        Err(d) => return Err(refuse(svc, &ctx, &actor.user, &target.user, req, d, now).await),
    };
    // The policy judged the impersonator (for a person's own call, the
    // caller: whose permission for this application it checked, so the
    // dry run and minting give the same reason); the caller must hold the
    // permission for it too (a machine client naming someone).
    crate::authz::require_for_app(
        principal,
        crate::authz::Permission::ImpersonationCreate,
        &app.client_id,
    )?;
    if settings.step_up_due(authenticated_at, now) {
        return Err(ImpersonationError::StepUpRequired {
            minutes: settings.step_up_minutes,
        });
    }
    let audiences = svc.store.audiences_for_client(&app.client_id).await?;
    let link = validate(req, &app, &audiences, &settings)?;
    let read_only = req.read_only || allowance.read_only;
    if allowance.approval && approved.is_none() {
        let request_id = super::approval::request(
            svc,
            &ctx,
            &actor.user,
            &target.user,
            &app,
            req,
            read_only,
            &allowance,
            now,
        )
        .await?;
        return Ok(MintOutcome::Requested {
            request_id,
            role_name: allowance.role_name.unwrap_or_default(),
        });
    }
    if let Some((id, _)) = &approved {
        if !svc
            .store
            .use_impersonation_request(id, &actor.user.id, now)
            .await?
        {
            return Err(super::approval::not_usable().into());
        }
    }
    let ticket = new_secret();
    let rec = Impersonation {
        id: new_sortable_id("imp", now),
        actor_id: actor.user.id.clone(),
        actor_email: actor.user.email.clone(),
        target_id: target.user.id.clone(),
        target_email: target.user.email.clone(),
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
        mode: if read_only { MODE_READ_ONLY } else { MODE_FULL }.into(),
        request_id: approved.as_ref().map(|(id, _)| id.clone()),
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
    if let Some(role) = &allowance.role_id {
        data["rule_role_id"] = json!(role);
    }
    svc.store
        .insert_impersonation(&ctx, &rec, &hash_secret(&ticket), data)
        .await?;
    Ok(MintOutcome::Link(Minted {
        impersonation_id: rec.id,
        url: format!("{}{REDEEM_PATH}{ticket}", svc.config.public_url),
        expires_at: rec.expires_at,
    }))
}
