//! Reading an `/authorize` response and checking it against the oracle.

use super::*;

pub(super) fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The action and fields of a form_post page.
pub(super) fn form_post_fields(html: &str) -> Option<(String, HashMap<String, String>)> {
    let action = html
        .split("<form method=\"post\" action=\"")
        .nth(1)?
        .split('"')
        .next()?;
    let mut fields = HashMap::new();
    for input in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let (name, rest) = input.split_once("\" value=\"")?;
        let value = rest.split_once("\">")?.0;
        fields.insert(html_unescape(name), html_unescape(value));
    }
    Some((html_unescape(action), fields))
}

pub(super) enum AzOutcome {
    Page,
    Login(String),
    Back(Mode, HashMap<String, String>),
}

/// Reads the response into an outcome, checking what holds for every one.
pub(super) fn az_outcome(
    oracle: &AzOracle,
    status: StatusCode,
    h: &HeaderMap,
    body: &str,
) -> Result<AzOutcome, String> {
    if status.is_server_error() {
        return Err(format!("server error {status}: {}", short(body, 300)));
    }
    let location = header(h, LOCATION);
    if status == StatusCode::BAD_REQUEST {
        if !location.is_empty() {
            return Err(format!("an error page with a Location: {location}"));
        }
        if !header(h, CONTENT_TYPE).starts_with("text/html")
            || !body.contains("This sign-in request is not valid")
        {
            return Err(format!(
                "400 that is not our error page: {}",
                short(body, 300)
            ));
        }
        if header(h, "cache-control") != "no-store" {
            return Err("error page without Cache-Control: no-store".into());
        }
        return Ok(AzOutcome::Page);
    }
    if status == StatusCode::SEE_OTHER && location.starts_with("/login?next=%2Fauthorize%3F") {
        return Ok(AzOutcome::Login(location));
    }
    if status == StatusCode::FOUND {
        if header(h, "cache-control") != "no-store" {
            return Err("authorization response without Cache-Control: no-store".into());
        }
        let Some(rest) = location.strip_prefix(oracle.redirect_uri.as_str()) else {
            return Err(format!(
                "redirect to {} (expected {:?})",
                short(&location, 200),
                oracle.redirect_uri
            ));
        };
        if oracle.redirect_uri.is_empty() {
            return Err(format!("redirect to {}", short(&location, 200)));
        }
        if let Some(q) = rest.strip_prefix('?') {
            if q.contains('#') {
                return Err(format!("query and fragment at once: {location}"));
            }
            return Ok(AzOutcome::Back(Mode::Query, query_pairs(q)));
        }
        if let Some(f) = rest.strip_prefix('#') {
            return Ok(AzOutcome::Back(Mode::Fragment, query_pairs(f)));
        }
        return Err(format!("redirect to {}", short(&location, 200)));
    }
    if status == StatusCode::OK {
        let Some((action, fields)) = form_post_fields(body) else {
            return Err(format!("200 that is not a form_post: {}", short(body, 300)));
        };
        if action != oracle.redirect_uri {
            return Err(format!("form_post to {action}"));
        }
        if !header(h, "content-security-policy").contains("script-src 'nonce-") {
            return Err("form_post without a CSP nonce".into());
        }
        return Ok(AzOutcome::Back(Mode::FormPost, fields));
    }
    Err(format!(
        "unexpected {status} Location={location:?} {}",
        short(body, 200)
    ))
}

/// Checks a response against the oracle; returns a short outcome label.
pub(super) fn check_authorize(
    base: &str,
    case: &AzCase,
    oracle: &AzOracle,
    outcome: AzOutcome,
) -> Result<String, String> {
    let form = Form::parse(&case.body);
    let (mode, params) = match (&oracle.expect, outcome) {
        (AzExpect::Page, AzOutcome::Page) => return Ok("page".into()),
        (AzExpect::Page, _) => {
            return Err("expected our own error page (untrusted client or redirect_uri)".into())
        }
        (_, AzOutcome::Page) => {
            return Err(format!(
                "our error page, though the client and redirect_uri are valid (expected {})",
                match &oracle.expect {
                    AzExpect::Error(e) => format!("error in {e:?}"),
                    _ => "success or login".into(),
                }
            ))
        }
        (AzExpect::Error(e), AzOutcome::Login(_)) => {
            return Err(format!("sent to log in, expected error in {e:?}"))
        }
        (AzExpect::Valid(_), AzOutcome::Login(l)) => {
            let prompt = words(form.get("prompt"));
            let may_relogin = prompt.contains(&"login")
                || form.get("max_age").is_some()
                || form.get("mq_auth_after").is_some();
            if prompt.contains(&"none") {
                return Err("prompt=none must never show the login page".into());
            }
            if case.session && !may_relogin {
                return Err(format!("signed in, yet sent to log in: {l}"));
            }
            return Ok("login".into());
        }
        (_, AzOutcome::Back(mode, params)) => (mode, params),
    };
    if mode != oracle.mode {
        return Err(format!(
            "response in {mode:?} mode, expected {:?}: {params:?}",
            oracle.mode
        ));
    }
    if mode == Mode::Query
        && (params.contains_key("access_token") || params.contains_key("id_token"))
    {
        return Err("tokens in a query string".into());
    }
    if params.get("state").map(String::as_str) != oracle.state.as_deref() {
        return Err(format!(
            "state {:?}, expected {:?}",
            params.get("state").map(|s| short(s, 60)),
            oracle.state.as_deref().map(|s| short(s, 60))
        ));
    }
    if params.get("iss").map(String::as_str) != Some(base) {
        return Err(format!("iss {:?}, expected {base}", params.get("iss")));
    }
    let error = params.get("error").map(String::as_str);
    if let Some(e) = error {
        if !AUTHORIZE_ERRORS.contains(&e) {
            return Err(format!("error {e:?} is not an RFC error code"));
        }
        if ["code", "access_token", "id_token"]
            .iter()
            .any(|k| params.contains_key(*k))
        {
            return Err(format!(
                "an error response with a code or token: {params:?}"
            ));
        }
    }
    match (&oracle.expect, error) {
        (AzExpect::Error(codes), Some(e)) if codes.contains(&e) => Ok(format!("error:{e}")),
        (AzExpect::Error(codes), e) => Err(format!(
            "error {e:?}, expected one of {codes:?} ({:?})",
            params.get("error_description")
        )),
        (AzExpect::Valid(_), Some("login_required")) => {
            let prompt = words(form.get("prompt"));
            let stale = form.get("max_age").is_some() || form.get("mq_auth_after").is_some();
            if prompt.contains(&"none") && (!case.session || stale) {
                Ok("error:login_required".into())
            } else {
                Err("login_required without prompt=none and a missing or stale session".into())
            }
        }
        (AzExpect::Valid(_), Some(e)) => Err(format!(
            "error {e:?} for a valid request ({:?})",
            params.get("error_description")
        )),
        (AzExpect::Valid(rt), None) => {
            if !case.session {
                return Err("a code or tokens without a session".into());
            }
            for (key, wanted) in [
                ("code", rt.code),
                ("id_token", rt.id_token),
                ("access_token", rt.token),
            ] {
                if params.contains_key(key) != wanted {
                    return Err(format!("{key} present: {}, expected {wanted}", !wanted));
                }
            }
            Ok(format!("success:{mode:?}"))
        }
        (AzExpect::Page, _) => unreachable!(),
    }
}
