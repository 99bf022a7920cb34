//! Sign in as User: what an administrator asks for, why a request may be
//! refused, and the record that follows one link from minting to its end.

use serde::{Deserialize, Serialize};

mod denial;
mod settings;

pub use denial::{Denial, RuleCode};
pub use settings::{
    ImpersonationSettings, RoleNames, RoleRule, TargetRolesMode, MAX_LINK_TTL_SECS,
    MIN_LINK_TTL_SECS,
};

/// How the application receives the impersonated sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    Query,
    Fragment,
    FormPost,
    /// Redirect to the application's initiate-login URI (OIDC Core §4); the
    /// application then sends its own authorization request.
    AppInitiated,
}

impl DeliveryMode {
    pub const ALL: [DeliveryMode; 4] = [
        DeliveryMode::Query,
        DeliveryMode::Fragment,
        DeliveryMode::FormPost,
        DeliveryMode::AppInitiated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMode::Query => "query",
            DeliveryMode::Fragment => "fragment",
            DeliveryMode::FormPost => "form_post",
            DeliveryMode::AppInitiated => "app_initiated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The parameters of one link, as the dialog or the REST API sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub client_id: String,
    pub reason: String,
    /// An external ticket reference (help desk), optional.
    pub ticket: String,
    pub response_mode: String,
    pub response_type: String,
    pub scope: String,
    pub state: String,
    /// An API identifier, or empty for a token good for /userinfo only.
    pub audience: String,
    /// One of the application's callback URLs; empty means the first.
    pub callback_url: String,
    /// Read-only impersonation, asked for (a rule may also require it).
    #[serde(default)]
    pub read_only: bool,
    /// The approved request to turn into its link, under four-eyes approval.
    #[serde(default)]
    pub request_id: String,
}

/// Where one impersonation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpersonationStatus {
    /// Minted, not yet opened.
    Pending,
    /// Never opened before it expired.
    Expired,
    /// Opened; tokens may be in use until the session cap.
    Active,
    /// The session cap has passed.
    Ended,
    Denied,
    Revoked,
}

/// One minted link and what became of it. `Default` is a link nothing has
/// happened to yet (not redeemed, denied or revoked).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Impersonation {
    pub id: String,
    pub actor_id: String,
    pub actor_email: String,
    pub target_id: String,
    pub target_email: String,
    pub client_id: String,
    pub reason: String,
    pub ticket_ref: String,
    pub response_type: String,
    pub response_mode: String,
    pub scope: String,
    pub state: String,
    pub audience: String,
    pub redirect_uri: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub redeemed_at: i64,
    pub hint_expires_at: i64,
    pub hint_used_at: i64,
    pub session_expires_at: i64,
    pub grant_id: Option<String>,
    pub tokens_issued_at: i64,
    pub denied_reason: String,
    pub revoked_at: i64,
    pub revoked_by: Option<String>,
    /// "full", or "read_only": tokens carry only the target's permissions
    /// that are safe to read, and say so.
    pub mode: String,
    /// The approved request this link came from, under four-eyes approval.
    pub request_id: Option<String>,
}

pub const MODE_FULL: &str = "full";
pub const MODE_READ_ONLY: &str = "read_only";

impl Impersonation {
    pub fn read_only(&self) -> bool {
        self.mode == MODE_READ_ONLY
    }

    /// What every impersonation audit event carries, so one
    /// `impersonation_id` ties the events of one link together.
    pub fn audit_data(&self) -> serde_json::Value {
        serde_json::json!({
            "impersonation_id": self.id,
            "impersonator_id": self.actor_id,
            "impersonator_email": self.actor_email,
            "user_id": self.target_id,
            "user_email": self.target_email,
            "client_id": self.client_id,
            "reason": self.reason,
            "ticket": self.ticket_ref,
            "mode": if self.mode.is_empty() { MODE_FULL } else { self.mode.as_str() },
        })
    }

    pub fn status(&self, now: i64) -> ImpersonationStatus {
        if !self.denied_reason.is_empty() {
            ImpersonationStatus::Denied
        } else if self.revoked_at > 0 {
            ImpersonationStatus::Revoked
        } else if self.redeemed_at == 0 {
            if self.expires_at <= now {
                ImpersonationStatus::Expired
            } else {
                ImpersonationStatus::Pending
            }
        } else if self.session_expires_at > now {
            ImpersonationStatus::Active
        } else {
            ImpersonationStatus::Ended
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_record() {
        let mut r = crate::testing::fresh_link("imp_1", 100);
        assert_eq!(r.status(150), ImpersonationStatus::Pending);
        assert_eq!(r.status(220), ImpersonationStatus::Expired);
        r.redeemed_at = 200;
        r.session_expires_at = 3800;
        assert_eq!(r.status(3000), ImpersonationStatus::Active);
        assert_eq!(r.status(3800), ImpersonationStatus::Ended);
        r.revoked_at = 3000;
        assert_eq!(r.status(3100), ImpersonationStatus::Revoked);
        r.denied_reason = "user_blocked".into();
        assert_eq!(r.status(3100), ImpersonationStatus::Denied);
    }

    #[test]
    fn modes_round_trip() {
        for m in DeliveryMode::ALL {
            assert_eq!(DeliveryMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(DeliveryMode::parse("get"), None);
    }
}
