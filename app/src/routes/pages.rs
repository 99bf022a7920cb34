//! The console's pages, grouped into lazily loaded areas. With
//! `cargo leptos build --split`, each area's code goes into its own wasm
//! chunks, fetched when a page of that area is first opened; the main bundle
//! holds only the runtime, the console layout and what the areas share. So a
//! new screen no longer makes every other screen slower to load. Without
//! `--split` (as under `cargo check`) these are ordinary routes.
//!
//! Areas rather than one chunk set per page: the splitter makes a chunk for
//! every distinct combination of split points that share code, so 21 split
//! points gave ~570 chunks (and a page fetched ~250 of them); seven areas keep
//! the count and the requests per page small.
//!
//! Pages load their own data inside the view, so `data()` has nothing to
//! start early.
use leptos::prelude::*;
use leptos_router::LazyRoute;

macro_rules! area {
    (
        $area:ident / $preload:ident: $screen:ident {
            $($variant:ident => $route:ident => $($page:ident)::+,)+
        }
    ) => {
        #[derive(Clone, Copy)]
        pub enum $screen {
            $($variant,)+
        }

        #[lazy]
        fn $area(screen: $screen) -> AnyView {
            match screen {
                $($screen::$variant => $($page)::+().into_any(),)+
            }
        }

        $(
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(this: Self) -> AnyView {
                    let _ = this;
                    $area($screen::$variant).await
                }

                async fn preload() {
                    // As `#[lazy_route]` does: the split exists only in the
                    // browser's wasm.
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )+
    };
}

area! {
    sign_in_area / __preload_sign_in_area: SignInScreen {
        Login => LoginRoute => super::login::LoginPage,
        Account => AccountRoute => super::account::AccountPage,
    }
}

area! {
    users_area / __preload_users_area: UsersScreen {
        List => UsersRoute => super::users::list::UsersPage,
        New => NewUserRoute => super::users::new::NewUserPage,
        Detail => UserRoute => super::users::detail::UserPage,
    }
}

area! {
    apps_area / __preload_apps_area: AppsScreen {
        Applications => ApplicationsRoute => super::applications::list::ApplicationsPage,
        NewApplication => NewApplicationRoute => super::applications::edit::NewApplicationPage,
        Application => ApplicationRoute => super::applications::edit::ApplicationPage,
        Apis => ApisRoute => super::apis::list::ApisPage,
        NewApi => NewApiRoute => super::apis::edit::NewApiPage,
        Api => ApiRoute => super::apis::edit::ApiPage,
        Connections => ConnectionsRoute => super::connections::ConnectionsPage,
    }
}

area! {
    roles_area / __preload_roles_area: RolesScreen {
        List => RolesRoute => super::roles::list::RolesPage,
        New => NewRoleRoute => super::roles::new::NewRolePage,
        Detail => RoleRoute => super::roles::detail::RolePage,
    }
}

area! {
    impersonations_area / __preload_impersonations_area: ImpersonationsScreen {
        List => ImpersonationsRoute => super::impersonations::ImpersonationsPage,
        Approvals => ApprovalsRoute => super::approvals::ApprovalsPage,
    }
}

area! {
    audit_area / __preload_audit_area: AuditScreen {
        Log => AuditRoute => super::audit::AuditPage,
    }
}

area! {
    settings_area / __preload_settings_area: SettingsScreen {
        SigningKeys => SigningKeysRoute => super::settings::keys::SigningKeysPage,
        Impersonation => ImpersonationSettingsRoute => super::settings::impersonation::ImpersonationSettingsPage,
        LogStreams => LogStreamsRoute => super::settings::streams::LogStreamsPage,
    }
}

#[cfg(test)]
mod tests {
    /// Pages the router may load eagerly: the redirect at `/` and the
    /// no-access page are a few lines each, and the layout wraps every page.
    const EAGER: [&str; 2] = ["sections::ConsoleHome", "NoAccessPage"];

    /// A page routed directly would land in the main module, which every
    /// page waits for before it hydrates.
    #[test]
    fn every_page_route_is_lazy() {
        let router = include_str!("../lib.rs");
        let routes: Vec<&str> = router.lines().filter(|l| l.contains("<Route ")).collect();
        assert!(
            routes.len() > 20,
            "the router moved: {} routes found",
            routes.len()
        );
        for line in routes {
            assert!(
                line.contains("view={Lazy::<pages::") || EAGER.iter().any(|e| line.contains(e)),
                "not a lazy area route: {}",
                line.trim()
            );
        }
    }
}
