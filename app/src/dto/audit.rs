//! The audit log as the console shows it: its filters (which are also the
//! page's URL parameters), rows with names rather than ids, one event in
//! full, an impersonation's timeline, events per day for the chart, the
//! integrity check's answer and what the filters offer.

use serde::{Deserialize, Serialize};

/// The filters, as typed or linked: the same names as the page's URL
/// parameters, its export link and the REST API (`masquerade::audit::params`).
/// Every field is a string; empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditParamsDto {
    /// Who acted: a user id, or `<client_id>@clients`.
    pub actor: String,
    /// What was acted on; for impersonation events, the impersonated user.
    pub target: String,
    /// An application's client id.
    pub app: String,
    /// An event type, or an area ending in `.` (`impersonation.`).
    pub action: String,
    /// success, denied or failure.
    pub outcome: String,
    /// 24h, 7d or 30d back from now; overrides `from` and `to`.
    pub range: String,
    /// First and last day (UTC, `YYYY-MM-DD`, both included).
    pub from: String,
    pub to: String,
    pub ip: String,
    /// Words in the reason or the ticket reference.
    pub q: String,
    pub impersonation: String,
}

/// The URL parameter names of the filters, in the order URLs list them.
pub const FILTER_NAMES: [&str; 11] = [
    "actor",
    "target",
    "app",
    "action",
    "outcome",
    "range",
    "from",
    "to",
    "ip",
    "q",
    "impersonation",
];

impl AuditParamsDto {
    /// Reads the filters with `get` (a URL parameter by name).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Self {
        let v = |name: &str| get(name).unwrap_or_default();
        AuditParamsDto {
            actor: v("actor"),
            target: v("target"),
            app: v("app"),
            action: v("action"),
            outcome: v("outcome"),
            range: v("range"),
            from: v("from"),
            to: v("to"),
            ip: v("ip"),
            q: v("q"),
            impersonation: v("impersonation"),
        }
    }

    /// Each filter with its URL name.
    pub fn pairs(&self) -> [(&'static str, &str); 11] {
        [
            ("actor", &self.actor),
            ("target", &self.target),
            ("app", &self.app),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("range", &self.range),
            ("from", &self.from),
            ("to", &self.to),
            ("ip", &self.ip),
            ("q", &self.q),
            ("impersonation", &self.impersonation),
        ]
    }

    /// `actor=…&action=…` for the filters that are set (trimmed), encoded;
    /// empty when none is.
    pub fn query(&self) -> String {
        self.pairs()
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().iter().all(|(_, v)| v.trim().is_empty())
    }
}

/// Percent-encodes everything but the unreserved characters (RFC 3986).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One event, as a row of the list: names as recorded (or looked up, for
/// events older than the recorded names), ids beside them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    /// Unix seconds.
    pub at: i64,
    pub event_type: String,
    /// "Link created" for `impersonation.link_created`.
    pub action: String,
    /// user, application or system.
    pub actor_type: String,
    pub actor_id: String,
    /// A name or email; the id when nothing better is known.
    pub actor: String,
    pub target_type: String,
    pub target_id: String,
    pub target: String,
    pub client_id: String,
    /// The application's name (its client id when unknown).
    pub app: String,
    /// success, denied or failure ("" for events older than outcomes).
    pub outcome: String,
    pub reason_code: String,
    pub reason: String,
    pub ticket: String,
    pub impersonation_id: String,
    pub ip: String,
}

/// One event in full, for the detail panel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDetail {
    pub row: AuditRow,
    pub user_agent: String,
    /// The event's details, pretty-printed JSON.
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
    pub hash_v: i64,
}

/// A page of events, newest first, with the total of all that match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPageDto {
    pub rows: Vec<AuditRow>,
    /// The `before` of the next (older) page, when there is one.
    pub next: Option<i64>,
    /// Exact up to `TOTAL_CAP`.
    pub total: i64,
    /// There are at least `total` events (the count stopped there).
    pub more: bool,
    /// The server's clock when it answered, for "5 min ago" (the same on
    /// the server's page and in the browser that hydrates it).
    pub now: i64,
    /// The names of the actor and target filtered on, for their pickers.
    pub actor_name: String,
    pub target_name: String,
    pub chart: AuditChart,
}

/// Impersonation events per UTC day, by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChart {
    /// First and last day shown (days since 1970-01-01, both included).
    pub first_day: i64,
    pub last_day: i64,
    /// Days with events, in order.
    pub days: Vec<ChartDay>,
    /// What the range is, in words ("the last 30 days").
    pub range: String,
    /// Which events are counted, in words.
    pub counts: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartDay {
    /// Days since 1970-01-01.
    pub day: i64,
    pub success: i64,
    pub denied: i64,
    pub failure: i64,
}

impl ChartDay {
    pub fn total(&self) -> i64 {
        self.success + self.denied + self.failure
    }
}

/// Every event of one impersonation, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineDto {
    pub impersonation_id: String,
    /// Who signed in as whom, into what, and why (from its first event).
    pub impersonator: String,
    pub user: String,
    pub app: String,
    pub reason: String,
    pub ticket: String,
    pub steps: Vec<TimelineStepDto>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStepDto {
    pub row: AuditRow,
    /// Seconds since the step before (0 for the first).
    pub after_secs: i64,
}

/// The answer of "Verify integrity".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyAnswer {
    pub intact: bool,
    /// "N events verified, chain intact up to seq S." or "Chain broken at
    /// seq S: …".
    pub sentence: String,
}

/// One part of "Verify integrity": how far it has come and, once done,
/// the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyStepDto {
    /// Events checked so far, of `total`.
    pub events: i64,
    pub total: i64,
    /// What to send to continue; none once there is an answer.
    pub position: Option<String>,
    pub answer: Option<VerifyAnswer>,
}

/// A person or application named in the log, for a filter's picker.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDto {
    pub id: String,
    pub name: String,
}

/// One option of a filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditChoice {
    pub value: String,
    pub label: String,
}

/// The event types of one area, for the action filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionGroup {
    pub label: String,
    /// "All impersonation events" and its prefix, when every type of the
    /// area starts with it.
    pub all: Option<AuditChoice>,
    pub types: Vec<AuditChoice>,
}

/// What the filters offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilterChoices {
    pub apps: Vec<AuditChoice>,
    pub actions: Vec<ActionGroup>,
    pub outcomes: Vec<AuditChoice>,
}

/// The name of an area (`impersonation.`) in the action filter.
pub fn area_label(prefix: &str) -> String {
    match prefix {
        "impersonation." => "Impersonation".into(),
        "console." => "Console sign-in".into(),
        "user." => "Users".into(),
        "role." => "Roles".into(),
        "application." => "Applications".into(),
        "api." => "APIs".into(),
        "connection." => "Connections".into(),
        "settings." => "Settings, keys and audit".into(),
        other => capitalize(&other.trim_end_matches('.').replace('_', " ")),
    }
}

/// "All impersonation events": the option that selects a whole area.
pub fn area_all_label(prefix: &str) -> String {
    let what = match prefix {
        "impersonation." => "impersonation",
        "console." => "console sign-in",
        "user." => "user",
        "role." => "role",
        "application." => "application",
        "api." => "API",
        "connection." => "connection",
        "settings." => "settings",
        other => other.trim_end_matches('.'),
    };
    format!("All {what} events")
}

/// An event type in words: "Link created" for `impersonation.link_created`.
pub fn action_label(event_type: &str) -> String {
    let known = match event_type {
        "impersonation.link_created" => "Link created",
        "impersonation.link_redeemed" => "Link opened",
        "impersonation.hint_used" => "Sign-in hint used",
        "impersonation.tokens_issued" => "Tokens issued",
        "impersonation.refreshed" => "Tokens refreshed",
        "impersonation.revoked" => "Impersonation revoked",
        "impersonation.denied" => "Impersonation denied",
        "impersonation.open_refused" => "Link refused",
        "impersonation.checked" => "Access checked",
        "impersonation.requested" => "Approval requested",
        "impersonation.request_approved" => "Request approved",
        "impersonation.request_rejected" => "Request rejected",
        "console.signed_in" => "Signed in to the console",
        "console.signed_out" => "Signed out of the console",
        "console.reauthenticated" => "Password confirmed",
        "user.created" => "User created",
        "user.updated" => "User updated",
        "user.deleted" => "User deleted",
        "user.blocked" => "User blocked",
        "user.unblocked" => "User unblocked",
        "user.password_set" => "Password set",
        "user.protected" => "User protected",
        "user.unprotected" => "Protection removed",
        "users.seeded" => "Demo users seeded",
        "role.created" => "Role created",
        "role.changed" => "Role changed",
        "role.deleted" => "Role deleted",
        "role.permissions_changed" => "Role permissions changed",
        "role.assigned" => "Role assigned",
        "role.unassigned" => "Role removed",
        "application.created" => "Application created",
        "application.updated" => "Application updated",
        "application.deleted" => "Application deleted",
        "application.secret_rotated" => "Client secret rotated",
        "application.tokens_updated" => "Token settings changed",
        "api.created" => "API created",
        "api.updated" => "API updated",
        "api.deleted" => "API deleted",
        "api.client_authorized" => "Application authorized for an API",
        "api.client_deauthorized" => "Application's API access removed",
        "api.client_grant_changed" => "Application's API permissions changed",
        "connection.created" => "Connection created",
        "connection.enabled" => "Connection enabled",
        "connection.disabled" => "Connection disabled",
        "settings.updated" => "Settings changed",
        "signing_keys.rotated" => "Signing keys rotated",
        "audit.verified" => "Audit log verified",
        "audit.exported" => "Audit log exported",
        _ => "",
    };
    if !known.is_empty() {
        return known.into();
    }
    // Anything newer: its words, "area: what happened".
    match event_type.split_once('.') {
        Some((area, what)) => capitalize(&format!(
            "{} {}",
            area.replace('_', " "),
            what.replace(['_', '.'], " ")
        )),
        None => capitalize(&event_type.replace('_', " ")),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An outcome in words.
pub fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "success" => "Success",
        "denied" => "Denied",
        "failure" => "Failure",
        _ => "Not recorded",
    }
}

/// The range presets of the page, with their labels.
pub const RANGE_PRESETS: [(&str, &str); 3] =
    [("24h", "24 hours"), ("7d", "7 days"), ("30d", "30 days")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(action_label("impersonation.link_created"), "Link created");
        assert_eq!(action_label("thing.got_done"), "Thing got done");
        assert_eq!(action_label("odd"), "Odd");
        assert_eq!(area_label("impersonation."), "Impersonation");
    }

    #[test]
    fn query_strings() {
        let p = AuditParamsDto {
            actor: "usr_1".into(),
            action: "impersonation.".into(),
            q: " 50% off ".into(),
            ..Default::default()
        };
        assert_eq!(p.query(), "actor=usr_1&action=impersonation.&q=50%25%20off");
        assert!(AuditParamsDto::default().is_empty());
        let back = AuditParamsDto::read(|k| match k {
            "actor" => Some("usr_1".into()),
            _ => None,
        });
        assert_eq!(back.actor, "usr_1");
    }
}
