//! Reading the audit log: filters that combine, keyset pages newest first,
//! a total exact up to a cap, events per day by outcome, one
//! impersonation's events in order, and batches for a streamed export.

use serde::{Deserialize, Serialize};

use super::audit::{AuditEvent, AUDIT_COLUMNS};
use super::builder::Sql;
use super::Store;
use crate::error::CoreResult;

/// What the audit log screen, its export and the REST API filter on. Every
/// part is optional and they combine (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Who acted (a user id, or `<client_id>@clients`).
    #[serde(default)]
    pub actor_id: Option<String>,
    /// What was acted on: for impersonation events, the impersonated user.
    #[serde(default)]
    pub target_id: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub impersonation_id: Option<String>,
    /// Exact event types, or prefixes ending in `.` (`impersonation.`: all
    /// impersonation events).
    #[serde(default)]
    pub event_types: Vec<String>,
    /// success, denied or failure.
    #[serde(default)]
    pub outcome: Option<String>,
    /// From this time (inclusive), to this time (exclusive), seconds.
    #[serde(default)]
    pub from: Option<i64>,
    #[serde(default)]
    pub to: Option<i64>,
    #[serde(default)]
    pub ip: Option<String>,
    /// Words in the reason or the ticket reference (case-insensitive).
    #[serde(default)]
    pub text: Option<String>,
}

/// The outcomes an event can have.
pub const OUTCOMES: [&str; 3] = ["success", "denied", "failure"];

/// `LIKE` pattern matching `s` anywhere, with its wildcards escaped.
fn contains_pattern(s: &str) -> String {
    let escaped = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl AuditFilter {
    /// ` WHERE …` (or nothing) for these filters.
    fn push_where(&self, q: &mut Sql<'_>) {
        let mut first = true;
        let mut and = |q: &mut Sql<'_>| {
            q.push(if first { " WHERE " } else { " AND " });
            first = false;
        };
        let equal = [
            ("actor_id", &self.actor_id),
            ("target_id", &self.target_id),
            ("client_id", &self.client_id),
            ("impersonation_id", &self.impersonation_id),
            ("outcome", &self.outcome),
            ("ip", &self.ip),
        ];
        for (column, value) in equal {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                and(q);
                q.push(column).push(" = ").bind(v.clone());
            }
        }
        let types: Vec<&String> = self.event_types.iter().filter(|t| !t.is_empty()).collect();
        if !types.is_empty() {
            and(q);
            q.push("(");
            for (i, t) in types.iter().enumerate() {
                if i > 0 {
                    q.push(" OR ");
                }
                match t.strip_suffix('.') {
                    Some(prefix) => q
                        .push("event_type LIKE ")
                        .bind(format!("{}.%", contains_pattern(prefix).trim_matches('%')))
                        .push(" ESCAPE '\\'"),
                    None => q.push("event_type = ").bind(t.to_string()),
                };
            }
            q.push(")");
        }
        if let Some(from) = self.from {
            and(q);
            q.push("at >= ").bind(from);
        }
        if let Some(to) = self.to {
            and(q);
            q.push("at < ").bind(to);
        }
        if let Some(text) = self
            .text
            .as_ref()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            let pattern = contains_pattern(text);
            and(q);
            q.push("(LOWER(reason) LIKE ")
                .bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(ticket) LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\')");
        }
    }
}

/// One page of events, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// The `seq` to continue below, when there are older events.
    pub next: Option<i64>,
}

/// Events of one day (UTC) with one outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DayCount {
    /// Days since 1970-01-01.
    pub day: i64,
    pub outcome: String,
    pub events: i64,
}

/// Someone or something named in the log, for a filter's picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// Which side of an event a picker looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Actor,
    Target,
}

impl Store {
    /// Actors or targets whose name (as recorded) or id contains `q`, most
    /// recently seen first: filters by name, including people since deleted.
    pub async fn audit_names(&self, side: Side, q: &str, limit: i64) -> CoreResult<Vec<Named>> {
        let (id, name) = match side {
            Side::Actor => ("actor_id", "actor_name"),
            Side::Target => ("target_id", "target_name"),
        };
        let pattern = contains_pattern(q.trim());
        let mut sql = Sql::new(&format!(
            "SELECT {id} AS id, MAX({name}) AS name FROM (SELECT {id}, {name}, seq FROM audit_events \
             WHERE {id} IS NOT NULL AND {name} <> '' AND (LOWER({name}) LIKE "
        ));
        sql.bind(pattern.clone())
            .push(" ESCAPE '\\' OR LOWER(")
            .push(id)
            .push(") LIKE ")
            .bind(pattern)
            .push(&format!(
                " ESCAPE '\\') ORDER BY seq DESC LIMIT 5000) AS recent GROUP BY {id} ORDER BY MAX(seq) DESC LIMIT "
            ))
            .bind(limit.clamp(1, 50));
        Ok(sqlx::query_as_with(&sql.text, sql.args)
            .fetch_all(&mut *self.read().await?)
            .await?)
    }

    /// Newest first, below `before` (a `seq`) when given.
    pub async fn search_audit(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> CoreResult<AuditPage> {
        let limit = limit.clamp(1, 500);
        let mut q = Sql::new(&format!(
            "SELECT {AUDIT_COLUMNS} FROM (SELECT * FROM audit_events"
        ));
        filter.push_where(&mut q);
        q.push(") AS e");
        if let Some(before) = before {
            q.push(" WHERE seq < ").bind(before);
        }
        q.push(" ORDER BY seq DESC LIMIT ").bind(limit + 1);
        let mut events: Vec<AuditEvent> = sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?;
        let next = if events.len() as i64 > limit {
            events.truncate(limit as usize);
            events.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(AuditPage { events, next })
    }

    /// How many events match, counting no further than `cap`: (count,
    /// whether the cap was reached).
    pub async fn count_audit(&self, filter: &AuditFilter, cap: i64) -> CoreResult<(i64, bool)> {
        self.count_audit_through(filter, None, cap).await
    }

    /// As `count_audit`, of the events up to `through_seq` only (those an
    /// export started then holds).
    pub async fn count_audit_through(
        &self,
        filter: &AuditFilter,
        through_seq: Option<i64>,
        cap: i64,
    ) -> CoreResult<(i64, bool)> {
        let mut q = Sql::new("SELECT COUNT(*) FROM (SELECT * FROM (SELECT * FROM audit_events");
        filter.push_where(&mut q);
        q.push(") AS e");
        if let Some(through) = through_seq {
            q.push(" WHERE seq <= ").bind(through);
        }
        q.push(" LIMIT ").bind(cap + 1).push(") AS capped");
        let (n,): (i64,) = sqlx::query_as_with(&q.text, q.args)
            .fetch_one(&mut *self.read().await?)
            .await?;
        Ok((n.min(cap), n > cap))
    }

    pub async fn audit_event(&self, id: &str) -> CoreResult<Option<AuditEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.read().await?)
        .await?)
    }

    /// Every event of one impersonation, oldest first.
    pub async fn impersonation_timeline(
        &self,
        impersonation_id: &str,
    ) -> CoreResult<Vec<AuditEvent>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE impersonation_id = $1 ORDER BY seq LIMIT 1000"
        ))
        .bind(impersonation_id)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    /// Matching events per UTC day and outcome.
    pub async fn audit_per_day(&self, filter: &AuditFilter) -> CoreResult<Vec<DayCount>> {
        let mut q = Sql::new(
            "SELECT day, outcome, COUNT(*) AS events FROM (SELECT at / 86400 AS day, outcome FROM audit_events",
        );
        filter.push_where(&mut q);
        q.push(") AS d GROUP BY day, outcome ORDER BY day, outcome LIMIT 5000");
        Ok(sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?)
    }

    /// Oldest first, after `after` (a `seq`): what an export streams.
    pub async fn audit_batch(
        &self,
        filter: &AuditFilter,
        after: i64,
        limit: i64,
    ) -> CoreResult<Vec<AuditEvent>> {
        let mut q = Sql::new(&format!(
            "SELECT {AUDIT_COLUMNS} FROM (SELECT * FROM audit_events"
        ));
        filter.push_where(&mut q);
        q.push(") AS e WHERE seq > ")
            .bind(after)
            .push(" ORDER BY seq LIMIT ")
            .bind(limit.clamp(1, 10_000));
        Ok(sqlx::query_as_with(&q.text, q.args)
            .fetch_all(&mut *self.read().await?)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_combine_with_numbered_placeholders() {
        let f = AuditFilter {
            actor_id: Some("usr_a".into()),
            event_types: vec!["impersonation.".into(), "user.created".into()],
            from: Some(10),
            text: Some("50%_off".into()),
            ..Default::default()
        };
        let mut q = Sql::new("SELECT 1 FROM audit_events");
        f.push_where(&mut q);
        assert_eq!(
            q.text,
            "SELECT 1 FROM audit_events WHERE actor_id = $1 AND (event_type LIKE $2 ESCAPE '\\' \
             OR event_type = $3) AND at >= $4 AND (LOWER(reason) LIKE $5 ESCAPE '\\' OR LOWER(ticket) LIKE $6 ESCAPE '\\')"
        );
        assert_eq!(contains_pattern("50%_Off"), "%50\\%\\_off%");
        let mut none = Sql::new("SELECT 1 FROM audit_events");
        AuditFilter::default().push_where(&mut none);
        assert_eq!(none.text, "SELECT 1 FROM audit_events");
    }
}
