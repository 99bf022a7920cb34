use leptos::prelude::*;

use crate::dto::SigningKeysDto;
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn keys_dto(state: &crate::state::AppState) -> Result<SigningKeysDto, AppError> {
    use super::ctx::fail;
    use crate::dto::SigningKeyDto;
    let svc = &state.services;
    let longest = svc.store.longest_token_lifetime().await.map_err(fail)?;
    let retired = svc.store.retired_keys(6).await.map_err(fail)?;
    let keys = svc
        .keys
        .summaries()
        .into_iter()
        .chain(retired)
        .map(|k| SigningKeyDto {
            retire_after: if k.state == "previous" {
                k.deactivated_at + longest
            } else {
                0
            },
            kid: k.kid,
            alg: k.alg,
            state: k.state,
            created_at: k.created_at,
            activated_at: k.activated_at,
            deactivated_at: k.deactivated_at,
            retired_at: k.retired_at,
        })
        .collect();
    Ok(SigningKeysDto {
        jwks_url: format!("{}/.well-known/jwks.json", svc.config.public_url),
        longest_token_lifetime_secs: longest,
        keys,
    })
}

#[server(endpoint = "list_signing_keys")]
pub async fn list_signing_keys() -> Result<SigningKeysDto, AppError> {
    use super::ctx::require;
    use masquerade::authz::Permission;
    let admin = require(Permission::SettingsRead).await?;
    // Another instance may have rotated a moment ago.
    let _ = admin
        .state
        .services
        .keys
        .refresh_if_stale(masquerade::unix_now())
        .await;
    keys_dto(&admin.state).await
}

/// Rotates the keys of one algorithm: the published next key starts
/// signing, the current one keeps verifying until every token it signed has
/// expired, and a new next key is published.
#[server(endpoint = "rotate_signing_keys")]
pub async fn rotate_signing_keys(alg: String) -> Result<SigningKeysDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::KeysWrite).await?;
    let Some(alg) = masquerade::keys::Alg::parse(&alg) else {
        return Err(fail(AppError::invalid(
            "alg",
            "Choose ES256, RS256 or EdDSA.",
        )));
    };
    let svc = &admin.state.services;
    let longest = svc.store.longest_token_lifetime().await.map_err(fail)?;
    svc.keys
        .rotate(&admin.audit, alg, longest, masquerade::unix_now())
        .await
        .map_err(fail)?;
    keys_dto(&admin.state).await
}
