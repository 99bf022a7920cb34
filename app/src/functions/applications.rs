use leptos::prelude::*;

use crate::dto::{AppDetail, AppForm, AppSummary, SecretShownOnce};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn detail(a: masquerade::domain::Application) -> AppDetail {
    AppDetail {
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
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
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
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    Ok(detail(
        admin
            .state
            .services
            .store
            .get_application(&client_id)
            .await
            .map_err(fail)?,
    ))
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "create_application")]
pub async fn create_application(form: AppForm) -> Result<SecretShownOnce, AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
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
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
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
    Ok(detail(app))
}

#[server(endpoint = "rotate_application_secret")]
pub async fn rotate_application_secret(client_id: String) -> Result<SecretShownOnce, AppError> {
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
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
    use super::ctx::{fail, require_admin};
    let admin = require_admin().await?;
    admin
        .state
        .services
        .store
        .delete_application(&admin.audit, &client_id, masquerade::unix_now())
        .await
        .map_err(fail)
}
