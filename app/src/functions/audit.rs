//! The audit log from the console: search with filters and keyset pages
//! (with the per-day chart of impersonation events), one event, one
//! impersonation's timeline, the pickers' names, what the filters offer,
//! and the integrity check. Each needs `audit:read`, which the core checks
//! again itself.

use leptos::prelude::*;

use crate::dto::{
    AuditDetail, AuditFilterChoices, AuditPageDto, AuditParamsDto, NamedDto, TimelineDto,
    VerifyAnswer,
};
use crate::error::AppError;

/// Events per page.
pub const PAGE_SIZE: i64 = 50;

#[cfg(feature = "ssr")]
mod map {
    use std::collections::HashMap;

    use masquerade::audit::params::AuditParams;
    use masquerade::error::Problems;
    use masquerade::store::audit_query::{AuditFilter, DayCount};
    use masquerade::store::AuditEvent;
    use masquerade::{CoreResult, Services};

    use crate::components::format::day;
    use crate::dto::{
        action_label, AuditChart, AuditDetail, AuditParamsDto, AuditRow, ChartDay, RANGE_PRESETS,
    };

    const DAY: i64 = 86_400;

    /// Refuses control characters (a NUL is no filter, and some databases
    /// refuse it outright), each with its field.
    pub fn plain(p: &mut Problems, field: &str, value: &str) {
        if value.chars().any(char::is_control) {
            p.add(field, "Control characters are not allowed.");
        }
    }

    pub fn params(d: &AuditParamsDto) -> CoreResult<AuditParams> {
        let mut p = Problems::default();
        for (field, value) in d.pairs() {
            plain(&mut p, field, value);
        }
        p.into_result()?;
        Ok(AuditParams {
            actor: d.actor.clone(),
            target: d.target.clone(),
            app: d.app.clone(),
            action: d.action.clone(),
            outcome: d.outcome.clone(),
            range: d.range.clone(),
            from: d.from.clone(),
            to: d.to.clone(),
            ip: d.ip.clone(),
            q: d.q.clone(),
            impersonation: d.impersonation.clone(),
        })
    }

    /// Names for ids the events themselves do not name (events older than
    /// recorded names, kinds the store names by id, applications by client
    /// id).
    #[derive(Default)]
    pub struct Names {
        /// Users, roles, APIs and connections (their ids never collide).
        things: HashMap<String, String>,
        apps: HashMap<String, String>,
    }

    /// A recorded name that says no more than the id.
    fn unnamed(name: &str, id: Option<&str>) -> bool {
        name.is_empty() || Some(name) == id
    }

    impl Names {
        pub async fn load(svc: &Services, events: &[AuditEvent]) -> CoreResult<Names> {
            let mut names = Names::default();
            let mut users: Vec<&str> = Vec::new();
            let (mut roles, mut apis, mut connections, mut apps) = (false, false, false, false);
            for e in events {
                if let Some(id) = e
                    .actor_id
                    .as_deref()
                    .filter(|_| unnamed(&e.actor_name, e.actor_id.as_deref()))
                {
                    if id.ends_with("@clients") {
                        apps = true;
                    } else {
                        users.push(id);
                    }
                }
                if let Some(id) = e
                    .target_id
                    .as_deref()
                    .filter(|_| unnamed(&e.target_name, e.target_id.as_deref()))
                {
                    match e.target_type.as_str() {
                        "user" => users.push(id),
                        "role" => roles = true,
                        "api" => apis = true,
                        "connection" => connections = true,
                        "application" => apps = true,
                        _ => {}
                    }
                }
                apps |= !e.client_id.is_empty() && unnamed(&e.client_name, Some(&e.client_id));
            }
            users.sort_unstable();
            users.dedup();
            if !users.is_empty() {
                for u in svc.store.get_users(&users).await? {
                    let label = if u.email.is_empty() { u.name } else { u.email };
                    names.things.insert(u.id, label);
                }
            }
            if roles {
                for (id, (name, _)) in svc.store.role_names().await? {
                    names.things.insert(id, name);
                }
            }
            if apis {
                for a in svc.store.list_apis().await? {
                    names.things.insert(a.id, a.name);
                }
            }
            if connections {
                for c in svc.store.list_connections().await? {
                    names.things.insert(c.id, c.name);
                }
            }
            if apps {
                for a in svc.store.list_applications().await? {
                    names.apps.insert(a.client_id, a.name);
                }
            }
            Ok(names)
        }

        fn app(&self, client_id: &str) -> Option<String> {
            self.apps.get(client_id).cloned()
        }

        fn thing(&self, id: &str) -> Option<String> {
            self.things.get(id).cloned()
        }
    }

    pub fn row(e: &AuditEvent, names: &Names) -> AuditRow {
        let actor_id = e.actor_id.clone().unwrap_or_default();
        let actor = if !unnamed(&e.actor_name, e.actor_id.as_deref()) {
            e.actor_name.clone()
        } else if actor_id.is_empty() {
            "System".into()
        } else if let Some(client) = actor_id.strip_suffix("@clients") {
            names.app(client).unwrap_or_else(|| client.to_string())
        } else {
            names.thing(&actor_id).unwrap_or_else(|| actor_id.clone())
        };
        let target_id = e.target_id.clone().unwrap_or_default();
        let target = if !unnamed(&e.target_name, e.target_id.as_deref()) {
            e.target_name.clone()
        } else {
            let found = match e.target_type.as_str() {
                "application" => names.app(&target_id),
                _ => names.thing(&target_id),
            };
            found.unwrap_or_else(|| target_id.clone())
        };
        let app = if !unnamed(&e.client_name, Some(&e.client_id)) {
            e.client_name.clone()
        } else if e.client_id.is_empty() {
            String::new()
        } else {
            names
                .app(&e.client_id)
                .unwrap_or_else(|| e.client_id.clone())
        };
        AuditRow {
            seq: e.seq,
            id: e.id.clone(),
            at: e.at,
            event_type: e.event_type.clone(),
            action: action_label(&e.event_type),
            actor_type: if e.actor_type.is_empty() {
                masquerade::store::audit_fields::actor_type(e.actor_id.as_deref()).into()
            } else {
                e.actor_type.clone()
            },
            actor_id,
            actor,
            target_type: e.target_type.clone(),
            target_id,
            target,
            client_id: e.client_id.clone(),
            app,
            outcome: e.outcome.clone(),
            reason_code: e.reason_code.clone(),
            reason: e.reason.clone(),
            ticket: e.ticket.clone(),
            impersonation_id: e.impersonation_id.clone(),
            ip: e.ip.clone(),
        }
    }

    pub async fn rows(svc: &Services, events: &[AuditEvent]) -> CoreResult<Vec<AuditRow>> {
        let names = Names::load(svc, events).await?;
        Ok(events.iter().map(|e| row(e, &names)).collect())
    }

    pub fn detail(e: &AuditEvent, row: AuditRow) -> AuditDetail {
        let data = serde_json::from_str::<serde_json::Value>(&e.data)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| e.data.clone());
        AuditDetail {
            row,
            user_agent: e.user_agent.clone(),
            data,
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
            hash_v: e.hash_v,
        }
    }

    /// The chart's filter: impersonation events (of the type chosen, when
    /// the action filter names one) matching the other filters, over the
    /// page's range, or the last 30 days when it has none, at most 366 days.
    pub fn chart_filter(
        p: &AuditParams,
        filter: &AuditFilter,
        now: i64,
    ) -> (AuditFilter, AuditChart) {
        let mut f = filter.clone();
        let action = p.action.trim();
        let counts = if action.starts_with("impersonation.") && action != "impersonation." {
            format!("{} events", action_label(action))
        } else {
            f.event_types = vec!["impersonation.".into()];
            "Impersonation events".into()
        };
        let today_start = now - now.rem_euclid(DAY);
        let (from, to) = match (f.from, f.to) {
            (Some(from), Some(to)) => (from, to),
            (Some(from), None) => (from, now + 1),
            (None, Some(to)) => (to - 30 * DAY, to),
            (None, None) => (today_start - 29 * DAY, now + 1),
        };
        let max = masquerade::audit::CHART_MAX_DAYS * DAY;
        let clamped = to - from > max;
        let from = if clamped { to - max } else { from };
        f.from = Some(from);
        f.to = Some(to.max(from + 1));
        let first_day = from.div_euclid(DAY);
        let last_day = (to.max(from + 1) - 1).div_euclid(DAY);
        let range = match RANGE_PRESETS.iter().find(|(k, _)| *k == p.range.trim()) {
            Some((_, label)) => format!("the last {label}"),
            None if filter.from.is_none() && filter.to.is_none() => {
                "the last 30 days (no range chosen)".into()
            }
            None if clamped => format!(
                "{} to {}, the last 366 days of the range",
                day(first_day),
                day(last_day)
            ),
            None => format!("{} to {}", day(first_day), day(last_day)),
        };
        (
            f,
            AuditChart {
                first_day,
                last_day,
                days: Vec::new(),
                range,
                counts,
            },
        )
    }

    pub fn chart_days(counts: Vec<DayCount>) -> Vec<ChartDay> {
        let mut days: Vec<ChartDay> = Vec::new();
        for c in counts {
            if days.last().map(|d| d.day) != Some(c.day) {
                days.push(ChartDay {
                    day: c.day,
                    ..Default::default()
                });
            }
            if let Some(d) = days.last_mut() {
                match c.outcome.as_str() {
                    "denied" => d.denied += c.events,
                    "failure" => d.failure += c.events,
                    _ => d.success += c.events,
                }
            }
        }
        days
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn chart_ranges() {
            let now = 1_796_160_617; // 2026-12-02 07:30 UTC
            let p = AuditParams::default();
            let f = p.filter(now).unwrap();
            let (cf, c) = chart_filter(&p, &f, now);
            assert_eq!(cf.event_types, vec!["impersonation.".to_string()]);
            assert_eq!(c.last_day - c.first_day, 29);
            assert_eq!(c.last_day, now / DAY);
            assert!(c.range.contains("no range chosen"));

            let p = AuditParams {
                range: "24h".into(),
                action: "impersonation.denied".into(),
                ..Default::default()
            };
            let f = p.filter(now).unwrap();
            let (cf, c) = chart_filter(&p, &f, now);
            assert_eq!(cf.event_types, vec!["impersonation.denied".to_string()]);
            assert_eq!(c.range, "the last 24 hours");
            assert_eq!(c.last_day - c.first_day, 1);

            let p = AuditParams {
                from: "2020-01-01".into(),
                to: "2026-12-01".into(),
                action: "user.created".into(),
                ..Default::default()
            };
            let f = p.filter(now).unwrap();
            let (cf, c) = chart_filter(&p, &f, now);
            assert_eq!(cf.event_types, vec!["impersonation.".to_string()]);
            assert_eq!(c.last_day - c.first_day + 1, 366);
            assert!(
                c.range.ends_with("the last 366 days of the range"),
                "{}",
                c.range
            );
        }

        #[test]
        fn days_stack_by_outcome() {
            let d = |day, outcome: &str, events| DayCount {
                day,
                outcome: outcome.into(),
                events,
            };
            let days = chart_days(vec![
                d(1, "denied", 2),
                d(1, "success", 3),
                d(4, "failure", 1),
            ]);
            assert_eq!(days.len(), 2);
            assert_eq!(
                (days[0].success, days[0].denied, days[0].total()),
                (3, 2, 5)
            );
            assert_eq!((days[1].day, days[1].failure), (4, 1));
        }
    }
}

/// A page of events matching `params`, newest first, below `before` (a
/// `seq`) when given; with the total, the names of the actor and target
/// filtered on, and the chart of impersonation events per day.
#[server(input = leptos::server_fn::codec::Json, endpoint = "audit_search")]
pub async fn audit_search(
    params: AuditParamsDto,
    before: Option<i64>,
) -> Result<AuditPageDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::store::audit_query::Side;
    let c = require(Permission::AuditRead).await?;
    let svc = &c.state.services;
    let now = masquerade::unix_now();
    let core = map::params(&params).map_err(fail)?;
    let filter = core.filter(now).map_err(fail)?;
    let found = masquerade::audit::search(svc, &c.principal, &filter, before, PAGE_SIZE)
        .await
        .map_err(fail)?;
    let rows = map::rows(svc, &found.page.events).await.map_err(fail)?;
    let (chart_filter, mut chart) = map::chart_filter(&core, &filter, now);
    let per_day = masquerade::audit::per_day(svc, &c.principal, &chart_filter)
        .await
        .map_err(fail)?;
    chart.days = map::chart_days(per_day);
    // The pickers show whom the URL names.
    let mut names = [String::new(), String::new()];
    for (i, (side, id)) in [
        (Side::Actor, &filter.actor_id),
        (Side::Target, &filter.target_id),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(id) = id {
            names[i] = masquerade::audit::names(svc, &c.principal, side, id)
                .await
                .map_err(fail)?
                .into_iter()
                .find(|n| &n.id == id)
                .map(|n| n.name)
                .unwrap_or_default();
        }
    }
    let [actor_name, target_name] = names;
    Ok(AuditPageDto {
        rows,
        next: found.page.next,
        total: found.total,
        more: found.more,
        now,
        actor_name,
        target_name,
        chart,
    })
}

/// One event in full.
#[server(endpoint = "audit_event")]
pub async fn audit_event(id: String) -> Result<AuditDetail, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let c = require(Permission::AuditRead).await?;
    let svc = &c.state.services;
    let mut p = masquerade::error::Problems::default();
    map::plain(&mut p, "id", &id);
    p.check(id.chars().count() <= 200, "id", "At most 200 characters.");
    p.into_result().map_err(fail)?;
    let e = masquerade::audit::event(svc, &c.principal, id.trim())
        .await
        .map_err(fail)?;
    let names = map::Names::load(svc, std::slice::from_ref(&e))
        .await
        .map_err(fail)?;
    let row = map::row(&e, &names);
    Ok(map::detail(&e, row))
}

/// Every event of one impersonation, oldest first, with the time between
/// them.
#[server(endpoint = "audit_timeline")]
pub async fn audit_timeline(impersonation_id: String) -> Result<TimelineDto, AppError> {
    use super::ctx::{fail, require};
    use crate::dto::TimelineStepDto;
    use masquerade::authz::Permission;
    let c = require(Permission::AuditRead).await?;
    let svc = &c.state.services;
    let mut p = masquerade::error::Problems::default();
    map::plain(&mut p, "impersonation_id", &impersonation_id);
    p.check(
        impersonation_id.chars().count() <= 200,
        "impersonation_id",
        "At most 200 characters.",
    );
    p.check(
        !impersonation_id.trim().is_empty(),
        "impersonation_id",
        "Name the impersonation.",
    );
    p.into_result().map_err(fail)?;
    let steps = masquerade::audit::timeline(svc, &c.principal, impersonation_id.trim())
        .await
        .map_err(fail)?;
    let events: Vec<_> = steps.iter().map(|s| s.event.clone()).collect();
    let rows = map::rows(svc, &events).await.map_err(fail)?;
    let steps: Vec<TimelineStepDto> = rows
        .into_iter()
        .zip(steps.iter())
        .map(|(row, s)| TimelineStepDto {
            row,
            after_secs: s.after_secs,
        })
        .collect();
    // Who, whom, into what and why: the first step that says.
    let first = |f: fn(&crate::dto::AuditRow) -> &String| {
        steps
            .iter()
            .map(|s| f(&s.row))
            .find(|v| !v.is_empty())
            .cloned()
            .unwrap_or_default()
    };
    Ok(TimelineDto {
        impersonation_id: impersonation_id.trim().to_string(),
        impersonator: first(|r| &r.actor),
        user: first(|r| &r.target),
        app: first(|r| &r.app),
        reason: first(|r| &r.reason),
        ticket: first(|r| &r.ticket),
        steps,
    })
}

/// Actors (`side` "actor") or targets ("target") named in the log whose
/// recorded name, email or id contains `q`, most recently seen first.
#[server(endpoint = "audit_names")]
pub async fn audit_names(side: String, q: String) -> Result<Vec<NamedDto>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::store::audit_query::Side;
    let c = require(Permission::AuditRead).await?;
    let mut p = masquerade::error::Problems::default();
    let which = match side.as_str() {
        "actor" => Some(Side::Actor),
        "target" => Some(Side::Target),
        _ => {
            p.add("side", "The side is actor or target.");
            None
        }
    };
    map::plain(&mut p, "q", &q);
    p.into_result().map_err(fail)?;
    let Some(which) = which else {
        return Err(fail(AppError::invalid(
            "side",
            "The side is actor or target.",
        )));
    };
    let found = masquerade::audit::names(&c.state.services, &c.principal, which, q.trim())
        .await
        .map_err(fail)?;
    Ok(found
        .into_iter()
        .map(|n| NamedDto {
            id: n.id,
            name: n.name,
        })
        .collect())
}

/// What the filters offer: the applications, the event types by area and
/// the outcomes.
#[server(endpoint = "audit_choices")]
pub async fn audit_choices() -> Result<AuditFilterChoices, AppError> {
    use super::ctx::{fail, require};
    use crate::dto::{
        action_label, area_all_label, area_label, outcome_label, ActionGroup, AuditChoice,
    };
    use masquerade::authz::Permission;
    let c = require(Permission::AuditRead).await?;
    let apps = c
        .state
        .services
        .store
        .list_applications()
        .await
        .map_err(fail)?;
    let choice = |value: &str, label: String| AuditChoice {
        value: value.to_string(),
        label,
    };
    Ok(AuditFilterChoices {
        apps: apps
            .into_iter()
            .map(|a| AuditChoice {
                value: a.client_id,
                label: a.name,
            })
            .collect(),
        actions: masquerade::audit::EVENT_TYPES
            .iter()
            .map(|(prefix, types)| {
                let label = area_label(prefix);
                ActionGroup {
                    all: types
                        .iter()
                        .all(|t| t.starts_with(prefix))
                        .then(|| choice(prefix, area_all_label(prefix))),
                    types: types.iter().map(|t| choice(t, action_label(t))).collect(),
                    label,
                }
            })
            .collect(),
        outcomes: masquerade::store::audit_query::OUTCOMES
            .iter()
            .map(|o| choice(o, outcome_label(o).to_string()))
            .collect(),
    })
}

/// Walks the whole chain and says whether it is intact (recorded in the
/// log itself as `audit.verified`).
#[server(endpoint = "audit_verify")]
pub async fn audit_verify() -> Result<VerifyAnswer, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    use masquerade::store::ChainCheck;
    let c = require(Permission::AuditRead).await?;
    let check = masquerade::audit::verify(
        &c.state.services,
        &c.principal,
        &c.audit,
        |_, _| {},
        masquerade::unix_now(),
    )
    .await
    .map_err(fail)?;
    Ok(VerifyAnswer {
        intact: matches!(check, ChainCheck::Intact { .. }),
        sentence: check.sentence(),
    })
}
