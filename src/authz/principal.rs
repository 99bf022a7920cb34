//! Who is asking, and what they hold.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::builtin::ADMIN_ROLE;
use super::{PermSet, Permission};

/// A role as seen from one of its holders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    pub id: String,
    pub name: String,
    /// Set when the role is scoped to one application.
    pub client_id: Option<String>,
    /// Whether the role holds `impersonation:create` (for its application
    /// when scoped), which is what the impersonation rules attach to.
    #[serde(default)]
    pub grants_impersonation: bool,
}

/// A permission of a customer API held through a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldApiPermission {
    pub api_id: String,
    pub permission: String,
    /// Set when the role it comes through is scoped to one application:
    /// then it goes only into tokens issued to that application.
    pub client_id: Option<String>,
}

/// Everything a user holds through their roles, read together (and cached
/// for at most a second, see `store::hot`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holdings {
    pub user_id: String,
    pub blocked: bool,
    pub roles: Vec<HeldRole>,
    /// Management API permissions of tenant-wide roles.
    pub tenant: PermSet,
    /// Management API permissions of application-scoped roles, by client id.
    pub scoped: Vec<(String, PermSet)>,
    /// Permissions of the customer's own APIs.
    pub api: Vec<HeldApiPermission>,
}

impl Holdings {
    /// Management API permissions that apply everywhere. A role scoped to
    /// an application lends its permissions to the whole console, except
    /// `impersonation:create`, which stays with that application.
    pub fn management(&self) -> PermSet {
        if self.blocked {
            return PermSet::EMPTY;
        }
        let mut all = self.tenant;
        for (_, set) in &self.scoped {
            let mut set = *set;
            set.remove(Permission::ImpersonationCreate);
            all = all.union(set);
        }
        all
    }

    /// Management API permissions for acting on one application: the
    /// tenant-wide ones and those of roles scoped to it.
    pub fn management_for_app(&self, client_id: &str) -> PermSet {
        if self.blocked {
            return PermSet::EMPTY;
        }
        self.scoped
            .iter()
            .filter(|(c, _)| c == client_id)
            .fold(self.management(), |acc, (_, set)| acc.union(*set))
    }

    /// Applications this person may impersonate into through scoped roles
    /// alone (tenant-wide `impersonation:create` covers them all).
    pub fn impersonation_apps(&self) -> Vec<&str> {
        self.scoped
            .iter()
            .filter(|(_, s)| s.contains(Permission::ImpersonationCreate))
            .map(|(c, _)| c.as_str())
            .collect()
    }

    /// The customer API permissions that go into a token for `api_id`
    /// issued to `client_id`.
    pub fn api_permissions(&self, api_id: &str, client_id: &str) -> BTreeSet<String> {
        if self.blocked {
            return BTreeSet::new();
        }
        self.api
            .iter()
            .filter(|p| p.api_id == api_id && p.client_id.as_deref().is_none_or(|c| c == client_id))
            .map(|p| p.permission.clone())
            .collect()
    }

    pub fn is_administrator(&self) -> bool {
        self.roles.iter().any(|r| r.id == ADMIN_ROLE)
    }
}

/// Whoever a request acts for.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No session and no token.
    Anonymous,
    /// A console session (`scope: None`), or a user's own access token for
    /// the Management API, whose scope narrows what they hold.
    User {
        holdings: Arc<Holdings>,
        scope: Option<PermSet>,
    },
    /// A machine client, with the Management API permissions it was granted.
    Client { client_id: String, granted: PermSet },
    /// A token issued under an impersonation. It never acts on the
    /// Management API: an impersonated session must not reach the console's
    /// powers, nor start another impersonation.
    Impersonated { user_id: String, actor_id: String },
}

impl Principal {
    pub fn permissions(&self) -> PermSet {
        match self {
            Principal::User { holdings, scope } => {
                let held = holdings.management();
                scope.map_or(held, |s| held.intersect(s))
            }
            Principal::Client { granted, .. } => *granted,
            Principal::Anonymous | Principal::Impersonated { .. } => PermSet::EMPTY,
        }
    }

    pub fn permissions_for_app(&self, client_id: &str) -> PermSet {
        match self {
            Principal::User { holdings, scope } => {
                let held = holdings.management_for_app(client_id);
                scope.map_or(held, |s| held.intersect(s))
            }
            other => other.permissions(),
        }
    }

    /// The user behind a console session or a user's token.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Principal::User { holdings, .. } => Some(&holdings.user_id),
            _ => None,
        }
    }

    /// How the audit log names this principal as the actor.
    pub fn actor_id(&self) -> Option<String> {
        match self {
            Principal::User { holdings, .. } => Some(holdings.user_id.clone()),
            Principal::Client { client_id, .. } => Some(format!("{client_id}@clients")),
            Principal::Impersonated { user_id, .. } => Some(user_id.clone()),
            Principal::Anonymous => None,
        }
    }
}
