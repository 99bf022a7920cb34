//! The Roles list: name, description, scope, members, built-in badge,
//! with search.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::access::{gated, needs, RequirePermission};
use crate::components::ui::{BADGE_INDIGO, BADGE_SLATE, BTN_PRIMARY, H1, INPUT, LABEL};
use crate::dto::RoleDto;
use crate::functions::roles::list_roles;

#[component]
pub fn RolesPage() -> impl IntoView {
    // Made here, outside RequirePermission: see `gated`.
    let search = RwSignal::new(String::new());
    let roles = gated("roles:read", move || search.get(), list_roles);
    view! {
        <Title text="Roles · Masquerade" />
        <RequirePermission permission="roles:read">
            <Roles search roles />
        </RequirePermission>
    }
}

/// Where a role applies, in words.
pub fn scope_label(role: &RoleDto) -> String {
    match &role.scope {
        Some((_, name)) => format!("{name} only"),
        None => "Whole tenant".to_string(),
    }
}

#[component]
fn Roles(
    search: RwSignal<String>,
    roles: Resource<Result<Vec<RoleDto>, crate::error::AppError>>,
) -> impl IntoView {
    let cannot_write = needs("roles:write");
    view! {
        <div class="flex flex-wrap items-center justify-between gap-4">
            <div class="max-w-2xl">
                <h1 class=H1>"Roles"</h1>
                <p class="mt-1 text-sm text-slate-600">
                    "A role holds permissions from any number of APIs; people get what their roles hold. Built-in roles cannot be changed, but can be duplicated."
                </p>
            </div>
            <div class="flex flex-col items-end gap-1">
                {move || match cannot_write.get() {
                    None => view! { <A href="/roles/new" attr:class=BTN_PRIMARY>"Create role"</A> }.into_any(),
                    Some(why) => view! {
                        <button type="button" class=BTN_PRIMARY disabled title=why.clone()>"Create role"</button>
                        <span class="text-xs text-slate-500">{why}</span>
                    }.into_any(),
                }}
            </div>
        </div>

        <div class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <label for="role-search" class=LABEL>"Search roles"</label>
            <input
                id="role-search"
                type="search"
                class=format!("mt-1 {INPUT}")
                placeholder="Role or application name"
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
            />
        </div>

        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                match roles.await {
                    Err(e) => view! { <p role="alert" class="mt-6 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! { <RoleTable roles=list /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RoleTable(roles: Vec<RoleDto>) -> impl IntoView {
    let count = roles.len();
    view! {
        <p class="mt-6 text-sm text-slate-600" role="status">
            <span class="font-semibold text-slate-900">{if count == 1 { "1 role".to_string() } else { format!("{count} roles") }}</span>
        </p>
        <div class="mt-2 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-3">"Role"</th>
                        <th scope="col" class="px-4 py-3">"Applies to"</th>
                        <th scope="col" class="px-4 py-3 text-right">"Members"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {if roles.is_empty() {
                        view! { <tr><td colspan="3" class="px-4 py-10 text-center text-slate-500">"No role matches this search."</td></tr> }.into_any()
                    } else {
                        roles.into_iter().map(|r| {
                            let scope = scope_label(&r);
                            view! {
                                <tr class="align-top hover:bg-slate-50">
                                    <td class="px-4 py-3">
                                        <div class="flex flex-wrap items-center gap-2">
                                            <A href=format!("/roles/{}", r.id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{r.name.clone()}</A>
                                            {r.builtin.then(|| view! { <span class=BADGE_SLATE>"Built-in"</span> })}
                                        </div>
                                        <p class="mt-0.5 max-w-prose text-slate-600">{r.description.clone()}</p>
                                    </td>
                                    <td class="whitespace-nowrap px-4 py-3">
                                        {if r.scope.is_some() {
                                            view! { <span class=BADGE_INDIGO>{scope}</span> }.into_any()
                                        } else {
                                            view! { <span class="text-slate-700">{scope}</span> }.into_any()
                                        }}
                                    </td>
                                    <td class="px-4 py-3 text-right tabular-nums text-slate-700">{r.member_count}</td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
        </div>
    }
}
