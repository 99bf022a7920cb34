//! The impersonation policy as the console shows it: the settings and
//! rules per role, the "Check access" answer, approval requests.

use serde::{Deserialize, Serialize};

/// The tenant's Sign in as User settings, as the settings form edits them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpersonationSettingsDto {
    pub enabled: bool,
    pub require_reason: bool,
    pub require_ticket: bool,
    /// A regular expression a ticket reference must match (whole); "" for
    /// none.
    pub ticket_pattern: String,
    /// A reference matching the pattern, as the server reads it.
    #[serde(default)]
    pub ticket_example: String,
    pub link_ttl_secs: i64,
    pub session_max_minutes: i64,
    pub bind_links: bool,
    pub step_up: bool,
    pub step_up_minutes: i64,
    pub approval_window_minutes: i64,
    /// Users see impersonators' names on their Account activity page (off:
    /// "a support agent").
    #[serde(default)]
    pub show_impersonator_names: bool,
    pub rules: Vec<RoleRuleDto>,
}

/// What the holders of one role may impersonate through it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRuleDto {
    pub role_id: String,
    /// Connection ids; empty: any.
    pub connections: Vec<String>,
    /// Role ids; empty: any.
    pub target_roles: Vec<String>,
    /// "allow" (the target must hold one) or "deny" (must hold none).
    pub target_roles_mode: String,
    /// Client ids; empty: any.
    pub applications: Vec<String>,
    pub require_approval: bool,
    pub read_only: bool,
}

/// One thing a rule can name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub name: String,
}

/// What the rules editor offers: the roles (those giving Sign in as User
/// first, which are the ones a rule applies to), connections, applications,
/// and how many impersonations are live (for "Revoke all").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleOptions {
    pub impersonating_roles: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub connections: Vec<Choice>,
    pub applications: Vec<Choice>,
    pub live_impersonations: usize,
}

/// The answer of "Check access".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub allowed: bool,
    /// "allowed", or the reason code.
    pub code: String,
    pub sentence: String,
    /// The role whose rule decided, when one did.
    pub decided_by: Option<String>,
    /// Every rule that applied, in words.
    pub applied: Vec<String>,
    pub needs_approval: bool,
    pub read_only: bool,
}

/// A person the dry run can ask about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChoice {
    pub id: String,
    pub email: String,
    pub name: String,
}

/// A four-eyes request, for the Approvals page and the requester.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRow {
    pub id: String,
    pub actor_id: String,
    pub actor_email: String,
    pub target_id: String,
    pub target_email: String,
    pub client_id: String,
    pub app_name: String,
    /// The role whose rule asked for approval.
    pub role_name: String,
    pub reason: String,
    pub ticket: String,
    /// "full" or "read_only".
    pub mode: String,
    /// pending, approved, expired, rejected or used.
    pub state: String,
    pub created_at: i64,
    pub decided_at: i64,
    pub decided_by_email: String,
    pub decision_note: String,
    /// Until when an approved request can be turned into its link.
    pub approved_until: i64,
}
