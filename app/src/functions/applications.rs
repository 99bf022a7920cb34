use leptos::prelude::*;

use crate::dto::{AppDetail, AppForm, AppSummary, SecretShownOnce, TokenForm};
use crate::error::AppError;

/// The application with the APIs that authorize it.
#[cfg(feature = "ssr")]
async fn detail(
    store: &masquerade::Store,
    a: masquerade::domain::Application,
) -> Result<AppDetail, AppError> {
    use super::ctx::fail;
    let apis = store
        .list_apis()
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|api| api.client_ids.contains(&a.client_id))
        .map(|api| crate::dto::ApiRef {
            id: api.id,
            name: api.name,
            identifier: api.identifier,
        })
        .collect();
    Ok(AppDetail {
        tokens: crate::dto::TokenSettingsDto {
            id_token_lifetime_secs: a.tokens.id_token_lifetime_secs,
            refresh_tokens: a.tokens.refresh_tokens,
            refresh_rotation: a.tokens.refresh_rotation,
            refresh_lifetime_secs: a.tokens.refresh_lifetime_secs,
            signing_alg: a.tokens.signing_alg,
            impersonation_refresh: a.tokens.impersonation_refresh,
        },
        apis,
        type_label: a.app_type.label().into(),
        confidential: a.app_type.is_confidential(),
        app_type: a.app_type.as_str().into(),
        client_id: a.client_id,
        name: a.name,
        description: a.description,
        has_secret: a.has_secret,
        secret_rotated_at: a.secret_rotated_at,
        callback_urls: a.callback_urls,
        allowed_logout_urls: a.allowed_logout_urls,
        allowed_web_origins: a.allowed_web_origins,
        initiate_login_uri: a.initiate_login_uri.unwrap_or_default(),
        grant_types: a.grant_types,
        allow_impersonation: a.allow_impersonation,
        connection_ids: a.connection_ids,
    })
}

/// The core's token settings for a submitted form; lifetimes that are not
/// numbers are reported together with the core's own checks.
#[cfg(feature = "ssr")]
fn token_settings(
    f: TokenForm,
) -> Result<masquerade::domain::application::TokenSettings, AppError> {
    use crate::dto::parse_lifetime;
    use crate::error::FieldProblem;
    let id_lifetime = parse_lifetime(&f.id_token_lifetime, &f.id_token_lifetime_unit);
    let refresh_lifetime = parse_lifetime(&f.refresh_lifetime, &f.refresh_lifetime_unit);
    let settings = masquerade::domain::application::TokenSettings {
        id_token_lifetime_secs: id_lifetime.unwrap_or(3600),
        refresh_tokens: f.refresh_tokens,
        refresh_rotation: f.refresh_rotation,
        refresh_lifetime_secs: refresh_lifetime.unwrap_or(86_400),
        signing_alg: f.signing_alg,
        impersonation_refresh: f.impersonation_refresh,
    };
    let mut problems = match settings.validate().map_err(AppError::from) {
        Ok(()) => Vec::new(),
        Err(AppError::Invalid(p)) => p,
        Err(other) => return Err(other),
    };
    for (field, parsed) in [
        ("id_token_lifetime_secs", id_lifetime),
        ("refresh_lifetime_secs", refresh_lifetime),
    ] {
        if let Err(message) = parsed {
            problems.push(FieldProblem {
                field: field.into(),
                message: message.into(),
            });
        }
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(AppError::Invalid(problems))
    }
}

#[cfg(feature = "ssr")]
fn input(f: AppForm) -> masquerade::domain::ApplicationInput {
    use masquerade::validate::split_list;
    masquerade::domain::ApplicationInput {
        name: f.name,
        description: f.description,
        app_type: f.app_type,
        callback_urls: split_list(&f.callback_urls),
        allowed_logout_urls: split_list(&f.allowed_logout_urls),
        allowed_web_origins: split_list(&f.allowed_web_origins),
        initiate_login_uri: f.initiate_login_uri,
        grant_types: f.grant_types,
        allow_impersonation: f.allow_impersonation,
        connection_ids: f.connection_ids,
    }
}

#[server(endpoint = "list_applications")]
pub async fn list_applications() -> Result<Vec<AppSummary>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsRead).await?;
    let apps = admin
        .state
        .services
        .store
        .list_applications()
        .await
        .map_err(fail)?;
    Ok(apps
        .into_iter()
        .map(|a| AppSummary {
            type_label: a.app_type.label().into(),
            app_type: a.app_type.as_str().into(),
            callback_count: a.callback_urls.len(),
            client_id: a.client_id,
            name: a.name,
            allow_impersonation: a.allow_impersonation,
        })
        .collect())
}

#[server(endpoint = "get_application")]
pub async fn get_application(client_id: String) -> Result<AppDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsRead).await?;
    let store = &admin.state.services.store;
    detail(
        store,
        store.get_application(&client_id).await.map_err(fail)?,
    )
    .await
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "create_application")]
pub async fn create_application(form: AppForm) -> Result<SecretShownOnce, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsWrite).await?;
    let (app, secret) = admin
        .state
        .services
        .store
        .create_application(&admin.audit, &input(form), masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(SecretShownOnce {
        client_id: app.client_id,
        secret: secret.map(|s| s.0),
    })
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "update_application")]
pub async fn update_application(client_id: String, form: AppForm) -> Result<AppDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsWrite).await?;
    let app = admin
        .state
        .services
        .store
        .update_application(
            &admin.audit,
            &client_id,
            &input(form),
            masquerade::unix_now(),
        )
        .await
        .map_err(fail)?;
    detail(&admin.state.services.store, app).await
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "update_token_settings")]
pub async fn update_token_settings(
    client_id: String,
    form: TokenForm,
) -> Result<AppDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsWrite).await?;
    let settings = token_settings(form).map_err(fail)?;
    let store = &admin.state.services.store;
    let app = store
        .update_token_settings(&admin.audit, &client_id, &settings, masquerade::unix_now())
        .await
        .map_err(fail)?;
    detail(store, app).await
}

#[server(endpoint = "rotate_application_secret")]
pub async fn rotate_application_secret(client_id: String) -> Result<SecretShownOnce, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsWrite).await?;
    let secret = admin
        .state
        .services
        .store
        .rotate_secret(&admin.audit, &client_id, masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(SecretShownOnce {
        client_id,
        secret: Some(secret.0),
    })
}

#[server(endpoint = "delete_application")]
pub async fn delete_application(client_id: String) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApplicationsWrite).await?;
    admin
        .state
        .services
        .store
        .delete_application(&admin.audit, &client_id, masquerade::unix_now())
        .await
        .map_err(fail)
}
