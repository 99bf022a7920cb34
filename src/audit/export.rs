//! The audit log as a file: CSV (RFC 4180, header row first) or JSON Lines,
//! of exactly the events the current filter shows, oldest first. The edge
//! streams it in batches, so memory stays bounded whatever the size; the
//! export itself is an audit event.

use serde_json::{json, Value};

use crate::authz::{Permission, Principal};
use crate::error::{CoreError, CoreResult};
use crate::store::audit_query::AuditFilter;
use crate::store::{AuditContext, AuditEvent};
use crate::Services;

/// Events read per batch while streaming.
pub const BATCH: i64 = 1_000;
/// How far the export counts ahead, for its progress bar.
const COUNT_CAP: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    pub fn parse(s: &str) -> CoreResult<Format> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::JsonLines),
            _ => Err(CoreError::field("format", "The format is csv or jsonl.")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::JsonLines => "application/jsonl; charset=utf-8",
        }
    }

    /// What comes before the first event.
    pub fn head(self) -> String {
        match self {
            Format::Csv => csv_line(COLUMNS.iter().map(|c| c.to_string())),
            Format::JsonLines => String::new(),
        }
    }

    pub fn row(self, e: &AuditEvent) -> String {
        match self {
            Format::Csv => csv_line(values(e)),
            Format::JsonLines => {
                let mut line = event_json(e).to_string();
                line.push('\n');
                line
            }
        }
    }
}

/// An export that may start: how many events it will hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub format: Format,
    pub rows: i64,
    /// The newest event it holds may be this one.
    pub through_seq: i64,
}

/// Checks the caller and the filter, counts the rows and records the export
/// before a byte of it is sent.
pub async fn begin(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    filter: &AuditFilter,
    format: Format,
    now: i64,
) -> CoreResult<Plan> {
    crate::authz::require(principal, Permission::AuditRead)?;
    super::validate(filter)?;
    // The file holds what matched when it was asked for: not its own
    // event, nor any written while it streams, so the count is exact.
    let through_seq = svc.store.audit_head().await?.seq;
    let (rows, _) = svc
        .store
        .count_audit_through(filter, Some(through_seq), COUNT_CAP)
        .await?;
    svc.store
        .append_event(
            ctx,
            "audit.exported",
            None,
            json!({"format": format.as_str(), "rows": rows, "filter": filter}),
            now,
        )
        .await?;
    Ok(Plan {
        format,
        rows,
        through_seq,
    })
}

const COLUMNS: [&str; 21] = [
    "seq",
    "id",
    "time",
    "action",
    "outcome",
    "reason_code",
    "actor_type",
    "actor_id",
    "actor_name",
    "target_type",
    "target_id",
    "target_name",
    "client_id",
    "application",
    "impersonation_id",
    "reason",
    "ticket",
    "ip",
    "user_agent",
    "details",
    "hash",
];

fn values(e: &AuditEvent) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.id.clone(),
        rfc3339(e.at),
        e.event_type.clone(),
        e.outcome.clone(),
        e.reason_code.clone(),
        e.actor_type.clone(),
        e.actor_id.clone().unwrap_or_default(),
        e.actor_name.clone(),
        e.target_type.clone(),
        e.target_id.clone().unwrap_or_default(),
        e.target_name.clone(),
        e.client_id.clone(),
        e.client_name.clone(),
        e.impersonation_id.clone(),
        e.reason.clone(),
        e.ticket.clone(),
        e.ip.clone(),
        e.user_agent.clone(),
        e.data.clone(),
        e.hash.clone(),
    ]
}

/// An event as JSON: the export's columns, `at` in seconds, and the
/// details as the JSON they are. The REST API answers the same shape.
pub fn event_json(e: &AuditEvent) -> Value {
    let mut o = serde_json::Map::new();
    for (k, v) in COLUMNS.iter().zip(values(e)) {
        o.insert(k.to_string(), Value::String(v));
    }
    o.insert("seq".into(), json!(e.seq));
    o.insert("at".into(), json!(e.at));
    o.insert(
        "details".into(),
        serde_json::from_str(&e.data).unwrap_or(Value::String(e.data.clone())),
    );
    Value::Object(o)
}

/// One RFC 4180 record with CRLF. A field is quoted when it holds a comma,
/// a quote or a line break (quotes doubled). A field that a spreadsheet
/// would run as a formula (starting with = + - @, tab or CR) is prefixed
/// with an apostrophe: reasons and names are typed by people.
fn csv_line(fields: impl IntoIterator<Item = String>) -> String {
    let mut line = String::new();
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let f = if f.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{f}")
        } else {
            f
        };
        if f.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&f);
        }
    }
    line.push_str("\r\n");
    line
}

/// `2026-12-01T21:30:17Z` for Unix seconds.
pub fn rfc3339(ts: i64) -> String {
    let mut days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut year = 1970;
    loop {
        let len = if leap(year) { 366 } else { 365 };
        if days < 0 {
            year -= 1;
            days += if leap(year) { 366 } else { 365 };
        } else if days >= len {
            days -= len;
            year += 1;
        } else {
            break;
        }
    }
    let months = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 1;
    for len in months {
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    format!(
        "{year:04}-{month:02}-{:02}T{:02}:{:02}:{:02}Z",
        days + 1,
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_160_617), "2026-12-01T21:30:17Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn csv_quotes_breaks_and_formulas() {
        let e = AuditEvent {
            seq: 7,
            event_type: "impersonation.link_created".into(),
            reason: "Customer says \"hi\", twice\nreally".into(),
            ticket: "=HYPERLINK(\"http://evil\")".into(),
            data: "{}".into(),
            ..Default::default()
        };
        let line = Format::Csv.row(&e);
        assert!(line.ends_with("\r\n"));
        assert!(
            line.contains(",\"Customer says \"\"hi\"\", twice\nreally\","),
            "{line}"
        );
        assert!(
            line.contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
            "{line}"
        );
        assert!(Format::Csv
            .head()
            .starts_with("seq,id,time,action,outcome,"));
        let json: Value = serde_json::from_str(Format::JsonLines.row(&e).trim_end()).unwrap();
        assert_eq!(json["seq"], 7);
        assert_eq!(json["details"], json!({}));
        assert_eq!(json["reason"], "Customer says \"hi\", twice\nreally");
        assert!(Format::parse("xml").is_err());
    }
}
