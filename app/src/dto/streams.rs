//! Settings → Log streams: audit retention and the log streams as the
//! console edits them, and where each stream stands.

use serde::{Deserialize, Serialize};

/// The two kinds of stream, as `AuditStreamDto::kind` names them.
pub const KIND_FILE: &str = "file";
pub const KIND_WEBHOOK: &str = "webhook";

/// At most this many streams (the core's limit).
pub const MAX_STREAMS: usize = 10;

/// The audit settings, saved whole: retention and every stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamSettingsDto {
    /// Events older than this many days are removed; 0 keeps every event.
    pub retention_days: i64,
    pub streams: Vec<AuditStreamDto>,
}

/// One log stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamDto {
    /// Empty for a stream not saved yet.
    #[serde(default)]
    pub id: String,
    pub name: String,
    /// `file` (JSON Lines) or `webhook` (HTTPS POST of signed batches).
    pub kind: String,
    /// The file name, in the server's log stream directory (file kind).
    #[serde(default)]
    pub file: String,
    /// Where batches are POSTed (webhook kind).
    #[serde(default)]
    pub url: String,
    /// Write-only: always blank from the server; blank when saving keeps
    /// the secret the webhook has.
    #[serde(default)]
    pub secret: String,
    /// The webhook has a secret already (from the server).
    #[serde(default)]
    pub secret_set: bool,
    pub enabled: bool,
    pub pause_after_minutes: i64,
}

impl AuditStreamDto {
    pub fn is_webhook(&self) -> bool {
        self.kind == KIND_WEBHOOK
    }

    /// "JSON Lines file" or "Webhook".
    pub fn kind_label(&self) -> &'static str {
        if self.is_webhook() {
            "Webhook"
        } else {
            "JSON Lines file"
        }
    }

    /// The file name or the URL.
    pub fn target(&self) -> &str {
        if self.is_webhook() {
            &self.url
        } else {
            &self.file
        }
    }
}

/// Where one saved stream stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamStatusDto {
    pub id: String,
    /// The `seq` of the last event delivered (0: none yet).
    pub delivered_seq: i64,
    /// When the last delivery (or catch-up check) succeeded; 0: never.
    pub delivered_at: i64,
    /// Events written and not delivered yet.
    pub lag: i64,
    /// The last attempt's error in words; empty after a success.
    pub last_error: String,
    /// Since when it fails; 0 while it works.
    pub failing_since: i64,
    /// Stopped after failing for longer than its pause-after time, until
    /// someone resumes it.
    pub paused: bool,
}

/// The statuses, with the server's clock to say "for 3 minutes".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamStatusesDto {
    pub now: i64,
    pub statuses: Vec<AuditStreamStatusDto>,
}

/// What the page loads and a save returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStreamsView {
    pub settings: AuditStreamSettingsDto,
    pub status: AuditStreamStatusesDto,
    /// The server has a log stream directory (MASQUERADE_AUDIT_STREAM_DIR),
    /// so file streams can be saved.
    pub file_streams: bool,
}

/// What "Send test event" found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamTestResult {
    pub delivered: bool,
    /// Why not, in words.
    #[serde(default)]
    pub error: String,
}
