use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::components::access::{gated, load_if_held, use_me, RequirePermission};
use crate::components::format::{date, initials};
use crate::components::impersonate::SignInAsUser;
use crate::components::permitted::ActionLink;
use crate::components::ui::{BADGE_INDIGO, BADGE_RED, BTN_SECONDARY, H1, INPUT, LABEL};
use crate::dto::{ConnectionDto, UserPageDto};
use crate::error::AppError;
use crate::functions::connections::list_connections;
use crate::functions::users::search_users;

const PAGE_SIZE: usize = 25;

#[derive(Clone, PartialEq, Default)]
struct Params {
    q: String,
    connection: String,
    status: String,
    sort: String,
    desc: bool,
    after: String,
    /// Cursors of the pages before this one, comma-separated, for "Previous".
    trail: String,
}

impl Params {
    fn href(&self) -> String {
        let mut pairs = vec![];
        for (k, v) in [
            ("q", &self.q),
            ("connection", &self.connection),
            ("status", &self.status),
            ("sort", &self.sort),
            ("after", &self.after),
            ("trail", &self.trail),
        ] {
            if !v.is_empty() {
                pairs.push(format!("{k}={}", urlencode(v)));
            }
        }
        if self.desc {
            pairs.push("dir=desc".into());
        }
        if pairs.is_empty() {
            "/users".into()
        } else {
            format!("/users?{}", pairs.join("&"))
        }
    }

    fn depth(&self) -> usize {
        if self.after.is_empty() {
            0
        } else {
            self.trail.split(',').count()
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| {
        query.with(|q| Params {
            q: q.get("q").unwrap_or_default(),
            connection: q.get("connection").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            sort: q.get("sort").unwrap_or_default(),
            desc: q.get("dir").as_deref() == Some("desc"),
            after: q.get("after").unwrap_or_default(),
            trail: q.get("trail").unwrap_or_default(),
        })
    });
    let page = gated(
        "users:read",
        move || params.get(),
        |p| {
            search_users(
                p.q,
                p.connection,
                p.status,
                p.sort,
                p.desc,
                Some(p.after).filter(|a| !a.is_empty()),
            )
        },
    );
    let connections = load_if_held("connections:read", list_connections);
    view! {
        <RequirePermission permission="users:read">
            <UsersList params=params page=page connections=connections />
        </RequirePermission>
    }
    .into_any()
}

#[component]
fn UsersList(
    params: Memo<Params>,
    page: Resource<Result<UserPageDto, AppError>>,
    connections: Resource<Result<Vec<ConnectionDto>, AppError>>,
) -> impl IntoView {
    // The connection filter lists connections, which takes its own
    // permission; without it the filter is left out.
    let filter_by_connection = use_me().can("connections:read");
    // The filter form edits a draft; submitting navigates to its clean URL,
    // and the URL (not the draft) drives the query.
    let draft = RwSignal::new(params.get_untracked());
    Effect::new(move |_| draft.set(params.get()));
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut p = draft.get_untracked();
        p.after.clear();
        p.trail.clear();
        navigate(&p.href(), Default::default());
    };

    view! {
        <Title text="Users · Masquerade" />
        <div class="flex flex-wrap items-center justify-between gap-4">
            <div>
                <h1 class=H1>"Users"</h1>
                <p class="mt-1 text-sm text-slate-600">"Everyone who can sign in, across all connections."</p>
            </div>
            <ActionLink href="/users/new" label="Create user" permission="users:write" />
        </div>

        <form method="GET" action="/users" on:submit=on_submit class="mt-6 grid grid-cols-1 gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 md:grid-cols-12 md:items-end">
            <div class=move || if filter_by_connection.get() { "md:col-span-5" } else { "md:col-span-7" }>
                <label for="q" class=LABEL>"Search users"</label>
                <input id="q" name="q" type="search" placeholder="Email, name or user id" class=format!("mt-1 {INPUT}") prop:value=move || draft.get().q on:input=move |ev| draft.update(|d| d.q = event_target_value(&ev)) />
            </div>
            <Show when=move || filter_by_connection.get()>
            <div class="md:col-span-2">
                <label for="connection" class=LABEL>"Connection"</label>
                <Suspense fallback=|| view! { <select id="connection" name="connection" class=format!("mt-1 {INPUT}")><option value="">"All"</option></select> }>
                    {move || Suspend::new(async move {
                        let list = connections.await.unwrap_or_default();
                        view! {
                            <select id="connection" name="connection" class=format!("mt-1 {INPUT}") on:change=move |ev| draft.update(|d| d.connection = event_target_value(&ev))>
                                <option value="">"All"</option>
                                {list.into_iter().map(|c| {
                                    let id = c.id.clone();
                                    view! { <option value=c.id.clone() selected=move || params.get().connection == id>{c.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
            </div>
            </Show>
            <div class="md:col-span-2">
                <label for="status" class=LABEL>"Status"</label>
                <select id="status" name="status" class=format!("mt-1 {INPUT}") on:change=move |ev| draft.update(|d| d.status = event_target_value(&ev))>
                    {[("", "All"), ("active", "Active"), ("blocked", "Blocked")].into_iter().map(|(v, l)| {
                        view! { <option value=v selected=move || params.get().status == v>{l}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="md:col-span-2">
                <label for="sort" class=LABEL>"Sort by"</label>
                <select id="sort" name="sort" class=format!("mt-1 {INPUT}") on:change=move |ev| draft.update(|d| d.sort = event_target_value(&ev))>
                    {[("email", "Email"), ("name", "Name"), ("created", "Created"), ("last_login", "Last login")].into_iter().map(|(v, l)| {
                        view! { <option value=v selected=move || { let s = params.get().sort; s == v || (s.is_empty() && v == "email") }>{l}</option> }
                    }).collect_view()}
                </select>
                <label class="mt-1 flex items-center gap-1 text-xs text-slate-600">
                    <input type="checkbox" name="dir" value="desc" prop:checked=move || draft.get().desc on:change=move |ev| draft.update(|d| d.desc = event_target_checked(&ev)) />
                    "Descending"
                </label>
            </div>
            <div class="md:col-span-1">
                <button type="submit" class=format!("w-full {BTN_SECONDARY}")>"Search"</button>
            </div>
        </form>

        <Transition fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                let p = params.get_untracked();
                match page.await {
                    Err(e) => view! { <p role="alert" class="mt-6 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                    Ok(res) => {
                        let start = p.depth() * PAGE_SIZE;
                        let shown = res.users.len();
                        let summary = match (res.total, res.total_capped) {
                            (n, true) => format!("{n}+ users"),
                            (1, false) => "1 user".to_string(),
                            (n, false) => format!("{n} users"),
                        };
                        let range = if shown == 0 { String::new() } else { format!(" · showing {}–{}", start + 1, start + shown) };
                        let next_href = res.next.clone().map(|n| {
                            let mut np = p.clone();
                            np.trail = if p.after.is_empty() { String::from("-") } else { format!("{},{}", p.trail, p.after) };
                            np.after = n;
                            np.href()
                        });
                        let prev_href = (!p.after.is_empty()).then(|| {
                            let mut pp = p.clone();
                            let mut parts: Vec<&str> = p.trail.split(',').collect();
                            let last = parts.pop().unwrap_or("-");
                            pp.after = if last == "-" { String::new() } else { last.to_string() };
                            pp.trail = if pp.after.is_empty() { String::new() } else { parts.join(",") };
                            pp.href()
                        });
                        view! {
                            <p class="mt-6 text-sm text-slate-600" role="status">
                                <span class="font-semibold text-slate-900">{summary}</span>{range}
                            </p>
                            <div class="mt-2 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                                <table class="min-w-full divide-y divide-slate-200 text-sm">
                                    <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                        <tr>
                                            <th scope="col" class="px-4 py-3">"Name"</th>
                                            <th scope="col" class="px-4 py-3">"Roles"</th>
                                            <th scope="col" class="px-4 py-3">"Connection"</th>
                                            <th scope="col" class="whitespace-nowrap px-4 py-3">"Last login"</th>
                                            <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th>
                                        </tr>
                                    </thead>
                                    <tbody class="divide-y divide-slate-100">
                                        {if res.users.is_empty() {
                                            view! { <tr><td colspan="5" class="px-4 py-10 text-center text-slate-500">"No users match these filters."</td></tr> }.into_any()
                                        } else {
                                            res.users.into_iter().map(|u| {
                                                let label = if u.name.is_empty() { u.email.clone() } else { u.name.clone() };
                                                let who = label.clone();
                                                view! {
                                                    <tr class="hover:bg-slate-50">
                                                        <td class="px-4 py-3">
                                                            <div class="flex items-center gap-3">
                                                                <span aria-hidden="true" class="grid h-8 w-8 shrink-0 place-items-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700">{initials(&u.name, &u.email)}</span>
                                                                <div class="min-w-0">
                                                                    // Blocked is the exception worth a badge; a
                                                                    // column of "Active" left no room for the roles.
                                                                    <div class="flex flex-wrap items-center gap-x-2">
                                                                        <A href=format!("/users/{}", u.id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{label}</A>
                                                                        {u.blocked.then(|| view! { <span class=BADGE_RED>"Blocked"</span> })}
                                                                    </div>
                                                                    <div class="truncate text-slate-500">{u.email.clone()}</div>
                                                                </div>
                                                            </div>
                                                        </td>
                                                        <td class="px-4 py-3"><RoleBadges roles=u.roles.clone() /></td>
                                                        <td class="px-4 py-3 text-slate-700">{u.connection.clone()}</td>
                                                        // One column for both, again to leave the roles room.
                                                        <td class="whitespace-nowrap px-4 py-3 text-slate-700">
                                                            <div>{date(u.last_login_at)}</div>
                                                            <div class="text-xs tabular-nums text-slate-500">{logins(u.login_count)}</div>
                                                        </td>
                                                        <td class="px-4 py-3 text-right">
                                                            <SignInAsUser user_id=u.id.clone() label=who disabled_reason=u.impersonate_disabled.clone() compact=true />
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view().into_any()
                                        }}
                                    </tbody>
                                </table>
                            </div>
                            <nav aria-label="Pagination" class="mt-4 flex items-center justify-between">
                                {match prev_href {
                                    Some(h) => view! { <A href=h attr:class=BTN_SECONDARY attr:role="button">"Previous page"</A> }.into_any(),
                                    None => view! { <button type="button" class=BTN_SECONDARY disabled>"Previous page"</button> }.into_any(),
                                }}
                                {match next_href {
                                    Some(h) => view! { <A href=h attr:class=BTN_SECONDARY attr:role="button">"Next page"</A> }.into_any(),
                                    None => view! { <button type="button" class=BTN_SECONDARY disabled>"Next page"</button> }.into_any(),
                                }}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn logins(n: i64) -> String {
    match n {
        1 => "1 login".into(),
        n => format!("{n} logins"),
    }
}

/// A user's roles in a list row: small badges that wrap within a narrow
/// column rather than widening the table (a long name is cut short, whole
/// in its tooltip).
#[component]
fn RoleBadges(roles: Vec<String>) -> impl IntoView {
    if roles.is_empty() {
        return view! { <span class="text-slate-400">"—"</span> }.into_any();
    }
    view! {
        <ul role="list" aria-label="Roles" class="flex max-w-44 flex-wrap gap-1">
            {roles.into_iter().map(|r| view! {
                <li class=BADGE_INDIGO title=r.clone()><span class="max-w-36 truncate">{r.clone()}</span></li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}
