//! Every page is a lazy route: with `cargo leptos build --split` each page's
//! code is cut into its own wasm chunk, which the browser fetches when that
//! page is first opened. The main bundle then holds only the runtime, the
//! console layout and the components many pages share, so adding a screen no
//! longer makes every other screen slower to load. Without `--split` (for
//! example under `cargo check`) these are ordinary routes.
//!
//! Pages load their data themselves, inside the view, so there is nothing for
//! `data()` to start early.
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

macro_rules! lazy_pages {
    ($($route:ident => $($page:ident)::+;)+) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $($page)::+().into_any()
            }
        }
    )+};
}

lazy_pages! {
    LoginRoute => super::login::LoginPage;
    HomeRoute => crate::components::sections::ConsoleHome;
    UsersRoute => super::users::list::UsersPage;
    NewUserRoute => super::users::new::NewUserPage;
    UserRoute => super::users::detail::UserPage;
    ApplicationsRoute => super::applications::list::ApplicationsPage;
    NewApplicationRoute => super::applications::edit::NewApplicationPage;
    ApplicationRoute => super::applications::edit::ApplicationPage;
    ApisRoute => super::apis::list::ApisPage;
    NewApiRoute => super::apis::edit::NewApiPage;
    ApiRoute => super::apis::edit::ApiPage;
    ConnectionsRoute => super::connections::ConnectionsPage;
    RolesRoute => super::roles::list::RolesPage;
    NewRoleRoute => super::roles::new::NewRolePage;
    RoleRoute => super::roles::detail::RolePage;
    ImpersonationsRoute => super::impersonations::ImpersonationsPage;
    ApprovalsRoute => super::approvals::ApprovalsPage;
    AuditRoute => super::audit::AuditPage;
    SigningKeysRoute => super::settings::keys::SigningKeysPage;
    ImpersonationSettingsRoute => super::settings::impersonation::ImpersonationSettingsPage;
    LogStreamsRoute => super::settings::streams::LogStreamsPage;
}
