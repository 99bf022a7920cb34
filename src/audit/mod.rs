//! The audit log as support staff and auditors read it: search, one event,
//! one impersonation's timeline, events per day, the integrity check and
//! the export. Every function asks for `audit:read` first; the console and
//! the REST API call these and nothing below them.

pub mod checkpoint;
pub mod delivery;
pub mod export;
pub mod integrity;
pub mod params;
pub mod streams;

pub use integrity::{verify, verify_part, VerifyProgress};

use serde::{Deserialize, Serialize};

use crate::authz::{Permission, Principal};
use crate::error::{CoreError, CoreResult, Problems};
use crate::store::audit_query::{AuditFilter, AuditPage, DayCount, Named, Side, OUTCOMES};
use crate::store::AuditEvent;
use crate::Services;

/// Totals are exact up to this many events; beyond, "more than".
pub const TOTAL_CAP: i64 = 10_000;
/// The longest range the per-day chart covers.
pub const CHART_MAX_DAYS: i64 = 366;

/// Every event type written, by area: what the action filter offers
/// (`impersonation.` selects the whole first group).
pub const EVENT_TYPES: [(&str, &[&str]); 8] = [
    (
        "impersonation.",
        &[
            "impersonation.link_created",
            "impersonation.link_redeemed",
            "impersonation.hint_used",
            "impersonation.tokens_issued",
            "impersonation.refreshed",
            "impersonation.revoked",
            "impersonation.denied",
            "impersonation.open_refused",
            "impersonation.checked",
            "impersonation.requested",
            "impersonation.request_approved",
            "impersonation.request_rejected",
        ],
    ),
    (
        "console.",
        &[
            "console.signed_in",
            "console.signed_out",
            "console.reauthenticated",
        ],
    ),
    (
        "user.",
        &[
            "user.created",
            "user.updated",
            "user.deleted",
            "user.blocked",
            "user.unblocked",
            "user.password_set",
            "user.protected",
            "user.unprotected",
            "users.seeded",
        ],
    ),
    (
        "role.",
        &[
            "role.created",
            "role.changed",
            "role.deleted",
            "role.permissions_changed",
            "role.assigned",
            "role.unassigned",
        ],
    ),
    (
        "application.",
        &[
            "application.created",
            "application.updated",
            "application.deleted",
            "application.secret_rotated",
            "application.tokens_updated",
        ],
    ),
    (
        "api.",
        &[
            "api.created",
            "api.updated",
            "api.deleted",
            "api.client_authorized",
            "api.client_deauthorized",
            "api.client_grant_changed",
        ],
    ),
    (
        "connection.",
        &[
            "connection.created",
            "connection.enabled",
            "connection.disabled",
        ],
    ),
    (
        "settings.",
        &[
            "settings.updated",
            "signing_keys.rotated",
            "audit.verified",
            "audit.exported",
        ],
    ),
];

/// Midnight UTC of a `YYYY-MM-DD` day, in Unix seconds.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant), checked by converting back.
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let ts = (era * 146_097 + doe - 719_468) * 86_400;
    export::rfc3339(ts)
        .starts_with(&format!("{y:04}-{m:02}-{d:02}"))
        .then_some(ts)
}

/// Actors or targets named in the log whose name or id contains `q`.
pub async fn names(
    svc: &Services,
    principal: &Principal,
    side: Side,
    q: &str,
) -> CoreResult<Vec<Named>> {
    crate::authz::require(principal, Permission::AuditRead)?;
    if q.chars().count() > 200 {
        return Err(CoreError::field("q", "At most 200 characters."));
    }
    svc.store.audit_names(side, q, 20).await
}

/// Refuses filters that cannot mean anything, each with its field.
pub fn validate(f: &AuditFilter) -> CoreResult<()> {
    let mut p = Problems::default();
    if let Some(o) = f.outcome.as_deref().filter(|o| !o.is_empty()) {
        p.check(
            OUTCOMES.contains(&o),
            "outcome",
            "The outcome is success, denied or failure.",
        );
    }
    if let (Some(from), Some(to)) = (f.from, f.to) {
        p.check(
            from < to,
            "to",
            "The end of the range must come after its start.",
        );
    }
    for (field, v, max) in [
        ("actor_id", &f.actor_id, 200),
        ("target_id", &f.target_id, 200),
        ("client_id", &f.client_id, 200),
        ("impersonation_id", &f.impersonation_id, 200),
        ("ip", &f.ip, 64),
        ("text", &f.text, 200),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > max) {
            p.add(field, format!("At most {max} characters."));
        }
    }
    p.check(
        f.event_types.len() <= 50,
        "event_types",
        "At most 50 event types.",
    );
    p.check(
        f.event_types.iter().all(|t| t.len() <= 100),
        "event_types",
        "An event type has at most 100 characters.",
    );
    p.into_result()
}

/// A page of events with the total of all that match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub page: AuditPage,
    pub total: i64,
    /// The total reached `TOTAL_CAP`: there are at least that many.
    pub more: bool,
}

pub async fn search(
    svc: &Services,
    principal: &Principal,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> CoreResult<SearchResult> {
    crate::authz::require(principal, Permission::AuditRead)?;
    validate(filter)?;
    let page = svc.store.search_audit(filter, before, limit).await?;
    let (total, more) = svc.store.count_audit(filter, TOTAL_CAP).await?;
    Ok(SearchResult { page, total, more })
}

pub async fn event(svc: &Services, principal: &Principal, id: &str) -> CoreResult<AuditEvent> {
    crate::authz::require(principal, Permission::AuditRead)?;
    svc.store
        .audit_event(id)
        .await?
        .ok_or(CoreError::NotFound("audit event"))
}

/// One event of an impersonation, with the time since the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineStep {
    pub event: AuditEvent,
    /// Seconds since the previous step (0 for the first).
    pub after_secs: i64,
}

pub async fn timeline(
    svc: &Services,
    principal: &Principal,
    impersonation_id: &str,
) -> CoreResult<Vec<TimelineStep>> {
    crate::authz::require(principal, Permission::AuditRead)?;
    let events = svc.store.impersonation_timeline(impersonation_id).await?;
    if events.is_empty() {
        return Err(CoreError::NotFound("impersonation"));
    }
    let mut prev = events[0].at;
    Ok(events
        .into_iter()
        .map(|event| {
            let after_secs = event.at - prev;
            prev = event.at;
            TimelineStep { event, after_secs }
        })
        .collect())
}

/// Events per UTC day by outcome over `filter`'s range (which the chart
/// needs bounded).
pub async fn per_day(
    svc: &Services,
    principal: &Principal,
    filter: &AuditFilter,
) -> CoreResult<Vec<DayCount>> {
    crate::authz::require(principal, Permission::AuditRead)?;
    validate(filter)?;
    match (filter.from, filter.to) {
        (Some(from), Some(to)) if (to - from) <= CHART_MAX_DAYS * 86_400 => {}
        _ => {
            return Err(CoreError::field(
                "from",
                "The chart needs a range of at most 366 days.",
            ))
        }
    }
    svc.store.audit_per_day(filter).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked() {
        assert!(validate(&AuditFilter::default()).is_ok());
        let bad = AuditFilter {
            outcome: Some("maybe".into()),
            from: Some(10),
            to: Some(5),
            ip: Some("x".repeat(65)),
            ..Default::default()
        };
        let Err(CoreError::Validation(errs)) = validate(&bad) else {
            panic!()
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["outcome", "to", "ip"]);
    }

    #[test]
    fn days() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(parse_day("2026-12-01"), Some(1_796_083_200));
        assert_eq!(parse_day("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_day("2023-02-29"), None, "no such day");
        assert_eq!(parse_day("2026-13-01"), None);
        assert_eq!(parse_day("yesterday"), None);
    }
}
