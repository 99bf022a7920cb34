//! Settings → Impersonation: the tenant's policy for Sign in as User, on
//! one form saved whole: on or off (with the live impersonations and
//! Revoke all), reason and ticket, lifetimes, safeguards, and the rules
//! per role, each said in plain words.

mod draft;
mod general;
mod live;
mod rules;
mod summary;

use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsTabs;
use crate::components::access::{gated, needs, RequirePermission};
use crate::components::form::{ErrorBanner, InvalidNotice};
use crate::components::permitted::{GatedButton, LookOnlyNote};
use crate::components::toast::use_toasts;
use crate::components::ui::{BTN_PRIMARY, H1};
use crate::dto::{ImpersonationSettingsDto, RuleOptions};
use crate::error::AppError;
use crate::functions::impersonation::live_impersonations;
use crate::functions::policy::{
    impersonation_settings, rule_choices, RevokeAllImpersonations, SaveImpersonationSettings,
};
use draft::Draft;
use general::{Lifetimes, ReasonAndTicket, Safeguards, TenantSwitch, WhatUsersSee};
use live::Live;
use rules::Rules;

#[component]
pub fn ImpersonationSettingsPage() -> impl IntoView {
    // Every resource is made here, outside RequirePermission and any
    // Suspense (see `access::gated`).
    let current = gated("settings:read", || (), |_| impersonation_settings());
    let options = gated("settings:read", || (), |_| rule_choices());
    let revoke_all = ServerAction::<RevokeAllImpersonations>::new();
    // Bumped when impersonation is switched off, so that the list is fresh.
    let reload_live = RwSignal::new(0u32);
    let live = gated(
        "impersonation:read",
        move || (revoke_all.version().get(), reload_live.get()),
        |_| live_impersonations(),
    );
    let live = Live {
        rows: live,
        revoke_all,
        reload: reload_live,
    };
    view! {
        <RequirePermission permission="settings:read">
            <ImpersonationSettings current=current options=options live=live />
        </RequirePermission>
    }
}

#[component]
fn ImpersonationSettings(
    current: Resource<Result<ImpersonationSettingsDto, AppError>>,
    options: Resource<Result<RuleOptions, AppError>>,
    live: Live,
) -> impl IntoView {
    view! {
        <Title text="Impersonation settings · Masquerade" />
        <p class="text-sm font-medium text-slate-500">"Settings"</p>
        <h1 class=H1>"Impersonation"</h1>
        <SettingsTabs active="impersonation" />
        <p class="mt-4 max-w-3xl text-sm text-slate-600">
            "Who may use Sign in as User, and on what terms. The permission impersonation:create opens it to a role; these settings apply to everyone, and a rule narrows what one role allows."
        </p>
        <LookOnlyNote permission="settings:write" lead="You can see these settings but not change them: changing them" id="settings-look-only" />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match (current.await, options.await) {
                    (Ok(s), Ok(o)) => view! { <SettingsForm current=s options=o live=live /> }.into_any(),
                    (Err(e), _) | (_, Err(e)) => view! {
                        <p role="alert" class="mt-6 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SettingsForm(
    current: ImpersonationSettingsDto,
    options: RuleOptions,
    live: Live,
) -> impl IntoView {
    let toasts = use_toasts();
    let draft = Draft::new(&current);
    // What the server holds now: the ticket example is worked out from the
    // saved pattern.
    let saved = RwSignal::new(current);
    let save = ServerAction::<SaveImpersonationSettings>::new();
    // The rules' keys in the order sent, to put a "rules[i]" problem on
    // its card.
    let sent_keys = StoredValue::new(Vec::<u64>::new());
    Effect::new(move |_| {
        if let Some(Ok(s)) = save.value().get() {
            saved.set(s);
            toasts.success("Impersonation settings saved");
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let write = needs("settings:write");
    let locked = Signal::derive(move || write.get().is_some());
    view! {
        <form
            class="mt-6 max-w-4xl space-y-6"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                sent_keys.set_value(draft.rule_keys());
                save.dispatch(SaveImpersonationSettings { settings: draft.settings() });
            }
        >
            <TenantSwitch draft=draft saved=saved locked=locked live=live />
            <ReasonAndTicket draft=draft saved=saved errors=errors locked=locked />
            <Lifetimes draft=draft errors=errors locked=locked />
            <Safeguards draft=draft errors=errors locked=locked />
            <WhatUsersSee draft=draft locked=locked />
            <Rules draft=draft options=options errors=errors sent_keys=sent_keys locked=locked />
            <div class="space-y-3">
                <ErrorBanner errors=general />
                <InvalidNotice errors=errors />
                <div class="flex flex-wrap items-center gap-3">
                    <GatedButton needs=write note="settings-needs" class=BTN_PRIMARY submit=true busy=save.pending()>
                        "Save settings"
                    </GatedButton>
                    <span class="text-xs text-slate-500">"Saves every section on this page at once."</span>
                </div>
            </div>
        </form>
    }
}
