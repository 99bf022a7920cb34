//! Server functions, grouped by domain. Each one checks permission on the
//! server, calls the core, and maps the result to a DTO.

pub mod account;
pub mod apis;
pub mod applications;
pub mod audit;
pub mod audit_verify;
pub mod auth;
pub mod connections;
#[cfg(feature = "ssr")]
pub mod ctx;
pub mod impersonation;
pub mod keys;
pub mod policy;
pub mod roles;
pub mod streams;
pub mod users;
