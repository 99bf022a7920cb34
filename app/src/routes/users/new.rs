use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::access::{load_if_held, needs, RequirePermission};
use crate::components::form::{ErrorBanner, FieldMessage, TextField};
use crate::components::permitted::NeedsNote;
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, BTN_SECONDARY, CARD, H1, INPUT, LABEL};
use crate::dto::ConnectionDto;
use crate::error::AppError;
use crate::functions::connections::list_connections;
use crate::functions::users::CreateUser;

#[component]
pub fn NewUserPage() -> impl IntoView {
    let connections = load_if_held("connections:read", list_connections);
    view! {
        <RequirePermission permission="users:write">
            <NewUserForm connections=connections />
        </RequirePermission>
    }
}

#[component]
fn NewUserForm(connections: Resource<Result<Vec<ConnectionDto>, AppError>>) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let connection = RwSignal::new(String::new());
    let create = ServerAction::<CreateUser>::new();
    let errors = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            toasts.success("User created");
            navigate(&format!("/users/{id}"), Default::default());
        }
    });
    let conn_error = Signal::derive(move || errors.get().and_then(|e| e.field("connection")));
    view! {
        <Title text="Create user · Masquerade" />
        <A href="/users" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Users"</A>
        <h1 class=format!("mt-2 {H1}")>"Create user"</h1>
        <form
            class=format!("mt-6 max-w-xl space-y-5 {CARD}")
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(CreateUser {
                    email: email.get_untracked(),
                    name: name.get_untracked(),
                    connection_id: connection.get_untracked(),
                    password: password.get_untracked(),
                });
            }
        >
            <ErrorBanner errors=general />
            <TextField label="Email" name="email" kind="email" value=email errors=errors required=true />
            <TextField label="Name" name="name" value=name errors=errors />
            <div>
                <label for="f-connection" class=LABEL>"Connection"</label>
                <Suspense>
                    {move || Suspend::new(async move {
                        let list = connections.await.unwrap_or_default();
                        if connection.get_untracked().is_empty() {
                            if let Some(first) = list.first() {
                                connection.set(first.id.clone());
                            }
                        }
                        view! {
                            <select id="f-connection" class=format!("mt-1 {INPUT}") on:change=move |ev| connection.set(event_target_value(&ev))>
                                {list.into_iter().map(|c| {
                                    let id = c.id.clone();
                                    view! { <option value=c.id.clone() selected=move || connection.get() == id>{c.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        }
                    })}
                </Suspense>
                <NeedsNote needs=needs("connections:read") />
                <FieldMessage id="f-connection-error" message=conn_error />
            </div>
            <TextField
                label="Password"
                name="password"
                kind="password"
                value=password
                errors=errors
                autocomplete="new-password"
                help="At least 8 characters. Leave empty to create the user without a password."
            />
            <div class="flex gap-3">
                <button type="submit" class=BTN_PRIMARY disabled=move || create.pending().get()>"Create user"</button>
                <A href="/users" attr:class=BTN_SECONDARY>"Cancel"</A>
            </div>
        </form>
    }
}
