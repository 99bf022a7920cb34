//! Token introspection (RFC 7662): whether an access token is active, and
//! its claims, for a caller allowed to know.

use serde_json::{json, Value};

use super::claims::AccessTokenClaims;
use crate::domain::Application;
use crate::services::Services;

/// The answer for `token` to the authenticated confidential client
/// `caller`. RFC 7662 §4 leaves it to the server to decide who may learn
/// about a token; without a limit any client could read the claims (and
/// confirm the validity) of every other client's tokens. Here a token is
/// described only to the client it was issued to, or to a client that an
/// API in the token's audience authorizes (the resource server's own
/// client). Everyone else hears `{"active": false}`, exactly as for a
/// token that does not exist, so the answer reveals nothing.
pub async fn introspect(svc: &Services, caller: &Application, token: &str, now: i64) -> Value {
    let inactive = json!({"active": false});
    let Ok(claims) = svc
        .keys
        .verify::<AccessTokenClaims>(token, Some("at+jwt"), now)
        .await
    else {
        return inactive;
    };
    if !may_see(svc, caller, &claims).await {
        return inactive;
    }
    if !super::bearer::grant_live(svc, &claims, now).await
        || !super::bearer::impersonation_live(svc, &claims, now).await
    {
        return inactive;
    }
    let mut body = serde_json::to_value(&claims).unwrap_or_else(|_| json!({}));
    body["active"] = json!(true);
    body["token_type"] = json!("Bearer");
    if let Some(o) = body.as_object_mut() {
        o.remove("gid");
    }
    body
}

async fn may_see(svc: &Services, caller: &Application, claims: &AccessTokenClaims) -> bool {
    if claims.client_id == caller.client_id {
        return true;
    }
    for aud in super::bearer::audiences(&claims.aud) {
        if let Ok(Some(api)) = svc.store.api_for_token(aud).await {
            if api.client_ids.iter().any(|c| c == &caller.client_id) {
                return true;
            }
        }
    }
    false
}
