//! The console frame: sidebar, top bar, toasts, and the access gate.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use super::access::{provide_me, use_me};
use super::sections::sections_for;
use super::toast::{ToastRegion, Toasts};
use super::ui::BTN_SECONDARY;
use crate::dto::{Me, SecretShownOnce};
use crate::error::AppError;
use crate::functions::auth::SignOut;
use crate::functions::policy::approval_count;

/// How many approval requests wait for the signed-in person's decision:
/// the navigation's badge. Pages that decide refetch it.
#[derive(Clone, Copy)]
pub struct ApprovalBadge(pub Resource<Result<i64, AppError>>);

/// Asks again this often, in the browser only.
const BADGE_REFRESH: std::time::Duration = std::time::Duration::from_secs(30);

/// A client secret to show once on the next application page.
#[derive(Clone, Copy)]
pub struct OneTimeSecret(pub RwSignal<Option<SecretShownOnce>>);

/// The console frame. Signed-out visitors never reach it: the server
/// redirects them before rendering (see the binary's guard). Who is signed
/// in and what they hold is loaded once here for every screen.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    Toasts::provide();
    provide_context(OneTimeSecret(RwSignal::new(None)));
    let me = provide_me();
    // Made here with the person, outside any Suspense (see `access::gated`).
    let badge = ApprovalBadge(Resource::new(
        || (),
        move |_| async move {
            if me.holds("impersonation:approve").await {
                approval_count().await
            } else {
                Ok(0)
            }
        },
    ));
    provide_context(badge);
    // Effects run in the browser only: no timer on the server.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || badge.0.refetch(), BADGE_REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <Shell />
        <ToastRegion />
    }
}

/// The signed-in user's name and email, with sign-out.
#[component]
fn UserBlock() -> impl IntoView {
    let me = use_me();
    view! {
        <Suspense fallback=|| view! { <span class="text-sm text-slate-400">"…"</span> }>
            {move || Suspend::new(async move {
                match me.0.await {
                    Ok(Some(me)) if !me.may_enter() => view! { <Redirect path="/no-access" /> }.into_any(),
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

/// The navigation: only the sections the person may open, so nobody is
/// offered a page that would only say "no access".
#[component]
fn Sidebar() -> impl IntoView {
    let me = use_me();
    let location = use_location();
    let badge = use_context::<ApprovalBadge>();
    let item = move |href: &'static str, prefix: &'static str, label: &'static str| {
        let active = move || location.pathname.get().starts_with(prefix);
        let count = (href == "/approvals").then_some(badge).flatten();
        view! {
            <A
                href=href
                attr:class=move || {
                    if active() {
                        "flex items-center gap-2 rounded-md bg-slate-800 px-3 py-2 text-sm font-medium text-white"
                    } else {
                        "flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium text-slate-300 hover:bg-slate-800 hover:text-white"
                    }
                }
            >
                {label}
                {count.map(|b| view! { <PendingBadge badge=b /> })}
            </A>
        }
    };
    view! {
        <nav aria-label="Console" class="bg-slate-900 px-3 py-4 md:min-h-screen md:w-60 md:shrink-0">
            <a href="/" class="mb-6 flex items-center gap-2 px-3 text-white">
                <span class="grid h-8 w-8 place-items-center rounded-md bg-indigo-500 text-sm font-bold">"M"</span>
                <span class="text-base font-semibold tracking-tight">"Masquerade"</span>
            </a>
            // slate-400: slate-500 on slate-900 fell short of WCAG AA contrast (axe).
            <p class="px-3 pb-1 text-xs font-semibold uppercase tracking-wider text-slate-400">"Manage"</p>
            <div class="flex flex-row flex-wrap gap-1 md:flex-col">
                // A Transition: the badge's refresh keeps the links shown.
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let me = me.0.await.ok().flatten();
                        me.map(|me| {
                            sections_for(&me)
                                .map(|s| item(s.href, s.prefix, s.label))
                                .collect_view()
                        })
                    })}
                </Transition>
            </div>
        </nav>
    }
}

/// "3 pending" beside Approvals; nothing when none waits. The number is
/// shown, the words are read out with the link's name. Read in place (no
/// Suspense of its own): the navigation's waits for it on the server, and
/// a refresh changes only the number.
#[component]
fn PendingBadge(badge: ApprovalBadge) -> impl IntoView {
    move || {
        let n = badge.0.get().and_then(|r| r.ok()).unwrap_or(0);
        (n > 0).then(|| view! {
            <span data-testid="approvals-badge" title=format!("{n} pending") class="ml-auto inline-flex min-w-5 items-center justify-center rounded-full bg-amber-400 px-1.5 text-xs font-semibold leading-5 text-slate-900">
                <span aria-hidden="true">{n}</span>
                <span class="sr-only">{format!(" {n} pending")}</span>
            </span>
        })
    }
}

/// For accounts that may sign in (to applications) but hold no console
/// permission. Anyone who does hold one is sent on to the console.
#[component]
pub fn NoAccessPage() -> impl IntoView {
    let me = use_me();
    view! {
        <leptos_meta::Title text="No console access · Masquerade" />
        <Suspense>
            {move || Suspend::new(async move {
                match me.0.await {
                    Ok(Some(me)) if me.may_enter() => view! { <Redirect path="/" /> }.into_any(),
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
                    ", but this account holds no console permission. Ask an administrator for a role that gives one, then sign in again."
                </p>
                <div class="mt-6 flex items-center justify-center gap-3">
                    <a href="/account" class=super::ui::LINK>"See your account activity"</a>
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
                <a href="/" class="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">
                    "Back to the console"
                </a>
            </div>
        </div>
    }
}
