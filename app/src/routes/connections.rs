use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::TextField;
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, CARD, H1, H2, HELP};
use crate::dto::{AppSummary, ConnectionDto};
use crate::functions::applications::list_applications;
use crate::functions::connections::{create_connection, list_connections, SetConnectionEnabled};

#[component]
pub fn ConnectionsPage() -> impl IntoView {
    let toasts = use_toasts();
    let version = RwSignal::new(0u32);
    let connections = Resource::new(move || version.get(), |_| list_connections());
    let apps = Resource::new(|| (), |_| list_applications());
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
            class=format!("mt-8 max-w-xl space-y-4 {CARD}")
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(name.get_untracked());
            }
        >
            <h2 class=H2>"Create database connection"</h2>
            <TextField label="Connection name" name="name" value=name errors=errors placeholder="e.g. Partner-Accounts"
                help="Letters, digits and hyphens. Users are stored in Masquerade with argon2id password hashes." />
            <button type="submit" class=BTN_PRIMARY disabled=move || create.pending().get()>"Create connection"</button>
        </form>
    }
}

#[component]
fn ConnectionCard(conn: ConnectionDto, apps: Vec<AppSummary>) -> impl IntoView {
    let toasts = use_toasts();
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
                                class="h-4 w-4 rounded border-slate-300 text-indigo-600"
                                checked=enabled
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
