//! Validation of authorization requests (RFC 6749 §4, OIDC Core §3,
//! OAuth 2.0 Multiple Response Types, RFC 7636, RFC 9700).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::AuthorizeError;
use super::params::space_list;
use super::pkce;
use crate::domain::Application;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResponseType {
    pub code: bool,
    pub id_token: bool,
    pub token: bool,
}

impl ResponseType {
    pub fn parse(s: &str) -> Option<ResponseType> {
        let mut rt = ResponseType::default();
        let parts = space_list(s);
        for p in &parts {
            match p.as_str() {
                "code" => rt.code = true,
                "id_token" => rt.id_token = true,
                "token" => rt.token = true,
                _ => return None,
            }
        }
        // `token` alone is plain OAuth implicit; every other combination is
        // allowed by OIDC. Only an empty set is meaningless.
        (!parts.is_empty()).then_some(rt)
    }

    /// Tokens (not just a code) travel in the response.
    pub fn returns_tokens(self) -> bool {
        self.id_token || self.token
    }

    pub fn as_str(self) -> String {
        let mut v = Vec::new();
        if self.code {
            v.push("code");
        }
        if self.id_token {
            v.push("id_token");
        }
        if self.token {
            v.push("token");
        }
        v.join(" ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    Query,
    Fragment,
    FormPost,
}

impl ResponseMode {
    pub fn parse(s: &str) -> Option<ResponseMode> {
        match s {
            "query" => Some(ResponseMode::Query),
            "fragment" => Some(ResponseMode::Fragment),
            "form_post" => Some(ResponseMode::FormPost),
            _ => None,
        }
    }

    /// Query for a code alone, fragment whenever tokens are returned.
    pub fn default_for(rt: ResponseType) -> ResponseMode {
        if rt.returns_tokens() {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// The request left `redirect_uri` out (allowed with one registered
    /// callback), so the token request need not repeat it (RFC 6749 §4.1.3).
    #[serde(default)]
    pub redirect_uri_omitted: bool,
    pub response_type: ResponseType,
    pub response_mode: ResponseMode,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt_none: bool,
    pub prompt_login: bool,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The API the access token is for (`audience`, or `resource` per RFC 8707).
    pub audience: Option<String>,
}

/// Where errors may be sent once the client and redirect URI are trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorTarget {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

/// Step one: the client and the redirect URI. Failures here are shown on
/// our own page: redirecting to an unverified URI would make us an open
/// redirector.
pub fn check_client<'a>(
    params: &HashMap<String, String>,
    app: Option<&'a Application>,
) -> Result<(&'a Application, String), AuthorizeError> {
    let client_id = params
        .get("client_id")
        .ok_or_else(|| AuthorizeError::ShowToUser("The request has no client_id.".into()))?;
    let app = app.ok_or_else(|| {
        AuthorizeError::ShowToUser(format!(
            "No application has the client_id \"{}\".",
            shorten(client_id)
        ))
    })?;
    let redirect_uri = match params.get("redirect_uri") {
        Some(r) => r.clone(),
        // OIDC requires redirect_uri; OAuth allows omitting it only with
        // exactly one registered, which we accept for that one case.
        None if app.callback_urls.len() == 1
            && !params.get("scope").is_some_and(|s| s.contains("openid")) =>
        {
            app.callback_urls[0].clone()
        }
        None => {
            return Err(AuthorizeError::ShowToUser(
                "The request has no redirect_uri.".into(),
            ))
        }
    };
    if !app.callback_urls.iter().any(|u| u == &redirect_uri) {
        return Err(AuthorizeError::ShowToUser(format!(
            "The redirect_uri \"{}\" is not registered for {}. Callback URLs must match exactly.",
            shorten(&redirect_uri),
            app.name
        )));
    }
    Ok((app, redirect_uri))
}

fn shorten(s: &str) -> String {
    let t: String = s.chars().take(200).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// The error target for a request whose client and redirect URI are valid.
pub fn error_target(params: &HashMap<String, String>, redirect_uri: &str) -> ErrorTarget {
    let rt = params
        .get("response_type")
        .and_then(|s| ResponseType::parse(s))
        .unwrap_or_default();
    let mode = params
        .get("response_mode")
        .and_then(|m| ResponseMode::parse(m))
        .filter(|m| !(rt.returns_tokens() && *m == ResponseMode::Query))
        .unwrap_or_else(|| ResponseMode::default_for(rt));
    ErrorTarget {
        redirect_uri: redirect_uri.to_string(),
        mode,
        state: params.get("state").cloned(),
    }
}

/// Step two: everything else, given a trusted client and redirect URI.
/// `audiences` lists the API identifiers this client may request.
pub fn validate(
    params: &HashMap<String, String>,
    app: &Application,
    redirect_uri: String,
    audiences: &[String],
) -> Result<AuthorizeRequest, AuthorizeError> {
    use AuthorizeError as E;
    if params.contains_key("request") {
        return Err(E::redirect(
            "request_not_supported",
            "Request objects are not supported.",
        ));
    }
    if params.contains_key("request_uri") {
        return Err(E::redirect(
            "request_uri_not_supported",
            "request_uri is not supported.",
        ));
    }
    let rt_raw = params
        .get("response_type")
        .ok_or_else(|| E::redirect("invalid_request", "response_type is required."))?;
    let rt = ResponseType::parse(rt_raw).ok_or_else(|| {
        E::redirect(
            "unsupported_response_type",
            format!("Unsupported response_type \"{}\".", shorten(rt_raw)),
        )
    })?;
    if rt.code && !app.grant_types.iter().any(|g| g == "authorization_code") {
        return Err(E::redirect(
            "unauthorized_client",
            "This application may not use the authorization code grant.",
        ));
    }
    if rt.returns_tokens() && !app.grant_types.iter().any(|g| g == "implicit") {
        return Err(E::redirect(
            "unauthorized_client",
            "This application may not receive tokens from the authorization endpoint.",
        ));
    }
    let mode = match params.get("response_mode") {
        None => ResponseMode::default_for(rt),
        Some(m) => {
            let mode = ResponseMode::parse(m).ok_or_else(|| {
                E::redirect(
                    "invalid_request",
                    format!("Unsupported response_mode \"{}\".", shorten(m)),
                )
            })?;
            if mode == ResponseMode::Query && rt.returns_tokens() {
                return Err(E::redirect(
                    "invalid_request",
                    "Tokens are never returned in the query string; use fragment or form_post.",
                ));
            }
            mode
        }
    };
    let scope = space_list(params.get("scope").map(String::as_str).unwrap_or(""));
    let openid = scope.iter().any(|s| s == "openid");
    if rt.id_token && !openid {
        return Err(E::redirect(
            "invalid_scope",
            "response_type id_token requires the openid scope.",
        ));
    }
    let nonce = params.get("nonce").cloned();
    if rt.id_token && nonce.is_none() {
        return Err(E::redirect(
            "invalid_request",
            "nonce is required when an ID token is returned from the authorization endpoint.",
        ));
    }
    let code_challenge = params.get("code_challenge").cloned();
    if let Some(c) = &code_challenge {
        if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
            return Err(E::redirect(
                "invalid_request",
                "code_challenge_method must be S256.",
            ));
        }
        if !pkce::is_valid_challenge(c) {
            return Err(E::redirect(
                "invalid_request",
                "code_challenge must be a base64url SHA-256 (43 characters).",
            ));
        }
    } else if params.contains_key("code_challenge_method") {
        return Err(E::redirect(
            "invalid_request",
            "code_challenge_method was given without code_challenge.",
        ));
    }
    if rt.code && code_challenge.is_none() && !app.app_type.is_confidential() {
        return Err(E::redirect(
            "invalid_request",
            "Public clients must use PKCE (code_challenge with S256).",
        ));
    }
    let prompts = space_list(params.get("prompt").map(String::as_str).unwrap_or(""));
    let prompt_none = prompts.iter().any(|p| p == "none");
    if prompt_none && prompts.len() > 1 {
        return Err(E::redirect(
            "invalid_request",
            "prompt=none cannot be combined with other values.",
        ));
    }
    if let Some(bad) = prompts
        .iter()
        .find(|p| !["none", "login", "consent", "select_account"].contains(&p.as_str()))
    {
        return Err(E::redirect(
            "invalid_request",
            format!("Unknown prompt value \"{}\".", shorten(bad)),
        ));
    }
    let max_age = match params.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            E::redirect("invalid_request", "max_age must be a non-negative integer.")
        })?),
    };
    let audience = match (params.get("audience"), params.get("resource")) {
        (Some(a), Some(r)) if a != r => {
            return Err(E::redirect(
                "invalid_target",
                "audience and resource name different APIs.",
            ));
        }
        (Some(a), _) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    };
    if let Some(a) = &audience {
        if !audiences.iter().any(|x| x == a) {
            return Err(E::redirect(
                "invalid_target",
                format!(
                    "This application is not authorized for the API \"{}\".",
                    shorten(a)
                ),
            ));
        }
    }
    Ok(AuthorizeRequest {
        client_id: app.client_id.clone(),
        redirect_uri,
        redirect_uri_omitted: !params.contains_key("redirect_uri"),
        response_type: rt,
        response_mode: mode,
        scope,
        state: params.get("state").cloned(),
        nonce,
        code_challenge,
        prompt_none,
        prompt_login: prompts.iter().any(|p| p == "login"),
        max_age,
        login_hint: params.get("login_hint").cloned(),
        audience,
    })
}

/// Whether an existing sign-in at `auth_time` satisfies the request.
pub fn session_satisfies(req: &AuthorizeRequest, auth_time: i64, now: i64) -> bool {
    !req.prompt_login && req.max_age.is_none_or(|m| now - auth_time <= m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AppType;

    fn app(kind: AppType) -> Application {
        Application {
            client_id: "c1".into(),
            name: "Shop".into(),
            description: String::new(),
            app_type: kind,
            has_secret: kind.is_confidential(),
            secret_rotated_at: None,
            callback_urls: vec![
                "https://shop.example.com/cb".into(),
                "https://shop.example.com/cb2".into(),
            ],
            allowed_logout_urls: vec![],
            allowed_web_origins: vec![],
            initiate_login_uri: None,
            grant_types: vec![
                "authorization_code".into(),
                "implicit".into(),
                "refresh_token".into(),
            ],
            allow_impersonation: false,
            connection_ids: vec![],
            created_at: 0,
            updated_at: 0,
            tokens: Default::default(),
        }
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "c1"),
            ("redirect_uri", "https://shop.example.com/cb"),
            ("response_type", "code"),
            ("scope", "openid profile"),
            ("state", "s1"),
        ]
    }

    fn run(
        extra: &[(&'static str, &'static str)],
        kind: AppType,
    ) -> Result<AuthorizeRequest, AuthorizeError> {
        let mut p = base();
        for (k, v) in extra {
            p.retain(|(a, _)| a != k);
            if !v.is_empty() {
                p.push((k, v));
            }
        }
        let p = params(&p);
        let a = app(kind);
        let (a, r) = check_client(&p, Some(&a))?;
        validate(&p, a, r, &["https://api.example.com/".to_string()])
    }

    fn code_of(r: Result<AuthorizeRequest, AuthorizeError>) -> &'static str {
        match r {
            Err(AuthorizeError::Redirect { error, .. }) => error,
            Err(AuthorizeError::ShowToUser(_)) => "shown",
            Ok(_) => "ok",
        }
    }

    #[test]
    fn code_flow_defaults() {
        let r = run(&[], AppType::RegularWeb).unwrap();
        assert_eq!(r.response_mode, ResponseMode::Query);
        assert!(r.response_type.code && !r.response_type.returns_tokens());
        assert_eq!(r.state.as_deref(), Some("s1"));
    }

    #[test]
    fn redirect_uri_must_match_exactly_and_is_never_redirected_to() {
        assert_eq!(
            code_of(run(
                &[("redirect_uri", "https://shop.example.com/cb/")],
                AppType::RegularWeb
            )),
            "shown"
        );
        assert_eq!(
            code_of(run(
                &[("redirect_uri", "https://evil.example/cb")],
                AppType::RegularWeb
            )),
            "shown"
        );
        let unknown = params(&[
            ("client_id", "nope"),
            ("redirect_uri", "https://shop.example.com/cb"),
        ]);
        assert!(matches!(
            check_client(&unknown, None),
            Err(AuthorizeError::ShowToUser(_))
        ));
    }

    #[test]
    fn every_response_type_combination() {
        for rt in [
            "code",
            "id_token",
            "token",
            "code id_token",
            "code token",
            "id_token token",
            "code id_token token",
        ] {
            let r = run(
                &[("response_type", rt), ("nonce", "n")],
                AppType::RegularWeb,
            )
            .unwrap();
            assert_eq!(
                r.response_type.as_str(),
                ResponseType::parse(rt).unwrap().as_str()
            );
            let expected = if rt == "code" {
                ResponseMode::Query
            } else {
                ResponseMode::Fragment
            };
            assert_eq!(r.response_mode, expected, "{rt}");
        }
        assert_eq!(
            code_of(run(
                &[("response_type", "code banana")],
                AppType::RegularWeb
            )),
            "unsupported_response_type"
        );
    }

    #[test]
    fn tokens_never_in_query() {
        assert_eq!(
            code_of(run(
                &[("response_type", "token"), ("response_mode", "query")],
                AppType::RegularWeb
            )),
            "invalid_request"
        );
        assert!(run(
            &[
                ("response_type", "id_token"),
                ("nonce", "n"),
                ("response_mode", "form_post")
            ],
            AppType::RegularWeb
        )
        .is_ok());
    }

    #[test]
    fn nonce_and_openid_for_id_tokens() {
        assert_eq!(
            code_of(run(&[("response_type", "id_token")], AppType::RegularWeb)),
            "invalid_request"
        );
        assert_eq!(
            code_of(run(
                &[
                    ("response_type", "id_token"),
                    ("nonce", "n"),
                    ("scope", "profile")
                ],
                AppType::RegularWeb
            )),
            "invalid_scope"
        );
    }

    #[test]
    fn pkce_rules() {
        assert_eq!(
            code_of(run(&[], AppType::SinglePage)),
            "invalid_request",
            "public clients need PKCE"
        );
        assert!(run(
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256")
            ],
            AppType::SinglePage
        )
        .is_ok());
        assert_eq!(
            code_of(run(
                &[
                    ("code_challenge", CHALLENGE),
                    ("code_challenge_method", "plain")
                ],
                AppType::SinglePage
            )),
            "invalid_request"
        );
        assert_eq!(
            code_of(run(&[("code_challenge", CHALLENGE)], AppType::SinglePage)),
            "invalid_request"
        );
        assert_eq!(
            code_of(run(
                &[
                    ("code_challenge", "short"),
                    ("code_challenge_method", "S256")
                ],
                AppType::SinglePage
            )),
            "invalid_request"
        );
    }

    #[test]
    fn prompt_max_age_audience() {
        assert_eq!(
            code_of(run(&[("prompt", "none login")], AppType::RegularWeb)),
            "invalid_request"
        );
        assert_eq!(
            code_of(run(&[("max_age", "-1")], AppType::RegularWeb)),
            "invalid_request"
        );
        let r = run(
            &[("max_age", "60"), ("prompt", "login")],
            AppType::RegularWeb,
        )
        .unwrap();
        assert!(!session_satisfies(&r, 1000, 1010));
        let r = run(&[("max_age", "60")], AppType::RegularWeb).unwrap();
        assert!(session_satisfies(&r, 1000, 1060));
        assert!(!session_satisfies(&r, 1000, 1061));
        assert!(run(
            &[("audience", "https://api.example.com/")],
            AppType::RegularWeb
        )
        .is_ok());
        assert!(run(
            &[("resource", "https://api.example.com/")],
            AppType::RegularWeb
        )
        .is_ok());
        assert_eq!(
            code_of(run(
                &[("audience", "https://other.example.com/")],
                AppType::RegularWeb
            )),
            "invalid_target"
        );
    }

    #[test]
    fn grant_types_are_enforced() {
        let mut a = app(AppType::RegularWeb);
        a.grant_types = vec!["authorization_code".into()];
        let p = params(&[
            ("client_id", "c1"),
            ("redirect_uri", "https://shop.example.com/cb"),
            ("response_type", "token"),
        ]);
        let (a, r) = check_client(&p, Some(&a)).unwrap();
        assert!(matches!(
            validate(&p, a, r, &[]),
            Err(AuthorizeError::Redirect {
                error: "unauthorized_client",
                ..
            })
        ));
    }

    #[test]
    fn error_target_never_uses_query_for_token_responses() {
        let p = params(&[
            ("response_type", "id_token token"),
            ("response_mode", "query"),
            ("state", "x"),
        ]);
        let t = error_target(&p, "https://shop.example.com/cb");
        assert_eq!(t.mode, ResponseMode::Fragment);
        assert_eq!(t.state.as_deref(), Some("x"));
    }
}
