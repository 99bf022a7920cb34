//! Domain types: what the store reads and writes, independent of any UI.

pub mod api;
pub mod application;
pub mod connection;
pub mod impersonation;
pub mod role;
pub mod user;

pub use api::{management_api, Api, ApiInput, ClientGrant, Permission, MANAGEMENT_API_PATH};
pub use application::{AppType, Application, ApplicationInput};
pub use connection::{Connection, DEFAULT_CONNECTION};
pub use role::{
    PermissionRef, Role, RoleDetail, RoleInput, RolePermission, ADMIN_ROLE, AUDITOR_ROLE,
    SUPPORT_ROLE,
};
pub use user::{NewUser, User, UserPage, UserPatch, UserQuery, UserSort};
