use leptos::prelude::*;

use crate::dto::ConnectionDto;
use crate::error::AppError;

#[server(endpoint = "list_connections")]
pub async fn list_connections() -> Result<Vec<ConnectionDto>, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ConnectionsRead).await?;
    let store = &admin.state.services.store;
    let mut out = Vec::new();
    for c in store.list_connections().await.map_err(fail)? {
        let enabled_clients = store.connection_clients(&c.id).await.map_err(fail)?;
        out.push(ConnectionDto {
            id: c.id,
            name: c.name,
            user_count: c.user_count,
            enabled_clients,
        });
    }
    Ok(out)
}

#[server(endpoint = "create_connection")]
pub async fn create_connection(
    name: String,
    #[server(default)] client_ids: Vec<String>,
) -> Result<ConnectionDto, AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ConnectionsWrite).await?;
    let store = &admin.state.services.store;
    let c = store
        .create_connection(&admin.audit, &name, &client_ids, masquerade::unix_now())
        .await
        .map_err(fail)?;
    Ok(ConnectionDto {
        id: c.id,
        name: c.name,
        user_count: 0,
        enabled_clients: client_ids,
    })
}

#[server(endpoint = "set_connection_enabled")]
pub async fn set_connection_enabled(
    connection_id: String,
    client_id: String,
    enabled: bool,
) -> Result<(), AppError> {
    use super::ctx::{fail, require};
    use masquerade::authz::Permission;
    let admin = require(Permission::ConnectionsWrite).await?;
    admin
        .state
        .services
        .store
        .set_connection_enabled(
            &admin.audit,
            &connection_id,
            &client_id,
            enabled,
            masquerade::unix_now(),
        )
        .await
        .map_err(fail)
}
