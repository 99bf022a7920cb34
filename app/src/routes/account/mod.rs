//! `/account`: a person's own account pages, outside the console. Anyone
//! signed in may open them, whatever they hold; each sees only their own
//! account (the server takes it from the session). "Account activity"
//! lists their sign-ins and every time someone signed in as them.

mod tables;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::components::ui::{BTN_SECONDARY, H1};
use crate::dto::AccountActivityDto;
use crate::error::AppError;
use crate::functions::account::account_activity;
use crate::functions::auth::SignOut;
use tables::{ImpersonationsOfMe, MySignIns};

#[component]
pub fn AccountPage() -> impl IntoView {
    let activity = Resource::new(|| (), |_| account_activity());
    view! {
        <Title text="Account activity · Masquerade" />
        <Suspense fallback=|| view! { <AccountFrame who=None><p class="text-sm text-slate-500">"Loading…"</p></AccountFrame> }>
            {move || Suspend::new(async move {
                match activity.await {
                    Ok(a) => {
                        let who = Some((a.name.clone(), a.email.clone()));
                        view! { <AccountFrame who=who><Activity a=a /></AccountFrame> }.into_any()
                    }
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login?next=/account&expired=1" /> }.into_any(),
                    Err(e) => view! {
                        <AccountFrame who=None>
                            <p role="alert" class="rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200">{e.to_string()}</p>
                        </AccountFrame>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The page's own simple frame: the product, who is signed in, Sign out.
#[component]
fn AccountFrame(who: Option<(String, String)>, children: Children) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let signed_in = who.is_some();
    let who = who.map(|(name, email)| {
        let display = if name.trim().is_empty() {
            email.clone()
        } else {
            name
        };
        view! {
            <div class="min-w-0 text-right text-sm leading-tight">
                <div class="truncate font-medium text-slate-900">{display}</div>
                <div class="truncate text-slate-500">{email}</div>
            </div>
        }
    });
    view! {
        <div class="min-h-screen bg-slate-50">
            <header class="border-b border-slate-200 bg-white">
                <div class="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3 md:px-8">
                    <div class="flex shrink-0 items-center gap-2">
                        <span class="grid h-8 w-8 place-items-center rounded-md bg-indigo-600 text-sm font-bold text-white" aria-hidden="true">"M"</span>
                        <span class="text-base font-semibold tracking-tight text-slate-900">"Masquerade"</span>
                        <span class="hidden text-sm text-slate-500 sm:inline">"· Your account"</span>
                    </div>
                    <div class="flex min-w-0 items-center gap-4">
                        {who}
                        <Show when=move || signed_in>
                            <ActionForm action=sign_out>
                                <button type="submit" class=BTN_SECONDARY>"Sign out"</button>
                            </ActionForm>
                        </Show>
                    </div>
                </div>
            </header>
            <main id="main" class="mx-auto w-full max-w-5xl px-4 py-8 md:px-8">{children()}</main>
        </div>
    }
}

#[component]
fn Activity(a: AccountActivityDto) -> impl IntoView {
    let now = a.now;
    view! {
        <h1 class=H1>"Account activity"</h1>
        <p class="mt-2 max-w-3xl text-sm text-slate-600">
            "When you signed in, and every time someone else signed in as you, for example a support agent looking into a problem you reported. If something here looks wrong, contact your administrator."
        </p>
        <ImpersonationsOfMe rows=a.impersonations now=now />
        <MySignIns rows=a.sign_ins now=now />
    }
}
