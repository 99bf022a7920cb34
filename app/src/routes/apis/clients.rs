//! An API's authorized applications: which applications may request its
//! tokens, and which of its permissions each may ask for with
//! client_credentials. Every change applies (and is audited) at once.

use leptos::prelude::*;

use super::edit::plain_message;
use crate::components::access::{load_if_held, needs, use_me};
use crate::components::permitted::NeedsNote;
use crate::components::toast::use_toasts;
use crate::components::ui::{CARD, H2, HELP};
use crate::dto::{ApiDetail, AppSummary, PermissionDto};
use crate::error::AppError;
use crate::functions::apis::{set_api_client, set_client_grant};
use crate::functions::applications::list_applications;

/// What each application may ask for, by client id.
type Grants = Vec<(String, Vec<String>)>;

fn granted(grants: &Grants, client_id: &str) -> Vec<String> {
    grants
        .iter()
        .find(|(c, _)| c == client_id)
        .map(|(_, p)| p.clone())
        .unwrap_or_default()
}

/// One change of an application's grant: who, and the permissions before
/// and after.
#[derive(Clone)]
struct GrantChange {
    client_id: String,
    app_name: String,
    before: Grants,
    after: Vec<String>,
}

/// Every application, for the page to load (see `load_if_held`). Listing
/// them is the Applications section's permission; without it only the
/// authorized ones are shown, by client id.
pub type AppList = Resource<Result<Vec<AppSummary>, AppError>>;

pub fn app_list() -> AppList {
    load_if_held("applications:read", list_applications)
}

#[component]
pub fn AuthorizedApplications(api: ApiDetail, apps: AppList) -> impl IntoView {
    let toasts = use_toasts();
    let listed = use_me().can("applications:read");
    let authorized = RwSignal::new(api.client_ids.clone());
    let grants = RwSignal::new(api.grants.clone());
    let api_id = api.id.clone();
    let api_name = api.name.clone();
    let set = Action::new({
        let api_id = api_id.clone();
        move |args: &(String, String, bool)| {
            let api_id = api_id.clone();
            let args = args.clone();
            async move {
                let result = set_api_client(api_id, args.0.clone(), args.2).await;
                (args, result)
            }
        }
    });
    Effect::new({
        let api_name = api_name.clone();
        move |_| {
            if let Some(((client_id, app_name, on), result)) = set.value().get() {
                match result {
                    Ok(()) if on => {
                        toasts.success(format!("{app_name} may now request tokens for {api_name}"))
                    }
                    Ok(()) => {
                        grants.update(|g| g.retain(|(c, _)| c != &client_id));
                        toasts.success(format!(
                            "{app_name} can no longer request tokens for {api_name}"
                        ))
                    }
                    Err(e) => {
                        // Put the checkbox back the way the server has it.
                        authorized.update(|v| {
                            v.retain(|c| c != &client_id);
                            if !on {
                                v.push(client_id.clone());
                            }
                        });
                        toasts.error(plain_message(&e));
                    }
                }
            }
        }
    });
    let grant = Action::new(move |change: &GrantChange| {
        let api_id = api_id.clone();
        let change = change.clone();
        async move {
            let result =
                set_client_grant(api_id, change.client_id.clone(), change.after.clone()).await;
            (change, result)
        }
    });
    Effect::new(move |_| {
        if let Some((change, result)) = grant.value().get() {
            match result {
                Ok(saved) => {
                    let now = granted(&saved.grants, &change.client_id);
                    grants.set(saved.grants);
                    authorized.set(saved.client_ids);
                    toasts.success(if now.is_empty() {
                        format!(
                            "{} may ask for no permission of {}",
                            change.app_name, saved.name
                        )
                    } else {
                        format!("{} may ask for {}", change.app_name, now.join(", "))
                    });
                }
                Err(e) => {
                    grants.set(change.before);
                    toasts.error(plain_message(&e));
                }
            }
        }
    });
    let write = needs("apis:write");
    let busy = Signal::derive(move || set.pending().get() || grant.pending().get());
    let ctx = RowContext {
        permissions: StoredValue::new(api.permissions.clone()),
        builtin: api.builtin,
        authorized,
        grants,
        locked: Signal::derive(move || busy.get() || write.get().is_some()),
        write,
        authorize: Callback::new(move |args| {
            set.dispatch(args);
        }),
        change_grant: Callback::new(move |change| {
            grant.dispatch(change);
        }),
    };
    let client_ids = api.client_ids.clone();
    view! {
        <section class=format!("mt-6 space-y-4 {CARD}") aria-labelledby="authorized-heading">
            <div>
                <div class="flex flex-wrap items-baseline justify-between gap-2">
                    <h2 id="authorized-heading" class=H2>"Authorized applications"</h2>
                    <NeedsNote needs=write id="authorized-needs" />
                </div>
                <p class=HELP>
                    "Checked applications may request access tokens for this API (its identifier as the audience). "
                    "The permissions under each are what that application may ask for with client_credentials; asking for more gets invalid_scope. "
                    "Changes apply immediately."
                </p>
                {api.builtin.then(|| view! {
                    <p class=HELP>"You can grant only permissions you hold yourself, and an application can never change its own grant."</p>
                })}
            </div>
            <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading applications…"</p> }>
                {move || {
                    let client_ids = client_ids.clone();
                    Suspend::new(async move {
                        let (list, partial) = match apps.await {
                            Ok(list) if listed.get_untracked() => (list, false),
                            // Only the authorized ones, known by their client id.
                            _ => (client_ids.iter().map(|c| AppSummary {
                                client_id: c.clone(),
                                name: c.clone(),
                                app_type: String::new(),
                                type_label: String::new(),
                                allow_impersonation: false,
                                callback_count: 0,
                            }).collect(), true),
                        };
                        view! {
                            {partial.then(|| view! {
                                <p class="text-sm text-slate-600">"Listing the other applications needs applications:read."</p>
                            })}
                            {if list.is_empty() {
                                view! { <p class="text-sm text-slate-600">"There are no applications yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul role="list" class="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
                                        {list.into_iter().map(|a| view! { <ClientRow app=a ctx=ctx /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

/// What every row needs from the section.
#[derive(Clone, Copy)]
struct RowContext {
    permissions: StoredValue<Vec<PermissionDto>>,
    builtin: bool,
    authorized: RwSignal<Vec<String>>,
    grants: RwSignal<Grants>,
    /// While a change is saving, or for those who may not change it.
    locked: Signal<bool>,
    write: Signal<Option<String>>,
    authorize: Callback<(String, String, bool)>,
    change_grant: Callback<GrantChange>,
}

/// One application: whether it is authorized, and if so what it may ask for.
#[component]
fn ClientRow(app: AppSummary, ctx: RowContext) -> impl IntoView {
    let cid = app.client_id.clone();
    let is_authorized = {
        let cid = cid.clone();
        move || ctx.authorized.with(|v| v.contains(&cid))
    };
    let input_id = format!("auth-{}", app.client_id);
    let desc_id = format!("auth-{}-desc", app.client_id);
    let name = app.name.clone();
    view! {
        <li class="px-3 py-2.5">
            <div class="flex items-center gap-3">
                <input
                    id=input_id.clone()
                    type="checkbox"
                    class="h-4 w-4 rounded border-slate-300 text-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
                    aria-describedby=desc_id.clone()
                    prop:checked=is_authorized.clone()
                    disabled=move || ctx.locked.get()
                    title=move || ctx.write.get()
                    on:change={
                        let cid = cid.clone();
                        let name = name.clone();
                        move |ev| {
                            let on = event_target_checked(&ev);
                            ctx.authorized.update(|v| {
                                v.retain(|c| c != &cid);
                                if on {
                                    v.push(cid.clone());
                                }
                            });
                            ctx.authorize.run((cid.clone(), name.clone(), on));
                        }
                    }
                />
                <label for=input_id class="text-sm font-medium text-slate-900">{app.name.clone()}</label>
                <span id=desc_id class="ml-auto flex flex-wrap items-center justify-end gap-x-3 text-xs text-slate-500">
                    <span>{app.type_label.clone()}</span>
                    <span class="font-mono">{app.client_id.clone()}</span>
                </span>
            </div>
            <Show when=is_authorized.clone()>
                <GrantChoices client_id=cid.clone() app_name=name.clone() ctx=ctx />
            </Show>
        </li>
    }
}

/// The API's permissions as checkboxes: what one application may ask for
/// with client_credentials.
#[component]
fn GrantChoices(client_id: String, app_name: String, ctx: RowContext) -> impl IntoView {
    let me = untrack(|| use_me().get());
    let permissions = ctx.permissions.get_value();
    if permissions.is_empty() {
        return view! {
            <p class="mt-1 pl-7 text-xs text-slate-500">"This API defines no permissions, so its tokens carry none."</p>
        }
        .into_any();
    }
    let group_label = format!("Permissions {app_name} may ask for");
    view! {
        <div role="group" aria-label=group_label class="mt-2 pl-7">
            <p class="text-xs font-medium text-slate-600">"May ask for with client_credentials:"</p>
            <div class="mt-1 flex flex-wrap gap-x-4 gap-y-1.5">
                {permissions.into_iter().map(|p| {
                    let value = p.value.clone();
                    // The Management API's permissions can be handed out only
                    // by someone who holds them (the server refuses the rest).
                    let unheld = ctx.builtin && !me.as_ref().is_some_and(|m| m.has(&value));
                    let id = format!("grant-{client_id}-{value}");
                    let checked = {
                        let (cid, value) = (client_id.clone(), value.clone());
                        move || ctx.grants.with(|g| granted(g, &cid).contains(&value))
                    };
                    let title = {
                        let description = p.description.clone();
                        move || ctx.write.get()
                            .or_else(|| unheld.then(|| "You can grant only permissions you hold".to_string()))
                            .or_else(|| (!description.is_empty()).then(|| description.clone()))
                    };
                    let on_change = {
                        let (cid, app_name, value) = (client_id.clone(), app_name.clone(), value.clone());
                        move |ev| {
                            let on = event_target_checked(&ev);
                            let before = ctx.grants.get_untracked();
                            let mut after = granted(&before, &cid);
                            after.retain(|v| v != &value);
                            if on {
                                after.push(value.clone());
                            }
                            ctx.grants.update(|g| {
                                g.retain(|(c, _)| c != &cid);
                                g.push((cid.clone(), after.clone()));
                            });
                            ctx.change_grant.run(GrantChange { client_id: cid.clone(), app_name: app_name.clone(), before, after });
                        }
                    };
                    view! {
                        <label class="inline-flex items-center gap-1.5 text-sm text-slate-800" title=title>
                            <input
                                id=id
                                type="checkbox"
                                class="h-4 w-4 rounded border-slate-300 text-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
                                prop:checked=checked
                                disabled=move || ctx.locked.get() || unheld
                                on:change=on_change
                            />
                            <span class="font-mono text-xs">{p.value.clone()}</span>
                        </label>
                    }
                }).collect_view()}
            </div>
        </div>
    }
    .into_any()
}
