//! What RFC 6749 §2.3.1, §3.2 and §5 ask of a token request.

use super::*;

/// Mirrors RFC 6749 §2.3.1: `Basic base64(urlencode(id):urlencode(secret))`.
pub(super) fn parse_basic(v: &str) -> Option<(String, String)> {
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let text = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    let un = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (un(id), un(secret));
    (!id.contains('\0') && !secret.contains('\0')).then_some((id, secret))
}

pub(super) enum TokExpect {
    Error(Vec<&'static str>),
    Success {
        refresh: bool,
        id_token: bool,
        grant: Option<usize>,
    },
}

/// What RFC 6749 §3.2 and §5 ask of this request, updating the model as
/// the server must (codes and refresh tokens are single-use).
pub(super) fn token_oracle(
    case: &TokenCase,
    clients: &[Client],
    base: &str,
    model: &mut Model,
) -> TokExpect {
    use TokExpect::Error as E;
    let is_form = case
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with(FORM));
    if !is_form || case.body.len() > BODY_LIMIT {
        return E(vec!["invalid_request"]);
    }
    let form = Form::parse(&case.body);
    if form.malformed() {
        return E(vec!["invalid_request"]);
    }
    // Client authentication.
    let (id, secret) = match &case.authorization {
        Some(h) => {
            let Some((id, secret)) = parse_basic(h) else {
                return E(vec!["invalid_client"]);
            };
            if form.get("client_secret").is_some() {
                return E(vec!["invalid_request"]);
            }
            if form.get("client_id").is_some_and(|b| b != id) {
                return E(vec!["invalid_request"]);
            }
            (id, Some(secret))
        }
        None => match form.get("client_id") {
            Some(id) => (
                id.to_string(),
                form.get("client_secret").map(str::to_string),
            ),
            None => return E(vec!["invalid_client"]),
        },
    };
    let Some(client) = find(clients, &id) else {
        return E(vec!["invalid_client"]);
    };
    match (client.secret, secret.as_deref()) {
        (Secret::Known(good), Some(s)) if s == good => {}
        (Secret::Public, None) => {}
        _ => return E(vec!["invalid_client"]),
    }
    // The grant type.
    let Some(grant_type) = form.get("grant_type") else {
        return E(vec!["invalid_request"]);
    };
    if !["authorization_code", "refresh_token", "client_credentials"].contains(&grant_type) {
        return E(vec!["unsupported_grant_type"]);
    }
    if !client.allows(grant_type) {
        return E(vec!["unauthorized_client"]);
    }
    match grant_type {
        "authorization_code" => {
            let Some(code) = form.get("code") else {
                return E(vec!["invalid_request"]);
            };
            let Some((_, info)) = model.codes.iter_mut().find(|(c, _)| c == code) else {
                return E(vec!["invalid_grant"]);
            };
            if info.used {
                model.grants[info.grant].revoked = true;
                return E(vec!["invalid_grant"]);
            }
            info.used = true;
            let pkce_ok = match (info.pkce, form.get("code_verifier")) {
                (true, Some(v)) => v == VERIFIER,
                (true, None) => false,
                (false, Some(_)) => false,
                (false, None) => client.confidential(),
            };
            if info.client != client.id
                || form.get("redirect_uri") != Some(info.redirect_uri.as_str())
                || !pkce_ok
            {
                return E(vec!["invalid_grant"]);
            }
            TokExpect::Success {
                refresh: true,
                id_token: true,
                grant: Some(info.grant),
            }
        }
        "refresh_token" => {
            let Some(token) = form.get("refresh_token") else {
                return E(vec!["invalid_request"]);
            };
            let Some((_, info)) = model.refresh.iter_mut().find(|(t, _)| t == token) else {
                return E(vec!["invalid_grant"]);
            };
            let grant = &mut model.grants[info.grant];
            if info.used {
                grant.revoked = true;
                return E(vec!["invalid_grant"]);
            }
            info.used = true;
            if grant.revoked || info.client != client.id {
                return E(vec!["invalid_grant"]);
            }
            let asked = words(form.get("scope"));
            if asked.iter().any(|s| !grant.scope.iter().any(|g| g == s)) {
                return E(vec!["invalid_scope"]);
            }
            TokExpect::Success {
                refresh: true,
                id_token: form.get("scope").is_none() || asked.contains(&"openid"),
                grant: Some(info.grant),
            }
        }
        _ => {
            let Some(target) = form.get("audience").or_else(|| form.get("resource")) else {
                return E(vec!["invalid_request"]);
            };
            if !client.apis.iter().any(|a| a == target) {
                return E(vec!["invalid_target"]);
            }
            let mgmt = format!("{base}/api/v1/");
            let perms = [
                "users:read",
                "users:write",
                "applications:read",
                "applications:write",
                "connections:read",
                "connections:write",
                "apis:read",
                "apis:write",
                "impersonation:create",
                "impersonation:read",
            ];
            if target == mgmt && words(form.get("scope")).iter().any(|s| !perms.contains(s)) {
                return E(vec!["invalid_scope"]);
            }
            TokExpect::Success {
                refresh: false,
                id_token: false,
                grant: None,
            }
        }
    }
}
