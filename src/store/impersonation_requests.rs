//! Four-eyes approval of impersonations: a request stands instead of a
//! link until someone other than the requester approves or rejects it; an
//! approved request becomes one link, once, within its window. Every
//! transition is one conditional UPDATE with its audit event, so two
//! approvers racing give one decision.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::audit::{append, AuditContext};
use super::Store;
use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ImpersonationRequest {
    pub id: String,
    pub actor_id: String,
    pub actor_email: String,
    pub target_id: String,
    pub target_email: String,
    pub client_id: String,
    pub role_id: String,
    /// The link as asked for (JSON of `LinkRequest`).
    pub link: String,
    pub mode: String,
    /// pending, approved, rejected or used.
    pub status: String,
    pub created_at: i64,
    pub decided_at: i64,
    pub decided_by: Option<String>,
    pub decision_note: String,
    pub approved_until: i64,
    pub used_at: i64,
}

impl ImpersonationRequest {
    /// What the request means now: pending, approved (usable), expired (an
    /// approval whose window passed, or a request nobody decided within
    /// `REQUEST_PENDING_SECS`), rejected or used.
    pub fn state(&self, now: i64) -> &'static str {
        match self.status.as_str() {
            "pending"
                if self.created_at
                    <= now - crate::impersonation::approval::REQUEST_PENDING_SECS =>
            {
                "expired"
            }
            "approved" if self.approved_until <= now => "expired",
            "approved" => "approved",
            "rejected" => "rejected",
            "used" => "used",
            _ => "pending",
        }
    }

    pub fn audit_data(&self) -> serde_json::Value {
        json!({
            "request_id": self.id,
            "impersonator_id": self.actor_id,
            "impersonator_email": self.actor_email,
            "user_id": self.target_id,
            "user_email": self.target_email,
            "client_id": self.client_id,
            "role_id": self.role_id,
            "mode": self.mode,
        })
    }
}

const SELECT: &str = "SELECT id, actor_id, actor_email, target_id, target_email, client_id, role_id, link, mode, \
     status, created_at, decided_at, decided_by, decision_note, approved_until, used_at FROM impersonation_requests";

impl Store {
    pub async fn insert_impersonation_request(
        &self,
        ctx: &AuditContext,
        r: &ImpersonationRequest,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO impersonation_requests (id, actor_id, actor_email, target_id, target_email, client_id, \
               role_id, link, mode, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10)",
        )
        .bind(&r.id)
        .bind(&r.actor_id)
        .bind(&r.actor_email)
        .bind(&r.target_id)
        .bind(&r.target_email)
        .bind(&r.client_id)
        .bind(&r.role_id)
        .bind(&r.link)
        .bind(&r.mode)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            ctx,
            "impersonation.requested",
            Some(&r.target_id),
            r.audit_data(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get_impersonation_request(&self, id: &str) -> CoreResult<ImpersonationRequest> {
        sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("request"))
    }

    /// Requests waiting for a decision (made after `since`), oldest first.
    pub async fn pending_impersonation_requests(
        &self,
        since: i64,
    ) -> CoreResult<Vec<ImpersonationRequest>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE status = 'pending' AND created_at > $1 ORDER BY created_at, id LIMIT 500"
        ))
        .bind(since)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    pub async fn count_pending_impersonation_requests(&self, since: i64) -> CoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM impersonation_requests WHERE status = 'pending' AND created_at > $1",
        )
        .bind(since)
        .fetch_one(&mut *self.read().await?)
        .await?;
        Ok(n)
    }

    /// One person's requests, newest first.
    pub async fn impersonation_requests_of(
        &self,
        actor_id: &str,
    ) -> CoreResult<Vec<ImpersonationRequest>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE actor_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100"
        ))
        .bind(actor_id)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    /// Approves (with `approved_until`) or rejects a pending request made
    /// after `made_after`. The requester never decides their own. Of two
    /// deciders racing, the first decides and the other hears it was
    /// already decided.
    #[allow(clippy::too_many_arguments)]
    pub async fn decide_impersonation_request(
        &self,
        ctx: &AuditContext,
        id: &str,
        approve: bool,
        note: &str,
        approved_until: i64,
        made_after: i64,
        now: i64,
    ) -> CoreResult<ImpersonationRequest> {
        let current = self.get_impersonation_request(id).await?;
        let decider = ctx.actor_id.clone().unwrap_or_default();
        if decider == current.actor_id {
            return Err(CoreError::Forbidden(
                "You cannot decide your own request: someone else must.".into(),
            ));
        }
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE impersonation_requests SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5, \
               approved_until = $6 WHERE id = $1 AND status = 'pending' AND actor_id <> $4 AND created_at > $7",
        )
        .bind(id)
        .bind(if approve { "approved" } else { "rejected" })
        .bind(now)
        .bind(&decider)
        .bind(note.chars().take(500).collect::<String>())
        .bind(if approve { approved_until } else { 0 })
        .bind(made_after)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(CoreError::Conflict {
                field: "request".into(),
                message: if current.state(now) == "expired" {
                    "This request lapsed: nobody decided it in time.".into()
                } else {
                    "This request was already decided.".into()
                },
            });
        }
        let mut data = current.audit_data();
        data["note"] = json!(note);
        append(
            &mut tx,
            ctx,
            if approve {
                "impersonation.request_approved"
            } else {
                "impersonation.request_rejected"
            },
            Some(&current.target_id),
            data,
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_impersonation_request(id).await
    }

    /// Turns an approved request into its one link: false unless it is
    /// approved, unused, within its window and the requester's.
    pub async fn use_impersonation_request(
        &self,
        id: &str,
        actor_id: &str,
        now: i64,
    ) -> CoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE impersonation_requests SET status = 'used', used_at = $3 \
             WHERE id = $1 AND actor_id = $2 AND status = 'approved' AND approved_until > $3",
        )
        .bind(id)
        .bind(actor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }
}
