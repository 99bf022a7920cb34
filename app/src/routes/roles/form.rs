//! The fields of a role: name, description, and what it applies to.

use leptos::prelude::*;

use crate::components::form::{ErrorSignal, FieldMessage, TextArea, TextField};
use crate::components::ui::{HELP, INPUT, LABEL};
use crate::functions::roles::role_scopes;

/// The form's values.
#[derive(Clone, Copy)]
pub struct RoleFields {
    pub name: RwSignal<String>,
    pub description: RwSignal<String>,
    /// A client id, or "" for the whole tenant.
    pub client_id: RwSignal<String>,
}

impl RoleFields {
    pub fn new(name: String, description: String, client_id: String) -> Self {
        RoleFields {
            name: RwSignal::new(name),
            description: RwSignal::new(description),
            client_id: RwSignal::new(client_id),
        }
    }
}

/// The applications a role can be scoped to. Made by the page, outside
/// any suspense, so that server rendering and hydration create resources
/// in the same order (one made inside a `Suspend` broke hydration).
pub type Scopes = Resource<Result<Vec<(String, String)>, crate::error::AppError>>;

pub fn scopes() -> Scopes {
    Resource::new(|| (), |_| role_scopes())
}

#[component]
pub fn RoleFieldset(fields: RoleFields, errors: ErrorSignal, scopes: Scopes) -> impl IntoView {
    let scope_error = Signal::derive(move || errors.get().and_then(|e| e.field("client_id")));
    view! {
        <TextField label="Name" name="name" value=fields.name errors=errors required=true
            placeholder="Billing support" />
        <TextArea label="Description" name="description" value=fields.description errors=errors rows=2
            help="What holders of this role do, in a sentence." />
        <div>
            <label for="f-client_id" class=LABEL>"Applies to"</label>
            <Suspense fallback=|| view! { <select id="f-client_id" class=format!("mt-1 {INPUT}")><option>"Whole tenant"</option></select> }>
                {move || Suspend::new(async move {
                    let apps = scopes.await.unwrap_or_default();
                    view! {
                        <select
                            id="f-client_id"
                            name="client_id"
                            class=format!("mt-1 {INPUT}")
                            aria-describedby="f-client_id-help"
                            on:change=move |ev| fields.client_id.set(event_target_value(&ev))
                        >
                            <option value="" selected=move || fields.client_id.get().is_empty()>"Whole tenant"</option>
                            {apps.into_iter().map(|(id, name)| {
                                let v = id.clone();
                                view! { <option value=id selected=move || fields.client_id.get() == v>{format!("{name} only")}</option> }
                            }).collect_view()}
                        </select>
                    }
                })}
            </Suspense>
            <p id="f-client_id-help" class=HELP>
                "Scoped to one application, the role's Sign in as User (impersonation:create) works for that application only, and its permissions for your own APIs go only into tokens issued to it."
            </p>
            <FieldMessage id="f-client_id-error" message=scope_error />
        </div>
    }
}
