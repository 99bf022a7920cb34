//! The columns an audit event is filtered on, read off the event as the
//! store is given it (who acted, what type, which target, the details), so
//! that no call site has to fill them and none can forget to.

use serde_json::Value;

/// Outcomes, as stored.
pub const SUCCESS: &str = "success";
pub const DENIED: &str = "denied";
pub const FAILURE: &str = "failure";

/// Events that record a refusal.
const REFUSALS: [&str; 3] = [
    "impersonation.denied",
    "impersonation.open_refused",
    "impersonation.request_rejected",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Derived {
    pub actor_type: &'static str,
    pub target_type: String,
    pub client_id: String,
    pub impersonation_id: String,
    pub outcome: &'static str,
    pub reason_code: String,
    pub reason: String,
    pub ticket: String,
    /// Names the details carry, for when the store has none (a user deleted
    /// by this very event).
    pub actor_name: String,
    pub target_name: String,
}

fn text(data: &Value, key: &str) -> String {
    data.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(2000)
        .collect()
}

/// "user", "application" or "system".
pub fn actor_type(actor_id: Option<&str>) -> &'static str {
    match actor_id {
        None => "system",
        Some(id) if id.ends_with("@clients") => "application",
        Some(_) => "user",
    }
}

/// The kind of thing an id names, by its prefix; else what the event is
/// about ("application", "settings", "signing_keys").
pub fn target_type(event_type: &str, target_id: Option<&str>) -> String {
    let Some(id) = target_id else {
        return String::new();
    };
    let by_prefix = [
        ("usr_", "user"),
        ("rol_", "role"),
        ("api_", "api"),
        ("con_", "connection"),
        ("imp_", "impersonation"),
        ("req_", "request"),
    ];
    match by_prefix.iter().find(|(p, _)| id.starts_with(p)) {
        Some((_, t)) => t.to_string(),
        None => event_type.split('.').next().unwrap_or_default().to_string(),
    }
}

pub(crate) fn derive(
    actor_id: Option<&str>,
    event_type: &str,
    target_id: Option<&str>,
    data: &Value,
) -> Derived {
    let target_type = target_type(event_type, target_id);
    let mut client_id = text(data, "client_id");
    if client_id.is_empty() && target_type == "application" {
        client_id = target_id.unwrap_or_default().to_string();
    }
    let mut impersonation_id = text(data, "impersonation_id");
    if impersonation_id.is_empty() && target_type == "impersonation" {
        impersonation_id = target_id.unwrap_or_default().to_string();
    }
    let refused = REFUSALS.contains(&event_type)
        || (event_type == "impersonation.checked"
            && data.get("allowed").and_then(Value::as_bool) == Some(false));
    let outcome = if refused {
        DENIED
    } else if event_type.ends_with("_failed") {
        FAILURE
    } else {
        SUCCESS
    };
    let reason_code = match text(data, "denied") {
        c if !c.is_empty() => c,
        _ if refused => text(data, "code"),
        _ => String::new(),
    };
    let actor_name = match actor_id {
        Some(id) if id == text(data, "impersonator_id") => text(data, "impersonator_email"),
        _ => String::new(),
    };
    let target_name = ["user_email", "email", "name"]
        .iter()
        .map(|k| text(data, k))
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    Derived {
        actor_type: actor_type(actor_id),
        target_type,
        client_id,
        impersonation_id,
        outcome,
        reason_code,
        reason: text(data, "reason"),
        ticket: text(data, "ticket"),
        actor_name,
        target_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn impersonation_events_fill_every_column() {
        let data = json!({
            "impersonation_id": "imp_1", "impersonator_id": "usr_a",
            "impersonator_email": "admin@x.test", "user_id": "usr_t",
            "user_email": "ada@x.test", "client_id": "sample-app",
            "reason": "Ticket 4711", "ticket": "SUP-4711", "denied": "rule_target_role",
        });
        let d = derive(Some("usr_a"), "impersonation.denied", Some("usr_t"), &data);
        assert_eq!(
            d,
            Derived {
                actor_type: "user",
                target_type: "user".into(),
                client_id: "sample-app".into(),
                impersonation_id: "imp_1".into(),
                outcome: DENIED,
                reason_code: "rule_target_role".into(),
                reason: "Ticket 4711".into(),
                ticket: "SUP-4711".into(),
                actor_name: "admin@x.test".into(),
                target_name: "ada@x.test".into(),
            }
        );
        let d = derive(
            Some("usr_a"),
            "impersonation.link_created",
            Some("usr_t"),
            &data,
        );
        assert_eq!(
            d.outcome, SUCCESS,
            "a stray 'denied' key does not make a refusal"
        );
    }

    #[test]
    fn actors_targets_and_outcomes() {
        assert_eq!(actor_type(None), "system");
        assert_eq!(actor_type(Some("m2m@clients")), "application");
        assert_eq!(actor_type(Some("usr_1")), "user");
        assert_eq!(
            target_type("application.updated", Some("AbC")),
            "application"
        );
        assert_eq!(target_type("role.created", Some("rol_x")), "role");
        assert_eq!(target_type("settings.updated", None), "");
        let app = derive(None, "application.updated", Some("AbC"), &json!({}));
        assert_eq!((app.client_id.as_str(), app.outcome), ("AbC", SUCCESS));
        let no = json!({"allowed": false, "code": "target_protected"});
        let checked = derive(Some("usr_a"), "impersonation.checked", Some("usr_t"), &no);
        assert_eq!(
            (checked.outcome, checked.reason_code.as_str()),
            (DENIED, "target_protected")
        );
        let yes = derive(
            Some("usr_a"),
            "impersonation.checked",
            Some("usr_t"),
            &json!({"allowed": true, "code": "allowed"}),
        );
        assert_eq!((yes.outcome, yes.reason_code.as_str()), (SUCCESS, ""));
        assert_eq!(
            derive(None, "console.sign_in_failed", None, &json!({})).outcome,
            FAILURE
        );
    }
}
