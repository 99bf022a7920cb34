//! What the specifications call for, given an `/authorize` request: the
//! response types and modes, and the oracle.

use super::*;

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(super) struct Rt {
    pub(super) code: bool,
    pub(super) id_token: bool,
    pub(super) token: bool,
}

impl Rt {
    pub(super) fn parse(s: &str) -> Option<Rt> {
        let mut rt = Rt::default();
        let parts = words(Some(s));
        for p in &parts {
            match *p {
                "code" => rt.code = true,
                "id_token" => rt.id_token = true,
                "token" => rt.token = true,
                _ => return None,
            }
        }
        (!parts.is_empty()).then_some(rt)
    }
    pub(super) fn tokens(self) -> bool {
        self.id_token || self.token
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Query,
    Fragment,
    FormPost,
}

impl Mode {
    pub(super) fn parse(s: &str) -> Option<Mode> {
        match s {
            "query" => Some(Mode::Query),
            "fragment" => Some(Mode::Fragment),
            "form_post" => Some(Mode::FormPost),
            _ => None,
        }
    }
    pub(super) fn default_for(rt: Rt) -> Mode {
        if rt.tokens() {
            Mode::Fragment
        } else {
            Mode::Query
        }
    }
}

/// What the specifications call for.
pub(super) enum AzExpect {
    /// Our own error page: the client or its redirect URI cannot be trusted.
    Page,
    /// Back to the client with one of these codes.
    Error(Vec<&'static str>),
    /// A valid request: a code and/or tokens, or a trip to the login page.
    Valid(Rt),
}

pub(super) struct AzOracle {
    pub(super) expect: AzExpect,
    pub(super) redirect_uri: String,
    pub(super) mode: Mode,
    pub(super) state: Option<String>,
}

pub(super) fn authorize_oracle(form: &Form, clients: &[Client], too_big: bool) -> AzOracle {
    let page = AzOracle {
        expect: AzExpect::Page,
        redirect_uri: String::new(),
        mode: Mode::Query,
        state: None,
    };
    if too_big || form.bad.contains("client_id") || form.bad.contains("redirect_uri") {
        return page;
    }
    let Some(client) = form.get("client_id").and_then(|id| find(clients, id)) else {
        return page;
    };
    let redirect_uri = match form.get("redirect_uri") {
        Some(r) => r.to_string(),
        None if client.callbacks.len() == 1
            && !form.get("scope").is_some_and(|s| s.contains("openid")) =>
        {
            client.callbacks[0].clone()
        }
        None => return page,
    };
    if !client.callbacks.contains(&redirect_uri) {
        return page;
    }
    let rt = form.get("response_type").and_then(Rt::parse);
    let rt0 = rt.unwrap_or_default();
    let mode = match form.get("response_mode").and_then(Mode::parse) {
        Some(Mode::Query) if rt0.tokens() => Mode::default_for(rt0),
        Some(m) => m,
        None => Mode::default_for(rt0),
    };
    let mut errors = Vec::new();
    if form.malformed() {
        errors.push("invalid_request");
    }
    if form.get("request").is_some() {
        errors.push("request_not_supported");
    }
    if form.get("request_uri").is_some() {
        errors.push("request_uri_not_supported");
    }
    match (form.get("response_type"), rt) {
        (None, _) => errors.push("invalid_request"),
        (Some(_), None) => errors.push("unsupported_response_type"),
        (Some(_), Some(rt)) => {
            if rt.code && !client.allows("authorization_code")
                || rt.tokens() && !client.allows("implicit")
            {
                errors.push("unauthorized_client");
            }
            match form.get("response_mode").map(Mode::parse) {
                Some(None) => errors.push("invalid_request"),
                Some(Some(Mode::Query)) if rt.tokens() => errors.push("invalid_request"),
                _ => {}
            }
            let scope = words(form.get("scope"));
            if rt.id_token && !scope.contains(&"openid") {
                errors.push("invalid_scope");
            }
            if rt.id_token && form.get("nonce").is_none() {
                errors.push("invalid_request");
            }
            if rt.code && !client.confidential() && form.get("code_challenge").is_none() {
                errors.push("invalid_request");
            }
        }
    }
    match (
        form.get("code_challenge"),
        form.get("code_challenge_method"),
    ) {
        (Some(c), Some("S256"))
            if c.len() == 43
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {}
        (None, None) => {}
        _ => errors.push("invalid_request"),
    }
    let prompt = words(form.get("prompt"));
    if prompt.contains(&"none") && prompt.len() > 1
        || prompt
            .iter()
            .any(|p| !["none", "login", "consent", "select_account"].contains(p))
    {
        errors.push("invalid_request");
    }
    if form
        .get("max_age")
        .is_some_and(|m| !m.parse::<i64>().is_ok_and(|n| n >= 0))
    {
        errors.push("invalid_request");
    }
    match (form.get("audience"), form.get("resource")) {
        (Some(a), Some(r)) if a != r => errors.push("invalid_target"),
        (Some(a), _) | (None, Some(a)) if !client.apis.iter().any(|x| x == a) => {
            errors.push("invalid_target")
        }
        _ => {}
    }
    AzOracle {
        expect: match (errors.is_empty(), rt) {
            (true, Some(rt)) => AzExpect::Valid(rt),
            _ => AzExpect::Error(errors),
        },
        redirect_uri,
        mode,
        state: form.get("state").map(str::to_string),
    }
}
