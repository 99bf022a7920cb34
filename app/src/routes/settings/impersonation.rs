//! Settings → Impersonation: the tenant's rules for Sign in as User.

use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsTabs;
use crate::components::form::{ErrorBanner, TextField};
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, CARD, H1};
use crate::dto::ImpersonationSettingsDto;
use crate::error::AppError;
use crate::functions::impersonation::{impersonation_settings, SaveImpersonationSettings};

#[component]
pub fn ImpersonationSettingsPage() -> impl IntoView {
    let current = Resource::new(|| (), |_| impersonation_settings());
    view! {
        <Title text="Impersonation settings · Masquerade" />
        <p class="text-sm font-medium text-slate-500">"Settings"</p>
        <h1 class=H1>"Impersonation"</h1>
        <SettingsTabs active="impersonation" />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(s) => view! { <SettingsForm current=s /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(current: ImpersonationSettingsDto) -> impl IntoView {
    let toasts = use_toasts();
    let require_reason = RwSignal::new(current.require_reason);
    let ttl = RwSignal::new(current.link_ttl_secs.to_string());
    let cap = RwSignal::new(current.session_max_minutes.to_string());
    let save = ServerAction::<SaveImpersonationSettings>::new();
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            toasts.success("Impersonation settings saved");
        }
    });
    let number = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    view! {
        <form
            class=format!("mt-6 max-w-2xl space-y-5 {CARD}")
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveImpersonationSettings {
                    require_reason: require_reason.get_untracked(),
                    link_ttl_secs: number(&ttl.get_untracked()),
                    session_max_minutes: number(&cap.get_untracked()),
                });
            }
        >
            <ErrorBanner errors=general />
            <div class="flex items-start gap-3 text-sm text-slate-800">
                <input id="f-require_reason" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
                    aria-describedby="f-require_reason-help"
                    prop:checked=move || require_reason.get()
                    on:change=move |ev| require_reason.set(event_target_checked(&ev)) />
                <div>
                    <label for="f-require_reason">"Require a reason"</label>
                    <p id="f-require_reason-help" class="text-xs text-slate-500">"Support staff must say why before a link is generated. The reason goes into the audit log and the ID token."</p>
                </div>
            </div>
            <TextField label="Link lifetime (seconds)" name="link_ttl_secs" kind="number" value=ttl errors=errors
                help="How long a generated link can be opened: 30 to 600 seconds. Default 120." />
            <TextField label="Impersonated session cap (minutes)" name="session_max_minutes" kind="number" value=cap errors=errors
                help="No token or refresh from an impersonation outlives this: 5 to 720 minutes. Default 60." />
            <button type="submit" class=BTN_PRIMARY disabled=move || save.pending().get()>"Save settings"</button>
        </form>
    }
}
