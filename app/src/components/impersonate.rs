//! "Sign in as User": the button (never silently hidden) and the dialog
//! that mints a single-use link.

use leptos::prelude::*;

use super::form::{ErrorBanner, TextArea, TextField};
use super::ui::{BTN_PRIMARY, BTN_SECONDARY, HELP, INPUT, LABEL};
use crate::dto::{ImpersonationApp, ImpersonationChoices, ImpersonationLink};
use crate::error::AppError;
use crate::functions::impersonation::{impersonation_options, CreateImpersonationLink, LinkForm};

pub const BUTTON_LABEL: &str = "Sign in as User";

/// The button, and the dialog it opens. Disabled with the reason shown
/// when this user cannot be impersonated.
#[component]
pub fn SignInAsUser(
    #[prop(into)] user_id: String,
    /// The user's name, or their email when they have none.
    #[prop(into)]
    label: String,
    disabled_reason: Option<String>,
    /// In a table row: smaller, with the reason as a tooltip only.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let class = if compact {
        "inline-flex items-center rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50 whitespace-nowrap"
    } else {
        BTN_SECONDARY
    };
    let reason_id = format!("imp-reason-{user_id}");
    let disabled = disabled_reason.is_some();
    let shown_reason = (!compact).then(|| disabled_reason.clone()).flatten();
    view! {
        <span class="inline-flex flex-col items-end">
            <button
                type="button"
                class=class
                disabled=disabled
                title=disabled_reason.clone()
                aria-describedby=disabled.then(|| reason_id.clone())
                on:click=move |_| open.set(true)
            >
                {BUTTON_LABEL}
            </button>
            {disabled_reason.clone().map(|r| view! {
                <span id=reason_id.clone() class=if compact { "sr-only" } else { "mt-1 max-w-xs text-right text-xs text-slate-500" }>
                    {shown_reason.clone().unwrap_or(r)}
                </span>
            })}
        </span>
        <Show when=move || open.get()>
            <ImpersonateDialog user_id=user_id.clone() label=label.clone() open=open />
        </Show>
    }
}

#[component]
fn ImpersonateDialog(user_id: String, label: String, open: RwSignal<bool>) -> impl IntoView {
    let id = user_id.clone();
    let choices = Resource::new(|| (), move |_| impersonation_options(id.clone()));
    let title = format!("Sign in as {label}");
    view! {
        // Mounted inside a right-aligned table cell on the Users list: the
        // dialog must not inherit that alignment.
        <div class="fixed inset-0 z-40 flex items-start justify-center bg-slate-900/40 p-4 text-left sm:pt-10">
            <div
                role="dialog"
                aria-modal="true"
                aria-labelledby="imp-title"
                class="flex max-h-full w-full max-w-xl flex-col rounded-lg bg-white shadow-xl"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <div class="flex items-start justify-between gap-4 border-b border-slate-200 px-6 py-4">
                    <div>
                        <h2 id="imp-title" class="text-lg font-semibold text-slate-900">{title}</h2>
                        <p class="mt-0.5 text-sm text-slate-600">
                            "Creates a single-use link. Tokens from it say who really acted, and every step is audited."
                        </p>
                    </div>
                    <button type="button" class="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800" aria-label="Close" on:click=move |_| open.set(false)>
                        "✕"
                    </button>
                </div>
                <div class="min-h-0 flex-1 overflow-y-auto">
                <Suspense fallback=|| view! { <p class="px-6 py-8 text-sm text-slate-500">"Loading applications…"</p> }>
                    {move || {
                        let user_id = user_id.clone();
                        Suspend::new(async move {
                            match choices.await {
                                Ok(c) => view! { <LinkFormView choices=c user_id=user_id open=open /> }.into_any(),
                                Err(e) => view! { <p role="alert" class="m-6 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                            }
                        })
                    }}
                </Suspense>
                </div>
            </div>
        </div>
    }
}

fn mode_value(mode: &str) -> &'static str {
    match mode {
        "post" => "form_post",
        "app" => "app_initiated",
        _ => "",
    }
}

#[component]
fn LinkFormView(
    choices: ImpersonationChoices,
    user_id: String,
    open: RwSignal<bool>,
) -> impl IntoView {
    if let Some(refused) = choices.refused.clone() {
        return view! {
            <div class="px-6 py-6">
                <p role="alert" class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">{refused}</p>
                <div class="mt-6 flex justify-end">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </div>
        }
        .into_any();
    }
    let qualifying: Vec<ImpersonationApp> = choices
        .apps
        .iter()
        .filter(|a| a.excluded.is_none())
        .cloned()
        .collect();
    let excluded: Vec<ImpersonationApp> = choices
        .apps
        .iter()
        .filter(|a| a.excluded.is_some())
        .cloned()
        .collect();
    let apps = StoredValue::new(qualifying.clone());
    let first = qualifying.first().cloned();
    let app = RwSignal::new(
        first
            .as_ref()
            .map(|a| a.client_id.clone())
            .unwrap_or_default(),
    );
    let reason = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let advanced = RwSignal::new(false);
    let mode = RwSignal::new("get".to_string());
    let response_type = RwSignal::new("code".to_string());
    let scope = RwSignal::new("openid".to_string());
    let state = RwSignal::new(choices.suggested_state.clone());
    let audience = RwSignal::new(String::new());
    let callback = RwSignal::new(
        first
            .as_ref()
            .and_then(|a| a.callback_urls.first().cloned())
            .unwrap_or_default(),
    );
    let current =
        move || apps.with_value(|list| list.iter().find(|a| a.client_id == app.get()).cloned());
    // A different application: its own callbacks, response types and APIs.
    let pick_app = move |client_id: String| {
        app.set(client_id);
        if let Some(a) = current() {
            callback.set(a.callback_urls.first().cloned().unwrap_or_default());
            if !a.response_types.contains(&response_type.get_untracked()) {
                response_type.set(a.response_types.first().cloned().unwrap_or_default());
            }
            if mode.get_untracked() == "app" && !a.app_initiated {
                mode.set("get".into());
            }
            audience.set(String::new());
        }
    };

    let generate = ServerAction::<CreateImpersonationLink>::new();
    let errors = Signal::derive(move || generate.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let link = Signal::derive(move || generate.value().get().and_then(|r| r.ok()));
    let field_error = move |name: &'static str| move || errors.get().and_then(|e| e.field(name));

    let reason_label = if choices.require_reason {
        "Reason (required)"
    } else {
        "Reason"
    };
    let uid = user_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        generate.dispatch(CreateImpersonationLink {
            user_id: uid.clone(),
            form: LinkForm {
                client_id: app.get_untracked(),
                reason: reason.get_untracked(),
                ticket: ticket.get_untracked(),
                response_mode: mode_value(&mode.get_untracked()).into(),
                response_type: response_type.get_untracked(),
                scope: scope.get_untracked(),
                state: state.get_untracked(),
                audience: audience.get_untracked(),
                callback_url: callback.get_untracked(),
            },
        });
    };
    let ttl_minutes = (choices.link_ttl_secs + 59) / 60;

    view! {
        <form class="space-y-5 px-6 py-5" on:submit=submit>
            <ErrorBanner errors=general />
            {if qualifying.is_empty() {
                view! {
                    <p role="alert" class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
                        "No application can receive an impersonated sign-in for this user."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div>
                        <label for="imp-app" class=LABEL>"Application"</label>
                        <select id="imp-app" class=format!("mt-1 {INPUT}") on:change=move |ev| pick_app(event_target_value(&ev))>
                            {qualifying.iter().map(|a| {
                                let id = a.client_id.clone();
                                view! { <option value=id.clone() selected=move || app.get() == id>{a.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-sm text-red-700">{field_error("client_id")}</p>
                    </div>
                }.into_any()
            }}
            {(!excluded.is_empty()).then(|| view! {
                <details class="rounded-md bg-slate-50 px-3 py-2 text-sm ring-1 ring-slate-200" open=qualifying.is_empty()>
                    <summary class="cursor-pointer font-medium text-slate-700">{format!("Not available ({})", excluded.len())}</summary>
                    <ul class="mt-2 space-y-1">
                        {excluded.iter().map(|a| view! {
                            <li><span class="font-medium text-slate-800">{a.name.clone()}</span>": "<span class="text-slate-600">{a.excluded.clone().unwrap_or_default()}</span></li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
            <TextArea label=reason_label name="reason" value=reason errors=errors rows=2 help="Recorded in the audit log and shown to the application." />
            <TextField label="Ticket reference" name="ticket" value=ticket errors=errors placeholder="e.g. SUP-1234 (optional)" />

            <div>
                <button type="button" class="text-sm font-medium text-indigo-700 hover:underline" aria-expanded=move || advanced.get().to_string() on:click=move |_| advanced.update(|a| *a = !*a)>
                    {move || if advanced.get() { "Hide advanced settings" } else { "Show advanced settings" }}
                </button>
            </div>
            <Show when=move || advanced.get()>
                <div class="grid gap-4 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200 sm:grid-cols-2">
                    <div>
                        <label for="imp-mode" class=LABEL>"Response mode"</label>
                        <select id="imp-mode" class=format!("mt-1 {INPUT}") on:change=move |ev| mode.set(event_target_value(&ev))>
                            <option value="get" selected=move || mode.get() == "get">"GET"</option>
                            <option value="post" selected=move || mode.get() == "post">"POST"</option>
                            {move || current().filter(|a| a.app_initiated).map(|_| view! {
                                <option value="app" selected=move || mode.get() == "app">"App-initiated"</option>
                            })}
                        </select>
                        <p class=HELP>{move || match mode.get().as_str() {
                            "post" => "An auto-submitting form posts the response to the callback.",
                            "app" => "The application starts its own sign-in, with its own state and PKCE.",
                            _ => "Query for a code; fragment when tokens are returned.",
                        }}</p>
                        <p class="mt-1 text-sm text-red-700">{field_error("response_mode")}</p>
                    </div>
                    <div>
                        <label for="imp-rt" class=LABEL>"Response type"</label>
                        <select id="imp-rt" class=format!("mt-1 {INPUT}") on:change=move |ev| response_type.set(event_target_value(&ev))>
                            {move || current().map(|a| a.response_types).unwrap_or_default().into_iter().map(|t| {
                                let (v, text) = (t.clone(), t.clone());
                                view! { <option value=t selected=move || response_type.get() == v>{text}</option> }
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-sm text-red-700">{field_error("response_type")}</p>
                    </div>
                    <TextField label="Scope" name="scope" value=scope errors=errors help="Space-separated." />
                    <TextField label="State" name="state" value=state errors=errors help="Returned intact. May carry the app's landing path, e.g. /orders/42." />
                    <div>
                        <label for="imp-aud" class=LABEL>"Audience"</label>
                        <select id="imp-aud" class=format!("mt-1 {INPUT}") on:change=move |ev| audience.set(event_target_value(&ev))>
                            <option value="" selected=move || audience.get().is_empty()>"None (token for /userinfo only)"</option>
                            {move || current().map(|a| a.audiences).unwrap_or_default().into_iter().map(|(ident, name)| {
                                let v = ident.clone();
                                view! { <option value=ident.clone() selected=move || audience.get() == v>{format!("{name} ({ident})")}</option> }
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-sm text-red-700">{field_error("audience")}</p>
                    </div>
                    <div>
                        <label for="imp-cb" class=LABEL>"Callback URL"</label>
                        <select id="imp-cb" class=format!("mt-1 {INPUT}") on:change=move |ev| callback.set(event_target_value(&ev))>
                            {move || current().map(|a| a.callback_urls).unwrap_or_default().into_iter().map(|u| {
                                let (v, text) = (u.clone(), u.clone());
                                view! { <option value=u selected=move || callback.get() == v>{text}</option> }
                            }).collect_view()}
                        </select>
                        <p class="mt-1 text-sm text-red-700">{field_error("callback_url")}</p>
                    </div>
                </div>
            </Show>

            {move || link.get().map(|l| view! { <LinkResult link=l /> })}

            <div class="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 pt-4">
                <p class="text-xs text-slate-500">{format!("Links work once and expire after {ttl_minutes} minute(s).")}</p>
                <div class="flex gap-3">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                    <button type="submit" class=BTN_PRIMARY disabled=move || generate.pending().get() || app.get().is_empty()>
                        {move || if link.get().is_some() { "Generate another link" } else { "Generate link" }}
                    </button>
                </div>
            </div>
        </form>
    }
    .into_any()
}

/// The minted URL with Copy, Open in new tab, and a countdown.
#[component]
fn LinkResult(link: ImpersonationLink) -> impl IntoView {
    let remaining = RwSignal::new(link.expires_in.max(0));
    let copied = RwSignal::new(false);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || remaining.update(|r| *r = (*r - 1).max(0)),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let url = link.url.clone();
    let copy_url = link.url.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&copy_url);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &copy_url;
        copied.set(true);
    };
    let expired = move || remaining.get() == 0;
    view! {
        <div class="rounded-md bg-emerald-50 p-4 ring-1 ring-emerald-200" role="status">
            <label for="imp-url" class="block text-sm font-medium text-emerald-900">"Impersonation link"</label>
            <input id="imp-url" readonly class=format!("mt-1 font-mono text-xs {INPUT}") prop:value=url.clone() on:focus=move |ev| {
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            } />
            <div class="mt-3 flex flex-wrap items-center gap-3">
                <button type="button" class=BTN_SECONDARY on:click=copy disabled=expired>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
                <a
                    href=url
                    target="_blank"
                    rel="noopener noreferrer"
                    class=move || if expired() { format!("{BTN_PRIMARY} pointer-events-none opacity-50") } else { BTN_PRIMARY.to_string() }
                    aria-disabled=move || expired().to_string()
                >
                    "Open in new tab"
                </a>
                <span class="text-sm tabular-nums text-emerald-900" aria-live="polite">
                    {move || {
                        let r = remaining.get();
                        if r == 0 {
                            "Expired: generate a new link.".to_string()
                        } else {
                            format!("Expires in {}:{:02}", r / 60, r % 60)
                        }
                    }}
                </span>
            </div>
        </div>
    }
}
