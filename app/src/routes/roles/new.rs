//! Creating a role, empty or as a copy of another (`/roles/new?from=<id>`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::form::{scopes, RoleFields, RoleFieldset};
use crate::components::access::{gated, RequirePermission};
use crate::components::form::ErrorBanner;
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, CARD, H1};
use crate::error::AppError;
use crate::functions::roles::{create_role, get_role};

#[component]
pub fn NewRolePage() -> impl IntoView {
    // Made here, outside RequirePermission: see `gated`.
    let query = use_query_map();
    let scopes = scopes();
    let from = Memo::new(move |_| query.with(|q| q.get("from").unwrap_or_default()));
    let source = gated(
        "roles:write",
        move || from.get(),
        |id| async move {
            if id.is_empty() {
                Ok(None)
            } else {
                get_role(id).await.map(Some)
            }
        },
    );
    view! {
        <Title text="Create role · Masquerade" />
        <RequirePermission permission="roles:write">
            <NewRole scopes source />
        </RequirePermission>
    }
}

#[component]
fn NewRole(
    scopes: super::form::Scopes,
    source: Resource<Result<Option<crate::dto::RoleDetailDto>, AppError>>,
) -> impl IntoView {
    view! {
        <A href="/roles" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Roles"</A>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match source.await {
                    Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                    Ok(src) => {
                        let copy = src.as_ref().map(|d| (d.role.id.clone(), d.role.name.clone(), d.permissions.iter().map(|g| g.permissions.len()).sum::<usize>()));
                        let fields = match &src {
                            Some(d) => RoleFields::new(
                                format!("{} (copy)", d.role.name),
                                d.role.description.clone(),
                                d.role.scope.clone().map(|s| s.0).unwrap_or_default(),
                            ),
                            None => RoleFields::new(String::new(), String::new(), String::new()),
                        };
                        view! { <RoleForm fields=fields copy=copy scopes=scopes /> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn RoleForm(
    fields: RoleFields,
    copy: Option<(String, String, usize)>,
    scopes: super::form::Scopes,
) -> impl IntoView {
    let navigate = use_navigate();
    let toasts = use_toasts();
    let copy_from = copy.as_ref().map(|c| c.0.clone()).unwrap_or_default();
    let create = Action::new(move |_: &()| {
        create_role(
            fields.name.get_untracked(),
            fields.description.get_untracked(),
            fields.client_id.get_untracked(),
            copy_from.clone(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(role)) = create.value().get() {
            toasts.success(format!("Role {} created", role.name));
            navigate(&format!("/roles/{}", role.id), Default::default());
        }
    });
    let errors = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let heading = if copy.is_some() {
        "Duplicate role"
    } else {
        "Create role"
    };
    view! {
        <h1 class=format!("mt-2 {H1}")>{heading}</h1>
        {copy.map(|(_, name, n)| view! {
            <p class="mt-1 text-sm text-slate-600">
                {format!(
                    "The new role starts with the {} of {name}; change them once it exists. Members are not copied.",
                    if n == 1 { "1 permission".to_string() } else { format!("{n} permissions") },
                )}
            </p>
        })}
        <form
            class=format!("mt-6 max-w-2xl space-y-4 {CARD}")
            on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(());
            }
        >
            <ErrorBanner errors=general />
            <RoleFieldset fields=fields errors=errors scopes=scopes />
            <button type="submit" class=BTN_PRIMARY disabled=move || create.pending().get()>{heading}</button>
        </form>
    }
}
