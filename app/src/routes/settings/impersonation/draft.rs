//! The settings being edited, as signals, and the settings they make.

use leptos::prelude::*;

use crate::dto::{ImpersonationSettingsDto, RoleRuleDto};

/// One rule being edited; `key` keeps its card in place while others are
/// added or removed.
#[derive(Clone, Copy)]
pub struct RuleDraft {
    pub key: u64,
    pub rule: RwSignal<RoleRuleDto>,
}

/// Every field of the form.
#[derive(Clone, Copy)]
pub struct Draft {
    pub enabled: RwSignal<bool>,
    pub require_reason: RwSignal<bool>,
    pub require_ticket: RwSignal<bool>,
    pub ticket_pattern: RwSignal<String>,
    pub link_ttl_secs: RwSignal<String>,
    pub session_max_minutes: RwSignal<String>,
    pub bind_links: RwSignal<bool>,
    pub step_up: RwSignal<bool>,
    pub step_up_minutes: RwSignal<String>,
    pub approval_window_minutes: RwSignal<String>,
    pub show_impersonator_names: RwSignal<bool>,
    pub rules: RwSignal<Vec<RuleDraft>>,
    next_key: StoredValue<u64>,
}

/// A number as typed; anything else becomes -1, which the server refuses
/// with the field's own range message.
fn number(s: &str) -> i64 {
    s.trim().parse::<i64>().unwrap_or(-1)
}

impl Draft {
    pub fn new(s: &ImpersonationSettingsDto) -> Self {
        let rules: Vec<RuleDraft> = s
            .rules
            .iter()
            .zip(0..)
            .map(|(r, key)| RuleDraft {
                key,
                rule: RwSignal::new(r.clone()),
            })
            .collect();
        Draft {
            enabled: RwSignal::new(s.enabled),
            require_reason: RwSignal::new(s.require_reason),
            require_ticket: RwSignal::new(s.require_ticket),
            ticket_pattern: RwSignal::new(s.ticket_pattern.clone()),
            link_ttl_secs: RwSignal::new(s.link_ttl_secs.to_string()),
            session_max_minutes: RwSignal::new(s.session_max_minutes.to_string()),
            bind_links: RwSignal::new(s.bind_links),
            step_up: RwSignal::new(s.step_up),
            step_up_minutes: RwSignal::new(s.step_up_minutes.to_string()),
            approval_window_minutes: RwSignal::new(s.approval_window_minutes.to_string()),
            show_impersonator_names: RwSignal::new(s.show_impersonator_names),
            next_key: StoredValue::new(rules.len() as u64),
            rules: RwSignal::new(rules),
        }
    }

    /// Adds an empty rule (restricting nothing yet) for `role_id`.
    pub fn add_rule(&self, role_id: String) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.rules.update(|rules| {
            rules.push(RuleDraft {
                key,
                rule: RwSignal::new(RoleRuleDto {
                    role_id,
                    target_roles_mode: "allow".into(),
                    ..Default::default()
                }),
            })
        });
    }

    pub fn remove_rule(&self, key: u64) {
        self.rules.update(|rules| rules.retain(|r| r.key != key));
    }

    /// The keys of the rules in order, as sent: the server names a rule's
    /// problem by its position ("rules[2]").
    pub fn rule_keys(&self) -> Vec<u64> {
        self.rules
            .with_untracked(|r| r.iter().map(|r| r.key).collect())
    }

    /// The whole settings, for one save.
    pub fn settings(&self) -> ImpersonationSettingsDto {
        ImpersonationSettingsDto {
            enabled: self.enabled.get_untracked(),
            require_reason: self.require_reason.get_untracked(),
            require_ticket: self.require_ticket.get_untracked(),
            ticket_pattern: self.ticket_pattern.get_untracked().trim().to_string(),
            // The server works it out from the pattern.
            ticket_example: String::new(),
            link_ttl_secs: number(&self.link_ttl_secs.get_untracked()),
            session_max_minutes: number(&self.session_max_minutes.get_untracked()),
            bind_links: self.bind_links.get_untracked(),
            step_up: self.step_up.get_untracked(),
            step_up_minutes: number(&self.step_up_minutes.get_untracked()),
            approval_window_minutes: number(&self.approval_window_minutes.get_untracked()),
            show_impersonator_names: self.show_impersonator_names.get_untracked(),
            rules: self
                .rules
                .get_untracked()
                .iter()
                .map(|r| r.rule.get_untracked())
                .collect(),
        }
    }
}

/// Checks or unchecks `id` in a list of ids.
pub fn toggle(list: &mut Vec<String>, id: &str, on: bool) {
    list.retain(|x| x != id);
    if on {
        list.push(id.to_string());
    }
}
