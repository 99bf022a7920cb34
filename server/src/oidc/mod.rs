//! OpenID Connect endpoints: thin axum handlers over `masquerade::oidc`.

pub mod authorize;
mod logout;
pub mod pages;
pub use pages::escape;
mod revoke;
mod token;
mod userinfo;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::{header, StatusCode};

use app::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/authorize", get(authorize::get).post(authorize::post))
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .route("/oidc/logout", get(logout::get).post(logout::post))
        .route("/impersonate/{ticket}", get(crate::impersonate::open))
}

/// The token, revocation and introspection endpoints. Clients authenticate
/// to them and they never see a console session, so the session check and
/// the CSRF origin check (which both pass `/oauth/` through) are skipped by
/// mounting them outside those layers: on the busiest route of all, two
/// middleware passes were about 6% of the server's CPU time.
pub fn oauth_routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(revoke::revoke))
        .route("/oauth/introspect", post(revoke::introspect))
}

async fn discovery(State(state): State<AppState>) -> Response {
    let doc = masquerade::oidc::discovery::document(&state.services.config.public_url);
    json_response(StatusCode::OK, doc.to_string(), "public, max-age=300")
}

async fn jwks(State(state): State<AppState>) -> Response {
    let _ = state
        .services
        .keys
        .refresh_if_stale(masquerade::unix_now())
        .await;
    json_response(
        StatusCode::OK,
        state.services.keys.jwks_json(),
        "public, max-age=60",
    )
}

pub fn json_response(status: StatusCode, body: String, cache: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}

/// Decoded pairs from a query string or form body, keeping repeats so the
/// protocol layer can refuse them. Invalid UTF-8 becomes U+FFFD.
pub fn pairs(raw: impl AsRef<[u8]>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.as_ref())
        .into_owned()
        .collect()
}

/// A protocol endpoint's form body, taken as bytes rather than `String` so
/// that invalid UTF-8 is just another bad value, and a body over the limit
/// is answered in the endpoint's own error format instead of axum's
/// plain-text rejection.
pub type FormBody = Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>;

pub const BODY_UNREADABLE: &str = "The request body is too large or could not be read.";
