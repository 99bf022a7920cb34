//! What the Sign in as User dialog and button offer: which applications
//! qualify for a user, why the others do not, and what each one accepts.

use serde::{Deserialize, Serialize};

use super::{policy, settings};
use crate::domain::impersonation::{DeliveryMode, Denial, ImpersonationSettings};
use crate::domain::{Application, User};
use crate::error::CoreResult;
use crate::services::Services;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    pub identifier: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppChoice {
    pub client_id: String,
    pub name: String,
    /// Set when the application cannot be used for this user.
    pub excluded: Option<Denial>,
    pub response_types: Vec<String>,
    pub modes: Vec<DeliveryMode>,
    pub callback_urls: Vec<String>,
    pub audiences: Vec<Audience>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialogOptions {
    /// Set when this user cannot be impersonated by this actor at all.
    pub refused: Option<Denial>,
    pub apps: Vec<AppChoice>,
    pub settings: ImpersonationSettings,
}

/// The response types an application's grants allow, simplest first.
pub fn response_types(app: &Application) -> Vec<String> {
    let has = |g: &str| app.grant_types.iter().any(|x| x == g);
    // Auth0's order and spelling, which support engineers already know.
    let mut out = Vec::new();
    if has("authorization_code") {
        out.push("code");
    }
    if has("implicit") {
        out.extend(["token", "id_token", "token id_token"]);
    }
    if has("authorization_code") && has("implicit") {
        out.extend(["code token", "code id_token", "code token id_token"]);
    }
    out.into_iter().map(String::from).collect()
}

fn modes(app: &Application) -> Vec<DeliveryMode> {
    let mut m = vec![
        DeliveryMode::Query,
        DeliveryMode::Fragment,
        DeliveryMode::FormPost,
    ];
    if app.initiate_login_uri.is_some() {
        m.push(DeliveryMode::AppInitiated);
    }
    m
}

pub async fn dialog_options(
    svc: &Services,
    actor: &User,
    target: &User,
    now: i64,
) -> CoreResult<DialogOptions> {
    let refused = policy::may_impersonate_user(actor, target, now).err();
    let apis = svc.store.list_apis().await?;
    let mut apps = Vec::new();
    for app in svc.store.list_applications().await? {
        if app.app_type == crate::domain::AppType::MachineToMachine {
            continue;
        }
        let mut excluded = policy::application_exclusion(&app, target);
        let types = response_types(&app);
        if excluded.is_none() && types.is_empty() {
            excluded = Some(Denial::ApplicationChanged {
                detail: "it uses neither the authorization code nor the implicit grant.".into(),
            });
        }
        apps.push(AppChoice {
            audiences: apis
                .iter()
                .filter(|a| !a.builtin && a.client_ids.contains(&app.client_id))
                .map(|a| Audience {
                    identifier: a.identifier.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            modes: modes(&app),
            response_types: types,
            callback_urls: app.callback_urls.clone(),
            client_id: app.client_id,
            name: app.name,
            excluded,
        });
    }
    // Qualifying applications first, each group by name.
    apps.sort_by(|a, b| {
        (a.excluded.is_some(), a.name.to_lowercase())
            .cmp(&(b.excluded.is_some(), b.name.to_lowercase()))
    });
    Ok(DialogOptions {
        refused,
        apps,
        settings: settings::load(&svc.store).await?,
    })
}

/// For a list of users: the applications that could take an impersonated
/// sign-in, reduced to what the button needs.
pub struct ButtonContext {
    /// Connection ids enabled on at least one qualifying application.
    connections: std::collections::HashSet<String>,
}

impl ButtonContext {
    pub async fn load(svc: &Services) -> CoreResult<ButtonContext> {
        let mut connections = std::collections::HashSet::new();
        for app in svc.store.list_applications().await? {
            if app.allow_impersonation
                && !app.callback_urls.is_empty()
                && !response_types(&app).is_empty()
            {
                connections.extend(app.connection_ids.iter().cloned());
            }
        }
        Ok(ButtonContext { connections })
    }

    /// Why the button is disabled for this user, if it is.
    pub fn disabled_reason(&self, actor: &User, target: &User, now: i64) -> Option<String> {
        if let Err(d) = policy::may_impersonate_user(actor, target, now) {
            return Some(d.message());
        }
        if !self.connections.contains(&target.connection_id) {
            return Some(format!(
                "No application allows impersonation for users of {}.",
                target.connection_name
            ));
        }
        None
    }
}
