//! The Management API's permissions, as a closed type: a call site names
//! `Permission::UsersWrite`, never the string, so the list in the code,
//! the built-in API's permissions, the OpenAPI document and the console
//! cannot drift apart.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident = $value:literal, $description:literal;)*) => {
        /// One permission of the built-in Management API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub enum Permission {
            $($variant,)*
        }

        impl Permission {
            /// Every permission, in the order the console lists them.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The permission as it appears in tokens and the API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Permission::$variant => $value,)*
                }
            }

            /// What the permission allows, in a sentence fragment.
            pub const fn description(self) -> &'static str {
                match self {
                    $(Permission::$variant => $description,)*
                }
            }

            pub fn parse(s: &str) -> Option<Permission> {
                match s {
                    $($value => Some(Permission::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

permissions! {
    UsersRead = "users:read", "Read users";
    UsersWrite = "users:write", "Create, change, block and delete users";
    ApplicationsRead = "applications:read", "Read applications";
    ApplicationsWrite = "applications:write", "Create, change and delete applications; rotate secrets";
    ConnectionsRead = "connections:read", "Read connections";
    ConnectionsWrite = "connections:write", "Enable and disable connections per application";
    ApisRead = "apis:read", "Read APIs";
    ApisWrite = "apis:write", "Create, change and delete APIs; choose which applications they authorize";
    RolesRead = "roles:read", "Read roles, their permissions and members";
    RolesWrite = "roles:write", "Create, change and delete roles; assign them to users";
    ImpersonationCreate = "impersonation:create", "Sign in as users (Sign in as User links)";
    ImpersonationRead = "impersonation:read", "Read impersonation history and live impersonations";
    ImpersonationRevoke = "impersonation:revoke", "End impersonated sessions";
    ImpersonationApprove = "impersonation:approve", "Approve or reject others' requests to sign in as a user";
    AuditRead = "audit:read", "Read the audit log";
    SettingsRead = "settings:read", "Read tenant settings";
    SettingsWrite = "settings:write", "Change tenant settings";
    KeysWrite = "keys:write", "Rotate signing keys";
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Permission> for String {
    fn from(p: Permission) -> String {
        p.as_str().to_string()
    }
}

impl TryFrom<String> for Permission {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Permission::parse(&s).ok_or_else(|| format!("unknown permission \"{s}\""))
    }
}

/// A set of Management API permissions: a bit per permission, so checking
/// one on every request costs nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermSet(u32);

impl PermSet {
    pub const EMPTY: PermSet = PermSet(0);

    pub fn all() -> PermSet {
        Permission::ALL.iter().copied().collect()
    }

    fn bit(p: Permission) -> u32 {
        1 << (p as u32)
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & Self::bit(p) != 0
    }

    pub fn insert(&mut self, p: Permission) {
        self.0 |= Self::bit(p);
    }

    pub fn remove(&mut self, p: Permission) {
        self.0 &= !Self::bit(p);
    }

    pub fn union(self, other: PermSet) -> PermSet {
        PermSet(self.0 | other.0)
    }

    pub fn intersect(self, other: PermSet) -> PermSet {
        PermSet(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every permission of `other` is in this set.
    pub fn covers(self, other: PermSet) -> bool {
        other.0 & !self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }

    /// Permissions named in a space-separated scope; others are ignored.
    pub fn from_scope(scope: &str) -> PermSet {
        scope.split(' ').filter_map(Permission::parse).collect()
    }
}

impl FromIterator<Permission> for PermSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut s = PermSet::EMPTY;
        for p in iter {
            s.insert(p);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_round_trips_and_is_distinct() {
        assert!(Permission::ALL.len() <= 32, "one bit each");
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(*p));
            assert!(seen.insert(p.as_str()));
            assert!(!p.description().is_empty());
        }
        assert_eq!(Permission::parse("users:admin"), None);
    }

    #[test]
    fn sets() {
        let mut s = PermSet::from_scope("users:read openid impersonation:create bogus");
        assert!(s.contains(Permission::UsersRead));
        assert!(s.contains(Permission::ImpersonationCreate));
        assert!(!s.contains(Permission::UsersWrite));
        assert_eq!(s.iter().count(), 2);
        s.remove(Permission::UsersRead);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Permission::ImpersonationCreate]
        );
        assert!(PermSet::all().covers(s));
        assert!(!s.covers(PermSet::all()));
        assert_eq!(PermSet::all().iter().count(), Permission::ALL.len());
    }

    #[test]
    fn serializes_as_its_string() {
        let json = serde_json::to_string(&Permission::AuditRead).unwrap();
        assert_eq!(json, "\"audit:read\"");
        let back: Permission = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Permission::AuditRead);
        assert!(serde_json::from_str::<Permission>("\"nope\"").is_err());
    }
}
