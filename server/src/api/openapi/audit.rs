//! The audit log's part of the OpenAPI document: search with the console's
//! filters, one event, an impersonation's timeline, verify and export.

use masquerade::authz::Permission as P;
use serde_json::{json, Value};

use super::{merge, op, path_params, schema_ref, with_description, with_params};

fn filters() -> Vec<Value> {
    let text = |name: &str, description: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "maxLength": 200}, "description": description});
    vec![
        text("actor", "Who acted: a user id, or <client_id>@clients."),
        text("target", "What was acted on; for impersonation events, the impersonated user's id."),
        text("app", "An application's client id."),
        text("action", "An event type (impersonation.link_created), or an area ending in a dot (impersonation.: every impersonation event)."),
        json!({"name": "outcome", "in": "query", "schema": {"enum": ["", "success", "denied", "failure"]}}),
        json!({"name": "range", "in": "query", "schema": {"enum": ["", "24h", "7d", "30d"]}, "description": "Back from now; overrides from and to."}),
        json!({"name": "from", "in": "query", "schema": {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"}, "description": "First day (UTC, YYYY-MM-DD), included."}),
        json!({"name": "to", "in": "query", "schema": {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"}, "description": "Last day (UTC, YYYY-MM-DD), included."}),
        json!({"name": "ip", "in": "query", "schema": {"type": "string", "maxLength": 64}}),
        text("q", "Words in the reason or the ticket reference (case-insensitive)."),
        text("impersonation", "One impersonation's id."),
    ]
}

fn schemas() -> Value {
    let s = json!({"type": "string"});
    json!({
        "AuditEvent": {
            "type": "object",
            "properties": {
                "seq": {"type": "integer"}, "id": s, "time": {"type": "string", "format": "date-time"},
                "at": {"type": "integer", "description": "Unix seconds."},
                "action": s, "outcome": {"enum": ["success", "denied", "failure"]}, "reason_code": s,
                "actor_type": {"enum": ["user", "application", "system", ""]}, "actor_id": s, "actor_name": s,
                "target_type": s, "target_id": s, "target_name": s,
                "client_id": s, "application": s, "impersonation_id": s,
                "reason": s, "ticket": s, "ip": s, "user_agent": s,
                "details": {"description": "The event's details as recorded."},
                "hash": s, "prev_hash": s, "hash_version": {"type": "integer"},
                "after_secs": {"type": "integer", "description": "In a timeline: seconds since the step before."}
            }
        },
        "AuditPage": {
            "type": "object",
            "properties": {
                "events": {"type": "array", "items": schema_ref("AuditEvent")},
                "next_before": {"type": ["integer", "null"], "description": "Pass as before= for the next (older) page."},
                "total": {"type": "integer"},
                "total_is_lower_bound": {"type": "boolean", "description": "The total reached 10,000: there are at least that many."}
            }
        },
        "AuditTimeline": {
            "type": "object",
            "properties": {
                "impersonation_id": s,
                "steps": {"type": "array", "items": schema_ref("AuditEvent")}
            }
        },
        "AuditStream": {
            "type": "object", "required": ["name", "kind"],
            "properties": {
                "id": {"type": "string", "description": "Leave out for a new stream."},
                "name": {"type": "string", "maxLength": 100},
                "kind": {"enum": ["file", "webhook"]},
                "file": {"type": "string", "description": "file: a file name in the server's MASQUERADE_AUDIT_STREAM_DIR."},
                "url": {"type": "string", "description": "webhook: where JSON batches are POSTed."},
                "secret": {"type": "string", "description": "webhook: at least 16 characters; signs each body (X-Masquerade-Signature: v1=hex HMAC-SHA256 of '<X-Masquerade-Timestamp>.<body>'). Write-only: leave out to keep the current one."},
                "secret_set": {"type": "boolean"},
                "enabled": {"type": "boolean", "default": true},
                "pause_after_minutes": {"type": "integer", "minimum": 5, "maximum": 10080, "default": 60},
                "status": {
                    "type": ["object", "null"],
                    "properties": {
                        "id": s, "delivered_seq": {"type": "integer"}, "delivered_at": {"type": "integer"},
                        "lag": {"type": "integer", "description": "Events written and not yet delivered."},
                        "last_error": s, "failing_since": {"type": "integer"}, "paused": {"type": "boolean"}
                    }
                }
            }
        },
        "AuditSettings": {
            "type": "object",
            "properties": {
                "retention_days": {"type": "integer", "minimum": 0, "maximum": 3650, "description": "Remove events older than this many days; 0 keeps everything."},
                "streams": {"type": "array", "maxItems": 10, "items": schema_ref("AuditStream")}
            }
        },
        "StreamTest": {
            "type": "object",
            "properties": {"delivered": {"type": "boolean"}, "error": s}
        },
        "StreamResumed": {"type": "object", "properties": {"resumed": {"type": "boolean"}}},
        "AuditVerification": {
            "type": "object",
            "properties": {
                "intact": {"type": "boolean"}, "message": s,
                "events": {"type": "integer"}, "last_seq": {"type": "integer"},
                "broken_at_seq": {"type": "integer"},
                "what": {"enum": ["edited", "missing", "reordered", "truncated"]}
            }
        }
    })
}

fn paths() -> Value {
    let mut page = filters();
    page.push(json!({"name": "before", "in": "query", "schema": {"type": "integer"}, "description": "Events older than this seq (the previous page's next_before)."}));
    page.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}));
    let mut export = filters();
    export.push(json!({"name": "format", "in": "query", "schema": {"enum": ["csv", "jsonl"], "default": "csv"}}));
    let mut download = op(
        "Export the events the filters match, oldest first",
        P::AuditRead,
        None,
        "200",
        None,
    );
    download["responses"]["200"] = json!({
        "description": "Streamed. CSV (RFC 4180, header row; cells a spreadsheet would run as formulas start with an apostrophe) or JSON Lines. X-Total-Rows says how many rows follow.",
        "headers": {"X-Total-Rows": {"schema": {"type": "integer"}}},
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/jsonl": {"schema": {"type": "string"}}
        }
    });
    json!({
        "/audit/events": {
            "get": with_params(op("Search the audit log, newest first", P::AuditRead, None, "200", Some(schema_ref("AuditPage"))), json!(page))
        },
        "/audit/events/{id}": {
            "parameters": path_params(&["id"]),
            "get": op("One audit event, with its hashes", P::AuditRead, None, "200", Some(schema_ref("AuditEvent")))
        },
        "/audit/export": {
            "get": with_description(with_params(download, json!(export)), "The export itself is recorded as an audit.exported event.")
        },
        "/audit/verify": {
            "post": with_description(
                op("Verify the audit log's hash chain", P::AuditRead, None, "200", Some(schema_ref("AuditVerification"))),
                "Walks every event in order: each must match its own hash and follow the one before, and the last must be the chain's head. Recorded as an audit.verified event."
            )
        },
        "/settings/audit": {
            "get": op("Audit retention and log streams, each with where its delivery stands", P::SettingsRead, None, "200", Some(schema_ref("AuditSettings"))),
            "put": with_description(
                op("Set audit retention and the log streams (whole)", P::SettingsWrite, Some("AuditSettings"), "200", Some(schema_ref("AuditSettings"))),
                "Streams deliver every event at least once, in order, with its seq and id, and the signed checkpoints among them; a stream failing for pause_after_minutes is paused until resumed."
            )
        },
        "/settings/audit/streams/{id}/test": {
            "parameters": path_params(&["id"]),
            "post": op("Send a test record to a log stream now", P::SettingsWrite, None, "200", Some(schema_ref("StreamTest")))
        },
        "/settings/audit/streams/{id}/resume": {
            "parameters": path_params(&["id"]),
            "post": op("Resume a paused log stream from where it stopped", P::SettingsWrite, None, "200", Some(schema_ref("StreamResumed")))
        },
        "/impersonations/{id}/timeline": {
            "parameters": path_params(&["id"]),
            "get": op("Every audit event of one impersonation, in order, with the time between them", P::AuditRead, None, "200", Some(schema_ref("AuditTimeline")))
        }
    })
}

pub fn add(doc: &mut Value) {
    merge(doc, schemas(), paths());
}
