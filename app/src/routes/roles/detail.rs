//! A role's page: Settings, Permissions and Users tabs, with Duplicate and
//! Delete.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::form::{scopes, RoleFields, RoleFieldset};
use super::list::scope_label;
use super::members::Members;
use super::permissions::{Catalog, Permissions};
use crate::components::access::{gated, needs, RequirePermission};
use crate::components::check_access::{CheckAccess, CheckSubject};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::ErrorBanner;
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_INDIGO, BADGE_SLATE, BTN_DANGER, BTN_PRIMARY, BTN_SECONDARY, CARD, H1, H2,
};
use crate::dto::RoleDetailDto;
use crate::error::AppError;
use crate::functions::roles::{delete_role, get_role, permission_catalog, update_role};

#[component]
pub fn RolePage() -> impl IntoView {
    // The page's resources are made here, outside RequirePermission and any
    // Suspense, so the server and the browser give them the same ids (see
    // `access::gated`).
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let role = gated("roles:read", move || id.get(), get_role);
    let catalog = gated("roles:read", || (), |_| permission_catalog());
    // Kept here, outside the view that a refetch rebuilds, so that adding a
    // member does not throw the user back to the first tab.
    let tab = RwSignal::new("permissions");
    view! {
        <Title text="Role · Masquerade" />
        <RequirePermission permission="roles:read">
            <RoleLoader role=role catalog=catalog tab=tab />
        </RequirePermission>
    }
}

#[component]
fn RoleLoader(
    role: Resource<Result<RoleDetailDto, AppError>>,
    catalog: Catalog,
    tab: RwSignal<&'static str>,
) -> impl IntoView {
    view! {
        <A href="/roles" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Roles"</A>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading role…"</p> }>
            {move || Suspend::new(async move {
                match role.await {
                    Ok(r) => view! { <RoleView detail=r tab=tab catalog=catalog on_change=move || role.refetch() /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RoleView(
    detail: RoleDetailDto,
    tab: RwSignal<&'static str>,
    catalog: Catalog,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let role = detail.role.clone();
    let scope = scope_label(&role);
    view! {
        <div class="mt-3 flex flex-wrap items-start justify-between gap-4">
            <div>
                <div class="flex flex-wrap items-center gap-2">
                    <h1 class=H1>{role.name.clone()}</h1>
                    {role.builtin.then(|| view! { <span class=BADGE_SLATE>"Built-in"</span> })}
                    <span class=if role.scope.is_some() { BADGE_INDIGO } else { BADGE_SLATE }>{scope}</span>
                </div>
                <p class="mt-1 max-w-prose text-sm text-slate-600">{role.description.clone()}</p>
            </div>
            <Actions detail=detail.clone() />
        </div>

        <div role="tablist" aria-label="Role sections" class="mt-6 flex gap-1 border-b border-slate-200">
            <Tab tab=tab value="permissions" label="Permissions".to_string() />
            <Tab tab=tab value="users" label=format!("Users ({})", role.member_count) />
            <Tab tab=tab value="settings" label="Settings".to_string() />
            <Tab tab=tab value="check" label="Check access".to_string() />
        </div>
        <div class="mt-6" role="tabpanel">
            {move || match tab.get() {
                "users" => view! { <Members role=detail.role.clone() on_change=on_change /> }.into_any(),
                "settings" => view! { <Settings detail=detail.clone() on_change=on_change /> }.into_any(),
                // Only ever after a click: its lists load in the browser.
                "check" => view! {
                    <CheckAccess subject=CheckSubject::Role { id: detail.role.id.clone(), name: detail.role.name.clone() } />
                }.into_any(),
                _ => view! { <Permissions detail=detail.clone() catalog=catalog on_change=on_change /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Tab(tab: RwSignal<&'static str>, value: &'static str, label: String) -> impl IntoView {
    view! {
        <button
            type="button"
            role="tab"
            aria-selected=move || (tab.get() == value).to_string()
            class=move || if tab.get() == value {
                "-mb-px border-b-2 border-indigo-600 px-4 py-2 text-sm font-semibold text-indigo-700"
            } else {
                "-mb-px border-b-2 border-transparent px-4 py-2 text-sm font-medium text-slate-600 hover:text-slate-900"
            }
            on:click=move |_| tab.set(value)
        >
            {label}
        </button>
    }
}

#[component]
fn Actions(detail: RoleDetailDto) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let cannot_write = needs("roles:write");
    let role = detail.role;
    let confirm = RwSignal::new(false);
    let id = role.id.clone();
    let delete = Action::new(move |_: &()| delete_role(id.clone()));
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(n)) => {
            toasts.success(match n {
                0 => "Role deleted".to_string(),
                1 => "Role deleted; 1 user lost it".to_string(),
                n => format!("Role deleted; {n} users lost it"),
            });
            navigate("/roles", Default::default());
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let delete_reason = Signal::derive({
        let builtin = role.builtin;
        move || {
            if builtin {
                Some("Built-in roles cannot be deleted".to_string())
            } else {
                cannot_write.get()
            }
        }
    });
    let members = role.member_count;
    let holders = match members {
        0 => None,
        1 => Some("1 user holds this role".to_string()),
        n => Some(format!("{n} users hold this role")),
    };
    let body = match holders {
        None => "Nobody holds this role. This cannot be undone.".to_string(),
        Some(holders) => format!(
            "{holders}. They lose it and its permissions at once, and their console sessions end. This cannot be undone."
        ),
    };
    let duplicate_href = format!("/roles/new?from={}", role.id);
    view! {
        <div class="flex flex-col items-end gap-1">
            <div class="flex flex-wrap gap-2">
                {move || match cannot_write.get() {
                    None => view! { <A href=duplicate_href.clone() attr:class=BTN_SECONDARY>"Duplicate"</A> }.into_any(),
                    Some(why) => view! { <button type="button" class=BTN_SECONDARY disabled title=why>"Duplicate"</button> }.into_any(),
                }}
                <button
                    type="button"
                    class=BTN_DANGER
                    disabled=move || delete_reason.get().is_some()
                    title=move || delete_reason.get()
                    on:click=move |_| confirm.set(true)
                >
                    "Delete role"
                </button>
            </div>
            {move || delete_reason.get().map(|why| view! { <span class="text-xs text-slate-500">{why}</span> })}
        </div>
        <ConfirmDialog
            open=confirm
            title=format!("Delete the role {}?", role.name)
            body=body
            confirm_label="Delete role"
            pending=delete.pending()
            on_confirm=move || { delete.dispatch(()); }
        />
    }
}

#[component]
fn Settings(
    detail: RoleDetailDto,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let role = detail.role;
    let fields = RoleFields::new(
        role.name.clone(),
        role.description.clone(),
        role.scope.clone().map(|s| s.0).unwrap_or_default(),
    );
    let id = role.id.clone();
    let save = Action::new(move |_: &()| {
        update_role(
            id.clone(),
            fields.name.get_untracked(),
            fields.description.get_untracked(),
            fields.client_id.get_untracked(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.success("Role saved");
            on_change();
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let cannot_write = needs("roles:write");
    let builtin = role.builtin;
    let blocked = Signal::derive(move || {
        if builtin {
            Some("Built-in roles cannot be changed: duplicate this one to make a role you can change.".to_string())
        } else {
            cannot_write.get()
        }
    });
    view! {
        <form
            class=format!("max-w-2xl space-y-4 {CARD}")
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(());
            }
        >
            <h2 class=H2>"Settings"</h2>
            <ErrorBanner errors=general />
            <fieldset class="space-y-4" disabled=move || blocked.get().is_some()>
                <RoleFieldset fields=fields errors=errors scopes=scopes() />
            </fieldset>
            <div class="flex flex-wrap items-center gap-3">
                <button type="submit" class=BTN_PRIMARY disabled=move || save.pending().get() || blocked.get().is_some()>"Save role"</button>
                {move || blocked.get().map(|why| view! { <span class="text-sm text-slate-600">{why}</span> })}
            </div>
        </form>
    }
}
