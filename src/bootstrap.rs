//! What every start does before serving: built-in roles, the default
//! connection, and a first administrator when there is none.

use crate::domain::application::{AppType, ApplicationInput};
use crate::domain::connection::DEFAULT_CONNECTION;
use crate::domain::role::ADMIN_ROLE;
use crate::domain::user::NewUser;
use crate::domain::{management_api, Api};
use crate::error::{CoreError, CoreResult};
use crate::password::hash_password_blocking;
use crate::secrets::new_secret;
use crate::store::{AuditContext, Store};

pub struct FirstAdmin {
    pub email: String,
    /// Set only when the password was generated here and must be shown once.
    pub generated_password: Option<String>,
}

pub async fn ensure_defaults(store: &Store, now: i64) -> CoreResult<String> {
    store.ensure_builtin_roles().await?;
    if let Some(c) = store.connection_by_name(DEFAULT_CONNECTION).await? {
        return Ok(c.id);
    }
    match store
        .create_connection(&AuditContext::system(), DEFAULT_CONNECTION, &[], now)
        .await
    {
        Ok(c) => Ok(c.id),
        // Another instance created it at the same moment.
        Err(CoreError::Conflict { .. }) => store
            .connection_by_name(DEFAULT_CONNECTION)
            .await?
            .map(|c| c.id)
            .ok_or(CoreError::NotFound("connection")),
        Err(e) => Err(e),
    }
}

/// Creates the configured administrator if missing. With no configured
/// email, creates `admin@masquerade.local` with a generated password, but
/// only when no administrator exists at all.
pub async fn ensure_admin(
    store: &Store,
    connection_id: &str,
    email: Option<&str>,
    password: Option<&str>,
    now: i64,
) -> CoreResult<Option<FirstAdmin>> {
    if let Some(email) = email {
        if store.login_record(email).await?.is_some() {
            return Ok(None);
        }
    } else if store.count_role_members(ADMIN_ROLE).await? > 0 {
        return Ok(None);
    }
    let email = email.unwrap_or("admin@masquerade.local").to_string();
    let (password, generated) = match password {
        Some(p) => (p.to_string(), None),
        None => {
            let p = new_secret()[..20].to_string();
            (p.clone(), Some(p))
        }
    };
    let input = NewUser {
        email: email.clone(),
        name: "Administrator".into(),
        connection_id: connection_id.to_string(),
        password: Some(password.clone()),
        ..Default::default()
    };
    input.validate()?;
    let hash = hash_password_blocking(password).await?;
    store
        .create_user(
            &AuditContext::system(),
            &input,
            Some(hash),
            &[ADMIN_ROLE],
            now,
        )
        .await?;
    Ok(Some(FirstAdmin {
        email,
        generated_password: generated,
    }))
}

/// Creates or refreshes the built-in Management API for this public URL.
pub async fn ensure_management_api(store: &Store, public_url: &str, now: i64) -> CoreResult<Api> {
    let input = management_api(public_url);
    match store.sync_builtin_api(&input, now).await {
        // Another instance created it at the same moment.
        Err(CoreError::Validation(_)) | Err(CoreError::Conflict { .. }) => store
            .api_by_identifier(&input.identifier)
            .await?
            .ok_or(CoreError::NotFound("API")),
        other => other,
    }
}

/// The machine-to-machine application named by
/// MASQUERADE_BOOTSTRAP_CLIENT_ID/SECRET: created or brought up to date on
/// every start, with the configured secret and every management permission.
pub async fn ensure_bootstrap_client(
    store: &Store,
    management: &Api,
    client_id: &str,
    secret: &str,
    now: i64,
) -> CoreResult<()> {
    let ctx = AuditContext::system();
    match store.get_application(client_id).await {
        Ok(app) => {
            if app.app_type != AppType::MachineToMachine {
                return Err(CoreError::field(
                    "client_id",
                    "The bootstrap client id belongs to an application that is not machine to machine.",
                ));
            }
            if !store.verify_client_secret(client_id, secret).await? {
                store
                    .replace_secret(&ctx, client_id, secret.to_string(), now)
                    .await?;
            }
        }
        Err(CoreError::NotFound(_)) => {
            let input = ApplicationInput {
                name: "Bootstrap automation".into(),
                description:
                    "Created from MASQUERADE_BOOTSTRAP_CLIENT_ID for automation and first set-up."
                        .into(),
                app_type: AppType::MachineToMachine.as_str().into(),
                grant_types: vec!["client_credentials".into()],
                ..Default::default()
            };
            store
                .create_application_with_id(&ctx, &input, client_id, Some(secret), now)
                .await?;
        }
        Err(e) => return Err(e),
    }
    let every: Vec<String> = management
        .permissions
        .iter()
        .map(|p| p.value.clone())
        .collect();
    let mut held = management
        .granted_to(client_id)
        .unwrap_or_default()
        .to_vec();
    held.sort();
    let mut wanted = every.clone();
    wanted.sort();
    if held != wanted {
        store
            .set_client_grant(&ctx, &management.id, client_id, &every, now)
            .await?;
    }
    Ok(())
}
