//! Our own HTML pages for protocol errors that must not be redirected, and
//! the auto-submitting form for response_mode=form_post.

use axum::response::{Html, IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t} · Masquerade</title><link rel=\"stylesheet\" href=\"/pkg/masquerade.css\"></head>\
         <body class=\"min-h-screen bg-slate-50 flex items-center justify-center p-6 font-sans text-slate-900\">\
         <main class=\"w-full max-w-lg rounded-lg bg-white p-8 shadow-sm ring-1 ring-slate-200\">{body}</main></body></html>",
        t = escape(title)
    )
}

/// An error shown to the person in the browser (never sent to the client).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1 class=\"text-xl font-semibold\">{}</h1><p role=\"alert\" class=\"mt-3 text-sm text-slate-700\">{}</p>\
         <p class=\"mt-6 text-xs text-slate-500\">If you followed a link from an application, tell its administrator: \
         the request it sent was not valid.</p>",
        escape(title),
        escape(message)
    );
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(page(title, &body)),
    )
        .into_response()
}

/// Hidden form fields carrying `params` verbatim.
pub fn hidden_inputs(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect()
}

/// OAuth 2.0 Form Post Response Mode: a form that posts itself to the
/// client. The inline script is allowed by a per-response CSP nonce.
pub fn form_post(action: &str, params: &[(String, String)]) -> Response {
    let nonce = masquerade::secrets::new_secret();
    let inputs = hidden_inputs(params);
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signing in…</title></head><body>\
         <form method=\"post\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form>\
         <script nonce=\"{nonce}\">document.forms[0].submit();</script></body></html>",
        escape(action)
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; form-action {}; frame-ancestors 'none'",
        form_action_origin(action)
    );
    let mut res = (StatusCode::OK, Html(html)).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn form_action_origin(action: &str) -> String {
    url::Url::parse(action)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|_| "'none'".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn form_action_is_the_client_origin() {
        assert_eq!(
            form_action_origin("https://app.example.com:8443/cb?x=1"),
            "https://app.example.com:8443"
        );
        assert_eq!(form_action_origin("not a url"), "'none'");
    }
}
