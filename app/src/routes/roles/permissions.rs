//! A role's Permissions tab: what it holds, grouped by API with the
//! descriptions the APIs give, and adding or removing permissions.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::components::access::needs;
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, CARD, H2, HELP, INPUT, LABEL};
use crate::dto::{ApiPermissions, PermissionChoice, RoleDetailDto};
use crate::functions::roles::change_role_permissions;

#[component]
pub fn Permissions(
    detail: RoleDetailDto,
    catalog: Catalog,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let cannot_write = needs("roles:write");
    let builtin = detail.role.builtin;
    let locked = Signal::derive(move || {
        if builtin {
            Some(
                "Built-in roles keep their permissions. Duplicate the role to change them."
                    .to_string(),
            )
        } else {
            cannot_write.get()
        }
    });
    let id = detail.role.id.clone();
    let change = Action::new(
        move |(add, remove): &(Vec<PermissionChoice>, Vec<PermissionChoice>)| {
            change_role_permissions(id.clone(), add.clone(), remove.clone())
        },
    );
    Effect::new(move |_| match change.value().get() {
        Some(Ok(_)) => {
            toasts.success("Permissions saved");
            on_change();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let held: BTreeSet<(String, String)> = detail
        .permissions
        .iter()
        .flat_map(|g| {
            g.permissions
                .iter()
                .map(|p| (p.api_id.clone(), p.permission.clone()))
        })
        .collect();
    let groups = detail.permissions.clone();
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <section class="lg:col-span-2" aria-labelledby="held-heading">
                <h2 id="held-heading" class=H2>"Permissions of this role"</h2>
                {move || locked.get().map(|why| view! { <p class="mt-1 text-sm text-slate-600">{why}</p> })}
                {if groups.is_empty() {
                    view! { <p class="mt-4 rounded-lg bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">"This role holds no permissions yet."</p> }.into_any()
                } else {
                    groups.into_iter().map(|g| view! { <HeldGroup group=g locked=locked change=change /> }).collect_view().into_any()
                }}
            </section>
            <Show when=move || locked.get().is_none()>
                <AddPermissions held=held.clone() change=change catalog=catalog />
            </Show>
        </div>
    }
}

/// Every API's permissions, for the picker; made by the page (see
/// `access::gated`).
pub type Catalog = Resource<Result<Vec<ApiPermissions>, crate::error::AppError>>;

type Change = Action<
    (Vec<PermissionChoice>, Vec<PermissionChoice>),
    Result<RoleDetailDto, crate::error::AppError>,
>;

#[component]
fn HeldGroup(
    group: ApiPermissions,
    locked: Signal<Option<String>>,
    change: Change,
) -> impl IntoView {
    view! {
        <div class="mt-4 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <div class="border-b border-slate-200 bg-slate-50 px-4 py-2">
                <h3 class="text-sm font-semibold text-slate-900">{group.api_name.clone()}</h3>
                <p class="break-all font-mono text-xs text-slate-500">{group.api_identifier.clone()}</p>
            </div>
            <ul class="divide-y divide-slate-100">
                {group.permissions.into_iter().map(|p| {
                    let choice = PermissionChoice { api_id: p.api_id.clone(), permission: p.permission.clone() };
                    let label = format!("Remove {}", p.permission);
                    view! {
                        <li class="flex items-start justify-between gap-4 px-4 py-2 text-sm">
                            <div class="min-w-0">
                                <code class="font-mono text-slate-900">{p.permission.clone()}</code>
                                <p class="text-slate-600">{p.description.clone()}</p>
                            </div>
                            <Show when=move || locked.get().is_none()>
                                <button
                                    type="button"
                                    class="shrink-0 rounded-md px-2 py-1 text-xs font-semibold text-red-700 ring-1 ring-inset ring-red-200 hover:bg-red-50"
                                    aria-label=label.clone()
                                    disabled=move || change.pending().get()
                                    on:click={
                                        let choice = choice.clone();
                                        move |_| { change.dispatch((vec![], vec![choice.clone()])); }
                                    }
                                >
                                    "Remove"
                                </button>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Picks an API, then the permissions of it this role does not hold yet.
#[component]
fn AddPermissions(
    held: BTreeSet<(String, String)>,
    change: Change,
    catalog: Catalog,
) -> impl IntoView {
    let api = RwSignal::new(String::new());
    let chosen = RwSignal::new(BTreeSet::<String>::new());
    view! {
        <section class=format!("h-fit space-y-3 {CARD}") aria-labelledby="add-heading">
            <h2 id="add-heading" class=H2>"Add permissions"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading APIs…"</p> }>
                {move || {
                    let held = held.clone();
                    Suspend::new(async move {
                        let apis = catalog.await.unwrap_or_default();
                        // The chosen API, or the first until one is chosen. Derived,
                        // not set here: writing a signal while rendering made the
                        // hydrated page differ from the server's.
                        let first = apis.first().map(|a| a.api_id.clone()).unwrap_or_default();
                        let current = move || {
                            let chosen = api.get();
                            if chosen.is_empty() { first.clone() } else { chosen }
                        };
                        let current2 = current.clone();
                        let apis_for_list = apis.clone();
                        view! {
                            <div>
                                <label for="add-api" class=LABEL>"API"</label>
                                <select id="add-api" class=format!("mt-1 {INPUT}")
                                    on:change=move |ev| { api.set(event_target_value(&ev)); chosen.set(BTreeSet::new()); }>
                                    {apis.iter().map(|a| {
                                        let v = a.api_id.clone();
                                        let current = current.clone();
                                        view! { <option value=a.api_id.clone() selected=move || current() == v>{a.api_name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                            <fieldset>
                                <legend class="sr-only">"Permissions to add"</legend>
                                {move || {
                                    let current = current2();
                                    let open: Vec<_> = apis_for_list
                                        .iter()
                                        .filter(|a| a.api_id == current)
                                        .flat_map(|a| a.permissions.clone())
                                        .filter(|p| !held.contains(&(p.api_id.clone(), p.permission.clone())))
                                        .collect();
                                    if open.is_empty() {
                                        return view! { <p class=HELP>"This role already holds every permission of this API."</p> }.into_any();
                                    }
                                    view! {
                                        <ul class="max-h-96 space-y-2 overflow-y-auto">
                                            {open.into_iter().map(|p| {
                                                let value = p.permission.clone();
                                                let value2 = p.permission.clone();
                                                let id = format!("add-{}", p.permission.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                                                view! {
                                                    <li class="flex items-start gap-2 text-sm">
                                                        <input id=id.clone() type="checkbox" class="mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300 text-indigo-600"
                                                            prop:checked=move || chosen.get().contains(&value)
                                                            on:change=move |ev| {
                                                                let on = event_target_checked(&ev);
                                                                chosen.update(|c| { if on { c.insert(value2.clone()); } else { c.remove(&value2); } });
                                                            } />
                                                        <label for=id>
                                                            <code class="font-mono text-slate-900">{p.permission.clone()}</code>
                                                            <span class="block text-slate-600">{p.description.clone()}</span>
                                                        </label>
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </fieldset>
                        }
                    })
                }}
            </Suspense>
            <button
                type="button"
                class=BTN_PRIMARY
                disabled=move || chosen.get().is_empty() || change.pending().get()
                on:click=move |_| {
                    let api_id = match api.get_untracked() {
                        chosen if !chosen.is_empty() => chosen,
                        _ => catalog
                            .get_untracked()
                            .and_then(|r| r.ok())
                            .and_then(|all| all.first().map(|a| a.api_id.clone()))
                            .unwrap_or_default(),
                    };
                    let add: Vec<PermissionChoice> = chosen
                        .get_untracked()
                        .into_iter()
                        .map(|permission| PermissionChoice { api_id: api_id.clone(), permission })
                        .collect();
                    chosen.set(BTreeSet::new());
                    change.dispatch((add, vec![]));
                }
            >
                {move || match chosen.get().len() {
                    0 => "Add permissions".to_string(),
                    1 => "Add 1 permission".to_string(),
                    n => format!("Add {n} permissions"),
                }}
            </button>
        </section>
    }
}
