//! The Roles tab of a user's page: their roles, assigning and unassigning,
//! and the permissions that result, grouped by API.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::access::{needs, RequirePermission};
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_INDIGO, BADGE_SLATE, BTN_PRIMARY, BTN_SECONDARY, CARD, H2, INPUT, LABEL,
};
use crate::dto::UserRolesDto;
use crate::functions::roles::{assign_role, list_roles, unassign_role, user_roles};
use crate::routes::roles::list::scope_label;

#[component]
pub fn UserRolesTab(user_id: String) -> impl IntoView {
    view! {
        <RequirePermission permission="roles:read">
            <RolesOf user_id=user_id.clone() />
        </RequirePermission>
    }
}

#[component]
fn RolesOf(user_id: String) -> impl IntoView {
    let uid = user_id.clone();
    let data = Resource::new(move || uid.clone(), user_roles);
    view! {
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading roles…"</p> }>
            {move || {
                let user_id = user_id.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                        Ok(d) => view! { <RolesView user_id=user_id data=d on_change=move || data.refetch() /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn RolesView(
    user_id: String,
    data: UserRolesDto,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let cannot_write = needs("roles:write");
    let uid = user_id.clone();
    let remove = Action::new(move |role_id: &String| unassign_role(role_id.clone(), uid.clone()));
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(_)) => {
            toasts.success("Role removed; the user's console sessions ended");
            on_change();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let held: Vec<String> = data.roles.iter().map(|r| r.id.clone()).collect();
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <div class="space-y-6 lg:col-span-2">
                <section aria-labelledby="user-roles-heading">
                    <h2 id="user-roles-heading" class=H2>"Roles"</h2>
                    <ul class="mt-2 divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                        {if data.roles.is_empty() {
                            view! { <li class="px-4 py-6 text-center text-sm text-slate-500">"This user holds no role."</li> }.into_any()
                        } else {
                            data.roles.iter().cloned().map(|r| {
                                let rid = r.id.clone();
                                let aria = format!("Remove the role {}", r.name);
                                let scope = scope_label(&r);
                                view! {
                                    <li class="flex items-center justify-between gap-4 px-4 py-2 text-sm">
                                        <div class="flex min-w-0 flex-wrap items-center gap-2">
                                            <A href=format!("/roles/{}", r.id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{r.name.clone()}</A>
                                            <span class=if r.scope.is_some() { BADGE_INDIGO } else { BADGE_SLATE }>{scope}</span>
                                        </div>
                                        <button type="button" class=BTN_SECONDARY aria-label=aria
                                            disabled=move || cannot_write.get().is_some() || remove.pending().get()
                                            title=move || cannot_write.get()
                                            on:click=move |_| { remove.dispatch(rid.clone()); }>"Remove"</button>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }}
                    </ul>
                </section>
                <section aria-labelledby="user-perms-heading">
                    <h2 id="user-perms-heading" class=H2>"Resulting permissions"</h2>
                    <p class="mt-1 text-sm text-slate-600">"Everything this user's roles give, by API. Tokens for an API carry only what the application asked for."</p>
                    {if data.permissions.is_empty() {
                        view! { <p class="mt-2 rounded-lg bg-white p-4 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">"No permissions."</p> }.into_any()
                    } else {
                        data.permissions.iter().cloned().map(|g| view! {
                            <div class="mt-3 overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                                <div class="border-b border-slate-200 bg-slate-50 px-4 py-2">
                                    <h3 class="text-sm font-semibold text-slate-900">{g.api_name.clone()}</h3>
                                    <p class="break-all font-mono text-xs text-slate-500">{g.api_identifier.clone()}</p>
                                </div>
                                <ul class="divide-y divide-slate-100">
                                    {g.permissions.into_iter().map(|p| view! {
                                        <li class="flex items-start justify-between gap-4 px-4 py-2 text-sm">
                                            <div class="min-w-0">
                                                <code class="font-mono text-slate-900">{p.permission.clone()}</code>
                                                <p class="text-slate-600">{p.description.clone()}</p>
                                            </div>
                                            <span class="max-w-[50%] pt-0.5 text-right text-xs text-slate-500">{format!("from {}", p.via.join(", "))}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        }).collect_view().into_any()
                    }}
                </section>
            </div>
            <Show when=move || cannot_write.get().is_none()>
                <AssignRole user_id=user_id.clone() held=held.clone() on_change=on_change />
            </Show>
        </div>
    }
}

#[component]
fn AssignRole(
    user_id: String,
    held: Vec<String>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let roles = Resource::new(|| (), |_| list_roles(String::new()));
    let chosen = RwSignal::new(String::new());
    let assign =
        Action::new(move |role_id: &String| assign_role(role_id.clone(), vec![user_id.clone()]));
    Effect::new(move |_| match assign.value().get() {
        Some(Ok(_)) => {
            toasts.success("Role assigned");
            chosen.set(String::new());
            on_change();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class=format!("h-fit space-y-3 {CARD}") aria-labelledby="assign-heading">
            <h2 id="assign-heading" class=H2>"Assign a role"</h2>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading roles…"</p> }>
                {move || {
                    let held = held.clone();
                    Suspend::new(async move {
                        let open: Vec<_> = roles.await.unwrap_or_default().into_iter().filter(|r| !held.contains(&r.id)).collect();
                        if open.is_empty() {
                            return view! { <p class="text-sm text-slate-600">"This user holds every role."</p> }.into_any();
                        }
                        view! {
                            <div>
                                <label for="assign-role" class=LABEL>"Role"</label>
                                <select id="assign-role" class=format!("mt-1 {INPUT}") on:change=move |ev| chosen.set(event_target_value(&ev))>
                                    <option value="" selected=move || chosen.get().is_empty()>"Choose a role…"</option>
                                    {open.into_iter().map(|r| {
                                        let label = match &r.scope { Some((_, app)) => format!("{} ({app} only)", r.name), None => r.name.clone() };
                                        view! { <option value=r.id.clone()>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                        }.into_any()
                    })
                }}
            </Suspense>
            <button type="button" class=BTN_PRIMARY
                disabled=move || chosen.get().is_empty() || assign.pending().get()
                on:click=move |_| { assign.dispatch(chosen.get_untracked()); }>"Assign role"</button>
        </section>
    }
}
