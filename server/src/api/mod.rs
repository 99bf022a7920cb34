//! The management REST API under /api/v1: the console's operations for
//! automation, authorized by Management API access tokens.

mod apis;
mod applications;
mod caller;
mod connections;
mod error;
mod impersonation;
mod openapi;
mod settings;
mod users;

use axum::routing::{get, post, put};
use axum::Router;

use app::state::AppState;
pub use caller::Caller;
pub use error::{ApiError, JsonBody, PathParams};

pub fn routes() -> Router<AppState> {
    let v1 = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/users", get(users::list).post(users::create))
        .route(
            "/users/{id}",
            get(users::get).patch(users::patch).delete(users::delete),
        )
        .route("/users/{id}/impersonation", post(impersonation::create))
        .route("/users/{id}/impersonations", get(impersonation::history))
        .route("/impersonations", get(impersonation::live))
        .route("/impersonations/{id}/revoke", post(impersonation::revoke))
        .route(
            "/applications",
            get(applications::list).post(applications::create),
        )
        .route(
            "/applications/{client_id}",
            get(applications::get)
                .put(applications::update)
                .delete(applications::delete),
        )
        .route(
            "/applications/{client_id}/rotate-secret",
            post(applications::rotate_secret),
        )
        .route(
            "/settings/impersonation",
            get(settings::get).put(settings::put),
        )
        .route("/connections", get(connections::list))
        .route(
            "/connections/{id}/clients/{client_id}",
            put(connections::enable).delete(connections::disable),
        )
        .route("/apis", get(apis::list).post(apis::create))
        .route(
            "/apis/{id}",
            get(apis::get).put(apis::update).delete(apis::delete),
        )
        .route(
            "/apis/{id}/clients/{client_id}",
            put(apis::authorize).delete(apis::deauthorize),
        )
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed);
    Router::new().nest("/api/v1", v1)
}
