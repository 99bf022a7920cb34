//! Who may sign in as whom, into which application. One decision, taken
//! when a link is minted and again when it is redeemed.

use crate::domain::impersonation::Denial;
use crate::domain::{Application, User, ADMIN_ROLE};

fn is_admin(u: &User) -> bool {
    u.roles.iter().any(|r| r == ADMIN_ROLE)
}

/// Whether `actor` may impersonate `target` (ignoring the application).
/// Until finer roles exist: administrators only, never themselves and
/// never another administrator.
pub fn may_impersonate_user(actor: &User, target: &User, _now: i64) -> Result<(), Denial> {
    if actor.blocked {
        return Err(Denial::ActorBlocked);
    }
    if !is_admin(actor) {
        return Err(Denial::ActorNotPermitted);
    }
    if actor.id == target.id {
        return Err(Denial::SelfImpersonation);
    }
    if is_admin(target) {
        return Err(Denial::TargetIsAdministrator);
    }
    if target.blocked {
        return Err(Denial::TargetBlocked);
    }
    Ok(())
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

/// The whole decision: the people, then the application.
pub fn may_impersonate(
    actor: &User,
    target: &User,
    app: &Application,
    now: i64,
) -> Result<(), Denial> {
    may_impersonate_user(actor, target, now)?;
    match application_exclusion(app, target) {
        Some(d) => Err(d),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AppType;

    fn user(id: &str, admin: bool) -> User {
        User {
            id: id.into(),
            email: format!("{id}@example.com"),
            name: id.into(),
            picture: None,
            connection_id: "con_default".into(),
            connection_name: "Username-Password".into(),
            blocked: false,
            has_password: true,
            created_at: 0,
            updated_at: 0,
            last_login_at: 0,
            login_count: 0,
            app_metadata: serde_json::json!({}),
            user_metadata: serde_json::json!({}),
            roles: if admin {
                vec![ADMIN_ROLE.into()]
            } else {
                vec![]
            },
        }
    }

    fn app() -> Application {
        Application {
            client_id: "app".into(),
            name: "App".into(),
            description: String::new(),
            app_type: AppType::RegularWeb,
            has_secret: true,
            secret_rotated_at: None,
            callback_urls: vec!["https://app.example/cb".into()],
            allowed_logout_urls: vec![],
            allowed_web_origins: vec![],
            initiate_login_uri: None,
            grant_types: vec!["authorization_code".into()],
            allow_impersonation: true,
            connection_ids: vec!["con_default".into()],
            created_at: 0,
            updated_at: 0,
            tokens: Default::default(),
        }
    }

    #[test]
    fn administrators_may_impersonate_ordinary_users() {
        assert_eq!(
            may_impersonate(&user("a", true), &user("t", false), &app(), 0),
            Ok(())
        );
    }

    #[test]
    fn each_rule_has_its_own_reason() {
        let admin = user("a", true);
        let target = user("t", false);
        let mut blocked_admin = admin.clone();
        blocked_admin.blocked = true;
        let mut blocked_target = target.clone();
        blocked_target.blocked = true;
        let cases = [
            (
                user("s", false),
                target.clone(),
                app(),
                "impersonator_not_permitted",
            ),
            (blocked_admin, target.clone(), app(), "impersonator_blocked"),
            (admin.clone(), admin.clone(), app(), "self_impersonation"),
            (
                admin.clone(),
                user("b", true),
                app(),
                "user_is_administrator",
            ),
            (admin.clone(), blocked_target, app(), "user_blocked"),
            (
                admin.clone(),
                target.clone(),
                Application {
                    allow_impersonation: false,
                    ..app()
                },
                "application_disallows_impersonation",
            ),
            (
                admin.clone(),
                target.clone(),
                Application {
                    callback_urls: vec![],
                    ..app()
                },
                "application_has_no_callback",
            ),
            (
                admin.clone(),
                target.clone(),
                Application {
                    connection_ids: vec!["con_other".into()],
                    ..app()
                },
                "connection_not_enabled",
            ),
        ];
        for (actor, target, app, code) in cases {
            assert_eq!(
                may_impersonate(&actor, &target, &app, 0).map_err(|d| d.code()),
                Err(code)
            );
        }
    }
}
