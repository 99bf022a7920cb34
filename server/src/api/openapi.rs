//! GET /api/v1/openapi.json: the OpenAPI 3.1 description of this API.

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use masquerade::domain::{MANAGEMENT_API_PATH, MANAGEMENT_PERMISSIONS};
use serde_json::{json, Map, Value};

use app::state::AppState;

pub async fn document(State(state): State<AppState>) -> Response {
    let doc = build(&state.services.config.public_url);
    crate::oidc::json_response(StatusCode::OK, doc.to_string(), "public, max-age=300")
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// One operation: the permission it needs, an optional JSON request body and
/// the success response.
fn op(
    summary: &str,
    permission: &str,
    request: Option<&str>,
    status: &str,
    response: Option<Value>,
) -> Value {
    let mut responses = Map::new();
    responses.insert(
        status.into(),
        match response {
            Some(schema) => json!({
                "description": summary,
                "content": { "application/json": { "schema": schema } }
            }),
            None => json!({ "description": summary }),
        },
    );
    for (code, what) in [
        ("400", "Invalid input; `fields` lists each problem."),
        ("401", "Missing, invalid, expired or revoked access token."),
        (
            "403",
            "The token lacks the permission, or the action is refused.",
        ),
        ("404", "No such resource."),
    ] {
        responses.insert(
            code.into(),
            json!({
                "description": what,
                "content": { "application/json": { "schema": schema_ref("Error") } }
            }),
        );
    }
    let mut o = json!({
        "summary": summary,
        "security": [{ "management": [permission] }],
        "responses": responses,
    });
    if let Some(r) = request {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema_ref(r) } }
        });
    }
    o
}

fn path_params(names: &[&str]) -> Value {
    json!(names
        .iter()
        .map(|n| json!({"name": n, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect::<Vec<_>>())
}

fn with_params(mut op: Value, params: Value) -> Value {
    op["parameters"] = params;
    op
}

fn with_description(mut op: Value, text: &str) -> Value {
    op["description"] = json!(text);
    op
}

fn list_of(key: &str, item: &str) -> Value {
    json!({"type": "object", "properties": { key: {"type": "array", "items": schema_ref(item)} }})
}

pub fn build(public_url: &str) -> Value {
    let scopes: Map<String, Value> = MANAGEMENT_PERMISSIONS
        .iter()
        .map(|(p, d)| ((*p).to_string(), json!(d)))
        .collect();
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Masquerade Management API",
            "version": "1",
            "description": "Everything the console does, for automation. Obtain an access token with the client_credentials grant at /oauth/token, `audience` set to this API's identifier; each operation names the permission it needs. Errors are JSON: a stable `error` code and a readable `message`."
        },
        "servers": [{ "url": format!("{public_url}{}", MANAGEMENT_API_PATH.trim_end_matches('/')) }],
        "components": {
            "securitySchemes": {
                "management": {
                    "type": "oauth2",
                    "description": format!("Audience (identifier): {public_url}{MANAGEMENT_API_PATH}"),
                    "flows": { "clientCredentials": {
                        "tokenUrl": format!("{public_url}/oauth/token"),
                        "scopes": scopes,
                    }}
                }
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "examples": ["invalid_request", "invalid_token", "insufficient_scope", "forbidden", "not_found", "conflict"]},
                        "message": {"type": "string"},
                        "fields": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}
                    }
                },
                "User": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "email": {"type": "string"}, "name": {"type": "string"},
                        "picture": {"type": ["string", "null"]}, "connection_id": {"type": "string"},
                        "connection_name": {"type": "string"}, "blocked": {"type": "boolean"},
                        "has_password": {"type": "boolean"}, "created_at": {"type": "integer"},
                        "updated_at": {"type": "integer"}, "last_login_at": {"type": "integer"},
                        "login_count": {"type": "integer"}, "app_metadata": {"type": "object"},
                        "user_metadata": {"type": "object"}, "roles": strings
                    }
                },
                "UserPage": {
                    "type": "object",
                    "properties": {
                        "users": {"type": "array", "items": schema_ref("User")},
                        "total": {"type": "integer"},
                        "total_capped": {"type": "boolean", "description": "More users matched than were counted."},
                        "next": {"type": ["string", "null"], "description": "Cursor for the next page (`after`)."}
                    }
                },
                "NewUser": {
                    "type": "object", "required": ["email"], "additionalProperties": false,
                    "properties": {
                        "email": {"type": "string"}, "name": {"type": "string"},
                        "connection_id": {"type": "string", "description": "Default: the default connection."},
                        "password": {"type": "string"}, "picture": {"type": "string"},
                        "app_metadata": {"type": "object"}, "user_metadata": {"type": "object"}
                    }
                },
                "UserPatch": {
                    "type": "object", "additionalProperties": false,
                    "description": "Only the fields present change.",
                    "properties": {
                        "email": {"type": "string"}, "name": {"type": "string"}, "picture": {"type": "string"},
                        "app_metadata": {"type": "object"}, "user_metadata": {"type": "object"},
                        "blocked": {"type": "boolean"}, "password": {"type": "string"}
                    }
                },
                "TokenSettings": {
                    "type": "object",
                    "required": ["id_token_lifetime_secs", "refresh_tokens", "refresh_rotation", "refresh_lifetime_secs", "signing_alg"],
                    "properties": {
                        "id_token_lifetime_secs": {"type": "integer", "minimum": 60},
                        "refresh_tokens": {"type": "boolean"}, "refresh_rotation": {"type": "boolean"},
                        "refresh_lifetime_secs": {"type": "integer", "minimum": 60},
                        "signing_alg": {"enum": ["ES256", "RS256", "EdDSA"]}
                    }
                },
                "ApplicationInput": {
                    "type": "object", "required": ["name", "app_type"], "additionalProperties": false,
                    "properties": {
                        "name": {"type": "string"}, "description": {"type": "string"},
                        "app_type": {"enum": ["regular_web", "spa", "native", "m2m"]},
                        "callback_urls": strings, "allowed_logout_urls": strings, "allowed_web_origins": strings,
                        "initiate_login_uri": {"type": "string"},
                        "grant_types": {"type": "array", "items": {"enum": ["authorization_code", "implicit", "refresh_token", "client_credentials"]}},
                        "allow_impersonation": {"type": "boolean"},
                        "connection_ids": {"type": "array", "items": {"type": "string"}, "description": "Default: the default connection."},
                        "tokens": schema_ref("TokenSettings")
                    }
                },
                "Application": {
                    "type": "object",
                    "properties": {
                        "client_id": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
                        "app_type": {"type": "string"}, "has_secret": {"type": "boolean"},
                        "secret_rotated_at": {"type": ["integer", "null"]},
                        "callback_urls": strings, "allowed_logout_urls": strings, "allowed_web_origins": strings,
                        "initiate_login_uri": {"type": ["string", "null"]}, "grant_types": strings,
                        "allow_impersonation": {"type": "boolean"}, "connection_ids": strings,
                        "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
                        "tokens": schema_ref("TokenSettings")
                    }
                },
                "CreatedApplication": {
                    "type": "object",
                    "properties": {
                        "application": schema_ref("Application"),
                        "client_secret": {"type": "string", "description": "Confidential applications only. Shown once."}
                    }
                },
                "Secret": {"type": "object", "properties": {"client_id": {"type": "string"}, "client_secret": {"type": "string"}}},
                "Connection": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "enabled_clients": strings}
                },
                "Permission": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}, "description": {"type": "string"}}},
                "ApiInput": {
                    "type": "object", "required": ["identifier", "name"], "additionalProperties": false,
                    "properties": {
                        "identifier": {"type": "string", "description": "Absolute URI; the access token audience."},
                        "name": {"type": "string"},
                        "signing_alg": {"enum": ["ES256", "RS256", "EdDSA"], "default": "ES256"},
                        "token_lifetime_secs": {"type": "integer", "default": 3600},
                        "permissions": {"type": "array", "items": schema_ref("Permission")}
                    }
                },
                "ImpersonationRequest": {
                    "type": "object", "required": ["impersonator_id", "client_id", "state"], "additionalProperties": false,
                    "properties": {
                        "impersonator_id": {"type": "string", "description": "The user who acts; they must be allowed to impersonate this user, and their id goes into `act`."},
                        "client_id": {"type": "string"},
                        "reason": {"type": "string", "description": "Required while the tenant setting says so (the default)."},
                        "ticket": {"type": "string", "description": "Optional help-desk ticket reference."},
                        "response_mode": {"enum": ["query", "fragment", "form_post", "app_initiated"], "description": "Default: query for code, fragment when tokens are returned."},
                        "response_type": {"type": "string", "examples": ["code", "id_token token", "code id_token"], "default": "code"},
                        "scope": {"type": "string", "default": "openid"},
                        "state": {"type": "string", "description": "Required, returned to the application intact; may carry the application's landing path."},
                        "audience": {"type": "string", "description": "An API the application is authorized for; blank means a token for /userinfo only."},
                        "callback_url": {"type": "string", "description": "One of the application's callback URLs; default the first."}
                    }
                },
                "ImpersonationSettings": {
                    "type": "object", "required": ["require_reason", "link_ttl_secs", "session_max_secs"],
                    "properties": {
                        "require_reason": {"type": "boolean", "default": true},
                        "link_ttl_secs": {"type": "integer", "minimum": 30, "maximum": 600, "default": 120, "description": "How long a link stays valid."},
                        "session_max_secs": {"type": "integer", "minimum": 300, "maximum": 43200, "default": 3600, "description": "Absolute cap on an impersonated session: no token or refresh outlives it."}
                    }
                },
                "ImpersonationLink": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "description": "Single use; open it unchanged."},
                        "expires_at": {"type": "integer"},
                        "impersonation_id": {"type": "string"}
                    }
                },
                "Impersonation": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "status": {"enum": ["pending", "expired", "active", "ended", "denied", "revoked"]},
                        "actor_id": {"type": "string"}, "actor_email": {"type": "string"},
                        "target_id": {"type": "string"}, "target_email": {"type": "string"},
                        "client_id": {"type": "string"}, "reason": {"type": "string"}, "ticket_ref": {"type": "string"},
                        "response_type": {"type": "string"}, "response_mode": {"type": "string"}, "scope": {"type": "string"},
                        "audience": {"type": "string"}, "redirect_uri": {"type": "string"},
                        "created_at": {"type": "integer"}, "expires_at": {"type": "integer"}, "redeemed_at": {"type": "integer"},
                        "session_expires_at": {"type": "integer"}, "tokens_issued_at": {"type": "integer"},
                        "denied_reason": {"type": "string"}, "revoked_at": {"type": "integer"}, "revoked_by": {"type": ["string", "null"]}
                    }
                },
                "Api": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"}, "identifier": {"type": "string"}, "name": {"type": "string"},
                        "signing_alg": {"type": "string"}, "token_lifetime_secs": {"type": "integer"},
                        "permissions": {"type": "array", "items": schema_ref("Permission")},
                        "builtin": {"type": "boolean"}, "client_ids": strings
                    }
                }
            }
        },
        "paths": {
            "/users": {
                "get": with_params(op("Search users", "users:read", None, "200", Some(schema_ref("UserPage"))), json!([
                        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words matched as prefixes of email and name."},
                        {"name": "connection_id", "in": "query", "schema": {"type": "string"}},
                        {"name": "blocked", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "sort", "in": "query", "schema": {"enum": ["email", "name", "created", "last_login"]}},
                        {"name": "desc", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "after", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                    ])),
                "post": op("Create a user", "users:write", Some("NewUser"), "201", Some(schema_ref("User")))
            },
            "/users/{id}": {
                "parameters": path_params(&["id"]),
                "get": op("Get a user", "users:read", None, "200", Some(schema_ref("User"))),
                "patch": op("Change a user", "users:write", Some("UserPatch"), "200", Some(schema_ref("User"))),
                "delete": op("Delete a user", "users:write", None, "204", None)
            },
            "/users/{id}/impersonation": {
                "parameters": path_params(&["id"]),
                "post": with_description(
                    op("Mint a single-use Sign in as User link", "impersonation:create", Some("ImpersonationRequest"), "201", Some(schema_ref("ImpersonationLink"))),
                    "The policy is checked now and again when the link is opened. A refusal is 403 with the policy's reason code in `error`: impersonator_not_found, impersonator_not_permitted, impersonator_blocked, self_impersonation, user_is_administrator, user_blocked, application_disallows_impersonation, application_has_no_callback, connection_not_enabled. An unknown user is 404 user_not_found."
                )
            },
            "/users/{id}/impersonations": {
                "parameters": path_params(&["id"]),
                "get": op("The user's impersonation history, newest first", "impersonation:read", None, "200", Some(list_of("impersonations", "Impersonation")))
            },
            "/impersonations": {
                "get": op("Links not yet opened and impersonated sessions still running", "impersonation:read", None, "200", Some(list_of("impersonations", "Impersonation")))
            },
            "/impersonations/{id}/revoke": {
                "parameters": path_params(&["id"]),
                "post": op("Revoke: its tokens stop working at /userinfo and introspection at once, and cannot be refreshed", "impersonation:revoke", None, "200", Some(schema_ref("Impersonation")))
            },
            "/settings/impersonation": {
                "get": op("Impersonation settings", "settings:read", None, "200", Some(schema_ref("ImpersonationSettings"))),
                "put": op("Change the impersonation settings", "settings:write", Some("ImpersonationSettings"), "200", Some(schema_ref("ImpersonationSettings")))
            },
            "/applications": {
                "get": op("List applications", "applications:read", None, "200", Some(list_of("applications", "Application"))),
                "post": op("Create an application", "applications:write", Some("ApplicationInput"), "201", Some(schema_ref("CreatedApplication")))
            },
            "/applications/{client_id}": {
                "parameters": path_params(&["client_id"]),
                "get": op("Get an application", "applications:read", None, "200", Some(schema_ref("Application"))),
                "put": op("Replace an application's settings", "applications:write", Some("ApplicationInput"), "200", Some(schema_ref("Application"))),
                "delete": op("Delete an application", "applications:write", None, "204", None)
            },
            "/applications/{client_id}/rotate-secret": {
                "parameters": path_params(&["client_id"]),
                "post": op("Rotate the client secret (the old one stops working at once)", "applications:write", None, "200", Some(schema_ref("Secret")))
            },
            "/connections": {
                "get": op("List connections and the applications each is enabled for", "connections:read", None, "200", Some(list_of("connections", "Connection")))
            },
            "/connections/{id}/clients/{client_id}": {
                "parameters": path_params(&["id", "client_id"]),
                "put": op("Enable a connection for an application", "connections:write", None, "204", None),
                "delete": op("Disable a connection for an application", "connections:write", None, "204", None)
            },
            "/apis": {
                "get": op("List APIs", "apis:read", None, "200", Some(list_of("apis", "Api"))),
                "post": op("Create an API", "apis:write", Some("ApiInput"), "201", Some(schema_ref("Api")))
            },
            "/apis/{id}": {
                "parameters": path_params(&["id"]),
                "get": op("Get an API", "apis:read", None, "200", Some(schema_ref("Api"))),
                "put": op("Change an API (the built-in API's identifier and permissions are fixed)", "apis:write", Some("ApiInput"), "200", Some(schema_ref("Api"))),
                "delete": op("Delete an API (not the built-in one)", "apis:write", None, "204", None)
            },
            "/apis/{id}/clients/{client_id}": {
                "parameters": path_params(&["id", "client_id"]),
                "put": op("Authorize an application to request this API's audience", "apis:write", None, "204", None),
                "delete": op("Stop authorizing an application for this API", "apis:write", None, "204", None)
            }
        }
    })
}
