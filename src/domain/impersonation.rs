//! Sign in as User: what an administrator asks for, why a request may be
//! refused, and the record that follows one link from minting to its end.

use serde::{Deserialize, Serialize};

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
}

/// Why an impersonation was refused. The code is stable (REST API, audit
/// log); the message is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Denial {
    ActorNotFound,
    ActorNotPermitted,
    ActorBlocked,
    SelfImpersonation,
    TargetNotFound,
    TargetIsAdministrator,
    TargetBlocked,
    ApplicationNotFound,
    ApplicationDisallows,
    ApplicationHasNoCallback,
    ConnectionNotEnabled {
        connection: String,
    },
    /// The application's settings no longer allow what the link asks for.
    ApplicationChanged {
        detail: String,
    },
}

impl Denial {
    pub fn code(&self) -> &'static str {
        match self {
            Denial::ActorNotFound => "impersonator_not_found",
            Denial::ActorNotPermitted => "impersonator_not_permitted",
            Denial::ActorBlocked => "impersonator_blocked",
            Denial::SelfImpersonation => "self_impersonation",
            Denial::TargetNotFound => "user_not_found",
            Denial::TargetIsAdministrator => "user_is_administrator",
            Denial::TargetBlocked => "user_blocked",
            Denial::ApplicationNotFound => "application_not_found",
            Denial::ApplicationDisallows => "application_disallows_impersonation",
            Denial::ApplicationHasNoCallback => "application_has_no_callback",
            Denial::ConnectionNotEnabled { .. } => "connection_not_enabled",
            Denial::ApplicationChanged { .. } => "application_changed",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Denial::ActorNotFound => "The impersonator's account no longer exists.".into(),
            Denial::ActorNotPermitted => "Only administrators may sign in as another user.".into(),
            Denial::ActorBlocked => "The impersonator's account is blocked.".into(),
            Denial::SelfImpersonation => "You cannot sign in as yourself.".into(),
            Denial::TargetNotFound => "This user no longer exists.".into(),
            Denial::TargetIsAdministrator => "Administrators cannot be impersonated.".into(),
            Denial::TargetBlocked => "This user is blocked.".into(),
            Denial::ApplicationNotFound => "The application no longer exists.".into(),
            Denial::ApplicationDisallows => "The application does not allow impersonation.".into(),
            Denial::ApplicationHasNoCallback => "The application has no callback URL.".into(),
            Denial::ConnectionNotEnabled { connection } => {
                format!("The user's connection ({connection}) is not enabled for the application.")
            }
            Denial::ApplicationChanged { detail } => {
                format!("The application changed since the link was created: {detail}")
            }
        }
    }
}

/// Tenant-wide settings for impersonation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationSettings {
    pub require_reason: bool,
    pub link_ttl_secs: i64,
    pub session_max_secs: i64,
}

pub const MIN_LINK_TTL_SECS: i64 = 30;
pub const MAX_LINK_TTL_SECS: i64 = 600;

impl Default for ImpersonationSettings {
    fn default() -> Self {
        ImpersonationSettings {
            require_reason: true,
            link_ttl_secs: 120,
            session_max_secs: 3600,
        }
    }
}

impl ImpersonationSettings {
    pub fn validate(&self) -> crate::error::CoreResult<()> {
        let mut p = crate::error::Problems::default();
        p.check(
            (MIN_LINK_TTL_SECS..=MAX_LINK_TTL_SECS).contains(&self.link_ttl_secs),
            "link_ttl_secs",
            "Links must expire within 30 seconds to 10 minutes.",
        );
        p.check(
            (300..=12 * 3600).contains(&self.session_max_secs),
            "session_max_secs",
            "The impersonated session cap must be between 5 minutes and 12 hours.",
        );
        p.into_result()
    }
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
}

impl Impersonation {
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
