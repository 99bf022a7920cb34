//! "Sign in as User": the button (never silently hidden) and the dialog
//! that mints a single-use link.

use leptos::prelude::*;

use super::form::{ErrorBanner, TextArea, TextField};
use super::layout::ApprovalBadge;
use super::ui::{
    BADGE_INDIGO, BADGE_SLATE, BTN_PRIMARY, BTN_SECONDARY, HELP, INPUT, INPUT_ERROR, LABEL, LINK,
};
use crate::dto::{ImpersonationApp, ImpersonationChoices, ImpersonationLink};
use crate::error::AppError;
use crate::functions::impersonation::{impersonation_options, CreateImpersonationLink, LinkForm};
use crate::functions::policy::ConfirmPassword;

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
    let read_only = RwSignal::new(false);
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
    // A rule of the person's role allows only read-only here: the toggle
    // is on and cannot be turned off.
    let forced_read_only = move || current().is_some_and(|a| a.read_only_only);
    let needs_approval = move || current().is_some_and(|a| a.needs_approval);
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
    // The step-up prompt speaks for itself; field errors sit by their fields.
    let general = Signal::derive(move || {
        errors
            .get()
            .filter(|e| !matches!(e, AppError::Invalid(_) | AppError::StepUpRequired(_)))
    });
    let link = Signal::derive(move || generate.value().get().and_then(|r| r.ok()));
    let field_error = move |name: &'static str| move || errors.get().and_then(|e| e.field(name));

    // Step-up: the password must be entered again before a link is made,
    // here in the dialog. Asked for up front when the choices say so, or
    // when minting answers that it is due (the window ran out meanwhile).
    let step_up = RwSignal::new(choices.step_up_needed);
    let step_up_minutes = RwSignal::new(choices.step_up_minutes);
    let retry_after_step_up = RwSignal::new(false);
    let badge = use_context::<ApprovalBadge>();
    Effect::new(move |_| match generate.value().get() {
        Some(Err(AppError::StepUpRequired(minutes))) => {
            step_up_minutes.set(minutes);
            step_up.set(true);
            retry_after_step_up.set(true);
        }
        // A request now waits: the navigation's count changes for approvers.
        Some(Ok(ImpersonationLink {
            request_id: Some(_),
            ..
        })) => {
            if let Some(b) = badge {
                b.0.refetch();
            }
        }
        _ => {}
    });

    let reason_label = if choices.require_reason {
        "Reason (required)"
    } else {
        "Reason"
    };
    let ticket_label = if choices.require_ticket {
        "Ticket reference (required)"
    } else {
        "Ticket reference"
    };
    let example = choices.ticket_example.trim().to_string();
    let ticket_placeholder = match (example.is_empty(), choices.require_ticket) {
        (false, _) => format!("e.g. {example}"),
        (true, true) => "e.g. SUP-1234".to_string(),
        (true, false) => "e.g. SUP-1234 (optional)".to_string(),
    };
    let ticket_help = (!example.is_empty()).then(|| format!("Must look like {example}."));
    let uid = StoredValue::new(user_id.clone());
    let send = move || {
        generate.dispatch(CreateImpersonationLink {
            user_id: uid.get_value(),
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
                read_only: read_only.get_untracked() || forced_read_only(),
                request_id: String::new(),
            },
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !step_up.get_untracked() {
            send();
        }
    };
    let on_confirmed = Callback::new(move |_| {
        step_up.set(false);
        // Minting was refused for the password alone: go on with it.
        if retry_after_step_up.get_untracked() {
            retry_after_step_up.set(false);
            send();
        }
    });
    let ttl_minutes = (choices.link_ttl_secs + 59) / 60;
    let approval_minutes = choices.approval_window_minutes;

    // A request was made instead of a link: the form gives way to what
    // happens next (and cannot ask twice by accident).
    let requested = move || {
        link.get()
            .and_then(|l| l.request_id.map(|_| l.approval_role))
    };

    view! {
        {move || requested().map(|role| view! {
            <div class="space-y-5 px-6 py-5">
                <ApprovalRequested role=role minutes=approval_minutes />
                <div class="flex justify-end gap-3 border-t border-slate-200 pt-4">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </div>
        })}
        <form class="space-y-5 px-6 py-5" class:hidden=move || requested().is_some() on:submit=submit>
            // First: nothing else can happen before it.
            <Show when=move || step_up.get()>
                <StepUpPrompt minutes=step_up_minutes on_confirmed=on_confirmed />
            </Show>
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
                        <select id="imp-app" class=format!("mt-1 {INPUT}") aria-describedby="imp-app-terms" on:change=move |ev| pick_app(event_target_value(&ev))>
                            {qualifying.iter().map(|a| {
                                let id = a.client_id.clone();
                                let mut terms = Vec::new();
                                if a.needs_approval {
                                    terms.push("needs approval");
                                }
                                if a.read_only_only {
                                    terms.push("read-only only");
                                }
                                let text = if terms.is_empty() {
                                    a.name.clone()
                                } else {
                                    format!("{} ({})", a.name, terms.join(", "))
                                };
                                view! { <option value=id.clone() selected=move || app.get() == id>{text}</option> }
                            }).collect_view()}
                        </select>
                        <div id="imp-app-terms">
                            {move || needs_approval().then(|| view! {
                                <p class="mt-2 flex items-start gap-2 text-sm text-slate-700">
                                    <span class=format!("{BADGE_INDIGO} shrink-0")>"Needs approval"</span>
                                    <span>"A rule of your role asks someone else to approve first: you get a request, not a link."</span>
                                </p>
                            })}
                            {move || forced_read_only().then(|| view! {
                                <p class="mt-2 flex items-start gap-2 text-sm text-slate-700">
                                    <span class=format!("{BADGE_SLATE} shrink-0")>"Read-only only"</span>
                                    <span>"A rule of your role allows only read-only impersonation here."</span>
                                </p>
                            })}
                        </div>
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
            {match ticket_help {
                Some(help) => view! { <TextField label=ticket_label name="ticket" value=ticket errors=errors placeholder=ticket_placeholder help=help required=choices.require_ticket /> }.into_any(),
                None => view! { <TextField label=ticket_label name="ticket" value=ticket errors=errors placeholder=ticket_placeholder required=choices.require_ticket /> }.into_any(),
            }}
            <div class="flex items-start gap-3">
                <input
                    id="imp-read-only"
                    type="checkbox"
                    class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600 disabled:cursor-not-allowed disabled:opacity-60"
                    aria-describedby="imp-read-only-help"
                    prop:checked=move || read_only.get() || forced_read_only()
                    disabled=forced_read_only
                    on:change=move |ev| read_only.set(event_target_checked(&ev))
                />
                <div class="text-sm">
                    <label for="imp-read-only" class="font-medium text-slate-800">
                        "Read-only impersonation: the tokens carry only permissions safe to read"
                    </label>
                    <p id="imp-read-only-help" class=HELP>
                        {move || if forced_read_only() {
                            "Always on for this application: a rule of your role asks for it."
                        } else {
                            "The application is told, and shows the session as read-only."
                        }}
                    </p>
                </div>
            </div>

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

            {move || link.get().filter(|l| l.request_id.is_none()).map(|l| view! { <LinkResult link=l /> })}

            <div class="flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 pt-4">
                <p class="text-xs text-slate-500">{move || if needs_approval() {
                    format!("Once approved, the link can be made for {}.", plural(approval_minutes, "minute"))
                } else {
                    format!("Links work once and expire after {}.", plural(ttl_minutes, "minute"))
                }}</p>
                <div class="flex gap-3">
                    <button type="button" class=BTN_SECONDARY on:click=move |_| open.set(false)>"Close"</button>
                    <button
                        type="submit"
                        class=BTN_PRIMARY
                        disabled=move || generate.pending().get() || app.get().is_empty() || step_up.get()
                        title=move || step_up.get().then_some("Confirm your password first")
                    >
                        {move || if needs_approval() {
                            "Request approval"
                        } else if link.get().is_some_and(|l| l.request_id.is_none()) {
                            "Generate another link"
                        } else {
                            "Generate link"
                        }}
                    </button>
                </div>
            </div>
        </form>
    }
    .into_any()
}

/// "1 minute", "15 minutes".
pub fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// A request was made instead of a link: where to find it, and what next.
#[component]
fn ApprovalRequested(role: String, minutes: i64) -> impl IntoView {
    let role = if role.is_empty() {
        "A rule of your role requires".to_string()
    } else {
        format!("The role '{role}' requires")
    };
    view! {
        <div class="rounded-md bg-indigo-50 p-4 text-sm text-indigo-950 ring-1 ring-indigo-200" role="status">
            <p class="font-semibold">"Approval requested"</p>
            <p class="mt-1">
                {format!("{role} someone else's approval. You'll find it under Approvals → My requests; once approved you can generate the link there (for {}).", plural(minutes, "minute"))}
            </p>
            <a href="/approvals" class=format!("mt-3 inline-block {LINK}")>"Go to Approvals"</a>
        </div>
    }
}

/// Step-up: the password entered again, in place (the dialog stays open).
/// `on_confirmed` runs once the server has accepted it.
#[component]
pub fn StepUpPrompt(
    #[prop(into)] minutes: Signal<i64>,
    on_confirmed: Callback<()>,
    /// Ids on the page must be unique: a prefix for this prompt's.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| "step-up".into());
    let (title_id, input_id, err_id) = (
        format!("{id}-title"),
        format!("{id}-password"),
        format!("{id}-error"),
    );
    let password = RwSignal::new(String::new());
    let confirm = ServerAction::<ConfirmPassword>::new();
    // Focused when it appears (which also scrolls it into view): it is
    // the next thing to do, wherever the person was in the dialog.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = confirm.value().get() {
            password.set(String::new());
            on_confirmed.run(());
        }
    });
    let message = Signal::derive(move || match confirm.value().get() {
        Some(Err(e)) => Some(e.field("password").unwrap_or_else(|| e.to_string())),
        _ => None,
    });
    let go = move || {
        if !confirm.pending().get_untracked() {
            confirm.dispatch(ConfirmPassword {
                password: password.get_untracked(),
            });
        }
    };
    view! {
        <div role="group" aria-labelledby=title_id.clone() class="rounded-md bg-amber-50 p-4 ring-1 ring-amber-200">
            <p id=title_id.clone() class="text-sm font-semibold text-amber-950">"Confirm it's you"</p>
            <p class="mt-1 text-sm text-amber-950">
                {move || format!("Signing in as someone needs your password, entered within the last {}. Enter it again to go on.", plural(minutes.get(), "minute"))}
            </p>
            <label for=input_id.clone() class=format!("mt-3 {LABEL}")>"Your password"</label>
            <div class="mt-1 flex flex-wrap gap-2 sm:flex-nowrap">
                <input
                    node_ref=input
                    id=input_id
                    type="password"
                    autocomplete="current-password"
                    class=move || format!("{} min-w-0 flex-1", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=err_id.clone()
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        // Inside the dialog's form: Enter confirms, it does
                        // not submit the link form.
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            go();
                        }
                    }
                />
                <button type="button" class=BTN_PRIMARY disabled=move || confirm.pending().get() on:click=move |_| go()>
                    "Confirm"
                </button>
            </div>
            <Show when=move || message.get().is_some()>
                <p id=err_id.clone() class="mt-1 text-sm text-red-700">{move || message.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// The minted URL with Copy, Open in new tab, and a countdown.
#[component]
pub fn LinkResult(
    link: ImpersonationLink,
    /// The URL field's id (unique on the page).
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let input_id = id.unwrap_or_else(|| "imp-url".into());
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
            <label for=input_id.clone() class="block text-sm font-medium text-emerald-900">"Impersonation link"</label>
            <input id=input_id readonly class=format!("mt-1 font-mono text-xs {INPUT}") prop:value=url.clone() on:focus=move |ev| {
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
