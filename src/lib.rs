//! Masquerade core: domain types, persistence, console authentication and
//! audit. Server-only; the Leptos UI and the HTTP binary build on it.

pub mod account;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod client_ip;
pub mod demo;
pub mod domain;
pub mod error;
pub mod impersonation;
pub mod keys;
pub mod navigation;
pub mod oidc;
pub mod password;
pub mod secrets;
pub mod services;
pub mod store;
pub mod validate;

#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{CoreError, CoreResult, FieldError};
pub use services::{RuntimeConfig, Services};
pub use store::Store;

/// Wall-clock time in Unix seconds. Core functions take `now` as a parameter
/// so tests can move time; only the edges call this.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
