//! A role's Users tab: its members, paged and searchable, with a search
//! picker to add more. Nothing here lists everyone: with 100,000 users the
//! picker asks the users search for a handful of matches.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::access::{needs, use_me};
use crate::components::toast::use_toasts;
use crate::components::ui::{BADGE_RED, BTN_SECONDARY, CARD, H2, HELP, INPUT, LABEL};
use crate::dto::RoleDto;
use crate::functions::roles::{assign_role, role_members, unassign_role};
use crate::functions::users::search_users;

#[component]
pub fn Members(
    role: RoleDto,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let search = RwSignal::new(String::new());
    // Cursors of the pages shown so far; the last one is the current page.
    let cursors = RwSignal::new(vec![String::new()]);
    let id = role.id.clone();
    let page = Resource::new(
        move || {
            (
                search.get(),
                cursors.get().last().cloned().unwrap_or_default(),
            )
        },
        move |(q, after)| role_members(id.clone(), q, Some(after)),
    );
    let cannot_write = needs("roles:write");
    let role_id = role.id.clone();
    let remove =
        Action::new(move |user_id: &String| unassign_role(role_id.clone(), user_id.clone()));
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(_)) => {
            toasts.success("Removed from the role");
            page.refetch();
            on_change();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let role_id = role.id.clone();
    let added = move || {
        page.refetch();
        on_change();
    };
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <section class="lg:col-span-2" aria-labelledby="members-heading">
                <h2 id="members-heading" class=H2>"Members"</h2>
                <div class="mt-2">
                    <label for="member-search" class="sr-only">"Search members"</label>
                    <input id="member-search" type="search" class=INPUT placeholder="Search members by name or email"
                        prop:value=move || search.get()
                        on:input=move |ev| { search.set(event_target_value(&ev)); cursors.set(vec![String::new()]); } />
                </div>
                <Transition fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading members…"</p> }>
                    {move || Suspend::new(async move {
                        match page.await {
                            Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                            Ok(p) => {
                                let summary = match (p.total, p.total_capped) {
                                    (n, true) => format!("{n}+ members"),
                                    (1, false) => "1 member".into(),
                                    (n, false) => format!("{n} members"),
                                };
                                let next = p.next.clone();
                                let depth = cursors.get_untracked().len();
                                view! {
                                    <p class="mt-4 text-sm text-slate-600" role="status"><span class="font-semibold text-slate-900">{summary}</span></p>
                                    <ul class="mt-2 divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                                        {if p.members.is_empty() {
                                            view! { <li class="px-4 py-8 text-center text-sm text-slate-500">"Nobody here yet."</li> }.into_any()
                                        } else {
                                            p.members.into_iter().map(|m| {
                                                let label = if m.name.is_empty() { m.email.clone() } else { m.name.clone() };
                                                let uid = m.id.clone();
                                                let aria = format!("Remove {label} from the role");
                                                view! {
                                                    <li class="flex items-center justify-between gap-4 px-4 py-2 text-sm">
                                                        <div class="min-w-0">
                                                            <A href=format!("/users/{}", m.id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{label}</A>
                                                            <span class="block truncate text-slate-500">{m.email.clone()}</span>
                                                        </div>
                                                        <div class="flex shrink-0 items-center gap-2">
                                                            {m.blocked.then(|| view! { <span class=BADGE_RED>"Blocked"</span> })}
                                                            <button type="button" class=BTN_SECONDARY aria-label=aria
                                                                disabled=move || cannot_write.get().is_some() || remove.pending().get()
                                                                title=move || cannot_write.get()
                                                                on:click=move |_| { remove.dispatch(uid.clone()); }>"Remove"</button>
                                                        </div>
                                                    </li>
                                                }
                                            }).collect_view().into_any()
                                        }}
                                    </ul>
                                    <nav aria-label="Member pages" class="mt-3 flex items-center justify-between">
                                        <button type="button" class=BTN_SECONDARY disabled=depth <= 1
                                            on:click=move |_| cursors.update(|c| { c.pop(); })>"Previous page"</button>
                                        <button type="button" class=BTN_SECONDARY disabled=next.is_none()
                                            on:click=move |_| if let Some(n) = next.clone() { cursors.update(|c| c.push(n)); }>"Next page"</button>
                                    </nav>
                                }.into_any()
                            }
                        }
                    })}
                </Transition>
            </section>
            <Show when=move || cannot_write.get().is_none()>
                <AddMembers role_id=role_id.clone() on_added=added />
            </Show>
        </div>
    }
}

/// Finds users by name or email (a handful at a time) and adds them.
#[component]
fn AddMembers(
    role_id: String,
    on_added: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let can_find = use_me().can("users:read");
    let q = RwSignal::new(String::new());
    let found = Resource::new(
        move || q.get(),
        |q| async move {
            if q.trim().chars().count() < 2 {
                return Ok(None);
            }
            search_users(q, String::new(), String::new(), "email".into(), false, None)
                .await
                .map(Some)
        },
    );
    let add =
        Action::new(move |user_id: &String| assign_role(role_id.clone(), vec![user_id.clone()]));
    Effect::new(move |_| match add.value().get() {
        Some(Ok(n)) => {
            toasts.success(if n == 0 {
                "Already a member"
            } else {
                "Added to the role"
            });
            on_added();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class=format!("h-fit space-y-3 {CARD}") aria-labelledby="add-members-heading">
            <h2 id="add-members-heading" class=H2>"Add members"</h2>
            {move || if can_find.get() {
                view! {
                    <div>
                        <label for="member-picker" class=LABEL>"Find a user"</label>
                        <input id="member-picker" type="search" class=format!("mt-1 {INPUT}") placeholder="Name or email, at least 2 letters"
                            prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev)) />
                        <p class=HELP>"Matches the start of any word of the name or email."</p>
                    </div>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match found.await {
                                Ok(None) => ().into_any(),
                                Err(e) => view! { <p role="alert" class="text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                                Ok(Some(page)) if page.users.is_empty() => view! { <p class="text-sm text-slate-600">"No user matches."</p> }.into_any(),
                                Ok(Some(page)) => view! {
                                    <ul class="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
                                        {page.users.into_iter().take(8).map(|u| {
                                            let label = if u.name.is_empty() { u.email.clone() } else { u.name.clone() };
                                            let uid = u.id.clone();
                                            let aria = format!("Add {label}");
                                            view! {
                                                <li class="flex items-center justify-between gap-2 px-3 py-2 text-sm">
                                                    <div class="min-w-0">
                                                        <span class="block truncate font-medium text-slate-900">{label}</span>
                                                        <span class="block truncate text-xs text-slate-500">{u.email.clone()}</span>
                                                    </div>
                                                    <button type="button" class=BTN_SECONDARY aria-label=aria disabled=move || add.pending().get()
                                                        on:click=move |_| { add.dispatch(uid.clone()); }>"Add"</button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                }.into_any()
            } else {
                view! { <p class="text-sm text-slate-600">"Finding users needs the users:read permission."</p> }.into_any()
            }}
        </section>
    }
}
