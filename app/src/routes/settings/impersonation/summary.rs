//! A rule in plain words: "People with the role Support agent may
//! impersonate only users with the role Customer, …", from the values being
//! edited.

use crate::dto::{Choice, RoleRuleDto, RuleOptions};

/// The name of `id` among `choices`, or the id itself when it is unknown
/// (deleted since the rule was saved).
pub fn name_of(choices: &[Choice], id: &str) -> String {
    choices
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// "A", "A or B", "A, B or C".
fn either(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn names(choices: &[Choice], ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| name_of(choices, id)).collect()
}

/// Which users the rule admits: "any user", "only users with the role
/// Customer, in the connection Partner-Accounts".
fn who(rule: &RoleRuleDto, options: &RuleOptions) -> String {
    let roles = names(&options.roles, &rule.target_roles);
    let deny = rule.target_roles_mode == "deny";
    let by_role = match (roles.len(), deny) {
        (0, _) => None,
        (1, false) => Some(format!("with the role {}", roles[0])),
        (1, true) => Some(format!("without the role {}", roles[0])),
        (_, false) => Some(format!("with one of the roles {}", either(&roles))),
        (_, true) => Some(format!("with none of the roles {}", either(&roles))),
    };
    let connections = names(&options.connections, &rule.connections);
    let by_connection = match connections.len() {
        0 => None,
        1 => Some(format!("in the connection {}", connections[0])),
        _ => Some(format!("in the connections {}", either(&connections))),
    };
    match (by_role, by_connection) {
        (None, None) => "any user".into(),
        (Some(r), None) => format!("only users {r}"),
        (None, Some(c)) => format!("only users {c}"),
        (Some(r), Some(c)) => format!("only users {r}, {c}"),
    }
}

/// The whole rule in a sentence or two.
pub fn rule_sentence(rule: &RoleRuleDto, options: &RuleOptions) -> String {
    let role = name_of(&options.roles, &rule.role_id);
    let apps = names(&options.applications, &rule.applications);
    let into = if apps.is_empty() {
        "into any application".to_string()
    } else {
        format!("into {}", either(&apps))
    };
    let mut out = format!(
        "People with the role {role} may impersonate {}, {into}.",
        who(rule, options)
    );
    match (rule.require_approval, rule.read_only) {
        (true, true) => out.push_str(" Someone else must approve first, and it is read-only."),
        (true, false) => out.push_str(" Someone else must approve first."),
        (false, true) => out.push_str(
            " Read-only: the application gets only permissions allowed in read-only impersonation.",
        ),
        (false, false) => {}
    }
    let restricts = !(rule.connections.is_empty()
        && rule.target_roles.is_empty()
        && rule.applications.is_empty())
        || rule.require_approval
        || rule.read_only;
    if !restricts {
        out.push_str(" This rule restricts nothing yet: the same as no rule.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(id: &str, name: &str) -> Choice {
        Choice {
            id: id.into(),
            name: name.into(),
        }
    }

    fn options() -> RuleOptions {
        RuleOptions {
            roles: vec![
                choice("rol_support", "Support agent"),
                choice("rol_customer", "Customer"),
                choice("rol_vip", "VIP"),
            ],
            connections: vec![
                choice("con_db", "Username-Password-Authentication"),
                choice("con_partner", "Partner-Accounts"),
            ],
            applications: vec![
                choice("sample-app", "Sample App"),
                choice("orders-spa", "Orders (SPA)"),
            ],
            ..Default::default()
        }
    }

    fn rule() -> RoleRuleDto {
        RoleRuleDto {
            role_id: "rol_support".into(),
            target_roles_mode: "allow".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_issue_example_reads_as_one_sentence() {
        let r = RoleRuleDto {
            connections: vec!["con_db".into()],
            target_roles: vec!["rol_customer".into()],
            applications: vec!["sample-app".into()],
            require_approval: true,
            ..rule()
        };
        assert_eq!(
            rule_sentence(&r, &options()),
            "People with the role Support agent may impersonate only users with the role Customer, \
             in the connection Username-Password-Authentication, into Sample App. \
             Someone else must approve first."
        );
    }

    #[test]
    fn empty_lists_read_as_any() {
        assert_eq!(
            rule_sentence(&rule(), &options()),
            "People with the role Support agent may impersonate any user, into any application. \
             This rule restricts nothing yet: the same as no rule."
        );
        let r = RoleRuleDto {
            read_only: true,
            ..rule()
        };
        assert!(rule_sentence(&r, &options()).contains("any user, into any application. Read-only"));
    }

    #[test]
    fn lists_deny_mode_and_unknown_ids() {
        let r = RoleRuleDto {
            target_roles: vec!["rol_customer".into(), "rol_vip".into(), "rol_gone".into()],
            target_roles_mode: "deny".into(),
            applications: vec!["sample-app".into(), "orders-spa".into()],
            ..rule()
        };
        assert_eq!(
            rule_sentence(&r, &options()),
            "People with the role Support agent may impersonate only users with none of the roles \
             Customer, VIP or rol_gone, into Sample App or Orders (SPA)."
        );
        let r = RoleRuleDto {
            target_roles: vec!["rol_vip".into()],
            target_roles_mode: "deny".into(),
            connections: vec!["con_partner".into()],
            ..rule()
        };
        assert!(rule_sentence(&r, &options()).contains(
            "only users without the role VIP, in the connection Partner-Accounts, into any application."
        ));
    }
}
