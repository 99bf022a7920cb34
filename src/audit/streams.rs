//! Log streams: the audit log delivered to another system (a JSON Lines
//! file, or an HTTP webhook with HMAC-signed JSON batches), and retention.
//! The settings, the batches, the signature and the retry schedule live
//! here; the server's background worker does the I/O. Delivery is
//! at-least-once from a cursor in the database: every record carries its
//! `seq` and id for de-duplication, and checkpoints travel with the events.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::authz::{Permission, Principal};
use crate::error::{CoreError, CoreResult, Problems};
use crate::store::audit_streams::StreamState;
use crate::store::AuditContext;
use crate::Services;

const KEY: &str = "audit";
pub const MAX_STREAMS: usize = 10;
/// Events per delivered batch.
pub const BATCH: i64 = 500;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Target {
    /// Appends JSON Lines to a file, named without any directory, in the
    /// server's log stream directory (MASQUERADE_AUDIT_STREAM_DIR).
    File { file: String },
    /// POSTs `{"records": [...]}`; `secret` signs each body.
    Webhook {
        url: String,
        #[serde(default)]
        secret: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    #[serde(default)]
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub target: Target,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A stream failing this long is paused until someone resumes it.
    #[serde(default = "sixty")]
    pub pause_after_minutes: i64,
}

fn yes() -> bool {
    true
}
fn sixty() -> i64 {
    60
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSettings {
    /// Events older than this many days are removed; 0 keeps everything.
    #[serde(default)]
    pub retention_days: i64,
    #[serde(default)]
    pub streams: Vec<Stream>,
}

impl AuditSettings {
    pub fn validate(&self) -> CoreResult<()> {
        let mut p = Problems::default();
        p.check(
            (0..=3650).contains(&self.retention_days),
            "retention_days",
            "Keep events for 1 to 3650 days, or 0 to keep everything.",
        );
        p.check(
            self.streams.len() <= MAX_STREAMS,
            "streams",
            "At most 10 log streams.",
        );
        for (i, s) in self.streams.iter().enumerate() {
            let f = |name: &str| format!("streams[{i}].{name}");
            p.check(
                !s.name.trim().is_empty() && s.name.chars().count() <= 100,
                &f("name"),
                "Give the stream a name (at most 100 characters).",
            );
            p.check(
                (5..=7 * 24 * 60).contains(&s.pause_after_minutes),
                &f("pause_after_minutes"),
                "Pause after 5 minutes to 7 days of failures.",
            );
            match &s.target {
                Target::File { file } => p.check(
                    valid_file_name(file),
                    &f("file"),
                    "A file name (letters, digits, '.', '-', '_'; not starting with '.'), written in the server's log stream directory.",
                ),
                Target::Webhook { url, secret } => {
                    let ok = url::Url::parse(url).ok().is_some_and(|u| {
                        matches!(u.scheme(), "https" | "http") && u.host().is_some()
                    });
                    p.check(ok && url.len() <= 2000, &f("url"), "An http(s) URL.");
                    p.check(
                        secret.chars().count() >= 16 && secret.len() <= 200,
                        &f("secret"),
                        "A secret of at least 16 characters signs each batch.",
                    );
                }
            }
        }
        p.into_result()
    }
}

fn valid_file_name(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 100
        && !f.starts_with('.')
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Where a file stream writes: its name in the configured directory.
pub fn file_path(svc: &Services, file: &str) -> CoreResult<std::path::PathBuf> {
    match &svc.config.audit_stream_dir {
        Some(dir) if valid_file_name(file) => Ok(dir.join(file)),
        Some(_) => Err(CoreError::field("file", "Not a file name.")),
        None => Err(CoreError::field(
            "file",
            "File streams are off on this server: set MASQUERADE_AUDIT_STREAM_DIR.",
        )),
    }
}

pub async fn load(svc: &Services) -> CoreResult<AuditSettings> {
    Ok(svc
        .store
        .get_setting_hot(KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// The settings as shown: webhook secrets blanked (they are write-only).
pub async fn get(svc: &Services, principal: &Principal) -> CoreResult<AuditSettings> {
    crate::authz::require(principal, Permission::SettingsRead)?;
    let mut s = load(svc).await?;
    for st in &mut s.streams {
        if let Target::Webhook { secret, .. } = &mut st.target {
            secret.clear();
        }
    }
    Ok(s)
}

/// Saves them whole. A webhook sent without its secret keeps the one it
/// had; a stream without an id is new.
pub async fn save(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    mut next: AuditSettings,
    now: i64,
) -> CoreResult<AuditSettings> {
    crate::authz::require(principal, Permission::SettingsWrite)?;
    let current = load(svc).await?;
    for s in &mut next.streams {
        s.name = s.name.trim().to_string();
        if s.id.is_empty() {
            s.id = crate::secrets::new_id("lst");
        } else if !current.streams.iter().any(|c| c.id == s.id) {
            return Err(CoreError::field(
                "streams",
                "A stream id that does not exist.",
            ));
        }
        if let Target::Webhook { secret, .. } = &mut s.target {
            if secret.is_empty() {
                if let Some(Target::Webhook { secret: old, .. }) = current
                    .streams
                    .iter()
                    .find(|c| c.id == s.id)
                    .map(|c| &c.target)
                {
                    *secret = old.clone();
                }
            }
        }
    }
    // One answer with every problem: the settings' own, and file streams
    // on a server that has no directory for them.
    let mut problems = match next.validate() {
        Err(CoreError::Validation(errs)) => errs,
        other => {
            other?;
            Vec::new()
        }
    };
    if svc.config.audit_stream_dir.is_none() {
        for (i, s) in next.streams.iter().enumerate() {
            let field = format!("streams[{i}].file");
            if matches!(s.target, Target::File { .. }) && !problems.iter().any(|p| p.field == field)
            {
                problems.push(crate::FieldError::new(
                    field,
                    "File streams are off on this server: set MASQUERADE_AUDIT_STREAM_DIR.",
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(CoreError::Validation(problems));
    }
    // Recorded without the secrets.
    let mut shown = json!(next);
    if let Some(list) = shown["streams"].as_array_mut() {
        for s in list {
            if s.get("secret").is_some() {
                s["secret"] = json!("(set)");
            }
        }
    }
    svc.store
        .set_setting_recorded(ctx, KEY, &json!(next), &shown, now)
        .await?;
    get(svc, principal).await
}

/// The next records for a stream after its cursor: events, and the
/// checkpoints among them; and the last `seq` they cover.
pub async fn next_batch(svc: &Services, state: &StreamState) -> CoreResult<(Vec<Value>, i64)> {
    let events = svc
        .store
        .audit_batch(&Default::default(), state.delivered_seq, BATCH)
        .await?;
    let Some(upto) = events.last().map(|e| e.seq) else {
        return Ok((Vec::new(), state.delivered_seq));
    };
    let checkpoints = svc.store.audit_checkpoints().await?;
    let mut records = Vec::with_capacity(events.len());
    for e in &events {
        let mut r = super::export::event_json(e);
        r["type"] = json!("event");
        r["prev_hash"] = json!(e.prev_hash);
        records.push(r);
        if let Some(c) = checkpoints.iter().find(|c| c.seq == e.seq) {
            records.push(json!({"type": "checkpoint", "seq": c.seq, "hash": c.hash, "at": c.at, "token": c.token}));
        }
    }
    Ok((records, upto))
}

/// A record that says only "this stream works", for "Send test event".
pub fn test_record(stream: &Stream, now: i64) -> Value {
    json!({"type": "test", "stream": stream.name, "at": now, "time": super::export::rfc3339(now)})
}

/// The webhook's signature header value over `timestamp.body`:
/// `v1=<hex HMAC-SHA256>`. Receivers recompute it and refuse old timestamps.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    use aws_lc_rs::hmac;
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(tag.as_ref()))
}

/// After a failed attempt: when to try next (exponential, at most five
/// minutes), since when it fails, and whether it is now paused.
pub fn after_failure(state: &StreamState, stream: &Stream, now: i64) -> (i64, i64, bool) {
    let wait = 2_i64
        .saturating_pow(state.attempts.clamp(0, 20) as u32)
        .min(MAX_BACKOFF_SECS);
    let since = if state.failing_since > 0 {
        state.failing_since
    } else {
        now
    };
    let paused = now - since >= stream.pause_after_minutes * 60;
    (now + wait, since, paused)
}

/// A stream with where it stands, for the screen and REST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStatus {
    pub id: String,
    pub delivered_seq: i64,
    pub delivered_at: i64,
    /// Events written and not yet delivered.
    pub lag: i64,
    pub last_error: String,
    pub failing_since: i64,
    pub paused: bool,
}

pub async fn statuses(svc: &Services, principal: &Principal) -> CoreResult<Vec<StreamStatus>> {
    crate::authz::require(principal, Permission::SettingsRead)?;
    let head = svc.store.audit_head().await?;
    let states = svc.store.stream_states().await?;
    Ok(load(svc)
        .await?
        .streams
        .iter()
        .map(|s| {
            let st = states
                .iter()
                .find(|x| x.stream_id == s.id)
                .cloned()
                .unwrap_or_default();
            StreamStatus {
                id: s.id.clone(),
                delivered_seq: st.delivered_seq,
                delivered_at: st.delivered_at,
                lag: (head.seq - st.delivered_seq).max(0),
                last_error: st.last_error,
                failing_since: st.failing_since,
                paused: st.paused != 0,
            }
        })
        .collect())
}

/// The stream `id`, for "Send test event" and "Resume".
pub async fn stream(svc: &Services, principal: &Principal, id: &str) -> CoreResult<Stream> {
    crate::authz::require(principal, Permission::SettingsWrite)?;
    load(svc)
        .await?
        .streams
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(CoreError::NotFound("log stream"))
}

pub async fn resume(svc: &Services, principal: &Principal, id: &str) -> CoreResult<()> {
    stream(svc, principal, id).await?;
    svc.store.resume_stream(id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook() -> Stream {
        Stream {
            id: "lst_1".into(),
            name: "SIEM".into(),
            target: Target::Webhook {
                url: "https://siem.example/in".into(),
                secret: "0123456789abcdef".into(),
            },
            enabled: true,
            pause_after_minutes: 60,
        }
    }

    #[test]
    fn settings_are_checked() {
        let ok = AuditSettings {
            retention_days: 90,
            streams: vec![webhook()],
        };
        assert!(ok.validate().is_ok());
        let bad = AuditSettings {
            retention_days: -1,
            streams: vec![
                Stream {
                    target: Target::Webhook {
                        url: "ftp://x".into(),
                        secret: "short".into(),
                    },
                    ..webhook()
                },
                Stream {
                    target: Target::File {
                        file: "../x".into(),
                    },
                    ..webhook()
                },
            ],
        };
        let Err(CoreError::Validation(errs)) = bad.validate() else {
            panic!()
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "retention_days",
                "streams[0].url",
                "streams[0].secret",
                "streams[1].file"
            ]
        );
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["streams"][0]["kind"], "webhook", "{json}");
    }

    #[test]
    fn signatures_and_backoff() {
        // RFC 4231-style check against an independent computation is in the
        // HTTP test; here, that the header has its shape and depends on all.
        let a = signature("0123456789abcdef", 1, "{}");
        assert!(a.starts_with("v1=") && a.len() == 3 + 64, "{a}");
        assert_ne!(a, signature("0123456789abcdef", 2, "{}"));
        assert_ne!(a, signature("0123456789abcdeX", 1, "{}"));
        let s = webhook();
        let mut st = StreamState::default();
        assert_eq!(after_failure(&st, &s, 1_000), (1_001, 1_000, false));
        st.attempts = 4;
        st.failing_since = 1_000;
        assert_eq!(after_failure(&st, &s, 2_000), (2_016, 1_000, false));
        st.attempts = 30;
        assert_eq!(
            after_failure(&st, &s, 4_600),
            (4_900, 1_000, true),
            "an hour of failures pauses it"
        );
    }
}
