use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::access::{gated, load_if_held, needs, RequirePermission};
use crate::components::form::TextField;
use crate::components::permitted::{GatedButton, LookOnlyNote};
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, CARD, H1, H2, HELP};
use crate::dto::{AppSummary, ConnectionDto};
use crate::error::AppError;
use crate::functions::applications::list_applications;
use crate::functions::connections::{create_connection, list_connections, SetConnectionEnabled};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    // Counts the connections created here, to list them again.
    let version = RwSignal::new(0u32);
    let connections = gated(
        "connections:read",
        move || version.get(),
        |_| list_connections(),
    );
    // The applications a connection is enabled for are the Applications
    // section's data; without it the cards show the connection only.
    let apps = load_if_held("applications:read", list_applications);
    view! {
        <RequirePermission permission="connections:read">
            <ConnectionList version=version connections=connections apps=apps />
        </RequirePermission>
    }
}

#[component]
fn ConnectionList(
    version: RwSignal<u32>,
    connections: Resource<Result<Vec<ConnectionDto>, AppError>>,
    apps: Resource<Result<Vec<AppSummary>, AppError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let write = needs("connections:write");
    let name = RwSignal::new(String::new());
    let create = Action::new(|name: &String| create_connection(name.clone(), Vec::new()));
    let errors = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(c)) = create.value().get() {
            toasts.success(format!("Connection {} created", c.name));
            name.set(String::new());
            version.update(|v| *v += 1);
        }
    });
    view! {
        <Title text="Connections · Masquerade" />
        <h1 class=H1>"Connections"</h1>
        <p class="mt-1 text-sm text-slate-600">"Where users' credentials live. Enable a connection for an application to let its users sign in there."</p>
        <LookOnlyNote permission="connections:write" lead="You can see these but not change them: changing" id="connections-needs" />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let list = connections.await;
                let apps: Vec<AppSummary> = apps.await.unwrap_or_default().into_iter().filter(|a| a.app_type != "m2m").collect();
                match list {
                    Err(e) => view! { <p role="alert" class="mt-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="mt-6 space-y-4">
                            {list.into_iter().map(|c| view! { <ConnectionCard conn=c apps=apps.clone() /> }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
        <form
            class=format!("mt-8 max-w-xl {CARD}")
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(name.get_untracked());
            }
        >
            <fieldset class="min-w-0 space-y-4" disabled=move || write.get().is_some()>
            <h2 class=H2>"Create database connection"</h2>
            <TextField label="Connection name" name="name" value=name errors=errors placeholder="e.g. Partner-Accounts"
                help="Letters, digits and hyphens. Users are stored in Masquerade with argon2id password hashes." />
            <div class="flex flex-wrap items-center gap-3">
                <GatedButton needs=write note="create-connection-needs" class=BTN_PRIMARY submit=true busy=create.pending()>
                    "Create connection"
                </GatedButton>
            </div>
            </fieldset>
        </form>
    }
}

#[component]
fn ConnectionCard(conn: ConnectionDto, apps: Vec<AppSummary>) -> impl IntoView {
    let toasts = use_toasts();
    let write = needs("connections:write");
    let set = ServerAction::<SetConnectionEnabled>::new();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(())) => toasts.success("Saved"),
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let conn_name = conn.name.clone();
    view! {
        <section class=CARD>
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 class=H2>{conn.name.clone()}</h2>
                <span class="text-sm text-slate-600">{format!("Database · {} users", conn.user_count)}</span>
            </div>
            <p class=HELP>"Enabled for:"</p>
            <div class="mt-2 flex flex-wrap gap-x-6 gap-y-2">
                {apps.into_iter().map(|a| {
                    let enabled = conn.enabled_clients.contains(&a.client_id);
                    let cid = a.client_id.clone();
                    let conn_id = conn.id.clone();
                    let label = format!("Enable {} for {}", conn_name, a.name);
                    view! {
                        <label class="flex items-center gap-2 text-sm text-slate-800">
                            <input
                                type="checkbox"
                                aria-label=label
                                class="h-4 w-4 rounded border-slate-300 text-indigo-600 disabled:cursor-not-allowed disabled:opacity-50"
                                checked=enabled
                                disabled=move || write.get().is_some()
                                title=move || write.get()
                                aria-describedby=move || write.get().map(|_| "connections-needs")
                                on:change=move |ev| {
                                    set.dispatch(SetConnectionEnabled {
                                        connection_id: conn_id.clone(),
                                        client_id: cid.clone(),
                                        enabled: event_target_checked(&ev),
                                    });
                                }
                            />
                            {a.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}
