//! The console frame: sidebar, top bar, toasts, and the access gate.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use super::toast::{ToastRegion, Toasts};
use super::ui::BTN_SECONDARY;
use crate::dto::{Me, SecretShownOnce};
use crate::error::AppError;
use crate::functions::auth::{current_user, SignOut};

/// A client secret to show once on the next application page.
#[derive(Clone, Copy)]
pub struct OneTimeSecret(pub RwSignal<Option<SecretShownOnce>>);

/// The console frame. Signed-out visitors and accounts without console
/// access never reach it: the server redirects them before rendering (see
/// the binary's guard), so only the user block waits on data.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    Toasts::provide();
    provide_context(OneTimeSecret(RwSignal::new(None)));
    view! {
        <Shell />
        <ToastRegion />
    }
}

/// The signed-in user's name and email, with sign-out.
#[component]
fn UserBlock() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <span class="text-sm text-slate-400">"…"</span> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) if !me.is_admin => view! { <Redirect path="/no-access" /> }.into_any(),
                    Ok(Some(me)) => {
                        let display = if me.name.is_empty() { me.email.clone() } else { me.name.clone() };
                        view! {
                            <div class="text-right text-sm leading-tight">
                                <div class="font-medium text-slate-900">{display}</div>
                                <div class="text-slate-500">{me.email.clone()}</div>
                            </div>
                        }.into_any()
                    }
                    Ok(None) | Err(AppError::Unauthenticated) => view! { <Redirect path="/login?expired=1" /> }.into_any(),
                    Err(_) => view! { <span class="text-sm text-slate-500">"Signed in"</span> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignOutButton() -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <ActionForm action=sign_out>
            <button type="submit" class=BTN_SECONDARY>"Sign out"</button>
        </ActionForm>
    }
}

#[component]
fn Shell() -> impl IntoView {
    view! {
        <div class="min-h-screen bg-slate-50 md:flex">
            <Sidebar />
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="flex items-center justify-between gap-4 border-b border-slate-200 bg-white px-4 py-3 md:px-8">
                    <span class="text-sm text-slate-500 md:hidden">"Masquerade"</span>
                    <div class="ml-auto flex items-center gap-4">
                        <UserBlock />
                        <SignOutButton />
                    </div>
                </header>
                <main id="main" class="mx-auto w-full max-w-6xl flex-1 px-4 py-8 md:px-8">
                    <ErrorBoundary fallback=|errors| {
                        view! {
                            <div role="alert" class="rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">
                                <p class="font-semibold">"This page could not be shown."</p>
                                <ul class="mt-2 list-disc pl-5">
                                    {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
                                </ul>
                            </div>
                        }
                    }>
                        <Outlet />
                    </ErrorBoundary>
                </main>
            </div>
        </div>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let location = use_location();
    // `section` is the path prefix the entry stands for.
    let item = move |href: &'static str, section: &'static str, label: &'static str| {
        let active = move || location.pathname.get().starts_with(section);
        view! {
            <A
                href=href
                attr:class=move || {
                    if active() {
                        "flex items-center rounded-md bg-slate-800 px-3 py-2 text-sm font-medium text-white"
                    } else {
                        "flex items-center rounded-md px-3 py-2 text-sm font-medium text-slate-300 hover:bg-slate-800 hover:text-white"
                    }
                }
            >
                {label}
            </A>
        }
    };
    let later = |label: &'static str| {
        view! {
            <span
                class="flex items-center justify-between rounded-md px-3 py-2 text-sm text-slate-500"
                title="Arrives in a later release"
            >
                {label}
                <span class="text-[10px] uppercase tracking-wide text-slate-600">"soon"</span>
            </span>
        }
    };
    view! {
        <nav aria-label="Console" class="bg-slate-900 px-3 py-4 md:min-h-screen md:w-60 md:shrink-0">
            <a href="/users" class="mb-6 flex items-center gap-2 px-3 text-white">
                <span class="grid h-8 w-8 place-items-center rounded-md bg-indigo-500 text-sm font-bold">"M"</span>
                <span class="text-base font-semibold tracking-tight">"Masquerade"</span>
            </a>
            <p class="px-3 pb-1 text-xs font-semibold uppercase tracking-wider text-slate-500">"Manage"</p>
            <div class="flex flex-row flex-wrap gap-1 md:flex-col">
                {item("/users", "/users", "Users")}
                {item("/applications", "/applications", "Applications")}
                {item("/apis", "/apis", "APIs")}
                {item("/connections", "/connections", "Connections")}
                {item("/impersonations", "/impersonations", "Impersonations")}
                {item("/settings/keys", "/settings", "Settings")}
            </div>
            <p class="mt-6 hidden px-3 pb-1 text-xs font-semibold uppercase tracking-wider text-slate-500 md:block">"Coming next"</p>
            <div class="hidden flex-col gap-1 md:flex">
                {later("Roles")}
                {later("Audit log")}
            </div>
        </nav>
    }
}

/// For accounts that may sign in but hold no console role.
#[component]
pub fn NoAccessPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <leptos_meta::Title text="No console access · Masquerade" />
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! { <NoAccess me=me /> }.into_any(),
                    _ => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NoAccess(me: Me) -> impl IntoView {
    view! {
        <div class="flex min-h-screen items-center justify-center bg-slate-50 px-4">
            <div class="w-full max-w-md rounded-lg bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
                <h1 class="text-xl font-semibold text-slate-900">"No console access"</h1>
                <p class="mt-3 text-sm text-slate-600">
                    "You are signed in as " <strong>{me.email.clone()}</strong>
                    ", but this account does not hold the Administrator role. Ask an administrator to grant it, then sign in again."
                </p>
                <div class="mt-6 flex justify-center">
                    <SignOutButton />
                </div>
            </div>
        </div>
    }
}

/// Shown for any unknown path inside or outside the console.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <div class="flex min-h-screen items-center justify-center bg-slate-50 px-4">
            <div class="text-center">
                <p class="text-sm font-semibold text-indigo-600">"404"</p>
                <h1 class="mt-2 text-2xl font-semibold text-slate-900">"Page not found"</h1>
                <p class="mt-2 text-sm text-slate-600">"There is nothing at this address."</p>
                <a href="/users" class="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">
                    "Back to the console"
                </a>
            </div>
        </div>
    }
}
