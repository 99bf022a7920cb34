//! Protected users: nobody may sign in as them. Marking someone protected
//! (or not) takes both `users:write` and tenant-wide
//! `impersonation:create`, so that neither a user editor who cannot
//! impersonate nor a support agent who cannot edit users decides it alone;
//! it is audited, and ends the impersonations of that user still live.

use crate::authz::{Permission, Principal};
use crate::domain::User;
use crate::error::CoreResult;
use crate::services::Services;
use crate::store::AuditContext;

pub async fn set_protected(
    svc: &Services,
    principal: &Principal,
    ctx: &AuditContext,
    user_id: &str,
    protected: bool,
    now: i64,
) -> CoreResult<User> {
    crate::authz::require(principal, Permission::UsersWrite)?;
    crate::authz::require(principal, Permission::ImpersonationCreate)?;
    svc.store.set_protected(ctx, user_id, protected, now).await
}
