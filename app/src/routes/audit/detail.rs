//! One event in full, and one impersonation's timeline, in a panel at the
//! side of the page. The timeline is also offered on a user's page.

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;

use super::table::outcome_badge;
use super::AuditState;
use crate::components::format::{datetime_secs, iso, span};
use crate::components::ui::{BTN_PRIMARY, BTN_SECONDARY, LINK};
use crate::dto::{urlencode, AuditDetail, TimelineDto};
use crate::error::AppError;
use crate::functions::audit::audit_timeline;

/// A panel over the right of the page, for as long as it is shown. Escape,
/// the Close button and a click beside it call `on_close`.
#[component]
pub fn Drawer(
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let close_button = NodeRef::<html::Button>::new();
    // In the browser, once shown and whenever it shows something else:
    // focus goes to the panel (what had it may be gone).
    Effect::new(move |_| {
        title.track();
        if let Some(b) = close_button.get() {
            let _ = b.focus();
        }
    });
    // Escape closes it wherever the focus is.
    let on_key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || on_key.remove());
    // The page behind stays put while the panel is open.
    #[cfg(feature = "hydrate")]
    {
        if let Some(b) = document().body() {
            let _ = b.style().set_property("overflow", "hidden");
        }
        on_cleanup(|| {
            if let Some(b) = document().body() {
                let _ = b.style().remove_property("overflow");
            }
        });
    }
    view! {
        <div class="fixed inset-0 z-40">
            <div class="absolute inset-0 bg-slate-900/30" aria-hidden="true" on:click=move |_| on_close.run(())></div>
            <div
                role="dialog"
                aria-modal="true"
                aria-labelledby="drawer-title"
                class="absolute inset-y-0 right-0 flex w-full max-w-xl flex-col bg-white shadow-xl ring-1 ring-slate-200"
            >
                <div class="flex items-start justify-between gap-4 border-b border-slate-200 px-5 py-4">
                    <h2 id="drawer-title" class="text-lg font-semibold text-slate-900">{move || title.get()}</h2>
                    <button type="button" node_ref=close_button class=BTN_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                </div>
                <div class="flex-1 overflow-y-auto px-5 py-5">{children()}</div>
            </div>
        </div>
    }
}

fn loading(what: &'static str) -> impl IntoView {
    view! { <p role="status" class="text-sm text-slate-500">{what}</p> }
}

fn failed(e: AppError) -> impl IntoView {
    view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }
}

/// The audit page's panel: the event of `event=`, or the timeline of
/// `timeline=` (over the event it was opened from, if any).
#[component]
pub fn AuditDrawer(s: AuditState) -> impl IntoView {
    let shown = move || s.event.get().is_some() || s.timeline.get().is_some();
    let title = Signal::derive(move || {
        if s.timeline.get().is_some() {
            "Impersonation timeline".to_string()
        } else {
            "Event details".to_string()
        }
    });
    let close = Callback::new(move |_| s.go.run(s.with_event(None)));
    let back = move || {
        s.event.get().map(|_| {
            let href = s.with_event(s.event.get_untracked().as_deref());
            view! {
                <A href=href scroll=false attr:class=format!("mb-4 inline-block text-sm {LINK}")>"← Back to the event"</A>
            }
        })
    };
    view! {
        <Show when=shown>
            <Drawer title=title on_close=close>
                <Show
                    when=move || s.timeline.get().is_some()
                    fallback=move || view! {
                        <Transition fallback=|| loading("Loading the event…")>
                            {move || Suspend::new(async move {
                                match s.detail.await {
                                    Ok(Some(d)) => view! { <EventDetail detail=d s=s /> }.into_any(),
                                    Ok(None) => ().into_any(),
                                    Err(e) => failed(e).into_any(),
                                }
                            })}
                        </Transition>
                    }
                >
                    {back}
                    <Transition fallback=|| loading("Loading the timeline…")>
                        {move || Suspend::new(async move {
                            match s.timeline_steps.await {
                                Ok(Some(t)) => {
                                    let on_event = Callback::new(move |id: String| s.go.run(s.with_event(Some(&id))));
                                    view! { <TimelineView timeline=t on_event=on_event /> }.into_any()
                                }
                                Ok(None) => ().into_any(),
                                Err(e) => failed(e).into_any(),
                            }
                        })}
                    </Transition>
                </Show>
            </Drawer>
        </Show>
    }
}

/// A term and its value in the event's list.
fn fact(term: &'static str, value: impl IntoView + 'static) -> impl IntoView {
    view! {
        <div class="grid grid-cols-1 gap-1 py-2.5 sm:grid-cols-[9rem_minmax(0,1fr)] sm:gap-3">
            <dt class="text-sm text-slate-500">{term}</dt>
            <dd class="min-w-0 text-sm text-slate-900">{value}</dd>
        </div>
    }
}

fn or_dash(v: &str) -> String {
    if v.is_empty() {
        "—".into()
    } else {
        v.to_string()
    }
}

/// A name with its id below it (the id alone when they are the same).
fn named(name: &str, id: &str, kind: &str) -> impl IntoView {
    let extra = [
        (id != name && !id.is_empty()).then(|| id.to_string()),
        (!kind.is_empty()).then(|| kind.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <span class="block break-words">{or_dash(name)}</span>
        {(!extra.is_empty()).then(|| view! { <span class="block break-all font-mono text-xs text-slate-500">{extra}</span> })}
    }
}

#[component]
fn EventDetail(detail: AuditDetail, s: AuditState) -> impl IntoView {
    let r = detail.row.clone();
    let imp = r.impersonation_id.clone();
    let hash_v = match detail.hash_v {
        1 => "1: the fields recorded before names and outcomes".to_string(),
        2 => "2: every field".to_string(),
        v => v.to_string(),
    };
    let impersonation = (!imp.is_empty()).then(|| {
        let timeline = s.with_timeline(&imp);
        let only = format!("/audit?impersonation={}", urlencode(&imp));
        view! {
            <span class="block break-all font-mono text-xs">{imp.clone()}</span>
            <span class="mt-2 flex flex-wrap items-center gap-3">
                <A href=timeline scroll=false attr:class=BTN_PRIMARY>"View impersonation timeline"</A>
                <A href=only attr:class=format!("text-sm {LINK}")>"All its events in the list"</A>
            </span>
        }
    });
    view! {
        <div data-testid="event-detail">
            <div class="flex flex-wrap items-center gap-2">
                <p class="text-base font-semibold text-slate-900">{r.action.clone()}</p>
                {outcome_badge(&r.outcome)}
            </div>
            <p class="mt-1 text-sm text-slate-600"><time datetime=iso(r.at)>{datetime_secs(r.at)}</time></p>
            <dl class="mt-4 divide-y divide-slate-100 border-y border-slate-100">
                {fact("Action", view! { <span class="block">{r.action.clone()}</span><code class="font-mono text-xs text-slate-500">{r.event_type.clone()}</code> })}
                {fact("Outcome", view! {
                    {outcome_badge(&r.outcome)}
                    {(!r.reason_code.is_empty()).then(|| view! { <code class="ml-2 font-mono text-xs text-slate-700">{r.reason_code.clone()}</code> })}
                })}
                {fact("Actor", named(&r.actor, &r.actor_id, &r.actor_type))}
                {fact("Target", named(&r.target, &r.target_id, &r.target_type))}
                {fact("Application", named(&r.app, &r.client_id, ""))}
                {impersonation.map(|v| fact("Impersonation", v))}
                {fact("Reason", view! { <span class="block whitespace-pre-wrap break-words">{or_dash(&r.reason)}</span> })}
                {fact("Ticket", or_dash(&r.ticket))}
                {fact("IP address", view! { <span class="font-mono text-xs">{or_dash(&r.ip)}</span> })}
                {fact("User agent", view! { <span class="block break-words text-xs">{or_dash(&detail.user_agent)}</span> })}
                {fact("Sequence", format!("#{}", r.seq))}
                {fact("Event ID", view! { <span class="block break-all font-mono text-xs">{r.id.clone()}</span> })}
                {fact("Hash version", hash_v)}
                {fact("Hash", view! { <span class="block break-all font-mono text-xs">{or_dash(&detail.hash)}</span> })}
                {fact("Previous hash", view! { <span class="block break-all font-mono text-xs">{or_dash(&detail.prev_hash)}</span> })}
            </dl>
            <h3 class="mt-5 text-sm font-semibold text-slate-900">"Details"</h3>
            <pre data-testid="event-data" class="mt-2 max-h-96 overflow-auto rounded-md bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100">{detail.data.clone()}</pre>
        </div>
    }
}

/// An impersonation's steps in order, with the time between them ("after
/// 12 s"). `on_event` opens a step's event; without it each step links to
/// it in the audit log.
#[component]
pub fn TimelineView(
    timeline: TimelineDto,
    #[prop(optional)] on_event: Option<Callback<String>>,
) -> impl IntoView {
    let total = match (timeline.steps.first(), timeline.steps.last()) {
        (Some(a), Some(b)) if timeline.steps.len() > 1 => Some(span(b.row.at - a.row.at)),
        _ => None,
    };
    let steps = timeline.steps.len();
    let imp = timeline.impersonation_id.clone();
    view! {
        <div data-testid="timeline">
            <p class="text-sm text-slate-900">
                <strong class="font-semibold">{or_dash(&timeline.impersonator)}</strong>
                " signed in as "
                <strong class="font-semibold">{or_dash(&timeline.user)}</strong>
                {(!timeline.app.is_empty()).then(|| view! { " into " <strong class="font-semibold">{timeline.app.clone()}</strong> })}
            </p>
            <dl class="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
                <dt class="text-slate-500">"Reason"</dt>
                <dd class="break-words text-slate-900">{or_dash(&timeline.reason)}</dd>
                <dt class="text-slate-500">"Ticket"</dt>
                <dd class="text-slate-900">{or_dash(&timeline.ticket)}</dd>
                <dt class="text-slate-500">"Impersonation"</dt>
                <dd class="break-all font-mono text-xs leading-5 text-slate-700">{imp.clone()}</dd>
            </dl>
            <p class="mt-3 text-sm text-slate-600">
                {match (steps, total) {
                    (1, _) => "1 step".to_string(),
                    (n, Some(t)) => format!("{n} steps over {t}"),
                    (n, None) => format!("{n} steps"),
                }}
            </p>
            <ol class="mt-4" aria-label="Steps, oldest first">
                {timeline.steps.into_iter().enumerate().map(|(i, step)| {
                    let r = step.row;
                    let last = i + 1 == steps;
                    let dot = match r.outcome.as_str() {
                        "denied" => "bg-red-600",
                        "failure" => "bg-amber-600",
                        _ => "bg-indigo-600",
                    };
                    let id = r.id.clone();
                    let open = match on_event {
                        Some(cb) => view! {
                            <button type="button" class=format!("text-xs {LINK}") aria-label=format!("Details of {}", r.action) on:click=move |_| cb.run(id.clone())>"Details"</button>
                        }.into_any(),
                        None => view! {
                            <A href=format!("/audit?impersonation={}&event={}", urlencode(&imp), urlencode(&id)) attr:class=format!("text-xs {LINK}")>"Open in the audit log"</A>
                        }.into_any(),
                    };
                    view! {
                        <li class="relative flex gap-3 pb-5" data-testid="timeline-step">
                            {(!last).then(|| view! { <span aria-hidden="true" class="absolute left-[7px] top-5 h-full w-0.5 bg-slate-200"></span> })}
                            <span aria-hidden="true" class=format!("relative mt-1 h-4 w-4 shrink-0 rounded-full ring-4 ring-white {dot}")></span>
                            <div class="min-w-0 flex-1">
                                <div class="flex flex-wrap items-center gap-x-2 gap-y-1">
                                    <span class="font-medium text-slate-900">{r.action.clone()}</span>
                                    {(r.outcome != "success").then(|| outcome_badge(&r.outcome))}
                                    <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700" data-testid="timeline-after">
                                        {if i == 0 { "start".to_string() } else { format!("after {}", span(step.after_secs)) }}
                                    </span>
                                </div>
                                <p class="mt-0.5 text-xs text-slate-500">
                                    <time datetime=iso(r.at)>{datetime_secs(r.at)}</time>
                                    {(!r.actor.is_empty()).then(|| format!(" · by {}", r.actor))}
                                    {(!r.ip.is_empty()).then(|| format!(" · {}", r.ip))}
                                </p>
                                {(!r.reason_code.is_empty()).then(|| view! { <p class="mt-0.5 font-mono text-xs text-slate-600">{r.reason_code.clone()}</p> })}
                                <div class="mt-1">{open}</div>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </div>
    }
}

/// The timeline of one impersonation in a panel, loaded when it opens
/// (made on a click, in the browser): for a user's Impersonation history.
#[component]
pub fn TimelineDrawer(impersonation_id: String, on_close: Callback<()>) -> impl IntoView {
    let id = impersonation_id.clone();
    let steps = LocalResource::new(move || audit_timeline(id.clone()));
    view! {
        <Drawer title="Impersonation timeline" on_close=on_close>
            <Suspense fallback=|| loading("Loading the timeline…")>
                {move || Suspend::new(async move {
                    match steps.await {
                        Ok(t) => view! { <TimelineView timeline=t /> }.into_any(),
                        Err(AppError::NotFound(_)) => view! {
                            <p class="text-sm text-slate-600">"No audit event names this impersonation (it may be older than the audit log's impersonation ids)."</p>
                        }.into_any(),
                        Err(e) => failed(e).into_any(),
                    }
                })}
            </Suspense>
            <p class="mt-2 text-sm">
                <A href=format!("/audit?impersonation={}", urlencode(&impersonation_id)) attr:class=LINK>"All its events in the audit log"</A>
            </p>
        </Drawer>
    }
}
