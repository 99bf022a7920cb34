//! "Verify integrity" a part at a time, so the console can show how far it
//! has come: each call checks the next part of the chain (at most
//! `PART_EVENTS` events) from the position the call before handed back.
//! The position is the server's signed word; the core refuses any other.

use leptos::prelude::*;

use crate::dto::VerifyStepDto;
use crate::error::AppError;

/// Events the console asks for per call.
pub const PART_EVENTS: i64 = 50_000;

/// Checks the next part of the chain: from its start without a `position`,
/// else from where that position says the run has come; `limit` events at
/// most (`PART_EVENTS` when left out or larger: smaller parts only report
/// progress more often). The last part records `audit.verified` with the
/// answer.
#[server(endpoint = "audit_verify_step")]
pub async fn audit_verify_step(
    position: Option<String>,
    limit: Option<i64>,
) -> Result<VerifyStepDto, AppError> {
    use super::ctx::{fail, require};
    use crate::dto::VerifyAnswer;
    use masquerade::audit::VerifyProgress;
    use masquerade::authz::Permission;
    use masquerade::store::ChainCheck;
    let c = require(Permission::AuditRead).await?;
    let step = masquerade::audit::verify_part(
        &c.state.services,
        &c.principal,
        &c.audit,
        position.as_deref(),
        limit.unwrap_or(PART_EVENTS).clamp(1, PART_EVENTS),
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(match step {
        VerifyProgress::Continue {
            events,
            total,
            position,
        } => VerifyStepDto {
            events,
            total,
            position: Some(position),
            answer: None,
        },
        VerifyProgress::Finished(check) => {
            let events = match &check {
                ChainCheck::Intact { events, .. } => *events,
                ChainCheck::BrokenAt { .. } => 0,
            };
            VerifyStepDto {
                events,
                total: events,
                position: None,
                answer: Some(VerifyAnswer {
                    intact: matches!(check, ChainCheck::Intact { .. }),
                    sentence: check.sentence(),
                }),
            }
        }
    })
}
