//! A person's own Account activity, as `/account` shows it.

use serde::{Deserialize, Serialize};

/// Everything the page shows, read by the server at `now`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountActivityDto {
    pub name: String,
    pub email: String,
    /// The server's clock, for "5 min ago" that hydrates the same.
    pub now: i64,
    pub sign_ins: Vec<SignInRow>,
    pub impersonations: Vec<AccountImpersonationRow>,
}

/// One sign-in with the person's password.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRow {
    pub at: i64,
    pub ip: String,
    /// The browser, in a few words ("Chrome on Linux"); "" when unknown.
    pub device: String,
}

/// One impersonation of the person's account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountImpersonationRow {
    pub id: String,
    /// A name, or "a support agent" when the tenant does not show names.
    pub who: String,
    /// Whether `who` is a person's name (not the generic label).
    pub named: bool,
    pub application: String,
    pub reason: String,
    pub ticket: String,
    pub read_only: bool,
    pub started_at: i64,
    /// 0 while ongoing, or when no time is known.
    pub ended_at: i64,
    /// "ongoing", "expired", "revoked" or "refused".
    pub ending: String,
    /// How long it lasted (so far); -1 when unknown.
    pub duration_secs: i64,
}
