//! GET /api/v1/openapi.json: the OpenAPI 3.1 description of this API.

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use masquerade::authz::Permission as P;
use masquerade::domain::MANAGEMENT_API_PATH;

mod audit;
mod policy;
mod roles;
use serde_json::{json, Map, Value};

use app::state::AppState;

pub async fn document(State(state): State<AppState>) -> Response {
    let doc = build(&state.services.config.public_url);
    crate::oidc::json_response(StatusCode::OK, doc.to_string(), "public, max-age=300")
}

pub(super) fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn error_response(what: &str) -> Value {
    json!({
        "description": what,
        "content": { "application/json": { "schema": schema_ref("Error") } }
    })
}

/// One operation: the permission it needs, an optional JSON request body and
/// the success response. Every operation can answer 400, 401, 403 and 404;
/// one with a body also 413 and 415.
pub(super) fn op(
    summary: &str,
    permission: P,
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
        responses.insert(code.into(), error_response(what));
    }
    let mut o = json!({
        "summary": summary,
        "security": [{ "management": [permission.as_str()] }],
        "responses": responses,
    });
    if let Some(r) = request {
        o["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema_ref(r) } }
        });
        o["responses"]["413"] = error_response("The request body is larger than 256 KiB.");
        o["responses"]["415"] =
            error_response("The request body is not sent as `Content-Type: application/json`.");
    }
    o
}

/// An operation that can collide with existing state: 409 `conflict`, with
/// the field in `fields`.
pub(super) fn conflicts(mut op: Value, what: &str) -> Value {
    op["responses"]["409"] = error_response(what);
    op
}

pub(super) fn path_params(names: &[&str]) -> Value {
    json!(names
        .iter()
        .map(|n| json!({"name": n, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect::<Vec<_>>())
}

pub(super) fn with_params(mut op: Value, params: Value) -> Value {
    op["parameters"] = params;
    op
}

pub(super) fn with_description(mut op: Value, text: &str) -> Value {
    op["description"] = json!(text);
    op
}

pub(super) fn list_of(key: &str, item: &str) -> Value {
    json!({"type": "object", "properties": { key: {"type": "array", "items": schema_ref(item)} }})
}

/// Adds a part's schemas and paths to the document.
pub(super) fn merge(doc: &mut Value, schemas: Value, paths: Value) {
    for (section, values) in [
        (&["components", "schemas"][..], schemas),
        (&["paths"][..], paths),
    ] {
        let mut target = &mut *doc;
        for key in section {
            target = &mut target[*key];
        }
        if let (Some(into), Some(from)) = (target.as_object_mut(), values.as_object()) {
            for (k, v) in from {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

pub fn build(public_url: &str) -> Value {
    let mut doc = core_document(public_url);
    roles::add(&mut doc);
    policy::add(&mut doc);
    audit::add(&mut doc);
    doc
}

fn core_document(public_url: &str) -> Value {
    let scopes: Map<String, Value> = masquerade::authz::Permission::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), json!(p.description())))
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
                    "type": "object", "required": ["client_id", "state"], "additionalProperties": false,
                    "properties": {
                        "impersonator_id": {"type": "string", "description": "The user who acts: required with a machine client's token, and they must be allowed by the policy; with a user's token it may only name that user (leave it out). Their id goes into `act`; the audit log records the client too."},
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
                        "enabled": {"type": "boolean", "default": true, "description": "Off refuses every mint, redemption and exchange at once."},
                        "require_reason": {"type": "boolean", "default": true},
                        "require_ticket": {"type": "boolean", "default": false},
                        "ticket_pattern": {"type": "string", "default": "", "description": "A regular expression the whole ticket reference must match, e.g. SUP-[0-9]+."},
                        "link_ttl_secs": {"type": "integer", "minimum": 30, "maximum": 600, "default": 120, "description": "How long a link stays valid."},
                        "session_max_secs": {"type": "integer", "minimum": 300, "maximum": 43200, "default": 3600, "description": "Absolute cap on an impersonated session: no token or refresh outlives it."},
                        "bind_links": {"type": "boolean", "default": false, "description": "A link opens only in the console browser of the person who minted it (or whom a machine client named)."},
                        "step_up": {"type": "boolean", "default": false},
                        "step_up_minutes": {"type": "integer", "minimum": 1, "maximum": 1440, "default": 15},
                        "approval_window_minutes": {"type": "integer", "minimum": 1, "maximum": 10080, "default": 30},
                        "show_impersonator_names": {"type": "boolean", "default": false, "description": "Users see, on their Account activity page (/account), the name of whoever signed in as them; off, only \"a support agent\"."},
                        "rules": {"type": "array", "maxItems": 100, "items": schema_ref("RoleRule")}
                    }
                },
                "RoleRule": {
                    "type": "object", "required": ["role_id"],
                    "description": "What holders of one role may impersonate through it; an empty list does not restrict.",
                    "properties": {
                        "role_id": {"type": "string"},
                        "connections": {"type": "array", "items": {"type": "string"}},
                        "target_roles": {"type": "array", "items": {"type": "string"}},
                        "target_roles_mode": {"enum": ["allow", "deny"], "default": "allow"},
                        "applications": {"type": "array", "items": {"type": "string"}},
                        "require_approval": {"type": "boolean", "default": false},
                        "read_only": {"type": "boolean", "default": false}
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
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": { "200": {
                        "description": "The OpenAPI 3.1 description of this API.",
                        "content": { "application/json": { "schema": {"type": "object"} } }
                    }}
                }
            },
            "/users": {
                "get": with_params(op("Search users", P::UsersRead, None, "200", Some(schema_ref("UserPage"))), json!([
                        {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Words matched as prefixes of email and name."},
                        {"name": "connection_id", "in": "query", "schema": {"type": "string"}},
                        {"name": "blocked", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "sort", "in": "query", "schema": {"enum": ["email", "name", "created", "last_login"]}},
                        {"name": "desc", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "after", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                    ])),
                "post": conflicts(op("Create a user", P::UsersWrite, Some("NewUser"), "201", Some(schema_ref("User"))), "A user with this email already exists.")
            },
            "/users/{id}": {
                "parameters": path_params(&["id"]),
                "get": op("Get a user", P::UsersRead, None, "200", Some(schema_ref("User"))),
                "patch": conflicts(op("Change a user", P::UsersWrite, Some("UserPatch"), "200", Some(schema_ref("User"))), "Another user has this email."),
                "delete": op("Delete a user", P::UsersWrite, None, "204", None)
            },
            "/users/{id}/impersonation": {
                "parameters": path_params(&["id"]),
                "post": with_description(
                    op("Mint a single-use Sign in as User link", P::ImpersonationCreate, Some("ImpersonationRequest"), "201", Some(schema_ref("ImpersonationLink"))),
                    "The policy is checked now and again when the link is opened. A refusal is 403 with the policy's reason code in `error`: impersonator_not_found, impersonator_not_permitted, impersonator_blocked, self_impersonation, user_is_administrator, user_blocked, application_disallows_impersonation, application_has_no_callback, connection_not_enabled. An unknown user is 404 user_not_found."
                )
            },
            "/users/{id}/impersonations": {
                "parameters": path_params(&["id"]),
                "get": op("The user's impersonation history, newest first", P::ImpersonationRead, None, "200", Some(list_of("impersonations", "Impersonation")))
            },
            "/impersonations": {
                "get": op("Links not yet opened and impersonated sessions still running", P::ImpersonationRead, None, "200", Some(list_of("impersonations", "Impersonation")))
            },
            "/impersonations/{id}/revoke": {
                "parameters": path_params(&["id"]),
                "post": conflicts(op("Revoke: its tokens stop working at /userinfo and introspection at once, and cannot be refreshed", P::ImpersonationRevoke, None, "200", Some(schema_ref("Impersonation"))), "Already revoked.")
            },
            "/settings/impersonation": {
                "get": op("Impersonation settings", P::SettingsRead, None, "200", Some(schema_ref("ImpersonationSettings"))),
                "put": op("Change the impersonation settings", P::SettingsWrite, Some("ImpersonationSettings"), "200", Some(schema_ref("ImpersonationSettings")))
            },
            "/applications": {
                "get": op("List applications", P::ApplicationsRead, None, "200", Some(list_of("applications", "Application"))),
                "post": op("Create an application", P::ApplicationsWrite, Some("ApplicationInput"), "201", Some(schema_ref("CreatedApplication")))
            },
            "/applications/{client_id}": {
                "parameters": path_params(&["client_id"]),
                "get": op("Get an application", P::ApplicationsRead, None, "200", Some(schema_ref("Application"))),
                "put": op("Replace an application's settings", P::ApplicationsWrite, Some("ApplicationInput"), "200", Some(schema_ref("Application"))),
                "delete": op("Delete an application", P::ApplicationsWrite, None, "204", None)
            },
            "/applications/{client_id}/rotate-secret": {
                "parameters": path_params(&["client_id"]),
                "post": op("Rotate the client secret (the old one stops working at once)", P::ApplicationsWrite, None, "200", Some(schema_ref("Secret")))
            },
            "/connections": {
                "get": op("List connections and the applications each is enabled for", P::ConnectionsRead, None, "200", Some(list_of("connections", "Connection")))
            },
            "/connections/{id}/clients/{client_id}": {
                "parameters": path_params(&["id", "client_id"]),
                "put": op("Enable a connection for an application", P::ConnectionsWrite, None, "204", None),
                "delete": op("Disable a connection for an application", P::ConnectionsWrite, None, "204", None)
            },
            "/apis": {
                "get": op("List APIs", P::ApisRead, None, "200", Some(list_of("apis", "Api"))),
                "post": conflicts(op("Create an API", P::ApisWrite, Some("ApiInput"), "201", Some(schema_ref("Api"))), "Another API has this identifier.")
            },
            "/apis/{id}": {
                "parameters": path_params(&["id"]),
                "get": op("Get an API", P::ApisRead, None, "200", Some(schema_ref("Api"))),
                "put": conflicts(op("Change an API (the built-in API's identifier and permissions are fixed)", P::ApisWrite, Some("ApiInput"), "200", Some(schema_ref("Api"))), "Another API has this identifier."),
                "delete": op("Delete an API (not the built-in one)", P::ApisWrite, None, "204", None)
            },
            "/apis/{id}/clients/{client_id}": {
                "parameters": path_params(&["id", "client_id"]),
                "put": op("Authorize an application to request this API's audience", P::ApisWrite, None, "204", None),
                "delete": op("Stop authorizing an application for this API", P::ApisWrite, None, "204", None)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The document and the router name the same operations: a route added
    /// without its description (or a description without its route) fails.
    #[test]
    fn documents_exactly_the_routed_operations() {
        let doc = super::build("http://127.0.0.1:3000");
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| *k != "parameters")
                    .map(move |m| (path.clone(), m.clone()))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = super::super::ROUTES
            .iter()
            .flat_map(|(path, methods)| methods.iter().map(|m| (path.to_string(), m.to_string())))
            .collect();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "routed but not documented: {undocumented:?}; documented but not routed: {unrouted:?}"
        );
    }

    /// The permission each operation documents, which the authorization
    /// matrix then holds the server to, follows one rule of its own: reading
    /// needs a `:read` permission and changing anything needs another, except
    /// the few POSTs that only look (a dry run, a verification), and the
    /// queue of approval requests, which is for those who decide them.
    #[test]
    fn reads_need_read_permissions_and_writes_do_not() {
        const LOOKING_POSTS: [&str; 2] = ["/impersonation/check", "/audit/verify"];
        const DECIDERS_ONLY: [&str; 2] =
            ["/impersonation/requests", "/impersonation/requests/{id}"];
        let doc = super::build("http://127.0.0.1:3000");
        let mut wrong = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if method == "parameters" || path == "/openapi.json" {
                    continue;
                }
                let needs: Vec<&str> = op["security"][0]["management"]
                    .as_array()
                    .map(|l| l.iter().filter_map(|p| p.as_str()).collect())
                    .unwrap_or_default();
                let reads =
                    method == "get" || (method == "post" && LOOKING_POSTS.contains(&path.as_str()));
                let ok = !needs.is_empty()
                    && if reads && DECIDERS_ONLY.contains(&path.as_str()) {
                        needs == ["impersonation:approve"]
                    } else if reads {
                        needs.iter().all(|p| p.ends_with(":read"))
                    } else {
                        needs.iter().any(|p| !p.ends_with(":read"))
                    };
                if !ok {
                    wrong.push(format!("{method} {path}: {needs:?}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}
