//! The tenant's impersonation settings and the rules per role. Stored as
//! one JSON value; every field added since the first version has a serde
//! default, so a stored value from before reads as it meant then.

use serde::{Deserialize, Serialize};

use crate::error::{CoreResult, Problems};

pub const MIN_LINK_TTL_SECS: i64 = 30;
pub const MAX_LINK_TTL_SECS: i64 = 600;
pub const MAX_RULES: usize = 100;
const MAX_PATTERN_LEN: usize = 200;

fn yes() -> bool {
    true
}
fn fifteen() -> i64 {
    15
}
fn thirty() -> i64 {
    30
}

/// Tenant-wide settings for impersonation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationSettings {
    /// Off refuses every mint, redemption and exchange at once.
    #[serde(default = "yes")]
    pub enabled: bool,
    pub require_reason: bool,
    /// A ticket reference must be given.
    #[serde(default)]
    pub require_ticket: bool,
    /// When set, a ticket reference must match this regular expression
    /// (whole), such as `^SUP-[0-9]+$`.
    #[serde(default)]
    pub ticket_pattern: String,
    pub link_ttl_secs: i64,
    pub session_max_secs: i64,
    /// A link opens only in a browser signed in to the console as the
    /// person who minted it (for a machine client: the person it named).
    #[serde(default)]
    pub bind_links: bool,
    /// Minting needs the password entered again within `step_up_minutes`.
    #[serde(default)]
    pub step_up: bool,
    #[serde(default = "fifteen")]
    pub step_up_minutes: i64,
    /// How long an approved request may be turned into a link.
    #[serde(default = "thirty")]
    pub approval_window_minutes: i64,
    /// What holders of each role may impersonate, beyond the permission.
    #[serde(default)]
    pub rules: Vec<RoleRule>,
    /// Whether users see, on their Account activity page, the name of whoever
    /// signed in as them; off, the page says only "a support agent".
    #[serde(default)]
    pub show_impersonator_names: bool,
    /// The names of the roles the rules name, filled in when the settings
    /// are loaded, so that a refusal can say "with the role 'Customer'".
    /// Not stored: a renamed role reads under its new name.
    #[serde(skip)]
    pub role_names: RoleNames,
}

/// Role names by id, for the policy's sentences. Two settings are the
/// same whatever names were looked up with them.
#[derive(Debug, Clone, Default)]
pub struct RoleNames(pub std::collections::BTreeMap<String, String>);

impl PartialEq for RoleNames {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for RoleNames {}

impl RoleNames {
    /// `'A'`, `'A' or 'B'`, `'A', 'B' or 'C'`; `None` when a name is unknown.
    pub fn quoted(&self, ids: &[String]) -> Option<String> {
        let names: Vec<String> = ids
            .iter()
            .map(|id| self.0.get(id).map(|n| format!("'{n}'")))
            .collect::<Option<_>>()?;
        Some(match names.split_last() {
            None => return None,
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        })
    }
}

/// Whether a rule's target roles are the only ones allowed, or the ones
/// refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetRolesMode {
    #[default]
    Allow,
    Deny,
}

/// What the holders of one role may impersonate through it. Every part is
/// optional; an empty list does not restrict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRule {
    pub role_id: String,
    /// Only users of these connections (ids).
    #[serde(default)]
    pub connections: Vec<String>,
    /// Roles (ids) the target must hold one of (allow), or none of (deny).
    #[serde(default)]
    pub target_roles: Vec<String>,
    #[serde(default)]
    pub target_roles_mode: TargetRolesMode,
    /// Only into these applications (client ids).
    #[serde(default)]
    pub applications: Vec<String>,
    /// Four-eyes: a request someone else approves instead of a link.
    #[serde(default)]
    pub require_approval: bool,
    /// Only read-only impersonation.
    #[serde(default)]
    pub read_only: bool,
}

impl Default for ImpersonationSettings {
    fn default() -> Self {
        ImpersonationSettings {
            enabled: true,
            require_reason: true,
            require_ticket: false,
            ticket_pattern: String::new(),
            link_ttl_secs: 120,
            session_max_secs: 3600,
            bind_links: false,
            step_up: false,
            step_up_minutes: 15,
            approval_window_minutes: 30,
            rules: Vec::new(),
            show_impersonator_names: false,
            role_names: RoleNames::default(),
        }
    }
}

impl ImpersonationSettings {
    pub fn validate(&self) -> CoreResult<()> {
        let mut p = Problems::default();
        p.check(
            (MIN_LINK_TTL_SECS..=MAX_LINK_TTL_SECS).contains(&self.link_ttl_secs),
            "link_ttl_secs",
            "Links must expire within 30 seconds to 10 minutes.",
        );
        p.check(
            (300..=12 * 3600).contains(&self.session_max_secs),
            "session_max_secs",
            "The impersonated session cap must be between 5 minutes and 12 hours.",
        );
        p.check(
            (1..=24 * 60).contains(&self.step_up_minutes),
            "step_up_minutes",
            "The password is asked again after 1 minute to 24 hours.",
        );
        p.check(
            (1..=7 * 24 * 60).contains(&self.approval_window_minutes),
            "approval_window_minutes",
            "An approval lasts between 1 minute and 7 days.",
        );
        if let Err(message) = ticket_regex(&self.ticket_pattern) {
            p.add("ticket_pattern", message);
        }
        p.check(self.rules.len() <= MAX_RULES, "rules", "At most 100 rules.");
        let mut seen = std::collections::HashSet::new();
        for r in &self.rules {
            if !seen.insert(r.role_id.as_str()) {
                p.add("rules", "Each role has at most one rule.");
                break;
            }
            let lists = [&r.connections, &r.target_roles, &r.applications];
            if r.role_id.trim().is_empty() || lists.iter().any(|l| l.len() > 200) {
                p.add(
                    "rules",
                    "A rule names its role, and at most 200 of anything.",
                );
                break;
            }
        }
        p.into_result()
    }

    /// Whether minting must first ask for the password again: step-up is
    /// on and the person last entered it (`authenticated_at`) too long ago.
    /// A machine client (`None`) has no password to enter.
    pub fn step_up_due(&self, authenticated_at: Option<i64>, now: i64) -> bool {
        self.step_up && authenticated_at.is_some_and(|t| now - t > self.step_up_minutes * 60)
    }

    /// A ticket reference the pattern accepts, for placeholders; "" when
    /// there is no pattern.
    pub fn ticket_example(&self) -> String {
        if self.ticket_pattern.trim().is_empty() {
            String::new()
        } else {
            example_of(&self.ticket_pattern)
        }
    }

    /// The rule of a role, if it has one.
    pub fn rule_of(&self, role_id: &str) -> Option<&RoleRule> {
        self.rules.iter().find(|r| r.role_id == role_id)
    }

    /// Whether `ticket` is acceptable: present when required, and matching
    /// the pattern when one is set.
    pub fn ticket_problem(&self, ticket: &str) -> Option<String> {
        let ticket = ticket.trim();
        if ticket.is_empty() {
            return self
                .require_ticket
                .then(|| "A ticket reference is required.".to_string());
        }
        match ticket_regex(&self.ticket_pattern) {
            Ok(Some(re)) if !re.is_match(ticket) => Some(format!(
                "The ticket reference must look like {} (pattern {}).",
                example_of(&self.ticket_pattern),
                self.ticket_pattern
            )),
            _ => None,
        }
    }
}

/// The pattern compiled, anchored so that it matches the whole reference;
/// `None` when there is none.
fn ticket_regex(pattern: &str) -> Result<Option<regex::Regex>, String> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Ok(None);
    }
    if pattern.chars().count() > MAX_PATTERN_LEN {
        return Err("The ticket pattern is limited to 200 characters.".into());
    }
    let anchored = format!(
        "^(?:{})$",
        pattern.trim_start_matches('^').trim_end_matches('$')
    );
    regex::RegexBuilder::new(&anchored)
        .size_limit(1 << 16)
        .build()
        .map(Some)
        .map_err(|e| {
            format!(
                "This is not a valid regular expression: {}",
                first_line(&e.to_string())
            )
        })
}

fn first_line(s: &str) -> String {
    s.lines()
        .last()
        .unwrap_or(s)
        .trim()
        .chars()
        .take(160)
        .collect()
}

/// A reference that matches a simple pattern, for the message and the
/// settings screen: `SUP-[0-9]+` reads as "SUP-1234".
pub fn example_of(pattern: &str) -> String {
    let p = pattern.trim().trim_start_matches('^').trim_end_matches('$');
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                let class: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let sample = if class.contains('0') || class.contains("\\d") {
                    "1234"
                } else if class.contains('A') {
                    "ABC"
                } else {
                    "abc"
                };
                // A quantifier after the class repeats the sample, not the
                // class letter.
                if matches!(chars.peek(), Some('+' | '*' | '{')) {
                    skip_quantifier(&mut chars);
                }
                out.push_str(sample);
            }
            '\\' => {
                let escaped = chars.next().unwrap_or('\\');
                let sample = match escaped {
                    'd' => "1234".to_string(),
                    'w' => "abc".to_string(),
                    other => other.to_string(),
                };
                if matches!(chars.peek(), Some('+' | '*' | '{')) {
                    skip_quantifier(&mut chars);
                }
                out.push_str(&sample);
            }
            '+' | '*' | '?' | '(' | ')' | '|' => {}
            '{' => {
                let _ = chars.by_ref().take_while(|c| *c != '}').count();
            }
            '.' => out.push('x'),
            other => out.push(other),
        }
    }
    out
}

fn skip_quantifier(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    if chars.next() == Some('{') {
        let _ = chars.by_ref().take_while(|c| *c != '}').count();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_stored_settings_read_as_before() {
        let old: ImpersonationSettings = serde_json::from_str(
            r#"{"require_reason":false,"link_ttl_secs":60,"session_max_secs":900}"#,
        )
        .unwrap();
        assert!(old.enabled);
        assert!(!old.require_ticket);
        assert!(old.rules.is_empty());
        assert_eq!(old.step_up_minutes, 15);
        assert!(
            !old.show_impersonator_names,
            "users see only \"a support agent\" unless the tenant says otherwise"
        );
        assert!(old.validate().is_ok());
    }

    #[test]
    fn tickets_and_patterns() {
        let mut s = ImpersonationSettings {
            require_ticket: true,
            ticket_pattern: "SUP-[0-9]+".into(),
            ..Default::default()
        };
        assert!(s.validate().is_ok());
        assert_eq!(
            s.ticket_problem("").as_deref(),
            Some("A ticket reference is required.")
        );
        assert_eq!(s.ticket_problem("SUP-4711"), None);
        let bad = s.ticket_problem("SUP-47x").unwrap();
        assert!(bad.contains("SUP-1234"), "{bad}");
        assert!(s.ticket_problem("xSUP-4711").is_some(), "anchored");
        s.ticket_pattern = "([".into();
        let Err(crate::CoreError::Validation(errs)) = s.validate() else {
            panic!()
        };
        assert_eq!(errs[0].field, "ticket_pattern");
        assert_eq!(example_of(r"^INC\d{6}$"), "INC1234");
        assert_eq!(example_of("[A-Z]+-[0-9]+"), "ABC-1234");
    }

    #[test]
    fn rules_are_checked() {
        let rule = |id: &str| RoleRule {
            role_id: id.into(),
            ..Default::default()
        };
        let s = ImpersonationSettings {
            rules: vec![rule("rol_a"), rule("rol_a")],
            ..Default::default()
        };
        assert!(s.validate().is_err(), "one rule per role");
        let s = ImpersonationSettings {
            rules: vec![rule("rol_a"), rule("rol_b")],
            ..Default::default()
        };
        assert!(s.validate().is_ok());
        assert_eq!(
            s.rule_of("rol_b").map(|r| r.role_id.as_str()),
            Some("rol_b")
        );
    }
}
