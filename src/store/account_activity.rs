//! What one person's Account activity page reads: their own sign-ins (from
//! the audit log) and every impersonation of their account that was opened
//! (from the impersonations table, with the application's and the
//! impersonator's names). Both always filter on the person's id; the core
//! (`crate::account`) decides whose id that is.

use super::audit_query::{AuditFilter, AuditPage};
use super::Store;
use crate::error::CoreResult;

/// The event a sign-in with a password records.
pub const SIGNED_IN: &str = "console.signed_in";

/// An impersonation whose target is the person, as the store holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ImpersonationOfMe {
    pub id: String,
    pub actor_id: String,
    pub actor_email: String,
    /// The impersonator's name now; empty when they have none or were
    /// deleted since.
    pub actor_name: String,
    pub client_id: String,
    /// The application's name now; empty when it was deleted since.
    pub app_name: String,
    pub reason: String,
    pub ticket_ref: String,
    pub mode: String,
    /// When the link was opened: the impersonated session's start.
    pub redeemed_at: i64,
    pub session_expires_at: i64,
    pub revoked_at: i64,
    pub denied_reason: String,
}

impl Store {
    /// The person's own sign-ins, newest first. Events recorded within an
    /// impersonation are never theirs.
    pub async fn own_sign_ins(&self, user_id: &str, limit: i64) -> CoreResult<AuditPage> {
        let filter = AuditFilter {
            target_id: Some(user_id.to_string()),
            actor_id: Some(user_id.to_string()),
            event_types: vec![SIGNED_IN.to_string()],
            ..Default::default()
        };
        let mut page = self.search_audit(&filter, None, limit).await?;
        page.events.retain(|e| e.impersonation_id.is_empty());
        Ok(page)
    }

    /// Every impersonation of `user_id` that was opened (a link never
    /// opened signed nobody in), newest first.
    pub async fn impersonations_of_me(
        &self,
        user_id: &str,
        limit: i64,
    ) -> CoreResult<Vec<ImpersonationOfMe>> {
        Ok(sqlx::query_as(
            "SELECT i.id, i.actor_id, i.actor_email, COALESCE(u.name, '') AS actor_name, i.client_id, \
               COALESCE(a.name, '') AS app_name, i.reason, i.ticket_ref, i.mode, i.redeemed_at, \
               i.session_expires_at, i.revoked_at, i.denied_reason \
             FROM impersonations i \
             LEFT JOIN users u ON u.id = i.actor_id \
             LEFT JOIN applications a ON a.client_id = i.client_id \
             WHERE i.target_id = $1 AND i.redeemed_at > 0 \
             ORDER BY i.redeemed_at DESC, i.id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&mut *self.read().await?)
        .await?)
    }
}
