//! Who may open which part of the site after signing in: the console
//! (for holders of a Management API permission) or a person's own account
//! pages (`/account`, for anyone whose account is not blocked).

use super::{may_enter_console, Holdings, Principal};
use crate::error::{CoreError, CoreResult};

/// Where the account pages live.
pub const ACCOUNT_PATH: &str = "/account";

/// The parts of the site a signed-in person can be sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `/account` and below: a person's own account pages.
    Account,
    /// Everything else the sign-in page continues to: the administration
    /// console (protocol endpoints are told apart before this is asked).
    Console,
}

impl Area {
    /// The area a path on this site (with or without a query) belongs to.
    pub fn of(path: &str) -> Area {
        let path = path.split(['?', '#']).next().unwrap_or("");
        match path.strip_prefix(ACCOUNT_PATH) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => Area::Account,
            _ => Area::Console,
        }
    }
}

/// Whether someone holding `holdings` may be sent on to `area` after
/// signing in. The console stays closed to people without a console
/// permission; their own account is open to anyone not blocked.
pub fn may_enter(area: Area, holdings: &Holdings) -> bool {
    match area {
        Area::Account => !holdings.blocked,
        Area::Console => may_enter_console(holdings),
    }
}

/// Whose account pages this principal may open: only their own, and only
/// from their own console session (signed in with their own password).
/// Answers that person's user id; nobody can name another account.
///
/// An impersonated session never gets account pages (not of the person
/// impersonated, nor of anyone else), nor does a machine client or a
/// Management API token (which could be a link in a chain).
pub fn own_account(principal: &Principal) -> CoreResult<&str> {
    match principal {
        Principal::Anonymous => Err(CoreError::Unauthenticated),
        Principal::User {
            holdings,
            scope: None,
        } if !holdings.blocked => Ok(&holdings.user_id),
        // A blocked person's session is no longer valid.
        Principal::User { scope: None, .. } => Err(CoreError::Unauthenticated),
        Principal::Impersonated { .. } => Err(CoreError::Forbidden(
            "An impersonated session cannot open account pages.".into(),
        )),
        Principal::User { scope: Some(_), .. } | Principal::Client { .. } => Err(
            CoreError::Forbidden("Account pages are open to a signed-in person only.".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::authz::{PermSet, Permission};

    fn holdings(tenant: &[Permission], blocked: bool) -> Arc<Holdings> {
        Arc::new(Holdings {
            user_id: "usr_1".into(),
            blocked,
            tenant: tenant.iter().copied().collect(),
            ..Default::default()
        })
    }

    #[test]
    fn paths_fall_in_their_area() {
        for p in [
            "/account",
            "/account/",
            "/account?x=1",
            "/account/more",
            "/account#top",
        ] {
            assert_eq!(Area::of(p), Area::Account, "{p}");
        }
        for p in [
            "/",
            "/users",
            "/accounts",
            "/account-x",
            "/users?next=/account",
            "",
        ] {
            assert_eq!(Area::of(p), Area::Console, "{p}");
        }
    }

    #[test]
    fn the_account_is_open_to_anyone_not_blocked_the_console_is_not() {
        let plain = holdings(&[], false);
        assert!(may_enter(Area::Account, &plain));
        assert!(!may_enter(Area::Console, &plain));
        let reader = holdings(&[Permission::UsersRead], false);
        assert!(may_enter(Area::Account, &reader));
        assert!(may_enter(Area::Console, &reader));
        let blocked = holdings(&[Permission::UsersRead], true);
        assert!(!may_enter(Area::Account, &blocked));
        assert!(!may_enter(Area::Console, &blocked));
    }

    #[test]
    fn only_ones_own_session_opens_ones_account() {
        let session = Principal::User {
            holdings: holdings(&[], false),
            scope: None,
        };
        assert_eq!(own_account(&session).ok(), Some("usr_1"));
        assert!(matches!(
            own_account(&Principal::Anonymous),
            Err(CoreError::Unauthenticated)
        ));
        let blocked = Principal::User {
            holdings: holdings(&[], true),
            scope: None,
        };
        assert!(matches!(
            own_account(&blocked),
            Err(CoreError::Unauthenticated)
        ));
        let impersonated = Principal::Impersonated {
            user_id: "usr_1".into(),
            actor_id: "usr_admin".into(),
        };
        assert!(matches!(
            own_account(&impersonated),
            Err(CoreError::Forbidden(_))
        ));
        let token = Principal::User {
            holdings: holdings(&[Permission::UsersRead], false),
            scope: Some(PermSet::from_scope("users:read")),
        };
        assert!(matches!(own_account(&token), Err(CoreError::Forbidden(_))));
        let client = Principal::Client {
            client_id: "m2m".into(),
            granted: PermSet::EMPTY,
        };
        assert!(matches!(own_account(&client), Err(CoreError::Forbidden(_))));
    }
}
