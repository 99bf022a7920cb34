//! The roles part of the OpenAPI document: roles, their permissions and
//! members, a user's roles and permissions, and client grants on APIs.

use masquerade::authz::Permission as P;
use serde_json::{json, Value};

use super::{
    conflicts, list_of, merge, op, path_params, schema_ref, with_description, with_params,
};

fn schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "Role": {
            "type": "object",
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                "client_id": {"type": ["string", "null"], "description": "The application the role is scoped to; null for a tenant-wide role."},
                "application_name": {"type": ["string", "null"]},
                "builtin": {"type": "boolean", "description": "Built-in roles cannot be changed or deleted."},
                "member_count": {"type": "integer"},
                "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}
            }
        },
        "RolePermission": {
            "type": "object",
            "properties": {
                "api_id": {"type": "string"}, "api_name": {"type": "string"}, "api_identifier": {"type": "string"},
                "permission": {"type": "string"}, "description": {"type": "string"}
            }
        },
        "RoleDetail": {
            "allOf": [schema_ref("Role"), {
                "type": "object",
                "properties": {"permissions": {"type": "array", "items": schema_ref("RolePermission")}}
            }]
        },
        "NewRole": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "client_id": {"type": ["string", "null"], "description": "Scope the role to this application."},
                "copy_from": {"type": ["string", "null"], "description": "Start with this role's permissions (built-in roles too)."}
            }
        },
        "RoleInput": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {
                "name": {"type": "string"}, "description": {"type": "string"},
                "client_id": {"type": ["string", "null"]}
            }
        },
        "PermissionRef": {
            "type": "object", "required": ["api_id", "permission"],
            "properties": {"api_id": {"type": "string"}, "permission": {"type": "string"}}
        },
        "PermissionList": {
            "type": "object", "required": ["permissions"], "additionalProperties": false,
            "properties": {"permissions": {"type": "array", "minItems": 1, "maxItems": 100, "items": schema_ref("PermissionRef")}}
        },
        "UserIds": {
            "type": "object", "required": ["users"], "additionalProperties": false,
            "properties": {"users": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}}}
        },
        "RoleIds": {
            "type": "object", "required": ["roles"], "additionalProperties": false,
            "properties": {"roles": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}}}
        },
        "Added": {"type": "object", "properties": {"added": {"type": "integer"}}},
        "HeldPermission": {
            "allOf": [schema_ref("RolePermission"), {
                "type": "object",
                "properties": {"via": {"type": "array", "description": "[role id, role name, scoped application or null] for each role that gives it.", "items": {"type": "array"}}}
            }]
        },
        "ClientGrant": {
            "type": "object", "required": ["permissions"], "additionalProperties": false,
            "properties": {"permissions": {"type": "array", "maxItems": 200, "items": {"type": "string"}}}
        },
        "ClientGrantView": {
            "type": "object",
            "properties": {"client_id": {"type": "string"}, "permissions": strings}
        }
    })
}

fn paths() -> Value {
    let q = json!([{"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words matched as prefixes of names."}]);
    let members = json!([
        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words matched as prefixes of email and name."},
        {"name": "after", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
    ]);
    let builtin = "Built-in roles (Administrator, Support agent, Auditor) are refused with 403; duplicate one instead.";
    json!({
        "/roles": {
            "get": with_params(op("List roles", P::RolesRead, None, "200", Some(list_of("roles", "Role"))), q),
            "post": conflicts(op("Create a role, optionally copying another's permissions", P::RolesWrite, Some("NewRole"), "201", Some(schema_ref("Role"))), "Another role has this name.")
        },
        "/roles/{id}": {
            "parameters": path_params(&["id"]),
            "get": op("Get a role with its permissions", P::RolesRead, None, "200", Some(schema_ref("RoleDetail"))),
            "put": with_description(conflicts(op("Rename, describe or rescope a role", P::RolesWrite, Some("RoleInput"), "200", Some(schema_ref("Role"))), "Another role has this name."), builtin),
            "delete": with_description(op("Delete a role; its members lose it and their console sessions end", P::RolesWrite, None, "204", None), builtin)
        },
        "/roles/{id}/permissions": {
            "parameters": path_params(&["id"]),
            "get": op("The role's permissions, by API", P::RolesRead, None, "200", Some(list_of("permissions", "RolePermission"))),
            "post": with_description(op("Add permissions to a role", P::RolesWrite, Some("PermissionList"), "200", Some(list_of("permissions", "RolePermission"))), builtin),
            "delete": with_description(op("Remove permissions from a role", P::RolesWrite, Some("PermissionList"), "200", Some(list_of("permissions", "RolePermission"))), builtin)
        },
        "/roles/{id}/users": {
            "parameters": path_params(&["id"]),
            "get": with_params(op("The role's members, paged", P::RolesRead, None, "200", Some(schema_ref("UserPage"))), members),
            "post": op("Give the role to users", P::RolesWrite, Some("UserIds"), "200", Some(schema_ref("Added")))
        },
        "/roles/{id}/users/{user_id}": {
            "parameters": path_params(&["id", "user_id"]),
            "delete": with_description(conflicts(op("Take the role from a user; their console sessions end", P::RolesWrite, None, "204", None), "The last unblocked administrator keeps the Administrator role."), "404 when the user does not hold the role.")
        },
        "/users/{id}/roles": {
            "parameters": path_params(&["id"]),
            "get": op("The user's roles", P::RolesRead, None, "200", Some(list_of("roles", "Role"))),
            "post": op("Give the user roles", P::RolesWrite, Some("RoleIds"), "200", Some(schema_ref("Added")))
        },
        "/users/{id}/roles/{role_id}": {
            "parameters": path_params(&["id", "role_id"]),
            "delete": conflicts(op("Take a role from the user", P::RolesWrite, None, "204", None), "The last unblocked administrator keeps the Administrator role.")
        },
        "/users/{id}/permissions": {
            "parameters": path_params(&["id"]),
            "get": op("Everything the user's roles give, by API, with the roles it comes through", P::RolesRead, None, "200", Some(list_of("permissions", "HeldPermission")))
        },
        "/apis/{id}/clients/{client_id}/permissions": {
            "parameters": path_params(&["id", "client_id"]),
            "put": with_description(op("Choose which of the API's permissions client_credentials gives the application", P::ApisWrite, Some("ClientGrant"), "200", Some(schema_ref("Api"))), "Authorizes the application for the API if it was not. Asking for a permission not granted gets invalid_scope at /oauth/token.")
        }
    })
}

/// Adds the roles' schemas and paths to the document.
pub fn add(doc: &mut Value) {
    merge(doc, schemas(), paths());
    // The Api schema shows what each client was granted.
    doc["components"]["schemas"]["Api"]["properties"]["grants"] =
        json!({"type": "array", "items": schema_ref("ClientGrantView")});
    doc["components"]["schemas"]["Api"]["properties"]["permissions_in_token"] =
        json!({"type": "boolean", "description": "Access tokens carry a permissions claim."});
    doc["components"]["schemas"]["ApiInput"]["properties"]["permissions_in_token"] =
        json!({"type": "boolean", "default": false});
}
