//! The management REST API under /api/v1: the console's operations for
//! automation, authorized by Management API access tokens.

mod apis;
mod applications;
mod audit;
mod caller;
mod connections;
mod error;
mod impersonation;
mod openapi;
mod policy;
mod roles;
mod settings;
mod users;

use axum::routing::MethodRouter;
use axum::Router;

use app::state::AppState;
pub use caller::Caller;
pub use error::{ApiError, JsonBody, PathParams};

/// Declares the routes once: `routes()` serves them and `ROUTES` lists each
/// path with its methods, so a test can hold the OpenAPI document to exactly
/// what the router serves.
macro_rules! api_routes {
    ($($path:literal => { $($method:ident: $handler:path),+ $(,)? }),+ $(,)?) => {
        /// Every path under /api/v1 with the methods it answers (lower case,
        /// as OpenAPI spells them).
        #[cfg(test)]
        pub const ROUTES: &[(&str, &[&str])] = &[$(($path, &[$(stringify!($method)),+])),+];

        fn v1_router() -> Router<AppState> {
            Router::new()$(.route($path, MethodRouter::new()$(.$method($handler))+))+
        }
    };
}

api_routes! {
    "/openapi.json" => { get: openapi::document },
    "/users" => { get: users::list, post: users::create },
    "/users/{id}" => { get: users::get, patch: users::patch, delete: users::delete },
    "/users/{id}/impersonation" => { post: impersonation::create },
    "/users/{id}/impersonations" => { get: impersonation::history },
    "/impersonations" => { get: impersonation::live },
    "/impersonations/{id}/revoke" => { post: impersonation::revoke },
    "/impersonations/revoke-all" => { post: policy::revoke_all },
    "/impersonation/check" => { post: policy::check },
    "/impersonation/requests" => { get: policy::requests },
    "/impersonation/requests/{id}" => { get: policy::request },
    "/impersonation/requests/{id}/approve" => { post: policy::approve },
    "/impersonation/requests/{id}/reject" => { post: policy::reject },
    "/users/{id}/protection" => { put: policy::set_protection },
    "/applications" => { get: applications::list, post: applications::create },
    "/applications/{client_id}" => {
        get: applications::get,
        put: applications::update,
        delete: applications::delete,
    },
    "/applications/{client_id}/rotate-secret" => { post: applications::rotate_secret },
    "/settings/impersonation" => { get: settings::get, put: settings::put },
    "/connections" => { get: connections::list },
    "/connections/{id}/clients/{client_id}" => {
        put: connections::enable,
        delete: connections::disable,
    },
    "/apis" => { get: apis::list, post: apis::create },
    "/apis/{id}" => { get: apis::get, put: apis::update, delete: apis::delete },
    "/apis/{id}/clients/{client_id}" => { put: apis::authorize, delete: apis::deauthorize },
    "/apis/{id}/clients/{client_id}/permissions" => { put: roles::set_client_grant },
    "/roles" => { get: roles::list, post: roles::create },
    "/roles/{id}" => { get: roles::get, put: roles::update, delete: roles::delete },
    "/roles/{id}/permissions" => {
        get: roles::permissions,
        post: roles::add_permissions,
        delete: roles::remove_permissions,
    },
    "/roles/{id}/users" => { get: roles::members, post: roles::add_members },
    "/roles/{id}/users/{user_id}" => { delete: roles::remove_member },
    "/users/{id}/roles" => { get: roles::user_roles, post: roles::add_user_roles },
    "/users/{id}/roles/{role_id}" => { delete: roles::remove_user_role },
    "/users/{id}/permissions" => { get: roles::user_permissions },
    "/audit/events" => { get: audit::events },
    "/audit/events/{id}" => { get: audit::event },
    "/audit/export" => { get: audit::export },
    "/audit/verify" => { post: audit::verify },
    "/settings/audit" => { get: audit::get_settings, put: audit::put_settings },
    "/settings/audit/streams/{id}/test" => { post: audit::test_stream },
    "/settings/audit/streams/{id}/resume" => { post: audit::resume_stream },
    "/impersonations/{id}/timeline" => { get: audit::timeline },
}

pub fn routes() -> Router<AppState> {
    let v1 = v1_router()
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed);
    Router::new().nest("/api/v1", v1)
}
