//! Masquerade's console: Leptos pages, components and server functions.
#![recursion_limit = "512"]

pub mod components;
pub mod dto;
pub mod error;
pub mod functions;
pub mod query;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};
use routes::pages;

use components::layout::{ConsoleLayout, NoAccessPage, NotFound};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="h-full font-sans text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/masquerade.css" />
        <Title text="Masquerade" />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/login") view={Lazy::<pages::LoginRoute>::new()} />
                <Route path=path!("/account") view={Lazy::<pages::AccountRoute>::new()} />
                <Route path=path!("/no-access") view=NoAccessPage />
                <ParentRoute path=path!("") view=ConsoleLayout>
                    <Route path=path!("") view=components::sections::ConsoleHome />
                    <Route path=path!("/users") view={Lazy::<pages::UsersRoute>::new()} />
                    <Route path=path!("/users/new") view={Lazy::<pages::NewUserRoute>::new()} />
                    <Route path=path!("/users/:id") view={Lazy::<pages::UserRoute>::new()} />
                    <Route path=path!("/applications") view={Lazy::<pages::ApplicationsRoute>::new()} />
                    <Route path=path!("/applications/new") view={Lazy::<pages::NewApplicationRoute>::new()} />
                    <Route path=path!("/applications/:id") view={Lazy::<pages::ApplicationRoute>::new()} />
                    <Route path=path!("/apis") view={Lazy::<pages::ApisRoute>::new()} />
                    <Route path=path!("/apis/new") view={Lazy::<pages::NewApiRoute>::new()} />
                    <Route path=path!("/apis/:id") view={Lazy::<pages::ApiRoute>::new()} />
                    <Route path=path!("/connections") view={Lazy::<pages::ConnectionsRoute>::new()} />
                    <Route path=path!("/roles") view={Lazy::<pages::RolesRoute>::new()} />
                    <Route path=path!("/roles/new") view={Lazy::<pages::NewRoleRoute>::new()} />
                    <Route path=path!("/roles/:id") view={Lazy::<pages::RoleRoute>::new()} />
                    <Route path=path!("/impersonations") view={Lazy::<pages::ImpersonationsRoute>::new()} />
                    <Route path=path!("/approvals") view={Lazy::<pages::ApprovalsRoute>::new()} />
                    <Route path=path!("/audit") view={Lazy::<pages::AuditRoute>::new()} />
                    <Route path=path!("/settings") view={Lazy::<pages::SigningKeysRoute>::new()} />
                    <Route path=path!("/settings/keys") view={Lazy::<pages::SigningKeysRoute>::new()} />
                    <Route path=path!("/settings/impersonation") view={Lazy::<pages::ImpersonationSettingsRoute>::new()} />
                    <Route path=path!("/settings/streams") view={Lazy::<pages::LogStreamsRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The pages are lazy routes (routes/pages.rs): hydrate_body panics on
    // them, so this is leptos::mount::hydrate_lazy, plus a mark once the
    // page's chunks have loaded and it has hydrated: until then a click does
    // nothing, and the end-to-end tests wait for it (`data-hydrated`).
    // (hydrate_from_async sets up Leptos's executor itself.)
    wasm_bindgen_futures::spawn_local(async move {
        let owner = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), App).await;
        owner.forget();
        if let Some(root) = document().document_element() {
            _ = root.set_attribute("data-hydrated", "");
        }
    });
}
