//! A person's own account pages (`/account`): open to anyone signed in,
//! whatever they hold. The core decides whose account that is (always the
//! session's own person) and what they may see; this only maps it.

use leptos::prelude::*;

use crate::dto::AccountActivityDto;
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod map {
    use crate::dto::{AccountActivityDto, AccountImpersonationRow, SignInRow};
    use masquerade::account::{device, Activity, Ending};

    pub fn activity(a: Activity) -> AccountActivityDto {
        AccountActivityDto {
            name: a.name,
            email: a.email,
            now: a.now,
            sign_ins: a
                .sign_ins
                .into_iter()
                .map(|s| SignInRow {
                    at: s.at,
                    device: device(&s.user_agent),
                    ip: s.ip,
                })
                .collect(),
            impersonations: a
                .impersonations
                .into_iter()
                .map(|i| AccountImpersonationRow {
                    who: i.impersonator.label().to_string(),
                    named: matches!(i.impersonator, masquerade::account::Impersonator::Named(_)),
                    id: i.id,
                    application: i.application,
                    reason: i.reason,
                    ticket: i.ticket,
                    read_only: i.read_only,
                    started_at: i.started_at,
                    ended_at: i.ended_at.unwrap_or(0),
                    ending: match i.ending {
                        Ending::Ongoing => "ongoing",
                        Ending::Expired => "expired",
                        Ending::Revoked => "revoked",
                        Ending::Refused => "refused",
                    }
                    .into(),
                    duration_secs: i.duration_secs.unwrap_or(-1),
                })
                .collect(),
        }
    }
}

/// The signed-in person's own sign-ins and the impersonations of their
/// account. Takes no arguments: the account is the session's.
#[server(endpoint = "account_activity")]
pub async fn account_activity() -> Result<AccountActivityDto, AppError> {
    use super::ctx::{fail, session_principal, state};
    let principal = session_principal().await?;
    let st = state()?;
    let activity =
        masquerade::account::activity(&st.services.store, &principal, masquerade::unix_now())
            .await
            .map_err(fail)?;
    Ok(map::activity(activity))
}
