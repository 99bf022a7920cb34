//! What the signed-in person may do, for the console's screens: which
//! sections the navigation shows, which actions are enabled, and the page
//! shown for a section they cannot open. This only shapes the screens; the
//! server decides every request itself (`masquerade::authz`).

use leptos::prelude::*;

use crate::dto::Me;
use crate::error::AppError;
use crate::functions::auth::current_user;

/// The signed-in person, loaded once per console page.
#[derive(Clone, Copy)]
pub struct MeResource(pub Resource<Result<Option<Me>, AppError>>);

/// Loads the signed-in person for every screen of the console.
pub fn provide_me() -> MeResource {
    let me = MeResource(Resource::new(|| (), |_| current_user()));
    provide_context(me);
    me
}

pub fn use_me() -> MeResource {
    use_context::<MeResource>().unwrap_or_else(provide_me)
}

impl MeResource {
    /// The person, once loaded.
    pub fn get(&self) -> Option<Me> {
        self.0.get().and_then(|r| r.ok()).flatten()
    }

    /// Whether they hold `permission` (false while loading).
    pub fn can(&self, permission: &'static str) -> Signal<bool> {
        let me = *self;
        Signal::derive(move || me.get().is_some_and(|m| m.has(permission)))
    }

    /// Whether they hold `permission`, once known: for loaders that fetch
    /// another section's data only for those who may read it (asking for
    /// more would only be refused).
    pub async fn holds(self, permission: &str) -> bool {
        self.0
            .await
            .ok()
            .flatten()
            .is_some_and(|m| m.has(permission))
    }
}

/// A page's own data, fetched only for those who hold `permission`; the
/// rest get `NeedsPermission` without the server being asked.
///
/// Make every resource in the page's own component, outside
/// `RequirePermission` and any `Suspense`: what those render is built
/// again on each of the server's passes over it, so a resource made there
/// gets other ids on the server than in the browser, which then reads
/// some other resource's data (a hydration error, or a page that says its
/// data could not be read).
pub fn gated<S, T, Fut>(
    permission: &'static str,
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + Copy + Send + Sync + 'static,
) -> Resource<Result<T, AppError>>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let me = use_me();
    Resource::new(source, move |s| async move {
        if me.holds(permission).await {
            fetch(s).await
        } else {
            Err(AppError::NeedsPermission(permission.to_string()))
        }
    })
}

/// Another section's data that a page merely uses (the connections an
/// application may use), loaded only for those who hold `permission`; the
/// rest get the empty default. Made where `gated` says.
pub fn load_if_held<T, Fut>(
    permission: &'static str,
    load: impl Fn() -> Fut + Copy + Send + Sync + 'static,
) -> Resource<Result<T, AppError>>
where
    T: Default + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    let me = use_me();
    Resource::new(
        || (),
        move |_| async move {
            if me.holds(permission).await {
                load().await
            } else {
                Ok(T::default())
            }
        },
    )
}

/// The tooltip and the disabled state of an action that needs `permission`:
/// `None` when it is allowed.
pub fn needs(permission: &'static str) -> Signal<Option<String>> {
    let can = use_me().can(permission);
    Signal::derive(move || (!can.get()).then(|| format!("Needs {permission}")))
}

/// A console page that needs `permission`: its content, or a clear page
/// that says which permission it takes. The content is built again on each
/// of the server's passes over it: make the page's resources outside it
/// (see `gated`).
#[component]
pub fn RequirePermission(permission: &'static str, children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    // A bare Suspend, not a closure returning one: the server walks a
    // closure again on each pass over the page and would build the page
    // (and the resources it makes) each time; this builds it once. The
    // person does not change while a page is shown.
    view! {
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let me = me.0.await.ok().flatten();
                if me.as_ref().is_some_and(|m| m.has(permission)) {
                    children().into_any()
                } else {
                    view! { <NoAccessToPage permission=permission /> }.into_any()
                }
            })}
        </Suspense>
    }
}

/// "You don't have access to this page", with the permission it needs.
#[component]
pub fn NoAccessToPage(permission: &'static str) -> impl IntoView {
    view! {
        <leptos_meta::Title text="No access · Masquerade" />
        <div role="alert" class="mx-auto mt-8 max-w-lg rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
            <h1 class="text-xl font-semibold text-slate-900">"You don't have access to this page"</h1>
            <p class="mt-3 text-sm text-slate-600">
                "It needs the " <code class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">{permission}</code>
                " permission. Ask an administrator to give you a role that holds it."
            </p>
            <a href="/" class="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">"Back to the console"</a>
        </div>
    }
}
