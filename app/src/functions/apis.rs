use leptos::prelude::*;

use crate::dto::{ApiDetail, ApiForm, ApiSummary};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn detail(a: masquerade::domain::Api) -> ApiDetail {
    ApiDetail {
        id: a.id,
        identifier: a.identifier,
        name: a.name,
        signing_alg: a.signing_alg,
        token_lifetime_secs: a.token_lifetime_secs,
        permissions: a
            .permissions
            .into_iter()
            .map(|p| crate::dto::PermissionDto {
                read_only: Some(p.safe_to_read()),
                value: p.value,
                description: p.description,
            })
            .collect(),
        builtin: a.builtin,
        permissions_in_token: a.permissions_in_token,
        client_ids: a.client_ids,
        grants: a
            .grants
            .into_iter()
            .map(|g| (g.client_id, g.permissions))
            .collect(),
    }
}

/// The core's input for a submitted form. Rows left entirely blank are
/// dropped; a lifetime that is not a number is reported with every other
/// problem of the form, so all fields show their errors at once.
#[cfg(feature = "ssr")]
fn input(f: ApiForm) -> Result<masquerade::domain::ApiInput, AppError> {
    use crate::error::FieldProblem;
    use masquerade::domain::{ApiInput, Permission};
    let lifetime = crate::dto::parse_lifetime(&f.token_lifetime, &f.token_lifetime_unit);
    let input = ApiInput {
        identifier: f.identifier.trim().to_string(),
        name: f.name,
        signing_alg: f.signing_alg,
        token_lifetime_secs: lifetime.unwrap_or(3600),
        permissions: f
            .permissions
            .into_iter()
            .filter(|p| !(p.value.trim().is_empty() && p.description.trim().is_empty()))
            .map(|p| match p.read_only {
                Some(read_only) => {
                    Permission::with_read_only(p.value.trim(), p.description.trim(), read_only)
                }
                // Not said (REST-shaped or older forms): the name decides.
                None => Permission::new(p.value.trim(), p.description.trim()),
            })
            .collect(),
        permissions_in_token: f.permissions_in_token,
    };
    if let Err(message) = lifetime {
        let mut problems = match input.validate().map_err(AppError::from) {
            Ok(()) => Vec::new(),
            Err(AppError::Invalid(p)) => p,
            Err(other) => return Err(other),
        };
        problems.push(FieldProblem {
            field: "token_lifetime_secs".into(),
            message: message.into(),
        });
        return Err(AppError::Invalid(problems));
    }
    Ok(input)
}

#[server(endpoint = "list_apis")]
pub async fn list_apis() -> Result<Vec<ApiSummary>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisRead).await?;
    let apis = admin.state.services.store.list_apis().await.map_err(fail)?;
    Ok(apis
        .into_iter()
        .map(|a| ApiSummary {
            permission_count: a.permissions.len(),
            app_count: a.client_ids.len(),
            id: a.id,
            name: a.name,
            identifier: a.identifier,
            signing_alg: a.signing_alg,
            token_lifetime_secs: a.token_lifetime_secs,
            builtin: a.builtin,
        })
        .collect())
}

#[server(endpoint = "get_api")]
pub async fn get_api(id: String) -> Result<ApiDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisRead).await?;
    Ok(detail(
        admin
            .state
            .services
            .store
            .get_api(&id)
            .await
            .map_err(fail)?,
    ))
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "create_api")]
pub async fn create_api(form: ApiForm) -> Result<ApiDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisWrite).await?;
    let input = input(form).map_err(fail)?;
    let api = admin
        .state
        .services
        .store
        .create_api(&admin.audit, &input, false, masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(detail(api))
}

#[server(input = leptos::server_fn::codec::Json, endpoint = "update_api")]
pub async fn update_api(id: String, form: ApiForm) -> Result<ApiDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisWrite).await?;
    let input = input(form).map_err(fail)?;
    let api = admin
        .state
        .services
        .store
        .update_api(&admin.audit, &id, &input, masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(detail(api))
}

#[server(endpoint = "delete_api")]
pub async fn delete_api(id: String) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisWrite).await?;
    admin
        .state
        .services
        .store
        .delete_api(&admin.audit, &id, masquerade::unix_now())
        .await
        .map_err(fail)
}

/// Lets (or stops) an application request access tokens for an API.
#[server(endpoint = "set_api_client")]
pub async fn set_api_client(
    api_id: String,
    client_id: String,
    authorized: bool,
) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ApisWrite).await?;
    admin
        .state
        .services
        .store
        .set_api_client(
            &admin.audit,
            &api_id,
            &client_id,
            authorized,
            masquerade::unix_now(),
        )
        .await
        .map_err(fail)
}

/// Which of the API's permissions client_credentials gives the application
/// (authorizing it if it was not). Answers the API as it is now.
#[server(endpoint = "set_client_grant")]
pub async fn set_client_grant(
    api_id: String,
    client_id: String,
    #[server(default)] permissions: Vec<String>,
) -> Result<ApiDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::ApisWrite).await?;
    if permissions.len() > 200 {
        return Err(fail(AppError::invalid(
            "permissions",
            "Choose at most 200.",
        )));
    }
    let api = c
        .state
        .services
        .store
        .set_client_grant(
            &c.audit,
            &api_id,
            &client_id,
            &permissions,
            masquerade::unix_now(),
        )
        .await
        .map_err(fail)?;
    Ok(detail(api))
}
