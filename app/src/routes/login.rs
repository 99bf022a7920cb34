use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use crate::components::ui::{BTN_PRIMARY, INPUT, LABEL};
use crate::functions::auth::SignIn;

#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let location = use_location();
    let next = move || {
        location
            .search
            .with(|s| crate::query::param(s, "next").unwrap_or_default())
    };
    let error = move || match sign_in.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let expired = move || query.with(|q| q.get("expired").is_some());
    // Sign-ins for an application continue at the authorization endpoint,
    // which only a full page load reaches.
    Effect::new(move |_| {
        if let Some(Ok(Some(url))) = sign_in.value().get() {
            let _ = window().location().assign(&url);
        }
    });
    let heading = Resource::new(next, crate::functions::auth::login_context);
    view! {
        <Title text="Sign in · Masquerade" />
        <div class="flex min-h-screen flex-col justify-center bg-slate-50 px-4 py-12">
            <div class="mx-auto w-full max-w-sm">
                <div class="flex items-center justify-center gap-2">
                    <span class="grid h-10 w-10 place-items-center rounded-lg bg-indigo-600 text-lg font-bold text-white">"M"</span>
                    <span class="text-2xl font-semibold tracking-tight text-slate-900">"Masquerade"</span>
                </div>
                <Suspense fallback=|| view! { <h1 class="mt-6 text-center text-lg font-medium text-slate-700">"Sign in"</h1> }>
                    {move || Suspend::new(async move {
                        let heading = heading
                            .await
                            .unwrap_or_else(|_| "Sign in to the console".to_string());
                        view! { <h1 class="mt-6 text-center text-lg font-medium text-slate-700">{heading}</h1> }
                    })}
                </Suspense>
            </div>
            <div class="mx-auto mt-8 w-full max-w-sm rounded-lg bg-white p-8 shadow-sm ring-1 ring-slate-200">
                <Show when=expired>
                    <p class="mb-4 rounded-md bg-amber-50 p-3 text-sm text-amber-800 ring-1 ring-amber-200">
                        "Your session has ended. Sign in again to continue."
                    </p>
                </Show>
                <ActionForm action=sign_in attr:class="space-y-5">
                    // Without a page to return to, the console's start page,
                    // which opens the first section this person may use.
                    <input type="hidden" name="next" value=move || Some(next()).filter(|n| !n.is_empty()).unwrap_or_else(|| "/".into()) />
                    <div>
                        <label for="email" class=LABEL>"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username" required class=format!("mt-1 {INPUT}") />
                    </div>
                    <div>
                        <label for="password" class=LABEL>"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password" required class=format!("mt-1 {INPUT}") />
                    </div>
                    <Show when=move || error().is_some()>
                        <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
                            {move || error().unwrap_or_default()}
                        </p>
                    </Show>
                    <button type="submit" class=format!("w-full {BTN_PRIMARY}") disabled=move || sign_in.pending().get()>
                        {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </div>
        </div>
    }
}
