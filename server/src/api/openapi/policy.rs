//! The impersonation policy's part of the OpenAPI document: "Check
//! access", protected users, four-eyes requests, "Revoke all", and what the
//! policy adds to minting (read-only mode, approval, step-up).

use masquerade::authz::Permission as P;
use serde_json::{json, Value};

use super::{
    conflicts, list_of, merge, op, path_params, schema_ref, with_description, with_params,
};

/// Every reason code a refusal can carry, for the descriptions.
const DENIALS: &str = "impersonation_disabled, impersonation_chain, impersonator_not_found, \
    impersonator_not_permitted, impersonator_not_permitted_for_application, impersonator_blocked, \
    self_impersonation, user_is_administrator, user_protected, user_holds_more_permissions, \
    user_blocked, rule_connection, rule_target_role, rule_application, application_not_found, \
    application_disallows_impersonation, application_has_no_callback, connection_not_enabled";

fn schemas() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "CheckRequest": {
            "type": "object", "required": ["user_id", "client_id"], "additionalProperties": false,
            "properties": {
                "impersonator_id": {"type": "string", "description": "The person asked about, by id or email."},
                "role_id": {"type": "string", "description": "Instead of impersonator_id: anyone holding just this role."},
                "user_id": {"type": "string", "description": "The user to sign in as, by id or email."},
                "client_id": {"type": "string"}
            }
        },
        "CheckResult": {
            "type": "object",
            "properties": {
                "allowed": {"type": "boolean"},
                "code": {"type": "string", "description": format!("allowed, or the reason code: {DENIALS}.")},
                "sentence": {"type": "string", "description": "The answer in a sentence, naming the deciding rule."},
                "decided_by": {"type": ["string", "null"], "description": "The role whose rule decided, when a configured rule did."},
                "applied": strings,
                "needs_approval": {"type": "boolean"},
                "read_only": {"type": "boolean"}
            }
        },
        "Protection": {
            "type": "object", "required": ["protected"], "additionalProperties": false,
            "properties": {"protected": {"type": "boolean"}}
        },
        "ProtectionView": {
            "type": "object",
            "properties": {"user_id": {"type": "string"}, "protected": {"type": "boolean"}}
        },
        "Revoked": {"type": "object", "properties": {"revoked": {"type": "integer"}}},
        "ApprovalRequest": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "impersonator_id": {"type": "string"}, "impersonator_email": {"type": "string"},
                "user_id": {"type": "string"}, "user_email": {"type": "string"},
                "client_id": {"type": "string"},
                "role_id": {"type": "string", "description": "The role whose rule asked for approval."},
                "mode": {"enum": ["full", "read_only"]},
                "reason": {"type": "string"}, "ticket": {"type": "string"},
                "status": {"enum": ["pending", "approved", "expired", "rejected", "used"]},
                "created_at": {"type": "integer"}, "decided_at": {"type": "integer"},
                "decided_by": {"type": ["string", "null"]}, "decision_note": {"type": "string"},
                "approved_until": {"type": "integer", "description": "Until when the requester can turn the approval into its link."},
                "used_at": {"type": "integer"}
            }
        },
        "Decision": {
            "type": "object", "additionalProperties": false,
            "properties": {"note": {"type": "string", "maxLength": 500}}
        },
        "PendingApproval": {
            "type": "object",
            "properties": {
                "status": {"const": "pending_approval"},
                "request_id": {"type": "string"},
                "message": {"type": "string"}
            }
        }
    })
}

fn paths() -> Value {
    let mine = json!([{"name": "mine", "in": "query", "schema": {"type": "boolean", "default": false},
        "description": "The caller's own requests, any status (needs impersonation:create for some application) instead of those waiting for a decision."}]);
    let decided = "Already decided, or lapsed (undecided for 24 hours).";
    json!({
        "/impersonation/check": {
            "post": with_description(
                op("Check access: can this person (or role) impersonate this user into this application?", P::ImpersonationRead, Some("CheckRequest"), "200", Some(schema_ref("CheckResult"))),
                "A dry run of the same decision as minting, naming every rule that applied and the one that decided. Writes nothing but an impersonation.checked audit event."
            )
        },
        "/users/{id}/protection": {
            "parameters": path_params(&["id"]),
            "put": with_description(
                also_needs(op("Mark a user protected (nobody may sign in as them) or not", P::UsersWrite, Some("Protection"), "200", Some(schema_ref("ProtectionView"))), P::ImpersonationCreate),
                "Needs impersonation:create (tenant-wide) as well as users:write. Audited; protecting ends the user's live impersonations. Administrators are always protected."
            )
        },
        "/impersonations/revoke-all": {
            "post": op("End every live impersonation at once", P::ImpersonationRevoke, None, "200", Some(schema_ref("Revoked")))
        },
        "/impersonation/requests": {
            "get": with_params(op("Requests waiting for approval, oldest first", P::ImpersonationApprove, None, "200", Some(list_of("requests", "ApprovalRequest"))), mine)
        },
        "/impersonation/requests/{id}": {
            "parameters": path_params(&["id"]),
            "get": with_description(op("One request", P::ImpersonationApprove, None, "200", Some(schema_ref("ApprovalRequest"))), "Its requester may read it too.")
        },
        "/impersonation/requests/{id}/approve": {
            "parameters": path_params(&["id"]),
            "post": with_description(conflicts(op("Approve someone else's request", P::ImpersonationApprove, Some("Decision"), "200", Some(schema_ref("ApprovalRequest"))), decided),
                "The requester can then mint its link (POST /users/{id}/impersonation with request_id) within the tenant's approval window. Nobody approves their own request (403).")
        },
        "/impersonation/requests/{id}/reject": {
            "parameters": path_params(&["id"]),
            "post": with_description(conflicts(op("Reject someone else's request", P::ImpersonationApprove, Some("Decision"), "200", Some(schema_ref("ApprovalRequest"))), decided), "Nobody rejects their own request (403).")
        }
    })
}

/// An operation that needs `more` as well as its own permission.
fn also_needs(mut op: Value, more: P) -> Value {
    if let Some(list) = op["security"][0]["management"].as_array_mut() {
        list.push(json!(more.as_str()));
    }
    op
}

/// Adds the policy's schemas and paths, and what it changes in minting.
pub fn add(doc: &mut Value) {
    merge(doc, schemas(), paths());
    let s = &mut doc["components"]["schemas"];
    s["ImpersonationRequest"]["properties"]["read_only"] = json!({"type": "boolean", "default": false,
        "description": "Read-only impersonation: the tokens carry only the user's permissions allowed in it, and impersonation.mode read_only. A rule of the impersonator's role may require it."});
    s["ImpersonationRequest"]["properties"]["request_id"] = json!({"type": "string",
        "description": "An approved request to turn into its link; the link is minted as the request asked, and the other fields are ignored."});
    s["User"]["properties"]["protected"] =
        json!({"type": "boolean", "description": "Nobody may sign in as this user."});
    s["Permission"]["properties"]["read_only"] = json!({"type": "boolean",
        "description": "Allowed in read-only impersonation; by default true for names ending in :read or starting with read:."});
    let mint = &mut doc["paths"]["/users/{id}/impersonation"]["post"];
    mint["description"] = json!(format!(
        "The policy is checked now, and again when the link is opened, when an app-initiated hint comes back, \
         at the code exchange and at each refresh. A refusal is 403 with the reason code in `error`: {DENIALS}; \
         step_up_required when the step-up setting wants the password entered again (sign in again for a fresh token). \
         An unknown user is 404 user_not_found. When a rule of the impersonator's role requires approval, the answer is \
         202 with a pending request instead of a link."
    ));
    mint["responses"]["202"] = json!({
        "description": "A rule requires someone else's approval: a request now waits for it.",
        "content": {"application/json": {"schema": schema_ref("PendingApproval")}}
    });
}
