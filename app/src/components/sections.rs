//! The console's sections, the permission each one needs, and the start
//! page that opens the first section the signed-in person may use.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::access::use_me;
use super::ui::CARD;
use crate::dto::Me;

/// One entry of the navigation.
pub struct Section {
    pub href: &'static str,
    /// The path prefix the entry stands for (Settings has two pages).
    pub prefix: &'static str,
    pub label: &'static str,
    /// The Management API permission its main page reads with.
    pub permission: &'static str,
    /// Also open to everyone who may sign in as users somewhere (Approvals:
    /// their own requests), whatever `permission` says.
    pub for_impersonators: bool,
}

/// In navigation order; the start page opens the first one held.
pub const SECTIONS: [Section; 9] = [
    Section {
        href: "/users",
        prefix: "/users",
        label: "Users",
        permission: "users:read",
        for_impersonators: false,
    },
    Section {
        href: "/applications",
        prefix: "/applications",
        label: "Applications",
        permission: "applications:read",
        for_impersonators: false,
    },
    Section {
        href: "/apis",
        prefix: "/apis",
        label: "APIs",
        permission: "apis:read",
        for_impersonators: false,
    },
    Section {
        href: "/connections",
        prefix: "/connections",
        label: "Connections",
        permission: "connections:read",
        for_impersonators: false,
    },
    Section {
        href: "/roles",
        prefix: "/roles",
        label: "Roles",
        permission: "roles:read",
        for_impersonators: false,
    },
    Section {
        href: "/impersonations",
        prefix: "/impersonations",
        label: "Impersonations",
        permission: "impersonation:read",
        for_impersonators: false,
    },
    // Deciding others' requests (impersonation:approve), and one's own.
    Section {
        href: "/approvals",
        prefix: "/approvals",
        label: "Approvals",
        permission: "impersonation:approve",
        for_impersonators: true,
    },
    Section {
        href: "/audit",
        prefix: "/audit",
        label: "Audit log",
        permission: "audit:read",
        for_impersonators: false,
    },
    Section {
        href: "/settings/keys",
        prefix: "/settings",
        label: "Settings",
        permission: "settings:read",
        for_impersonators: false,
    },
];

/// The sections `me` may open, in navigation order.
pub fn sections_for(me: &Me) -> impl Iterator<Item = &'static Section> + '_ {
    SECTIONS
        .iter()
        .filter(|s| me.has(s.permission) || (s.for_impersonators && me.may_impersonate()))
}

/// `/`: sends the person to the first section they may open, so nobody
/// lands on a page they cannot use (an Auditor lands on Impersonations).
#[component]
pub fn ConsoleHome() -> impl IntoView {
    let me = use_me();
    view! {
        <leptos_meta::Title text="Masquerade" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // Signed out, or without console access: the layout's user
                // block redirects; nothing to add here.
                let me = me.0.await.ok().flatten().filter(Me::may_enter)?;
                let first = sections_for(&me).next();
                Some(match first {
                    Some(first) => view! { <Redirect path=first.href /> }.into_any(),
                    None => view! { <NothingToOpen /> }.into_any(),
                })
            })}
        </Suspense>
    }
}

/// For someone whose only permission opens no section of its own (say, a
/// role that only lets them sign in as users of one application, without
/// users:read to find those users).
#[component]
fn NothingToOpen() -> impl IntoView {
    view! {
        <div class=format!("mx-auto mt-8 max-w-lg text-center {CARD}")>
            <h1 class="text-xl font-semibold text-slate-900">"Nothing to open yet"</h1>
            <p class="mt-3 text-sm text-slate-600">
                "Your roles give you no section of the console. Ask an administrator for a role with users:read, impersonation:read or another section's permission."
            </p>
        </div>
    }
}
