//! "Who accessed my account": what any signed-in person sees of their own
//! account on `/account`. Their sign-ins, and every impersonation of their
//! account: who (by name, or only "a support agent", as the tenant's
//! impersonation settings say), when, into which application, the reason,
//! and how long it lasted.
//!
//! The person is always the principal's own user (`authz::own_account`);
//! nothing a client sends can name another account.

mod device;

pub use device::device;

use crate::authz::{own_account, Principal};
use crate::domain::impersonation::MODE_READ_ONLY;
use crate::error::CoreResult;
use crate::store::account_activity::ImpersonationOfMe;
use crate::Store;

/// How many of each the page lists, newest first.
pub const LIST_LIMIT: i64 = 100;

/// The generic name of an impersonator the tenant does not name.
pub const SUPPORT_AGENT: &str = "a support agent";

/// One sign-in with the person's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
}

/// Who signed in as the person, as far as the tenant lets them know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Impersonator {
    /// The impersonator's name (their email when they have no name).
    Named(String),
    /// The tenant keeps impersonators' names from users.
    SupportAgent,
}

impl Impersonator {
    pub fn label(&self) -> &str {
        match self {
            Impersonator::Named(name) => name,
            Impersonator::SupportAgent => SUPPORT_AGENT,
        }
    }
}

/// How an impersonated session came to its end, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Still running at `now`.
    Ongoing,
    /// Reached the session cap set when it was opened.
    Expired,
    /// Ended early by someone revoking it.
    Revoked,
    /// Refused by the impersonation policy after it was opened (at the
    /// token exchange or a refresh); no time of the refusal is kept.
    Refused,
}

/// One impersonation of the person's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impersonation {
    pub id: String,
    pub impersonator: Impersonator,
    pub client_id: String,
    /// The application's name; its client id when it was deleted since.
    pub application: String,
    pub reason: String,
    pub ticket: String,
    pub read_only: bool,
    pub started_at: i64,
    /// When it ended; `None` while ongoing, or when refused (no time kept).
    pub ended_at: Option<i64>,
    pub ending: Ending,
    /// How long it lasted, or has lasted so far; `None` when refused.
    pub duration_secs: Option<i64>,
}

/// Everything the page shows, read at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub sign_ins: Vec<SignIn>,
    pub impersonations: Vec<Impersonation>,
    pub now: i64,
}

/// The principal's own activity: only ever their own account.
pub async fn activity(store: &Store, principal: &Principal, now: i64) -> CoreResult<Activity> {
    let user_id = own_account(principal)?;
    let user = store.get_user(user_id).await?;
    let names = crate::impersonation::settings::load(store)
        .await?
        .show_impersonator_names;
    let sign_ins = store
        .own_sign_ins(user_id, LIST_LIMIT)
        .await?
        .events
        .into_iter()
        .map(|e| SignIn {
            at: e.at,
            ip: e.ip,
            user_agent: e.user_agent,
        })
        .collect();
    let impersonations = store
        .impersonations_of_me(user_id, LIST_LIMIT)
        .await?
        .into_iter()
        .map(|r| impersonation(r, names, now))
        .collect();
    Ok(Activity {
        user_id: user.id,
        name: user.name,
        email: user.email,
        sign_ins,
        impersonations,
        now,
    })
}

/// One row as the person may see it at `now`.
pub fn impersonation(r: ImpersonationOfMe, show_names: bool, now: i64) -> Impersonation {
    let impersonator = if show_names {
        Impersonator::Named(if r.actor_name.trim().is_empty() {
            r.actor_email
        } else {
            r.actor_name
        })
    } else {
        Impersonator::SupportAgent
    };
    let started = r.redeemed_at;
    let (ending, ended_at) = if r.revoked_at > 0 {
        (
            Ending::Revoked,
            Some(r.revoked_at.min(r.session_expires_at.max(started))),
        )
    } else if !r.denied_reason.is_empty() {
        (Ending::Refused, None)
    } else if r.session_expires_at <= now {
        (Ending::Expired, Some(r.session_expires_at))
    } else {
        (Ending::Ongoing, None)
    };
    let duration_secs = match ending {
        Ending::Refused => None,
        Ending::Ongoing => Some(now - started),
        _ => ended_at.map(|end| end - started),
    }
    .map(|d| d.max(0));
    Impersonation {
        application: if r.app_name.is_empty() {
            r.client_id.clone()
        } else {
            r.app_name
        },
        id: r.id,
        impersonator,
        client_id: r.client_id,
        reason: r.reason,
        ticket: r.ticket_ref,
        read_only: r.mode == MODE_READ_ONLY,
        started_at: started,
        ended_at,
        ending,
        duration_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn row() -> ImpersonationOfMe {
        ImpersonationOfMe {
            id: "imp_1".into(),
            actor_id: "usr_admin".into(),
            actor_email: "ada@example.com".into(),
            actor_name: "Ada Lovelace".into(),
            client_id: "sample-app".into(),
            app_name: "Sample App".into(),
            reason: "Ticket 42".into(),
            mode: "full".into(),
            redeemed_at: NOW - 600,
            session_expires_at: NOW + 3000,
            ..Default::default()
        }
    }

    #[test]
    fn the_tenant_decides_whether_the_name_is_shown() {
        assert_eq!(
            impersonation(row(), false, NOW).impersonator,
            Impersonator::SupportAgent
        );
        assert_eq!(
            impersonation(row(), false, NOW).impersonator.label(),
            "a support agent"
        );
        assert_eq!(
            impersonation(row(), true, NOW).impersonator,
            Impersonator::Named("Ada Lovelace".into())
        );
        let nameless = ImpersonationOfMe {
            actor_name: " ".into(),
            ..row()
        };
        assert_eq!(
            impersonation(nameless, true, NOW).impersonator.label(),
            "ada@example.com"
        );
    }

    #[test]
    fn how_long_it_lasted() {
        let live = impersonation(row(), false, NOW);
        assert_eq!(
            (live.ending, live.ended_at, live.duration_secs),
            (Ending::Ongoing, None, Some(600))
        );
        assert_eq!(live.application, "Sample App");

        let revoked = impersonation(
            ImpersonationOfMe {
                revoked_at: NOW - 300,
                ..row()
            },
            false,
            NOW,
        );
        assert_eq!(
            (revoked.ending, revoked.ended_at, revoked.duration_secs),
            (Ending::Revoked, Some(NOW - 300), Some(300))
        );

        let expired = impersonation(
            ImpersonationOfMe {
                session_expires_at: NOW - 60,
                ..row()
            },
            false,
            NOW,
        );
        assert_eq!(
            (expired.ending, expired.ended_at, expired.duration_secs),
            (Ending::Expired, Some(NOW - 60), Some(540))
        );
        // Revoked after the cap had already ended it: it lasted to the cap.
        let late = impersonation(
            ImpersonationOfMe {
                session_expires_at: NOW - 60,
                revoked_at: NOW,
                ..row()
            },
            false,
            NOW,
        );
        assert_eq!(late.duration_secs, Some(540));

        let refused = impersonation(
            ImpersonationOfMe {
                denied_reason: "rule_application".into(),
                app_name: String::new(),
                ..row()
            },
            false,
            NOW,
        );
        assert_eq!(
            (refused.ending, refused.duration_secs),
            (Ending::Refused, None)
        );
        assert_eq!(refused.application, "sample-app", "deleted since: its id");
    }
}
