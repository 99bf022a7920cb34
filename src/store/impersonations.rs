//! Impersonation links and their life cycle. Each transition is one
//! conditional UPDATE together with its audit event, so a link can be
//! redeemed once even when two browsers race for it.

use serde_json::Value;
use sqlx::AnyConnection;

use super::audit::{append, AuditContext};
use super::batch::{Batch, Op};
use super::builder::{Param, Sql};
use super::oauth::revoke_grant_tx;
use super::Store;
use crate::domain::impersonation::Impersonation;
use crate::error::{CoreError, CoreResult};

const SELECT: &str = "SELECT id, actor_id, actor_email, target_id, target_email, client_id, reason, ticket_ref, \
     response_type, response_mode, scope, state, audience, redirect_uri, created_at, expires_at, redeemed_at, \
     hint_expires_at, hint_used_at, session_expires_at, grant_id, tokens_issued_at, denied_reason, revoked_at, \
     revoked_by, mode, request_id FROM impersonations";

/// What redemption hands out besides the claim itself.
pub struct Claim<'a> {
    pub session_expires_at: i64,
    /// App-initiated mode: hash and expiry of the login_hint.
    pub hint: Option<(&'a str, i64)>,
}

impl Store {
    /// Stores a freshly minted link with its `impersonation.link_created` event.
    pub async fn insert_impersonation(
        &self,
        ctx: &AuditContext,
        rec: &Impersonation,
        ticket_hash: &str,
        audit: Value,
    ) -> CoreResult<()> {
        self.batched(Op::InsertImpersonation {
            ctx: ctx.clone(),
            rec: Box::new(rec.clone()),
            ticket_hash: ticket_hash.to_string(),
            audit,
        })
        .await
        .map(|_| ())
    }

    pub async fn impersonation_by_ticket(&self, hash: &str) -> CoreResult<Option<Impersonation>> {
        Ok(sqlx::query_as(&format!("{SELECT} WHERE ticket_hash = $1"))
            .bind(hash)
            .fetch_optional(&mut *self.read().await?)
            .await?)
    }

    pub async fn get_impersonation(&self, id: &str) -> CoreResult<Impersonation> {
        sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.read().await?)
            .await?
            .ok_or(CoreError::NotFound("impersonation"))
    }

    /// Marks the link used, once. False when it was already used, expired,
    /// denied or revoked in the meantime.
    pub async fn claim_impersonation(
        &self,
        ctx: &AuditContext,
        rec: &Impersonation,
        claim: &Claim<'_>,
        audit: Value,
        now: i64,
    ) -> CoreResult<bool> {
        self.batched(Op::ClaimImpersonation {
            ctx: ctx.clone(),
            rec: Box::new(rec.clone()),
            session_expires_at: claim.session_expires_at,
            hint: claim.hint.map(|(h, at)| (h.to_string(), at)),
            audit,
            now,
        })
        .await
    }

    async fn get_impersonation_tx(
        &self,
        tx: &mut super::Tx,
        id: &str,
    ) -> CoreResult<Impersonation> {
        sqlx::query_as(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(CoreError::NotFound("impersonation"))
    }

    /// Uses an app-initiated login_hint, once, while it is fresh.
    pub async fn claim_impersonation_hint(
        &self,
        ctx: &AuditContext,
        hint_hash: &str,
        now: i64,
    ) -> CoreResult<Option<Impersonation>> {
        let mut tx = self.begin().await?;
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM impersonations WHERE hint_hash = $1 AND hint_used_at = 0 AND hint_expires_at > $2 \
               AND revoked_at = 0 AND denied_reason = ''",
        )
        .bind(hint_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = row else {
            return Ok(None);
        };
        let n = sqlx::query(
            "UPDATE impersonations SET hint_used_at = $2 WHERE id = $1 AND hint_used_at = 0",
        )
        .bind(&id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(None);
        }
        let rec = self.get_impersonation_tx(&mut tx, &id).await?;
        // The application came back with the hint: recorded with the claim,
        // for the impersonator (the request itself names nobody).
        let ctx = AuditContext {
            actor_id: Some(rec.actor_id.clone()),
            ..ctx.clone()
        };
        append(
            &mut tx,
            &ctx,
            "impersonation.hint_used",
            Some(&rec.target_id),
            rec.audit_data(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(rec))
    }

    /// Records a refusal. With `id`, the link is marked denied as well;
    /// without, only the event is written (refused at minting).
    pub async fn record_impersonation_denied(
        &self,
        ctx: &AuditContext,
        id: Option<&str>,
        target_id: &str,
        code: &str,
        audit: Value,
        now: i64,
    ) -> CoreResult<()> {
        let mut tx = self.begin().await?;
        if let Some(id) = id {
            sqlx::query("UPDATE impersonations SET denied_reason = $2 WHERE id = $1")
                .bind(id)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            ctx,
            "impersonation.denied",
            Some(target_id),
            audit,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that tokens were issued, tying the first grant to the link.
    pub async fn record_impersonation_tokens(
        &self,
        ctx: &AuditContext,
        rec: &Impersonation,
        audit: Value,
        now: i64,
    ) -> CoreResult<()> {
        self.batched(Op::RecordImpersonationTokens {
            ctx: ctx.clone(),
            rec: Box::new(rec.clone()),
            audit,
            now,
        })
        .await
        .map(|_| ())
    }

    /// Ends an impersonation now: its grants stop working at /userinfo,
    /// introspection and the token endpoint at once.
    pub async fn revoke_impersonation(
        &self,
        ctx: &AuditContext,
        id: &str,
        audit: Value,
        now: i64,
    ) -> CoreResult<Impersonation> {
        let mut tx = self.begin().await?;
        let rec = self.get_impersonation_tx(&mut tx, id).await?;
        if rec.revoked_at > 0 {
            return Err(CoreError::Conflict {
                field: "impersonation".into(),
                message: "This impersonation was already revoked.".into(),
            });
        }
        // Two revokes racing both read it unrevoked; only the one whose
        // UPDATE changes the row goes on to write the event.
        let changed = sqlx::query(
            "UPDATE impersonations SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at = 0",
        )
        .bind(id)
        .bind(now)
        .bind(&ctx.actor_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(CoreError::Conflict {
                field: "impersonation".into(),
                message: "This impersonation was already revoked.".into(),
            });
        }
        let grants: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM grants WHERE impersonation_id = $1 AND revoked_at = 0")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        for (g,) in grants {
            revoke_grant_tx(&mut tx, &g, now).await?;
        }
        append(
            &mut tx,
            ctx,
            "impersonation.revoked",
            Some(&rec.target_id),
            audit,
            now,
        )
        .await?;
        let rec = self.get_impersonation_tx(&mut tx, id).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// Newest first: everything minted for this user.
    pub async fn impersonations_of_user(
        &self,
        target_id: &str,
        limit: i64,
    ) -> CoreResult<Vec<Impersonation>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE target_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(target_id)
        .bind(limit)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }

    /// Links still waiting to be opened and sessions still running.
    pub async fn live_impersonations(&self, now: i64) -> CoreResult<Vec<Impersonation>> {
        Ok(sqlx::query_as(&format!(
            "{SELECT} WHERE revoked_at = 0 AND denied_reason = '' \
               AND (session_expires_at > $1 OR (redeemed_at = 0 AND expires_at > $1)) \
             ORDER BY created_at DESC, id DESC LIMIT 500"
        ))
        .bind(now)
        .fetch_all(&mut *self.read().await?)
        .await?)
    }
}

/// Revokes every live impersonation `actor_id` started, with their grants,
/// in the caller's transaction: when the impersonator is blocked or
/// deleted, what they were doing as someone else ends with them.
impl Store {
    /// Ends every live impersonation at once (the settings' "Revoke all"),
    /// returning how many.
    pub async fn revoke_all_impersonations(
        &self,
        ctx: &AuditContext,
        reason: &str,
        now: i64,
    ) -> CoreResult<usize> {
        let mut tx = self.begin().await?;
        let n = revoke_live(&mut tx, ctx, LiveOf::Everyone, reason, now).await?;
        tx.commit().await?;
        self.hot().invalidate();
        Ok(n)
    }
}

/// Whose live impersonations to end at once.
#[derive(Debug, Clone, Copy)]
pub enum LiveOf<'a> {
    /// Those an impersonator started (they were blocked, or lost the right).
    Actor(&'a str),
    /// Those of a user now protected.
    Target(&'a str),
    /// Every one (impersonation switched off: "Revoke all").
    Everyone,
}

pub(super) async fn revoke_all_of_actor(
    tx: &mut super::Tx,
    ctx: &AuditContext,
    actor_id: &str,
    reason: &str,
    now: i64,
) -> CoreResult<()> {
    revoke_live(tx, ctx, LiveOf::Actor(actor_id), reason, now)
        .await
        .map(|_| ())
}

/// Revokes the live impersonations `of` names, with their grants, one
/// audit event each; returns how many.
pub(super) async fn revoke_live(
    tx: &mut super::Tx,
    ctx: &AuditContext,
    of: LiveOf<'_>,
    reason: &str,
    now: i64,
) -> CoreResult<usize> {
    const LIVE: &str = "revoked_at = 0 AND denied_reason = '' \
        AND (session_expires_at > $1 OR (redeemed_at = 0 AND expires_at > $1))";
    let (filter, who) = match of {
        LiveOf::Actor(id) => (" AND actor_id = $2", id),
        LiveOf::Target(id) => (" AND target_id = $2", id),
        LiveOf::Everyone => (" AND $2 = $2", ""),
    };
    let live: Vec<(String, String)> = sqlx::query_as(&format!(
        "SELECT id, target_id FROM impersonations WHERE {LIVE}{filter}"
    ))
    .bind(now)
    .bind(who)
    .fetch_all(&mut **tx)
    .await?;
    let mut count = 0;
    for (id, target_id) in live {
        // A revoke of the same impersonation that committed since the
        // SELECT leaves nothing to change here (PostgreSQL re-reads the row
        // once its lock is free): that one wrote the event, not this.
        let changed = sqlx::query(
            "UPDATE impersonations SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at = 0",
        )
        .bind(&id)
        .bind(now)
        .bind(&ctx.actor_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if changed == 0 {
            continue;
        }
        count += 1;
        let grants: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM grants WHERE impersonation_id = $1 AND revoked_at = 0")
                .bind(&id)
                .fetch_all(&mut **tx)
                .await?;
        for (g,) in grants {
            revoke_grant_tx(tx, &g, now).await?;
        }
        append(
            tx,
            ctx,
            "impersonation.revoked",
            Some(&target_id),
            serde_json::json!({"impersonation_id": id, "reason": reason}),
            now,
        )
        .await?;
    }
    Ok(count)
}

pub(super) fn insert(
    b: &mut Batch,
    ctx: &AuditContext,
    rec: &Impersonation,
    ticket_hash: &str,
    audit: Value,
) {
    b.insert(
        "INSERT INTO impersonations (id, ticket_hash, actor_id, actor_email, target_id, target_email, client_id, \
           reason, ticket_ref, response_type, response_mode, scope, state, audience, redirect_uri, created_at, \
           expires_at, mode, request_id)",
        vec![
            (&rec.id).into(),
            ticket_hash.into(),
            (&rec.actor_id).into(),
            (&rec.actor_email).into(),
            (&rec.target_id).into(),
            (&rec.target_email).into(),
            (&rec.client_id).into(),
            (&rec.reason).into(),
            (&rec.ticket_ref).into(),
            (&rec.response_type).into(),
            (&rec.response_mode).into(),
            (&rec.scope).into(),
            (&rec.state).into(),
            (&rec.audience).into(),
            (&rec.redirect_uri).into(),
            rec.created_at.into(),
            rec.expires_at.into(),
            (if rec.mode.is_empty() { "full" } else { rec.mode.as_str() }).into(),
            (&rec.request_id).into(),
        ],
    );
    b.audit(
        ctx,
        "impersonation.link_created",
        Some(&rec.target_id),
        audit,
        rec.created_at,
    );
}

/// One redemption in a batch's claim of links.
pub(super) struct LinkClaim<'a> {
    pub id: &'a str,
    pub session_expires_at: i64,
    pub hint: Option<(&'a str, i64)>,
    pub now: i64,
}

/// Marks every link of the batch used, each once, in one statement; for
/// each claim in order, whether it won. A link is claimed only while it is
/// unused, unexpired, not denied and not revoked. Of two claims of the same
/// link in one batch the first decides, as if each had committed alone:
/// the second finds the link used, or unusable for the same reason.
pub(super) async fn claim_all(
    conn: &mut AnyConnection,
    claims: &[LinkClaim<'_>],
) -> CoreResult<Vec<bool>> {
    let mut first: Vec<bool> = Vec::with_capacity(claims.len());
    let mut values = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        let is_first = !claims[..i].iter().any(|o| o.id == c.id);
        first.push(is_first);
        if is_first {
            values.extend([
                c.id.into(),
                c.now.into(),
                c.session_expires_at.into(),
                Param::Text(c.hint.map(|h| h.0.to_string())),
                c.hint.map_or(0, |h| h.1).into(),
            ]);
        }
    }
    if values.is_empty() {
        return Ok(first);
    }
    let mut q = Sql::new(
        "UPDATE impersonations SET redeemed_at = v.column2, session_expires_at = v.column3, \
           hint_hash = v.column4, hint_expires_at = v.column5 FROM (VALUES ",
    );
    q.rows(values, 5).push(
        ") AS v WHERE impersonations.id = v.column1 AND impersonations.redeemed_at = 0 \
           AND impersonations.expires_at > v.column2 AND impersonations.denied_reason = '' \
           AND impersonations.revoked_at = 0 RETURNING id",
    );
    let won: Vec<(String,)> = sqlx::query_as_with(&q.text, q.args)
        .fetch_all(&mut *conn)
        .await?;
    Ok(claims
        .iter()
        .zip(first)
        .map(|(c, first)| first && won.iter().any(|(id,)| id == c.id))
        .collect())
}

/// Ties each new grant to its impersonation, but only while the
/// impersonation is unrevoked; the ids of those that are. A revoke that
/// lands between the claim of a link and the creation of its grant would
/// otherwise find no grant to revoke and leave the new one live. The
/// UPDATE takes the impersonation's row lock on PostgreSQL: a concurrent
/// revoke either commits first (and this finds `revoked_at` set) or waits
/// for this transaction and then sees, and revokes, the grant.
pub(super) async fn tie_grants(
    conn: &mut AnyConnection,
    grants: &[(&str, &str)],
) -> CoreResult<Vec<String>> {
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "UPDATE impersonations SET grant_id = COALESCE(impersonations.grant_id, v.column2) FROM (VALUES ",
    );
    q.rows(
        grants
            .iter()
            .flat_map(|(imp, grant)| [Param::from(*imp), Param::from(*grant)]),
        2,
    )
    .push(
        ") AS v WHERE impersonations.id = v.column1 AND impersonations.revoked_at = 0 RETURNING id",
    );
    let live: Vec<(String,)> = sqlx::query_as_with(&q.text, q.args)
        .fetch_all(&mut *conn)
        .await?;
    Ok(live.into_iter().map(|r| r.0).collect())
}

/// The event of a claim that won.
pub(super) fn claimed(
    b: &mut Batch,
    ctx: &AuditContext,
    rec: &Impersonation,
    audit: Value,
    now: i64,
) {
    b.audit(
        ctx,
        "impersonation.link_redeemed",
        Some(&rec.target_id),
        audit,
        now,
    );
}

/// Ties the link to its grant (the first one made under it) and stamps when
/// tokens were first issued.
pub(super) fn record_tokens(
    b: &mut Batch,
    ctx: &AuditContext,
    rec: &Impersonation,
    audit: Value,
    now: i64,
) {
    b.update(
        "UPDATE impersonations SET \
           grant_id = COALESCE(grant_id, (SELECT g.id FROM grants g WHERE g.impersonation_id = impersonations.id \
                                          ORDER BY g.created_at LIMIT 1)), \
           tokens_issued_at = CASE WHEN tokens_issued_at = 0 THEN v.column2 ELSE tokens_issued_at END \
         FROM (",
        ") AS v WHERE impersonations.id = v.column1",
        vec![(&rec.id).into(), now.into()],
    );
    b.audit(
        ctx,
        "impersonation.tokens_issued",
        Some(&rec.target_id),
        audit,
        now,
    );
}
