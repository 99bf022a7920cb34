//! Redeeming a link (GET /impersonate/{ticket}) and the app-initiated
//! authorization request that follows in that mode.

use serde_json::json;

use super::mint::validate;
use super::policy::Person;
use super::{settings, HINT_PREFIX, HINT_TTL_SECS};
use crate::domain::impersonation::{
    DeliveryMode, Denial, Impersonation, ImpersonationSettings, LinkRequest,
};
use crate::domain::{Api, Application, User};
use crate::error::{CoreError, CoreResult};
use crate::oidc::authorize::{AuthorizeRequest, ResponseMode};
use crate::oidc::issue::{authorization_response, Actor, Subject};
use crate::secrets::{hash_secret, new_secret};
use crate::services::Services;
use crate::store::impersonations::Claim;
use crate::store::AuditContext;

/// What the browser that opened a link gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// Unknown, malformed or tampered ticket.
    NotValid,
    /// Parameters were added to the link.
    Modified,
    Expired {
        at: i64,
    },
    AlreadyUsed {
        at: i64,
    },
    Revoked {
        at: i64,
    },
    Denied(Denial),
    /// To the application's callback: a redirect for query and fragment, an
    /// auto-posting form for form_post.
    Deliver {
        redirect_uri: String,
        mode: ResponseMode,
        params: Vec<(String, String)>,
    },
    /// To the application's initiate-login URI (OIDC Core §4).
    AppInitiated {
        url: String,
    },
}

/// A ticket is 32 random bytes in unpadded base64url: anything else was
/// never ours, and is refused without touching the database.
fn well_formed(ticket: &str) -> bool {
    ticket.len() == 43
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

struct Parties {
    target: Person,
    app: Application,
}

/// The policy again, plus the link's own parameters against the application
/// as it is now.
async fn recheck(
    svc: &Services,
    rec: &Impersonation,
    current: &ImpersonationSettings,
    now: i64,
) -> CoreResult<Result<Parties, Denial>> {
    let (_, target, app) = match super::recheck(svc, rec, current, now).await? {
        Ok(p) => p,
        Err(d) => return Ok(Err(d)),
    };
    let audiences = svc.store.audiences_for_client(&app.client_id).await?;
    let as_minted = LinkRequest {
        client_id: rec.client_id.clone(),
        reason: rec.reason.clone(),
        ticket: rec.ticket_ref.clone(),
        response_mode: rec.response_mode.clone(),
        response_type: rec.response_type.clone(),
        scope: rec.scope.clone(),
        state: rec.state.clone(),
        audience: rec.audience.clone(),
        callback_url: rec.redirect_uri.clone(),
        read_only: rec.read_only(),
        request_id: String::new(),
    };
    // The reason and ticket were checked at minting; a setting changed
    // since then does not invalidate a link already in someone's hands.
    let s = ImpersonationSettings {
        require_reason: false,
        require_ticket: false,
        ticket_pattern: String::new(),
        ..current.clone()
    };
    if let Err(CoreError::Validation(errs)) = validate(&as_minted, &app, &audiences, &s) {
        let detail = errs.first().map(|e| e.message.clone()).unwrap_or_default();
        return Ok(Err(Denial::ApplicationChanged { detail }));
    }
    Ok(Ok(Parties { target, app }))
}

async fn deny(
    svc: &Services,
    ctx: &AuditContext,
    rec: &Impersonation,
    denial: Denial,
    stage: &str,
    now: i64,
) -> CoreResult<Redemption> {
    let mut data = rec.audit_data();
    data["denied"] = json!(denial.code());
    data["stage"] = json!(stage);
    svc.store
        .record_impersonation_denied(ctx, Some(&rec.id), &rec.target_id, denial.code(), data, now)
        .await?;
    Ok(Redemption::Denied(denial))
}

/// A bound link opened by someone other than its maker: audited, and left
/// usable, so that a stranger holding a leaked link cannot burn it either.
async fn refuse_opener(
    svc: &Services,
    ctx: &AuditContext,
    rec: &Impersonation,
    opener: Option<&str>,
    now: i64,
) -> CoreResult<Redemption> {
    let denial = Denial::LinkBoundToMinter;
    let mut data = rec.audit_data();
    data["denied"] = json!(denial.code());
    data["stage"] = json!("redeem");
    data["opened_by"] = json!(opener);
    let ctx = AuditContext {
        actor_id: opener.map(str::to_string),
        ..ctx.clone()
    };
    svc.store
        .append_event(
            &ctx,
            "impersonation.open_refused",
            Some(&rec.target_id),
            data,
            now,
        )
        .await?;
    Ok(Redemption::Denied(denial))
}

fn state_of(rec: &Impersonation, now: i64) -> Option<Redemption> {
    if !rec.denied_reason.is_empty() {
        return Some(Redemption::Denied(Denial::ApplicationChanged {
            detail: "this link was already refused.".into(),
        }));
    }
    if rec.revoked_at > 0 {
        return Some(Redemption::Revoked { at: rec.revoked_at });
    }
    if rec.redeemed_at > 0 {
        return Some(Redemption::AlreadyUsed {
            at: rec.redeemed_at,
        });
    }
    if rec.expires_at <= now {
        return Some(Redemption::Expired { at: rec.expires_at });
    }
    None
}

async fn api_named(svc: &Services, audience: &str) -> CoreResult<Option<Api>> {
    if audience.is_empty() {
        return Ok(None);
    }
    svc.store.api_by_identifier(audience).await
}

/// Handles GET /impersonate/{ticket}. `modified` is true when anything was
/// appended to the link. `opener` is the console user signed in in the
/// browser that opened it, if any: with links bound to the person who
/// made them, nobody else may open one.
pub async fn redeem(
    svc: &Services,
    ctx: &AuditContext,
    ticket: &str,
    modified: bool,
    opener: Option<&str>,
    now: i64,
) -> CoreResult<Redemption> {
    if !well_formed(ticket) {
        return Ok(Redemption::NotValid);
    }
    let Some(rec) = svc
        .store
        .impersonation_by_ticket(&hash_secret(ticket))
        .await?
    else {
        return Ok(Redemption::NotValid);
    };
    if modified {
        return Ok(Redemption::Modified);
    }
    if let Some(r) = state_of(&rec, now) {
        return Ok(r);
    }
    let ctx = AuditContext {
        actor_id: Some(rec.actor_id.clone()),
        ..ctx.clone()
    };
    let settings = settings::load(&svc.store).await?;
    if settings.bind_links && opener != Some(rec.actor_id.as_str()) {
        return refuse_opener(svc, &ctx, &rec, opener, now).await;
    }
    let parties = match recheck(svc, &rec, &settings, now).await? {
        Ok(p) => p,
        Err(d) => return deny(svc, &ctx, &rec, d, "redeem", now).await,
    };
    let mode = DeliveryMode::parse(&rec.response_mode).unwrap_or(DeliveryMode::Query);
    let hint =
        (mode == DeliveryMode::AppInitiated).then(|| format!("{HINT_PREFIX}{}", new_secret()));
    let hint_hash = hint.as_deref().map(hash_secret);
    let claim = Claim {
        session_expires_at: now + settings.session_max_secs,
        hint: hint_hash.as_deref().map(|h| (h, now + HINT_TTL_SECS)),
    };
    if !svc
        .store
        .claim_impersonation(&ctx, &rec, &claim, rec.audit_data(), now)
        .await?
    {
        // Lost a race with another browser, or expired this very second.
        let again = svc.store.get_impersonation(&rec.id).await?;
        return Ok(state_of(&again, now).unwrap_or(Redemption::NotValid));
    }
    let rec = Impersonation {
        redeemed_at: now,
        session_expires_at: claim.session_expires_at,
        hint_expires_at: claim.hint.map_or(0, |h| h.1),
        ..rec
    };

    if let Some(hint) = hint {
        let app = &parties.app;
        let base = app.initiate_login_uri.clone().unwrap_or_default();
        let mut url = url::Url::parse(&base)
            .map_err(|_| CoreError::Internal("initiate-login URI no longer parses".into()))?;
        url.query_pairs_mut()
            .append_pair("iss", &svc.config.public_url)
            .append_pair("login_hint", &hint)
            .append_pair("target_link_uri", &target_link(&rec));
        return Ok(Redemption::AppInitiated { url: url.into() });
    }

    let request = AuthorizeRequest {
        client_id: rec.client_id.clone(),
        redirect_uri: rec.redirect_uri.clone(),
        redirect_uri_omitted: false,
        response_type: crate::oidc::authorize::ResponseType::parse(&rec.response_type)
            .unwrap_or_default(),
        response_mode: match mode {
            DeliveryMode::Fragment => ResponseMode::Fragment,
            DeliveryMode::FormPost => ResponseMode::FormPost,
            _ => ResponseMode::Query,
        },
        scope: crate::oidc::params::space_list(&rec.scope),
        state: Some(rec.state.clone()),
        nonce: None,
        code_challenge: None,
        prompt_none: false,
        prompt_login: false,
        max_age: None,
        login_hint: None,
        audience: Some(rec.audience.clone()).filter(|a| !a.is_empty()),
    };
    let api = api_named(svc, &rec.audience).await?;
    let actor = Actor::of(&rec);
    let subject = Subject {
        user: &parties.target.user,
        auth_time: now,
        actor: Some(&actor),
    };
    let params =
        match authorization_response(svc, &request, &parties.app, subject, api.as_ref(), now).await
        {
            Ok(p) => p,
            // Revoked between the claim and the grant: nothing was issued.
            Err(e) if e.error == "access_denied" => {
                let again = svc.store.get_impersonation(&rec.id).await?;
                return Ok(state_of(&again, now).unwrap_or(Redemption::Revoked { at: now }));
            }
            Err(e) => return Err(CoreError::Internal(e.error_description)),
        };
    if request.response_type.returns_tokens() {
        svc.store
            .record_impersonation_tokens(&ctx, &rec, rec.audit_data(), now)
            .await?;
    }
    Ok(Redemption::Deliver {
        redirect_uri: rec.redirect_uri,
        mode: request.response_mode,
        params,
    })
}

/// Where the application should land after its own sign-in: the state when
/// it names a path, else the root of the callback's origin.
fn target_link(rec: &Impersonation) -> String {
    let origin = url::Url::parse(&rec.redirect_uri)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    if rec.state.starts_with('/') && !rec.state.starts_with("//") {
        format!("{origin}{}", rec.state)
    } else {
        format!("{origin}/")
    }
}

/// Why an app-initiated authorization request cannot be satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HintRefusal {
    /// Unknown, used or expired hint.
    Invalid,
    /// Issued for another application.
    WrongClient,
    Denied(Denial),
}

/// Satisfies an authorization request carrying an app-initiated login_hint:
/// the user and the impersonator, with the policy checked once more.
pub async fn from_hint(
    svc: &Services,
    ctx: &AuditContext,
    hint: &str,
    app: &Application,
    now: i64,
) -> CoreResult<Result<(User, Actor, Impersonation), HintRefusal>> {
    let Some(rec) = svc
        .store
        .claim_impersonation_hint(ctx, &hash_secret(hint), now)
        .await?
    else {
        return Ok(Err(HintRefusal::Invalid));
    };
    if rec.client_id != app.client_id {
        return Ok(Err(HintRefusal::WrongClient));
    }
    let ctx = AuditContext {
        actor_id: Some(rec.actor_id.clone()),
        ..ctx.clone()
    };
    let settings = settings::load(&svc.store).await?;
    let parties = match super::recheck(svc, &rec, &settings, now).await? {
        Ok((_, target, app)) => Parties { target, app },
        Err(d) => {
            deny(svc, &ctx, &rec, d.clone(), "authorize", now).await?;
            return Ok(Err(HintRefusal::Denied(d)));
        }
    };
    let actor = Actor::of(&rec);
    Ok(Ok((parties.target.user, actor, rec)))
}

pub fn is_hint(login_hint: &str) -> bool {
    login_hint.starts_with(HINT_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_must_look_like_ours() {
        assert!(well_formed(&new_secret()));
        assert!(!well_formed(""));
        assert!(!well_formed(&format!("{}=", &new_secret()[..42])));
        assert!(!well_formed(&"a".repeat(44)));
    }
}
