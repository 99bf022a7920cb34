//! Every rule of the policy, each with its own reason.

use super::*;
use crate::authz::ADMIN_ROLE;
use crate::domain::impersonation::Impersonation;
use crate::domain::AppType;

fn person(id: &str, tenant: &[Permission], scoped: &[(&str, &[Permission])]) -> Person {
    Person {
        user: User {
            id: id.into(),
            email: format!("{id}@example.com"),
            name: id.into(),
            picture: None,
            connection_id: "con_default".into(),
            connection_name: "Username-Password".into(),
            blocked: false,
            has_password: true,
            created_at: 0,
            updated_at: 0,
            last_login_at: 0,
            login_count: 0,
            app_metadata: serde_json::json!({}),
            user_metadata: serde_json::json!({}),
            protected: false,
            roles: vec![],
        },
        holdings: Holdings {
            user_id: id.into(),
            tenant: tenant.iter().copied().collect(),
            scoped: scoped
                .iter()
                .map(|(c, p)| (c.to_string(), p.iter().copied().collect()))
                .collect(),
            ..Default::default()
        },
    }
}

/// Gives `p` the role, as the catalog would list it.
fn with_role(mut p: Person, id: &str, name: &str, client: Option<&str>, grants: bool) -> Person {
    p.holdings.roles.push(HeldRole {
        id: id.into(),
        name: name.into(),
        client_id: client.map(String::from),
        grants_impersonation: grants,
    });
    p
}

fn admin(id: &str) -> Person {
    with_role(
        person(id, Permission::ALL, &[]),
        ADMIN_ROLE,
        "Administrator",
        None,
        true,
    )
}

fn customer(id: &str) -> Person {
    with_role(
        person(id, &[], &[]),
        "rol_customer",
        "Customer",
        None,
        false,
    )
}

fn support(id: &str) -> Person {
    with_role(
        person(
            id,
            &[
                Permission::UsersRead,
                Permission::ImpersonationCreate,
                Permission::ImpersonationRead,
                Permission::AuditRead,
            ],
            &[],
        ),
        "rol_support",
        "Support agent",
        None,
        true,
    )
}

fn app() -> Application {
    Application {
        client_id: "app".into(),
        name: "App".into(),
        description: String::new(),
        app_type: AppType::RegularWeb,
        has_secret: true,
        secret_rotated_at: None,
        callback_urls: vec!["https://app.example/cb".into()],
        allowed_logout_urls: vec![],
        allowed_web_origins: vec![],
        initiate_login_uri: None,
        grant_types: vec!["authorization_code".into()],
        allow_impersonation: true,
        connection_ids: vec!["con_default".into(), "con_partner".into()],
        created_at: 0,
        updated_at: 0,
        tokens: Default::default(),
    }
}

fn open() -> ImpersonationSettings {
    ImpersonationSettings::default()
}

fn code(r: Result<Allowance, Denial>) -> Result<Allowance, &'static str> {
    r.map_err(|d| d.code())
}

#[test]
fn holders_of_impersonation_create_may_impersonate_ordinary_users() {
    assert_eq!(
        may_impersonate(&admin("a"), &customer("t"), &app(), &open(), 0),
        Ok(Allowance::default())
    );
    assert_eq!(
        may_impersonate(&support("s"), &customer("t"), &app(), &open(), 0),
        Ok(Allowance::default())
    );
}

#[test]
fn scoped_impersonation_reaches_only_its_application() {
    let scoped = with_role(
        person(
            "b",
            &[Permission::UsersRead],
            &[("app", &[Permission::ImpersonationCreate])],
        ),
        "rol_billing",
        "Billing support",
        Some("app"),
        true,
    );
    assert!(may_impersonate(&scoped, &customer("t"), &app(), &open(), 0).is_ok());
    let other = Application {
        client_id: "other".into(),
        ..app()
    };
    assert_eq!(
        code(may_impersonate(&scoped, &customer("t"), &other, &open(), 0)),
        Err("impersonator_not_permitted_for_application")
    );
}

#[test]
fn nobody_gains_permissions_by_impersonating() {
    let mut senior = support("s2");
    senior.holdings.tenant.insert(Permission::UsersWrite);
    assert_eq!(
        may_impersonate(&support("s"), &senior, &app(), &open(), 0),
        Err(Denial::TargetHoldsMore {
            permissions: vec!["users:write".into()]
        })
    );
    // A peer with the same rights is no escalation.
    assert!(may_impersonate(&support("s"), &support("s3"), &app(), &open(), 0).is_ok());
}

#[test]
fn always_refused_whatever_is_configured() {
    let target = customer("t");
    let mut blocked_admin = admin("a");
    blocked_admin.user.blocked = true;
    let mut blocked_target = customer("t");
    blocked_target.user.blocked = true;
    let mut protected = customer("p");
    protected.user.protected = true;
    let off = ImpersonationSettings {
        enabled: false,
        ..open()
    };
    let cases = [
        (
            customer("s"),
            target.clone(),
            app(),
            open(),
            "impersonator_not_permitted",
        ),
        (
            blocked_admin,
            target.clone(),
            app(),
            open(),
            "impersonator_blocked",
        ),
        (admin("a"), admin("a"), app(), open(), "self_impersonation"),
        (
            admin("a"),
            admin("b"),
            app(),
            open(),
            "user_is_administrator",
        ),
        (admin("a"), blocked_target, app(), open(), "user_blocked"),
        (admin("a"), protected, app(), open(), "user_protected"),
        (
            admin("a"),
            target.clone(),
            app(),
            off,
            "impersonation_disabled",
        ),
        (
            admin("a"),
            target.clone(),
            Application {
                allow_impersonation: false,
                ..app()
            },
            open(),
            "application_disallows_impersonation",
        ),
        (
            admin("a"),
            target.clone(),
            Application {
                callback_urls: vec![],
                ..app()
            },
            open(),
            "application_has_no_callback",
        ),
        (
            admin("a"),
            target.clone(),
            Application {
                connection_ids: vec!["con_other".into()],
                ..app()
            },
            open(),
            "connection_not_enabled",
        ),
    ];
    for (actor, target, app, settings, expected) in cases {
        assert_eq!(
            code(may_impersonate(&actor, &target, &app, &settings, 0)),
            Err(expected)
        );
    }
}

fn rule(role: &str) -> RoleRule {
    RoleRule {
        role_id: role.into(),
        ..Default::default()
    }
}

fn with_rules(rules: Vec<RoleRule>) -> ImpersonationSettings {
    ImpersonationSettings { rules, ..open() }
}

#[test]
fn a_rule_restricts_by_target_role_connection_and_application() {
    let only_customers = with_rules(vec![RoleRule {
        target_roles: vec!["rol_customer".into()],
        ..rule("rol_support")
    }]);
    assert!(may_impersonate(&support("s"), &customer("t"), &app(), &only_customers, 0).is_ok());
    let tester = with_role(
        person("q", &[], &[]),
        "rol_beta",
        "Beta tester",
        None,
        false,
    );
    let refused = may_impersonate(&support("s"), &tester, &app(), &only_customers, 0).unwrap_err();
    assert_eq!(refused.code(), "rule_target_role");
    assert_eq!(refused.role(), Some(("rol_support", "Support agent")));
    assert_eq!(
        refused.message(),
        "The role 'Support agent' may only impersonate users with certain roles; q has roles: Beta tester."
    );
    // With the names looked up (as `settings::load` does), the sentence
    // names the roles the rule asks for.
    let mut named = only_customers.clone();
    named
        .role_names
        .0
        .insert("rol_customer".into(), "Customer".into());
    assert_eq!(
        may_impersonate(&support("s"), &tester, &app(), &named, 0).unwrap_err().message(),
        "The role 'Support agent' may only impersonate users with the role 'Customer'; q has roles: Beta tester."
    );
    named.rules[0].target_roles.push("rol_vip".into());
    named.role_names.0.insert("rol_vip".into(), "VIP".into());
    assert!(may_impersonate(&support("s"), &tester, &app(), &named, 0)
        .unwrap_err()
        .message()
        .contains("with one of the roles 'Customer' or 'VIP';"));
    // The same rule in deny mode.
    let not_customers = with_rules(vec![RoleRule {
        target_roles: vec!["rol_customer".into()],
        target_roles_mode: TargetRolesMode::Deny,
        ..rule("rol_support")
    }]);
    assert_eq!(
        code(may_impersonate(
            &support("s"),
            &customer("t"),
            &app(),
            &not_customers,
            0
        )),
        Err("rule_target_role")
    );
    assert!(may_impersonate(&support("s"), &tester, &app(), &not_customers, 0).is_ok());

    let partner_only = with_rules(vec![RoleRule {
        connections: vec!["con_partner".into()],
        ..rule("rol_support")
    }]);
    assert_eq!(
        code(may_impersonate(
            &support("s"),
            &customer("t"),
            &app(),
            &partner_only,
            0
        )),
        Err("rule_connection")
    );
    let elsewhere = with_rules(vec![RoleRule {
        applications: vec!["other".into()],
        ..rule("rol_support")
    }]);
    assert_eq!(
        code(may_impersonate(
            &support("s"),
            &customer("t"),
            &app(),
            &elsewhere,
            0
        )),
        Err("rule_application")
    );
    // The user-level check (the button) ignores the application.
    assert!(may_impersonate_user(&support("s"), &customer("t"), &elsewhere, 0).is_ok());
    assert!(may_impersonate_user(&support("s"), &tester, &only_customers, 0).is_err());
}

#[test]
fn the_least_demanding_role_decides_the_terms() {
    let two = with_role(support("s"), "rol_helper", "Helper", None, true);
    let settings = with_rules(vec![
        RoleRule {
            require_approval: true,
            ..rule("rol_support")
        },
        RoleRule {
            read_only: true,
            ..rule("rol_helper")
        },
    ]);
    let a = may_impersonate(&two, &customer("t"), &app(), &settings, 0).unwrap();
    assert!(
        !a.approval && a.read_only,
        "read-only without approval beats approval: {a:?}"
    );
    assert_eq!(a.role_name.as_deref(), Some("Helper"));
    // Approval alone.
    let settings = with_rules(vec![RoleRule {
        require_approval: true,
        ..rule("rol_support")
    }]);
    let a = may_impersonate(&support("s"), &customer("t"), &app(), &settings, 0).unwrap();
    assert!(a.approval);
    // A role without a rule lets in on no terms at all.
    let a = may_impersonate(&two, &customer("t"), &app(), &settings, 0).unwrap();
    assert_eq!(a, Allowance::default());
}

#[test]
fn earlier_impersonations_must_meet_the_terms_of_now() {
    let rec = Impersonation {
        mode: "full".into(),
        ..Default::default()
    };
    let approval = Allowance {
        approval: true,
        role_name: Some("Support agent".into()),
        ..Default::default()
    };
    assert_eq!(
        terms_met(&approval, &rec).map_err(|d| d.code()),
        Err("approval_required")
    );
    let approved = Impersonation {
        request_id: Some("req_1".into()),
        ..rec.clone()
    };
    assert!(terms_met(&approval, &approved).is_ok());
    let read_only = Allowance {
        read_only: true,
        ..Default::default()
    };
    assert_eq!(
        terms_met(&read_only, &rec).map_err(|d| d.code()),
        Err("read_only_required")
    );
    let ro = Impersonation {
        mode: "read_only".into(),
        ..rec
    };
    assert!(terms_met(&read_only, &ro).is_ok());
}

#[test]
fn the_dry_run_names_every_rule_that_applied() {
    let two = with_role(support("s"), "rol_helper", "Helper", None, true);
    let tester = with_role(
        person("q", &[], &[]),
        "rol_beta",
        "Beta tester",
        None,
        false,
    );
    let settings = with_rules(vec![RoleRule {
        target_roles: vec!["rol_customer".into()],
        ..rule("rol_support")
    }]);
    let lines = applied_rules(&two, &tester, Some(&app()), &settings);
    assert_eq!(lines[0], "Impersonation is on for the tenant.");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Refused by the rule of 'Support agent'")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "The role 'Helper' allows Sign in as User, with no rule."),
        "{lines:?}"
    );
}
