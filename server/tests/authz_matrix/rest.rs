//! The REST rows of the matrix: every operation of the served OpenAPI
//! document, expected to need exactly the permission it names.

use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::common::*;
use super::expect::Need;
use super::principals::{Principal, Principals};
use super::Cell;

/// A body of the schema's shape: its required properties, each with a
/// plausible value that names nothing that exists. Shaped right, so a
/// refused caller meets the permission check rather than a parse error.
fn sample(doc: &Value, schema: &Value) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return sample(doc, &doc["components"]["schemas"][name]);
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut out = Map::new();
        for p in parts {
            if let Value::Object(m) = sample(doc, p) {
                out.extend(m);
            }
        }
        return Value::Object(out);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("object") | None if schema["properties"].is_object() => {
            let mut out = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap_or_default();
                let value = match name {
                    // The application a scoped role covers, so that a
                    // scoped impersonator is judged on its permission.
                    "client_id" => json!("sample-app"),
                    _ => sample(doc, &schema["properties"][name]),
                };
                out.insert(name.to_string(), value);
            }
            Value::Object(out)
        }
        Some("object") => json!({}),
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(0),
        Some("boolean") => json!(false),
        _ => json!("zz_missing"),
    }
}

fn rest_allowed(status: StatusCode, body: &Value) -> bool {
    let refused = status == StatusCode::UNAUTHORIZED
        || (status == StatusCode::FORBIDDEN && body["error"] == "insufficient_scope");
    !refused
}

pub async fn cells(s: &Server, p: &Principals) -> Vec<Cell> {
    let (status, doc) = s.rest(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            let scopes: Vec<&'static str> = op["security"][0]["management"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str())
                .map(|p| &*Box::leak(p.to_string().into_boxed_str()))
                .collect();
            let need = match scopes[..] {
                [] => Need::Public,
                // Sign in as User is for whoever may do it for some
                // application; minting then decides per application.
                ["impersonation:create"] => Need::Somewhere("impersonation:create"),
                [perm] => Need::Perm(perm),
                _ => Need::All(Box::leak(scopes.into_boxed_slice())),
            };
            let concrete = path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "zz_missing"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|schema| sample(&doc, &Value::Object(schema.clone())));
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for principal in p.all() {
                let token = match principal {
                    Principal::Token { token, .. } => Some(token.as_str()),
                    _ => None,
                };
                // Console cookies count for nothing here.
                let (status, answer) = match principal {
                    Principal::Session { cookie, .. } => {
                        let mut req = client()
                            .request(m.clone(), format!("{}/api/v1{concrete}", s.base))
                            .header(reqwest::header::COOKIE, cookie);
                        if let Some(b) = &body {
                            req = req.json(b);
                        }
                        let res = req.send().await.unwrap();
                        let st = res.status();
                        (st, res.json().await.unwrap_or(Value::Null))
                    }
                    _ => s.rest(m.clone(), &concrete, token, body.clone()).await,
                };
                out.push(Cell {
                    row: format!("{} {path}", method.to_uppercase()),
                    principal: principal.name(),
                    expected_allow: need == Need::Public
                        || (principal.is_token() && need.allows(principal.holds())),
                    allowed: rest_allowed(status, &answer),
                    status,
                    body: answer.to_string(),
                });
            }
        }
    }
    out
}
