//! Roles: the list, creating (or duplicating) one, and a role's page with
//! its settings, permissions and members.

pub mod detail;
mod form;
pub mod list;
mod members;
pub mod new;
mod permissions;
