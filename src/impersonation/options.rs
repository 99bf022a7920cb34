//! What the Sign in as User dialog and button offer: which applications
//! qualify for a user, why the others do not, and what each one accepts.

use serde::{Deserialize, Serialize};

use super::policy::Person;
use super::{policy, settings};
use crate::domain::impersonation::{DeliveryMode, Denial, ImpersonationSettings};
use crate::domain::Application;
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
    /// A rule asks for someone else's approval before a link.
    #[serde(default)]
    pub needs_approval: bool,
    /// A rule allows only read-only impersonation.
    #[serde(default)]
    pub read_only_only: bool,
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
    // A public client's code needs PKCE, which a link cannot carry; only in
    // app-initiated mode, where the application sends its own request,
    // does the code flow work for it.
    if !app.app_type.is_confidential() && app.initiate_login_uri.is_none() {
        out.retain(|t| !t.contains("code"));
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
    actor: &Person,
    target: &Person,
    now: i64,
) -> CoreResult<DialogOptions> {
    let settings = settings::load(&svc.store).await?;
    let refused = policy::may_impersonate_user(actor, target, &settings, now).err();
    let apis = svc.store.list_apis().await?;
    let mut apps = Vec::new();
    for app in svc.store.list_applications().await? {
        if app.app_type == crate::domain::AppType::MachineToMachine {
            continue;
        }
        // The same decision as minting, for this application.
        let decided = policy::may_impersonate(actor, target, &app, &settings, now);
        let terms = decided.clone().ok().unwrap_or_default();
        let mut excluded = match (&refused, decided) {
            (Some(_), _) => policy::actor_exclusion(actor, &app)
                .or_else(|| policy::application_exclusion(&app, &target.user)),
            (None, Err(d)) => Some(d),
            (None, Ok(_)) => None,
        };
        let types = response_types(&app);
        if excluded.is_none() && types.is_empty() {
            let detail = if app.app_type.is_confidential() {
                "it uses neither the authorization code nor the implicit grant."
            } else {
                "it is a public client without an initiate-login URI: a code from a link \
                 could never be exchanged without PKCE."
            };
            excluded = Some(Denial::ApplicationChanged {
                detail: detail.into(),
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
            needs_approval: terms.approval,
            read_only_only: terms.read_only,
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
        settings,
    })
}

/// For a list of users: the applications that could take an impersonated
/// sign-in from this actor, reduced to what the button needs.
pub struct ButtonContext {
    /// Connection ids enabled on at least one qualifying application.
    connections: std::collections::HashSet<String>,
    settings: crate::domain::impersonation::ImpersonationSettings,
}

impl ButtonContext {
    pub async fn load(svc: &Services, actor: &Person) -> CoreResult<ButtonContext> {
        let mut connections = std::collections::HashSet::new();
        for app in svc.store.list_applications().await? {
            if app.allow_impersonation
                && !app.callback_urls.is_empty()
                && !response_types(&app).is_empty()
                && policy::actor_exclusion(actor, &app).is_none()
            {
                connections.extend(app.connection_ids.iter().cloned());
            }
        }
        Ok(ButtonContext {
            connections,
            settings: settings::load(&svc.store).await?,
        })
    }

    /// Why the button is disabled for this user, if it is.
    pub fn disabled_reason(&self, actor: &Person, target: &Person, now: i64) -> Option<String> {
        if let Err(d) = policy::may_impersonate_user(actor, target, &self.settings, now) {
            return Some(d.message());
        }
        if !self.connections.contains(&target.user.connection_id) {
            return Some(format!(
                "No application you may sign in to allows impersonation for users of {}.",
                target.user.connection_name
            ));
        }
        None
    }
}
