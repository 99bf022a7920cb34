use serde::{Deserialize, Serialize};

/// Built-in role that grants access to the console. The roles issue adds
/// custom roles and permissions; these two ids stay stable.
pub const ADMIN_ROLE: &str = "rol_admin";
pub const SUPPORT_ROLE: &str = "rol_support";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub description: String,
}
