//! The tenant-wide sections: on or off, reason and ticket, lifetimes, and
//! the safeguards (bound links, step-up, the approval window).

use leptos::prelude::*;

use super::draft::Draft;
use super::live::{Live, LiveSessions};
use crate::components::form::{ErrorSignal, TextField};
use crate::components::ui::{CARD, H2};
use crate::dto::ImpersonationSettingsDto;

pub const CHECKBOX: &str = "mt-0.5 h-4 w-4 shrink-0 rounded border-slate-300 accent-indigo-600";

/// A checkbox with its label and a line of help under the label.
#[component]
pub fn CheckField(
    #[prop(into)] id: String,
    label: &'static str,
    #[prop(into)] help: Signal<String>,
    #[prop(into)] checked: Signal<bool>,
    set: Callback<bool>,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    view! {
        <div class="flex items-start gap-3 text-sm text-slate-800">
            <input id=id.clone() type="checkbox" class=CHECKBOX
                aria-describedby=help_id.clone()
                prop:checked=move || checked.get()
                on:change=move |ev| set.run(event_target_checked(&ev)) />
            <div>
                <label for=id.clone() class="font-medium">{label}</label>
                <p id=help_id.clone() class="mt-0.5 text-xs text-slate-500">{move || help.get()}</p>
            </div>
        </div>
    }
}

/// Sets `value` to what the checkbox says.
pub fn setter(value: RwSignal<bool>) -> Callback<bool> {
    Callback::new(move |on| value.set(on))
}

/// One card of the form: a fieldset whose legend is the card's title,
/// disabled for those who may only look.
#[component]
pub fn Section(
    title: &'static str,
    #[prop(optional)] intro: Option<&'static str>,
    locked: Signal<bool>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class=CARD>
            <fieldset class="min-w-0" disabled=move || locked.get()>
                <legend><h2 class=H2>{title}</h2></legend>
                {intro.map(|t| view! { <p class="mt-1 max-w-3xl text-sm text-slate-600">{t}</p> })}
                <div class="mt-5 space-y-5">{children()}</div>
            </fieldset>
        </section>
    }
}

#[component]
pub fn TenantSwitch(
    draft: Draft,
    saved: RwSignal<ImpersonationSettingsDto>,
    locked: Signal<bool>,
    live: Live,
) -> impl IntoView {
    let saved_on = Signal::derive(move || saved.with(|s| s.enabled));
    let switched = Callback::new(move |on: bool| {
        draft.enabled.set(on);
        if !on {
            live.reload.update(|n| *n += 1);
        }
    });
    view! {
        <section class=CARD>
            <fieldset class="min-w-0" disabled=move || locked.get()>
                <legend class="mb-4"><h2 class=H2>"Sign in as User for this tenant"</h2></legend>
                <CheckField id="f-enabled" label="Impersonation on" checked=draft.enabled set=switched
                    help="Off refuses, at once, every new link, every link being opened and every token exchange or refresh of an impersonated session. Roles and rules stay as they are for when it is switched back on." />
            </fieldset>
            <Show when=move || !draft.enabled.get()>
                <LiveSessions live=live saved_on=saved_on />
            </Show>
        </section>
    }
}

#[component]
pub fn ReasonAndTicket(
    draft: Draft,
    saved: RwSignal<ImpersonationSettingsDto>,
    errors: ErrorSignal,
    locked: Signal<bool>,
) -> impl IntoView {
    // The example is the server's reading of the saved pattern; while the
    // pattern is being changed it would describe the old one.
    let example = move || {
        if errors
            .get()
            .and_then(|e| e.field("ticket_pattern"))
            .is_some()
        {
            return None;
        }
        let typed = draft.ticket_pattern.get();
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        Some(saved.with(|s| {
            if s.ticket_pattern.trim() == typed && !s.ticket_example.is_empty() {
                view! {
                    <p id="ticket-example" class="mt-1 text-sm text-slate-700">
                        "Example: " <code class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-900">{s.ticket_example.clone()}</code>
                    </p>
                }
                .into_any()
            } else {
                view! { <p id="ticket-example" class="mt-1 text-sm text-slate-500">"Save to check the pattern and see an example reference."</p> }
                    .into_any()
            }
        }))
    };
    view! {
        <Section title="Reason and ticket" locked=locked>
            <CheckField id="f-require_reason" label="Require a reason" checked=draft.require_reason set=setter(draft.require_reason)
                help="Support staff must say why before a link is generated. The reason goes into the audit log and the ID token." />
            <CheckField id="f-require_ticket" label="Require a ticket reference" checked=draft.require_ticket set=setter(draft.require_ticket)
                help="Support staff must name the support ticket they work on. It goes into the audit log with the reason." />
            <div class="max-w-md">
                <TextField label="Ticket pattern (optional)" name="ticket_pattern" value=draft.ticket_pattern errors=errors
                    placeholder="SUP-[0-9]+"
                    help="A regular expression the whole reference must match, checked when you save. Empty: any reference." />
                {example}
            </div>
        </Section>
    }
}

#[component]
pub fn Lifetimes(draft: Draft, errors: ErrorSignal, locked: Signal<bool>) -> impl IntoView {
    view! {
        <Section title="Lifetimes" locked=locked>
            <div class="flex flex-wrap gap-x-8 gap-y-5 [&>*]:w-full [&>*]:max-w-xs">
                <TextField label="Link lifetime (seconds)" name="link_ttl_secs" kind="number" value=draft.link_ttl_secs errors=errors
                    help="How long a generated link can be opened: 30 to 600 seconds. Default 120." />
                <TextField label="Impersonated session cap (minutes)" name="session_max_minutes" kind="number" value=draft.session_max_minutes errors=errors
                    help="No token or refresh from an impersonation outlives this: 5 to 720 minutes. Default 60." />
            </div>
        </Section>
    }
}

#[component]
pub fn Safeguards(draft: Draft, errors: ErrorSignal, locked: Signal<bool>) -> impl IntoView {
    let step_up_help = Signal::derive(move || {
        let n = draft.step_up_minutes.get();
        let n = n.trim();
        let n = if n.is_empty() { "N" } else { n };
        format!("Minting needs a password re-entry within the last {n} minutes. Machine clients have no password and are not asked.")
    });
    view! {
        <Section title="Safeguards" locked=locked>
            <CheckField id="f-bind_links" label="Bind links to the person who made them" checked=draft.bind_links set=setter(draft.bind_links)
                help="A link then opens only in a browser signed in to the console as the person who generated it, so a leaked link is useless; anyone else gets a page that says so, and the attempt is audited. Links minted by a machine client are bound to the person it named." />
            <div class="space-y-3">
                <CheckField id="f-step_up" label="Ask for the password again before minting" checked=draft.step_up set=setter(draft.step_up) help=step_up_help />
                <div class="max-w-xs pl-7">
                    <TextField label="Password re-entry window (minutes)" name="step_up_minutes" kind="number" value=draft.step_up_minutes errors=errors
                        help="1 to 1440 minutes. Default 15." />
                </div>
            </div>
            <div class="max-w-xs">
                <TextField label="Approval window (minutes)" name="approval_window_minutes" kind="number" value=draft.approval_window_minutes errors=errors
                    help="For rules that ask someone else to approve: how long an approved request can be turned into a link. 1 minute to 7 days (10080 minutes). Default 30." />
            </div>
        </Section>
    }
}

/// What users are told about impersonations of their own account.
#[component]
pub fn WhatUsersSee(draft: Draft, locked: Signal<bool>) -> impl IntoView {
    view! {
        <Section title="What users see" locked=locked
            intro="Every user can sign in at /account and see, under Account activity, each time someone signed in as them: when, into which application, the reason and how long it lasted.">
            <CheckField id="f-show_impersonator_names" label="Show impersonators' names to users" checked=draft.show_impersonator_names set=setter(draft.show_impersonator_names)
                help="On, users see the name of the person who signed in as them. Off (the default), they see only \"a support agent\"." />
        </Section>
    }
}
