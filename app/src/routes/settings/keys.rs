use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::access::{gated, needs, RequirePermission};
use crate::components::dialog::ConfirmDialog;
use crate::components::format::{datetime, duration};
use crate::components::permitted::GatedButton;
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_GREEN, BADGE_INDIGO, BADGE_SLATE, BTN_SECONDARY, CARD, H1, H2, HELP, LABEL, LINK,
};
use crate::dto::{SigningKeyDto, SigningKeysDto, SIGNING_ALGS};
use crate::error::AppError;
use crate::functions::keys::{list_signing_keys, rotate_signing_keys};

#[component]
pub fn SigningKeysPage() -> impl IntoView {
    let keys = gated("settings:read", || (), |_| list_signing_keys());
    view! {
        <RequirePermission permission="settings:read">
            <SigningKeys keys=keys />
        </RequirePermission>
    }
}

#[component]
fn SigningKeys(keys: Resource<Result<SigningKeysDto, AppError>>) -> impl IntoView {
    view! {
        <Title text="Signing keys · Masquerade" />
        <p class="text-sm font-medium text-slate-500">"Settings"</p>
        <h1 class=H1>"Signing keys"</h1>
        <super::SettingsTabs active="keys" />
        <p class="mt-1 max-w-3xl text-sm text-slate-600">
            "Masquerade signs ID tokens and access tokens with these keys. Applications and APIs check signatures against the public keys published at the JWKS URL, so a key is published before it signs and stays published while tokens it signed are still valid."
        </p>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(k) => view! { <KeysView keys=k /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeysView(keys: SigningKeysDto) -> impl IntoView {
    let data = RwSignal::new(keys.clone());
    view! {
        <div class=format!("mt-6 grid gap-4 md:grid-cols-3 {CARD}")>
            <div class="md:col-span-2">
                <p class=LABEL id="jwks-label">"JWKS URL"</p>
                <p class="mt-1 flex flex-wrap items-center gap-3">
                    <span aria-labelledby="jwks-label" class="select-all break-all rounded-md bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-slate-200">{keys.jwks_url.clone()}</span>
                    <a href=keys.jwks_url.clone() target="_blank" rel="noopener" class=format!("text-sm {LINK}")>"Open"</a>
                </p>
                <p class=HELP>"Also advertised as jwks_uri in the OpenID Connect discovery document."</p>
            </div>
            <div>
                <p class=LABEL>"Longest token lifetime"</p>
                <p class="mt-1 py-2 text-sm text-slate-900">{move || duration(data.with(|d| d.longest_token_lifetime_secs))}</p>
                <p class=HELP>"The longest API access-token or application ID-token lifetime: how long a key keeps verifying after it stops signing."</p>
            </div>
        </div>
        <dl class="mt-6 grid gap-x-6 gap-y-2 text-sm text-slate-600 sm:grid-cols-2">
            <div class="flex items-baseline gap-2"><dt><span class=BADGE_INDIGO>"Next"</span></dt><dd>"Published; signs after the next rotation."</dd></div>
            <div class="flex items-baseline gap-2"><dt><span class=BADGE_GREEN>"Current"</span></dt><dd>"Signs new tokens."</dd></div>
            <div class="flex items-baseline gap-2"><dt><span class=BADGE_SLATE>"Previous"</span></dt><dd>"Verifies only, until its tokens expire."</dd></div>
            <div class="flex items-baseline gap-2"><dt><span class="inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium text-slate-500 ring-1 ring-inset ring-slate-300">"Retired"</span></dt><dd>"Removed from the JWKS."</dd></div>
        </dl>
        <div class="mt-4 space-y-6">
            {SIGNING_ALGS.into_iter().map(|(alg, label)| view! { <AlgorithmKeys alg=alg label=label data=data /> }).collect_view()}
        </div>
    }
}

fn state_badge(state: &str) -> impl IntoView {
    let (class, label) = match state {
        "next" => (BADGE_INDIGO, "Next"),
        "current" => (BADGE_GREEN, "Current"),
        "previous" => (BADGE_SLATE, "Previous"),
        _ => (
            "inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium text-slate-500 ring-1 ring-inset ring-slate-300",
            "Retired",
        ),
    };
    view! { <span class=class>{label}</span> }
}

/// When a key signs or stops being published, in words.
fn lifecycle(k: &SigningKeyDto) -> String {
    match k.state.as_str() {
        "next" => "Signs after the next rotation".into(),
        "current" => format!("Signing since {}", datetime(k.activated_at)),
        "previous" => format!("Retires after {}", datetime(k.retire_after)),
        _ => format!("Retired {}", datetime(k.retired_at)),
    }
}

#[component]
fn AlgorithmKeys(
    alg: &'static str,
    label: &'static str,
    data: RwSignal<SigningKeysDto>,
) -> impl IntoView {
    let toasts = use_toasts();
    let confirm = RwSignal::new(false);
    let rotate = Action::new(move |_: &()| rotate_signing_keys(alg.to_string()));
    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(fresh)) => {
            confirm.set(false);
            let signing = fresh
                .keys
                .iter()
                .find(|k| k.alg == alg && k.state == "current")
                .map(|k| k.kid.clone())
                .unwrap_or_default();
            data.set(fresh);
            toasts.success(format!("{alg} keys rotated: {signing} now signs"));
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(match e {
                AppError::Invalid(_) => "That algorithm is not supported.".to_string(),
                other => other.to_string(),
            });
        }
        None => {}
    });
    let rows = move || {
        data.with(|d| {
            d.keys
                .iter()
                .filter(|k| k.alg == alg)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let heading_id = format!("keys-{}", alg.to_lowercase());
    let labelled_by = heading_id.clone();
    let longest = duration(data.with_untracked(|d| d.longest_token_lifetime_secs));
    let write = needs("keys:write");
    view! {
        <section class=CARD aria-labelledby=labelled_by>
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h2 id=heading_id class=H2>{alg}</h2>
                    <p class="mt-0.5 text-sm text-slate-600">{label.split_once(": ").map(|(_, d)| d).unwrap_or(label).to_string()}</p>
                </div>
                <div class="flex flex-col items-end gap-1">
                    <GatedButton needs=write note=format!("rotate-{}-needs", alg.to_lowercase()) class=BTN_SECONDARY on_click=move || confirm.set(true)>
                        {format!("Rotate {alg} keys")}
                    </GatedButton>
                </div>
            </div>
            <div class="mt-4 overflow-x-auto rounded-md ring-1 ring-slate-200">
                <table class="min-w-full divide-y divide-slate-200 text-sm">
                    <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                        <tr>
                            <th scope="col" class="px-3 py-2">"Key ID"</th>
                            <th scope="col" class="px-3 py-2">"State"</th>
                            <th scope="col" class="px-3 py-2">"Created"</th>
                            <th scope="col" class="px-3 py-2">"Lifecycle"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {move || rows().into_iter().map(|k| view! {
                            <tr class=if k.state == "retired" { "text-slate-400" } else { "" }>
                                <td class="whitespace-nowrap px-3 py-2 font-mono text-xs text-slate-900">{k.kid.clone()}</td>
                                <td class="px-3 py-2">{state_badge(&k.state)}</td>
                                <td class="whitespace-nowrap px-3 py-2 text-slate-700">{datetime(k.created_at)}</td>
                                <td class="whitespace-nowrap px-3 py-2 text-slate-700">{lifecycle(&k)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <ConfirmDialog
                open=confirm
                title=format!("Rotate {alg} keys?")
                body=format!(
                    "The next key is published now and starts signing; the current key keeps verifying until the longest token lifetime ({}) has passed, then it is retired. A new next key is published in its place.",
                    longest
                )
                confirm_label="Rotate"
                pending=rotate.pending()
                on_confirm=move || { rotate.dispatch(()); }
            />
        </section>
    }
}
