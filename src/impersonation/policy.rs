//! Who may sign in as whom, into which application: one pure decision over
//! the people as they are now, the application and the tenant's settings.
//! It runs when a link is minted, when it is opened, when an app-initiated
//! hint comes back, at the code exchange and at every refresh of an
//! impersonated grant, and for the "Check access" dry run.
//!
//! Always refused, whatever is configured: impersonation switched off, a
//! blocked actor or target, impersonating oneself, an administrator or a
//! protected user, anyone holding a Management API permission the actor
//! lacks (an escalation), and an actor without `impersonation:create` for
//! the application. Then the rules per role: the actor may go ahead through
//! any of their roles that gives `impersonation:create` for the application
//! and whose rule (if it has one) lets this target in; of those, the least
//! demanding decides whether approval or read-only mode is required.

use serde::{Deserialize, Serialize};

use crate::authz::{HeldRole, Holdings, PermSet, Permission};
use crate::domain::impersonation::{
    Denial, ImpersonationSettings, RoleNames, RoleRule, RuleCode, TargetRolesMode,
};
use crate::domain::{Application, User};

/// A user together with what they hold through their roles.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    pub holdings: Holdings,
}

/// A user as the policy sees them: their roles looked up in the role
/// catalog.
pub async fn person_of(svc: &crate::Services, user: User) -> crate::CoreResult<Person> {
    let catalog = svc.store.role_catalog().await?;
    Ok(Person {
        holdings: catalog.holdings(&user.id, user.blocked, &user.roles),
        user,
    })
}

/// What an allowed impersonation must go through.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// The role that let the actor in, when a rule applied to it.
    pub role_id: Option<String>,
    pub role_name: Option<String>,
    /// A second person must approve first.
    pub approval: bool,
    /// Only read-only impersonation.
    pub read_only: bool,
}

/// The Management API permissions someone can use anywhere, counting
/// Sign in as User for any application as `impersonation:create`.
fn powers(h: &Holdings) -> PermSet {
    let mut p = h.management();
    if !h.blocked && !h.impersonation_apps().is_empty() {
        p.insert(Permission::ImpersonationCreate);
    }
    p
}

/// The checks that do not depend on the application: the tenant switch,
/// the people, escalation.
pub fn may_impersonate_user(
    actor: &Person,
    target: &Person,
    settings: &ImpersonationSettings,
    _now: i64,
) -> Result<(), Denial> {
    if !settings.enabled {
        return Err(Denial::Disabled);
    }
    if actor.user.blocked {
        return Err(Denial::ActorBlocked);
    }
    let mine = powers(&actor.holdings);
    if !mine.contains(Permission::ImpersonationCreate) {
        return Err(Denial::ActorNotPermitted);
    }
    if actor.user.id == target.user.id {
        return Err(Denial::SelfImpersonation);
    }
    if target.holdings.is_administrator() {
        return Err(Denial::TargetIsAdministrator);
    }
    if target.user.protected {
        return Err(Denial::TargetProtected);
    }
    let theirs = powers(&target.holdings);
    if !mine.covers(theirs) {
        let missing: Vec<String> = theirs
            .iter()
            .filter(|p| !mine.contains(*p))
            .map(|p| p.as_str().to_string())
            .collect();
        return Err(Denial::TargetHoldsMore {
            permissions: missing,
        });
    }
    if target.user.blocked {
        return Err(Denial::TargetBlocked);
    }
    // Some role must let this target in, for some application.
    rules_allow(actor, target, None, settings).map(|_| ())
}

/// Why an application cannot receive an impersonated sign-in of `target`,
/// if it cannot.
pub fn application_exclusion(app: &Application, target: &User) -> Option<Denial> {
    if !app.allow_impersonation {
        return Some(Denial::ApplicationDisallows);
    }
    if app.callback_urls.is_empty() {
        return Some(Denial::ApplicationHasNoCallback);
    }
    if !app
        .connection_ids
        .iter()
        .any(|c| c == &target.connection_id)
    {
        return Some(Denial::ConnectionNotEnabled {
            connection: target.connection_name.clone(),
        });
    }
    None
}

/// Whether the actor's `impersonation:create` reaches this application
/// (tenant-wide, or through a role scoped to it).
pub fn actor_exclusion(actor: &Person, app: &Application) -> Option<Denial> {
    (!actor
        .holdings
        .management_for_app(&app.client_id)
        .contains(Permission::ImpersonationCreate))
    .then_some(Denial::ActorNotPermittedForApplication)
}

/// The whole decision: the people, the application, the rules.
pub fn may_impersonate(
    actor: &Person,
    target: &Person,
    app: &Application,
    settings: &ImpersonationSettings,
    now: i64,
) -> Result<Allowance, Denial> {
    may_impersonate_user(actor, target, settings, now)?;
    if let Some(d) = actor_exclusion(actor, app) {
        return Err(d);
    }
    let allowance = rules_allow(actor, target, Some(app), settings)?;
    match application_exclusion(app, &target.user) {
        Some(d) => Err(d),
        None => Ok(allowance),
    }
}

/// The roles through which the actor may impersonate into `app` (any
/// application when `None`).
fn granting_roles<'a>(actor: &'a Person, app: Option<&Application>) -> Vec<&'a HeldRole> {
    actor
        .holdings
        .roles
        .iter()
        .filter(|r| r.grants_impersonation)
        .filter(|r| match (&r.client_id, app) {
            (Some(scope), Some(app)) => scope == &app.client_id,
            _ => true,
        })
        .collect()
}

/// Why `rule` keeps `target` out (for `app`, when known), if it does.
fn rule_refusal(
    rule: &RoleRule,
    role: &HeldRole,
    target: &Person,
    app: Option<&Application>,
    role_names: &RoleNames,
) -> Option<Denial> {
    let refuse = |code: RuleCode, detail: String| Denial::RuleRefused {
        code,
        role_id: role.id.clone(),
        role_name: role.name.clone(),
        detail,
    };
    if !rule.connections.is_empty() && !rule.connections.contains(&target.user.connection_id) {
        return Some(refuse(
            RuleCode::Connection,
            format!(
                "may only impersonate users of other connections; {} is in {}.",
                label(&target.user),
                target.user.connection_name
            ),
        ));
    }
    if !rule.target_roles.is_empty() {
        let held: Vec<&HeldRole> = target.holdings.roles.iter().collect();
        let holds_listed = held.iter().any(|r| rule.target_roles.contains(&r.id));
        let names = if held.is_empty() {
            "no role".to_string()
        } else {
            held.iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let listed = match role_names.quoted(&rule.target_roles) {
            Some(q) if rule.target_roles.len() == 1 => format!("the role {q}"),
            Some(q) => format!("one of the roles {q}"),
            None => "certain roles".to_string(),
        };
        match rule.target_roles_mode {
            TargetRolesMode::Allow if !holds_listed => {
                return Some(refuse(
                    RuleCode::TargetRole,
                    format!(
                        "may only impersonate users with {listed}; {} has roles: {names}.",
                        label(&target.user)
                    ),
                ))
            }
            TargetRolesMode::Deny if holds_listed => {
                return Some(refuse(
                    RuleCode::TargetRole,
                    format!(
                        "may not impersonate users with {listed}; {} has roles: {names}.",
                        label(&target.user)
                    ),
                ))
            }
            _ => {}
        }
    }
    if let Some(app) = app {
        if !rule.applications.is_empty() && !rule.applications.contains(&app.client_id) {
            return Some(refuse(
                RuleCode::Application,
                format!("may not impersonate into {}.", app.name),
            ));
        }
    }
    None
}

fn label(u: &User) -> String {
    if u.name.is_empty() {
        u.email.clone()
    } else {
        u.name.clone()
    }
}

/// Through which role, and on what terms, the actor may impersonate the
/// target: a granting role without a rule lets in unconditionally; one
/// with a rule, when the rule admits the target. Of several, the least
/// demanding (no approval before approval, full before read-only).
fn rules_allow(
    actor: &Person,
    target: &Person,
    app: Option<&Application>,
    settings: &ImpersonationSettings,
) -> Result<Allowance, Denial> {
    let roles = granting_roles(actor, app);
    if roles.is_empty() {
        return Err(match app {
            Some(_) => Denial::ActorNotPermittedForApplication,
            None => Denial::ActorNotPermitted,
        });
    }
    let mut best: Option<Allowance> = None;
    let mut first_refusal: Option<Denial> = None;
    for role in roles {
        let allowance = match settings.rule_of(&role.id) {
            None => Allowance::default(),
            Some(rule) => match rule_refusal(rule, role, target, app, &settings.role_names) {
                Some(d) => {
                    first_refusal.get_or_insert(d);
                    continue;
                }
                None => Allowance {
                    role_id: Some(role.id.clone()),
                    role_name: Some(role.name.clone()),
                    approval: rule.require_approval,
                    read_only: rule.read_only,
                },
            },
        };
        let better = match &best {
            None => true,
            Some(b) => (allowance.approval, allowance.read_only) < (b.approval, b.read_only),
        };
        if better {
            best = Some(allowance);
        }
    }
    best.ok_or_else(|| first_refusal.unwrap_or(Denial::ActorNotPermitted))
}

/// Whether an impersonation made earlier still meets the terms the rules
/// set now: approved if approval is required, read-only if that is.
pub fn terms_met(
    allowance: &Allowance,
    rec: &crate::domain::impersonation::Impersonation,
) -> Result<(), Denial> {
    let role_name = allowance.role_name.clone().unwrap_or_default();
    if allowance.approval && rec.request_id.is_none() {
        return Err(Denial::ApprovalRequired { role_name });
    }
    if allowance.read_only && !rec.read_only() {
        return Err(Denial::ReadOnlyRequired { role_name });
    }
    Ok(())
}

/// Every rule that applies to this actor, target and application, each in
/// a sentence, for the "Check access" dry run.
pub fn applied_rules(
    actor: &Person,
    target: &Person,
    app: Option<&Application>,
    settings: &ImpersonationSettings,
) -> Vec<String> {
    let mut out = vec![if settings.enabled {
        "Impersonation is on for the tenant.".to_string()
    } else {
        "Impersonation is off for the tenant.".to_string()
    }];
    for role in granting_roles(actor, app) {
        let scope = match &role.client_id {
            Some(_) => " (for its application)",
            None => "",
        };
        out.push(match settings.rule_of(&role.id) {
            None => format!(
                "The role '{}'{scope} allows Sign in as User, with no rule.",
                role.name
            ),
            Some(rule) => match rule_refusal(rule, role, target, app, &settings.role_names) {
                Some(d) => format!("Refused by the rule of '{}': {}", role.name, d.message()),
                None => {
                    let mut terms = Vec::new();
                    if rule.require_approval {
                        terms.push("after approval");
                    }
                    if rule.read_only {
                        terms.push("read-only");
                    }
                    let terms = if terms.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", terms.join(", "))
                    };
                    format!(
                        "The rule of '{}' admits {}{terms}.",
                        role.name,
                        label(&target.user)
                    )
                }
            },
        });
    }
    out
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
