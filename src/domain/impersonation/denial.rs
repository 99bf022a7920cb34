//! Why an impersonation is refused: a stable code for the REST API and the
//! audit log, and a sentence for people.

use serde::{Deserialize, Serialize};

/// Why an impersonation was refused. The code is stable (REST API, audit
/// log); the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Denial {
    /// Impersonation is switched off for the tenant.
    Disabled,
    /// An impersonated session or token tried to start another one.
    Chain,
    ActorNotFound,
    ActorNotPermitted,
    /// The actor's `impersonation:create` does not reach this application.
    ActorNotPermittedForApplication,
    ActorBlocked,
    SelfImpersonation,
    TargetNotFound,
    TargetIsAdministrator,
    /// The target holds Management API permissions the actor lacks.
    TargetHoldsMore {
        permissions: Vec<String>,
    },
    TargetBlocked,
    /// The user is marked protected.
    TargetProtected,
    /// A rule of one of the actor's roles keeps this target out.
    RuleRefused {
        code: RuleCode,
        role_id: String,
        role_name: String,
        detail: String,
    },
    /// The link is bound to the person who minted it, and someone else
    /// opened it.
    LinkBoundToMinter,
    /// A rule now asks for approval, and this impersonation had none.
    ApprovalRequired {
        role_name: String,
    },
    /// A rule now allows only read-only impersonation, and this one is not.
    ReadOnlyRequired {
        role_name: String,
    },
    ApplicationNotFound,
    ApplicationDisallows,
    ApplicationHasNoCallback,
    ConnectionNotEnabled {
        connection: String,
    },
    /// The application's settings no longer allow what the link asks for.
    ApplicationChanged {
        detail: String,
    },
}

/// Which part of a role's rule refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleCode {
    Connection,
    TargetRole,
    Application,
}

impl Denial {
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Disabled => "impersonation_disabled",
            Denial::Chain => "impersonation_chain",
            Denial::TargetProtected => "user_protected",
            Denial::RuleRefused { code, .. } => match code {
                RuleCode::Connection => "rule_connection",
                RuleCode::TargetRole => "rule_target_role",
                RuleCode::Application => "rule_application",
            },
            Denial::LinkBoundToMinter => "link_bound_to_minter",
            Denial::ApprovalRequired { .. } => "approval_required",
            Denial::ReadOnlyRequired { .. } => "read_only_required",
            Denial::ActorNotFound => "impersonator_not_found",
            Denial::ActorNotPermitted => "impersonator_not_permitted",
            Denial::ActorNotPermittedForApplication => "impersonator_not_permitted_for_application",
            Denial::ActorBlocked => "impersonator_blocked",
            Denial::SelfImpersonation => "self_impersonation",
            Denial::TargetNotFound => "user_not_found",
            Denial::TargetIsAdministrator => "user_is_administrator",
            Denial::TargetHoldsMore { .. } => "user_holds_more_permissions",
            Denial::TargetBlocked => "user_blocked",
            Denial::ApplicationNotFound => "application_not_found",
            Denial::ApplicationDisallows => "application_disallows_impersonation",
            Denial::ApplicationHasNoCallback => "application_has_no_callback",
            Denial::ConnectionNotEnabled { .. } => "connection_not_enabled",
            Denial::ApplicationChanged { .. } => "application_changed",
        }
    }

    /// The rule's role, when a configured rule decided.
    pub fn role(&self) -> Option<(&str, &str)> {
        match self {
            Denial::RuleRefused {
                role_id, role_name, ..
            } => Some((role_id, role_name)),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Denial::Disabled => "Impersonation is switched off for this tenant.".into(),
            Denial::Chain => {
                "An impersonated session cannot start another impersonation.".into()
            }
            Denial::TargetProtected => "This user is protected: nobody may sign in as them.".into(),
            Denial::RuleRefused {
                role_name, detail, ..
            } => format!("The role '{role_name}' {detail}"),
            Denial::LinkBoundToMinter => "This link opens only in the browser of the person who created it, signed in to the console.".into(),
            Denial::ApprovalRequired { role_name } => format!(
                "The role '{role_name}' requires someone else's approval first."
            ),
            Denial::ReadOnlyRequired { role_name } => format!(
                "The role '{role_name}' allows only read-only impersonation."
            ),
            Denial::ActorNotFound => "The impersonator's account no longer exists.".into(),
            Denial::ActorNotPermitted => {
                "Signing in as another user needs the impersonation:create permission.".into()
            }
            Denial::ActorNotPermittedForApplication => {
                "Your impersonation:create permission does not cover this application.".into()
            }
            Denial::ActorBlocked => "The impersonator's account is blocked.".into(),
            Denial::SelfImpersonation => "You cannot sign in as yourself.".into(),
            Denial::TargetNotFound => "This user no longer exists.".into(),
            Denial::TargetIsAdministrator => "Administrators cannot be impersonated.".into(),
            Denial::TargetHoldsMore { permissions } => format!(
                "This user holds permissions you do not ({}): signing in as them would give you more than you have.",
                permissions.join(", ")
            ),
            Denial::TargetBlocked => "This user is blocked.".into(),
            Denial::ApplicationNotFound => "The application no longer exists.".into(),
            Denial::ApplicationDisallows => "The application does not allow impersonation.".into(),
            Denial::ApplicationHasNoCallback => "The application has no callback URL.".into(),
            Denial::ConnectionNotEnabled { connection } => {
                format!("The user's connection ({connection}) is not enabled for the application.")
            }
            Denial::ApplicationChanged { detail } => {
                format!("The application changed since the link was created: {detail}")
            }
        }
    }
}
