//! Sign in as User from the console: the dialog's choices, minting a link,
//! the history of a user, and the live impersonations with revocation.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dto::{ImpersonationChoices, ImpersonationLink, ImpersonationRow};
use crate::error::AppError;

/// What the dialog sends; the same fields as the REST API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkForm {
    pub client_id: String,
    pub reason: String,
    pub ticket: String,
    /// "" (query for a code, fragment for tokens), form_post or app_initiated.
    pub response_mode: String,
    pub response_type: String,
    pub scope: String,
    pub state: String,
    pub audience: String,
    pub callback_url: String,
}

#[cfg(feature = "ssr")]
async fn actor(admin: &super::ctx::Admin) -> Result<masquerade::domain::User, AppError> {
    admin
        .state
        .services
        .store
        .get_user(&admin.session.user_id)
        .await
        .map_err(super::ctx::fail)
}

#[server(endpoint = "impersonation_options")]
pub async fn impersonation_options(user_id: String) -> Result<ImpersonationChoices, AppError> {
    use super::ctx::{fail, require_admin};
    use crate::dto::ImpersonationApp;
    let admin = require_admin().await?;
    let svc = &admin.state.services;
    let me = actor(&admin).await?;
    let target = svc.store.get_user(&user_id).await.map_err(fail)?;
    let o = masquerade::impersonation::options::dialog_options(
        svc,
        &me,
        &target,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(ImpersonationChoices {
        refused: o.refused.map(|d| d.message()),
        apps: o
            .apps
            .into_iter()
            .map(|a| ImpersonationApp {
                app_initiated: a
                    .modes
                    .contains(&masquerade::domain::impersonation::DeliveryMode::AppInitiated),
                client_id: a.client_id,
                name: a.name,
                excluded: a.excluded.map(|d| d.message()),
                response_types: a.response_types,
                callback_urls: a.callback_urls,
                audiences: a
                    .audiences
                    .into_iter()
                    .map(|x| (x.identifier, x.name))
                    .collect(),
            })
            .collect(),
        require_reason: o.settings.require_reason,
        link_ttl_secs: o.settings.link_ttl_secs,
        suggested_state: masquerade::secrets::new_secret()[..22].to_string(),
    })
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "create_impersonation_link")]
pub async fn create_impersonation_link(
    user_id: String,
    form: LinkForm,
) -> Result<ImpersonationLink, AppError> {
    use super::ctx::{fail, require_admin};
    use masquerade::domain::impersonation::LinkRequest;
    use masquerade::impersonation::{mint, ImpersonationError};
    let admin = require_admin().await?;
    let now = masquerade::unix_now();
    let req = LinkRequest {
        client_id: form.client_id,
        reason: form.reason,
        ticket: form.ticket,
        response_mode: form.response_mode,
        response_type: form.response_type,
        scope: form.scope,
        state: form.state,
        audience: form.audience,
        callback_url: form.callback_url,
    };
    match mint(
        &admin.state.services,
        &admin.audit,
        &admin.session.user_id,
        &user_id,
        &req,
        None,
        now,
    )
    .await
    {
        Ok(m) => Ok(ImpersonationLink {
            expires_in: m.expires_at - now,
            url: m.url,
            expires_at: m.expires_at,
            impersonation_id: m.impersonation_id,
        }),
        Err(ImpersonationError::Denied(d)) => Err(fail(AppError::Forbidden(d.message()))),
        Err(ImpersonationError::Core(e)) => Err(fail(e)),
    }
}

#[cfg(feature = "ssr")]
async fn rows(
    svc: &masquerade::Services,
    records: Vec<masquerade::domain::impersonation::Impersonation>,
) -> Result<Vec<ImpersonationRow>, AppError> {
    let apps = svc
        .store
        .list_applications()
        .await
        .map_err(super::ctx::fail)?;
    let now = masquerade::unix_now();
    Ok(records
        .into_iter()
        .map(|r| {
            let status = serde_json::to_value(r.status(now))
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            ImpersonationRow {
                app_name: apps
                    .iter()
                    .find(|a| a.client_id == r.client_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| r.client_id.clone()),
                id: r.id,
                actor_email: r.actor_email,
                target_id: r.target_id,
                target_email: r.target_email,
                client_id: r.client_id,
                reason: r.reason,
                ticket: r.ticket_ref,
                response_type: r.response_type,
                response_mode: r.response_mode,
                created_at: r.created_at,
                redeemed_at: r.redeemed_at,
                session_expires_at: r.session_expires_at,
                status,
                denied_reason: r.denied_reason,
                revoked_at: r.revoked_at,
            }
        })
        .collect())
}

#[server(endpoint = "impersonation_history")]
pub async fn impersonation_history(user_id: String) -> Result<Vec<ImpersonationRow>, AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    let svc = &admin.state.services;
    let records = svc
        .store
        .impersonations_of_user(&user_id, 200)
        .await
        .map_err(fail)?;
    rows(svc, records).await
}

#[server(endpoint = "live_impersonations")]
pub async fn live_impersonations() -> Result<Vec<ImpersonationRow>, AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    let svc = &admin.state.services;
    let records = svc
        .store
        .live_impersonations(masquerade::unix_now())
        .await
        .map_err(fail)?;
    rows(svc, records).await
}

#[server(endpoint = "revoke_impersonation")]
pub async fn revoke_impersonation(id: String) -> Result<(), AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    let svc = &admin.state.services;
    let rec = svc.store.get_impersonation(&id).await.map_err(fail)?;
    svc.store
        .revoke_impersonation(&admin.audit, &id, rec.audit_data(), masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(())
}

#[server(endpoint = "impersonation_settings")]
pub async fn impersonation_settings() -> Result<crate::dto::ImpersonationSettingsDto, AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    let s = masquerade::impersonation::settings::load(&admin.state.services.store)
        .await
        .map_err(fail)?;
    Ok(crate::dto::ImpersonationSettingsDto {
        require_reason: s.require_reason,
        link_ttl_secs: s.link_ttl_secs,
        session_max_minutes: s.session_max_secs / 60,
    })
}

#[server(endpoint = "save_impersonation_settings")]
pub async fn save_impersonation_settings(
    require_reason: bool,
    link_ttl_secs: i64,
    session_max_minutes: i64,
) -> Result<(), AppError> {
    use super::ctx::{fail, require_admin};
    use masquerade::domain::impersonation::ImpersonationSettings;
    let admin = require_admin().await?;
    let settings = ImpersonationSettings {
        require_reason,
        link_ttl_secs,
        session_max_secs: session_max_minutes.saturating_mul(60),
    };
    // The form speaks minutes; so do its messages.
    if let Err(masquerade::CoreError::Validation(mut errs)) = settings.validate() {
        for e in &mut errs {
            if e.field == "session_max_secs" {
                e.field = "session_max_minutes".into();
                e.message = "Between 5 minutes and 12 hours (720 minutes).".into();
            }
        }
        return Err(fail(masquerade::CoreError::Validation(errs)));
    }
    masquerade::impersonation::settings::save(
        &admin.state.services.store,
        &admin.audit,
        &settings,
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)
}
