//! The events that match: how many, the chart, the table (cards on a
//! narrow screen) and the pages.

use leptos::prelude::*;
use leptos_router::components::A;

use super::chart::AuditChartView;
use super::{audit_href, AuditState};
use crate::components::format::{datetime_secs, grouped, iso, relative};
use crate::components::ui::{
    BADGE_AMBER, BADGE_GREEN, BADGE_RED, BADGE_SLATE, BTN_SECONDARY, CARD, LINK,
};
use crate::dto::{outcome_label, AuditPageDto, AuditRow};
use crate::error::AppError;

pub fn outcome_badge(outcome: &str) -> impl IntoView {
    let class = match outcome {
        "success" => BADGE_GREEN,
        "denied" => BADGE_RED,
        "failure" => BADGE_AMBER,
        _ => BADGE_SLATE,
    };
    view! { <span class=class>{outcome_label(outcome)}</span> }
}

/// "1,234 events", or "More than 10,000 events" when the count stopped.
pub fn total_words(total: i64, more: bool) -> String {
    match (total, more) {
        (n, true) => format!("More than {} events", grouped(n)),
        (1, false) => "1 event".into(),
        (n, false) => format!("{} events", grouped(n)),
    }
}

/// What a filter's field is called on the page, for a message about it.
fn field_label(field: &str) -> &'static str {
    match field {
        "actor" | "actor_id" => "Actor",
        "target" | "target_id" => "Target",
        "app" | "client_id" => "Application",
        "action" | "event_types" => "Action",
        "outcome" => "Outcome",
        "range" => "Date range",
        "from" => "From",
        "to" => "To",
        "ip" => "IP address",
        "q" | "text" => "Reason or ticket",
        "impersonation" | "impersonation_id" => "Impersonation",
        _ => "Filter",
    }
}

fn load_error(e: AppError) -> impl IntoView {
    let problems = match &e {
        AppError::Invalid(list) => list
            .iter()
            .map(|p| format!("{}: {}", field_label(&p.field), p.message))
            .collect(),
        _ => Vec::new(),
    };
    view! {
        <div role="alert" class="mt-6 rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-inset ring-red-200">
            {if problems.is_empty() {
                view! { <p>{format!("The events could not be loaded. {e}")}</p> }.into_any()
            } else {
                view! {
                    <p class="font-semibold">"Some filters in the address cannot be used:"</p>
                    <ul class="mt-2 list-disc pl-5">
                        {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <A href="/audit" attr:class=format!("mt-3 inline-block {LINK}")>"Clear all filters"</A>
        </div>
    }
}

#[component]
pub fn Results(s: AuditState) -> impl IntoView {
    let (pending, set_pending) = signal(false);
    view! {
        <Transition
            fallback=|| view! { <p role="status" class="mt-6 text-sm text-slate-500">"Loading events…"</p> }
            set_pending=set_pending
        >
            {move || Suspend::new(async move {
                match s.page.await {
                    Err(e) => load_error(e).into_any(),
                    Ok(page) => view! { <ResultsView s=s page=page pending=pending /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ResultsView(s: AuditState, page: AuditPageDto, pending: ReadSignal<bool>) -> impl IntoView {
    let params = s.params.get_untracked();
    let before = s.before.get_untracked();
    let filtered = !params.is_empty();
    let summary = total_words(page.total, page.more);
    let shown = page.rows.len() as i64;
    let where_ = match before {
        None if shown == 0 || (shown == page.total && !page.more) => String::new(),
        None => format!(" · showing the newest {shown}"),
        Some(_) => format!(" · showing {shown} older"),
    };
    let newer = before.map(|_| audit_href(&params, None, None, None));
    let older = page.next.map(|n| audit_href(&params, Some(n), None, None));
    let now = page.now;
    let empty = page.rows.is_empty();
    let rows = StoredValue::new(page.rows);
    view! {
        <AuditChartView chart=page.chart />
        <div class=move || if pending.get() { "opacity-60 transition-opacity" } else { "transition-opacity" }>
            <p class="mt-6 text-sm text-slate-600" role="status" data-testid="audit-total">
                <span class="font-semibold text-slate-900">{summary}</span>{where_}
            </p>
            {if empty {
                view! {
                    <div class=format!("mt-2 text-center {CARD}")>
                        <p class="text-sm font-medium text-slate-900">
                            {if filtered { "No events match these filters." } else { "The audit log has no events yet." }}
                        </p>
                        {filtered.then(|| view! {
                            <p class="mt-1 text-sm text-slate-600">
                                "Try a longer date range, or "
                                <A href="/audit" attr:class=LINK>"clear all filters"</A> "."
                            </p>
                        })}
                    </div>
                }.into_any()
            } else {
                view! {
                    <EventTable s=s rows=rows now=now />
                    <EventCards s=s rows=rows now=now />
                }.into_any()
            }}
            {(newer.is_some() || older.is_some()).then(|| view! {
                <nav aria-label="Pages of events" class="mt-4 flex items-center justify-between gap-3">
                    {match newer.clone() {
                        Some(h) => view! { <A href=h attr:class=BTN_SECONDARY>"← Newest"</A> }.into_any(),
                        None => view! { <button type="button" class=BTN_SECONDARY disabled>"← Newest"</button> }.into_any(),
                    }}
                    {match older.clone() {
                        Some(h) => view! { <A href=h attr:class=BTN_SECONDARY>"Older →"</A> }.into_any(),
                        None => view! { <button type="button" class=BTN_SECONDARY disabled>"Older →"</button> }.into_any(),
                    }}
                </nav>
            })}
        </div>
    }
}

/// "5 min ago", the exact time on hover.
fn when(now: i64, at: i64) -> impl IntoView {
    view! {
        <time datetime=iso(at) title=datetime_secs(at) class="whitespace-nowrap">{relative(now, at)}</time>
    }
}

/// What kind of actor or target, when it is not a person.
fn kind_note(kind: &str) -> Option<&'static str> {
    match kind {
        "application" => Some("application"),
        "role" => Some("role"),
        "api" => Some("API"),
        "connection" => Some("connection"),
        "impersonation" => Some("impersonation"),
        "request" => Some("approval request"),
        "settings" => Some("settings"),
        "signing_keys" => Some("signing keys"),
        _ => None,
    }
}

/// A name that may wrap before the `@` of an email, and nowhere else
/// unless it must.
pub fn breakable(name: &str) -> impl IntoView {
    match name.split_once('@') {
        Some((local, domain)) => {
            view! { {local.to_string()}<wbr />{format!("@{domain}")} }.into_any()
        }
        None => name.to_string().into_any(),
    }
}

fn party(name: &str, kind: &str) -> impl IntoView {
    let note = kind_note(kind);
    view! {
        {if name.is_empty() {
            view! { <span class="text-slate-400">"—"</span> }.into_any()
        } else {
            view! { <span class="block break-words text-slate-900">{breakable(name)}</span> }.into_any()
        }}
        {note.map(|n| view! { <span class="block text-xs text-slate-500">{n}</span> })}
    }
}

fn details_label(r: &AuditRow, now: i64) -> String {
    format!("Details: {}, {}", r.action, relative(now, r.at))
}

#[component]
fn EventTable(s: AuditState, rows: StoredValue<Vec<AuditRow>>, now: i64) -> impl IntoView {
    view! {
        <div class="mt-2 hidden overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 md:block">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <caption class="sr-only">"Audit events, newest first"</caption>
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-3 py-3">"Time"</th>
                        <th scope="col" class="px-3 py-3">"Actor"</th>
                        <th scope="col" class="px-3 py-3">"Action"</th>
                        <th scope="col" class="px-3 py-3">"Target"</th>
                        <th scope="col" class="px-3 py-3">"Application"</th>
                        <th scope="col" class="px-3 py-3">"Outcome"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.get_value().into_iter().map(|r| {
                        let href = s.with_event(Some(&r.id));
                        let label = details_label(&r, now);
                        let id = r.id.clone();
                        let open = move || s.event.get().as_deref() == Some(id.as_str());
                        view! {
                            <tr class=move || if open() { "bg-indigo-50 align-top" } else { "align-top hover:bg-slate-50" } data-testid="audit-row">
                                <td class="whitespace-nowrap px-3 py-3 text-slate-700">{when(now, r.at)}</td>
                                <td class="px-3 py-3">{party(&r.actor, if r.actor_type == "user" { "" } else { &r.actor_type })}</td>
                                // The action opens the event's panel.
                                <td class="min-w-40 px-3 py-3">
                                    <A href=href attr:class="font-medium text-indigo-700 hover:text-indigo-900 hover:underline" attr:aria-label=label scroll=false>
                                        {r.action.clone()}
                                    </A>
                                    {(!r.reason_code.is_empty()).then(|| view! { <span class="block font-mono text-xs text-slate-500">{r.reason_code.clone()}</span> })}
                                </td>
                                <td class="px-3 py-3">{party(&r.target, if r.target_type == "user" { "" } else { &r.target_type })}</td>
                                <td class="px-3 py-3 text-slate-700">
                                    {if r.app.is_empty() {
                                        view! { <span class="text-slate-400">"—"</span> }.into_any()
                                    } else {
                                        view! { <span class="block break-words">{r.app.clone()}</span> }.into_any()
                                    }}
                                </td>
                                <td class="whitespace-nowrap px-3 py-3">{outcome_badge(&r.outcome)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The same events on a narrow screen: one card each.
#[component]
fn EventCards(s: AuditState, rows: StoredValue<Vec<AuditRow>>, now: i64) -> impl IntoView {
    view! {
        <ul role="list" aria-label="Audit events, newest first" class="mt-2 divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200 md:hidden">
            {rows.get_value().into_iter().map(|r| {
                let href = s.with_event(Some(&r.id));
                let label = details_label(&r, now);
                view! {
                    <li class="px-4 py-3">
                        <div class="flex items-start justify-between gap-3">
                            <div class="min-w-0">
                                <p class="font-medium text-slate-900">{r.action.clone()}</p>
                                <p class="mt-0.5 break-words text-sm text-slate-700">
                                    {r.actor.clone()}
                                    {(!r.target.is_empty()).then(|| view! { <span class="text-slate-500">" → "</span>{r.target.clone()} })}
                                </p>
                                <p class="mt-0.5 text-xs text-slate-500">
                                    {when(now, r.at)}
                                    {(!r.app.is_empty()).then(|| format!(" · {}", r.app))}
                                </p>
                            </div>
                            <div class="flex shrink-0 flex-col items-end gap-2">
                                {outcome_badge(&r.outcome)}
                                <A href=href attr:class="text-sm font-medium text-indigo-700 hover:underline" attr:aria-label=label scroll=false>"Details"</A>
                            </div>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
