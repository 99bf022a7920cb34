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
use leptos_router::path;

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
                <Route path=path!("/login") view=routes::login::LoginPage />
                <Route path=path!("/account") view=routes::account::AccountPage />
                <Route path=path!("/no-access") view=NoAccessPage />
                <ParentRoute path=path!("") view=ConsoleLayout>
                    <Route path=path!("") view=components::sections::ConsoleHome />
                    <Route path=path!("/users") view=routes::users::list::UsersPage />
                    <Route path=path!("/users/new") view=routes::users::new::NewUserPage />
                    <Route path=path!("/users/:id") view=routes::users::detail::UserPage />
                    <Route path=path!("/applications") view=routes::applications::list::ApplicationsPage />
                    <Route path=path!("/applications/new") view=routes::applications::edit::NewApplicationPage />
                    <Route path=path!("/applications/:id") view=routes::applications::edit::ApplicationPage />
                    <Route path=path!("/apis") view=routes::apis::list::ApisPage />
                    <Route path=path!("/apis/new") view=routes::apis::edit::NewApiPage />
                    <Route path=path!("/apis/:id") view=routes::apis::edit::ApiPage />
                    <Route path=path!("/connections") view=routes::connections::ConnectionsPage />
                    <Route path=path!("/roles") view=routes::roles::list::RolesPage />
                    <Route path=path!("/roles/new") view=routes::roles::new::NewRolePage />
                    <Route path=path!("/roles/:id") view=routes::roles::detail::RolePage />
                    <Route path=path!("/impersonations") view=routes::impersonations::ImpersonationsPage />
                    <Route path=path!("/approvals") view=routes::approvals::ApprovalsPage />
                    <Route path=path!("/audit") view=routes::audit::AuditPage />
                    <Route path=path!("/settings") view=routes::settings::keys::SigningKeysPage />
                    <Route path=path!("/settings/keys") view=routes::settings::keys::SigningKeysPage />
                    <Route path=path!("/settings/impersonation") view=routes::settings::impersonation::ImpersonationSettingsPage />
                    <Route path=path!("/settings/streams") view=routes::settings::streams::LogStreamsPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
