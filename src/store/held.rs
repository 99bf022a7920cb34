//! What a user holds, spelled out for people: every permission, grouped by
//! API, with the roles it comes through.

use super::Store;
use crate::domain::role::RolePermission;
use crate::error::CoreResult;

/// One permission a user holds, with the roles that give it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HeldPermission {
    #[serde(flatten)]
    pub permission: RolePermission,
    /// (role id, role name, the application the role is scoped to).
    pub via: Vec<(String, String, Option<String>)>,
}

impl Store {
    /// Every permission the user's roles give, grouped by API in the
    /// order of `role_detail` (the Management API first), each once.
    pub async fn user_permissions(&self, user_id: &str) -> CoreResult<Vec<HeldPermission>> {
        self.get_user(user_id).await?;
        let mut out: Vec<HeldPermission> = Vec::new();
        for role in self.roles_of_user(user_id).await? {
            let detail = self.role_detail(&role.id).await?;
            for p in detail.permissions {
                let via = (role.id.clone(), role.name.clone(), role.client_id.clone());
                match out.iter_mut().find(|h| {
                    h.permission.api_id == p.api_id && h.permission.permission == p.permission
                }) {
                    Some(h) => h.via.push(via),
                    None => out.push(HeldPermission {
                        permission: p,
                        via: vec![via],
                    }),
                }
            }
        }
        // Management API first (as role_detail orders its APIs), then by
        // API name and permission.
        out.sort_by(|a, b| {
            let key = |h: &HeldPermission| {
                (
                    !h.permission
                        .api_identifier
                        .ends_with(crate::domain::MANAGEMENT_API_PATH),
                    h.permission.api_name.to_lowercase(),
                    h.permission.permission.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        Ok(out)
    }
}
