//! Weaknesses found in the security review (issue 10), each shown over HTTP
//! against the real binary on both databases: where sign-in may send the
//! browser, the sign-in throttle under concurrency, who may introspect a
//! token, what an RP-initiated logout may end, and which client address
//! counts behind a proxy.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;
mod logout;
mod sign_in;
mod tokens;

use common::*;
use logout::*;
use sign_in::*;
use tokens::*;

both_backends!(
    next_after_sign_in_stays_on_this_site,
    control_characters_in_next_never_panic,
    concurrent_guesses_get_at_most_the_limit,
    introspection_answers_only_the_tokens_client_and_its_api,
    an_access_token_is_not_a_logout_hint,
    someone_elses_id_token_asks_before_signing_out,
    logout_by_post_from_the_application_works,
);

/// A sign-in posted as a plain HTML form (the browser without scripts),
/// with extra headers; the raw response.
pub async fn post_sign_in(
    s: &Server,
    form: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Result<reqwest::Response> {
    let mut req = client()
        .post(format!("{}/api/sign_in", s.base))
        .header(reqwest::header::ORIGIN, &s.base)
        .form(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await
}
