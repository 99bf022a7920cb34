//! The two lists of Account activity: impersonations of the person's
//! account, and their own sign-ins. Times read "5 min ago", with the exact
//! time on hover (and for screen readers, in `<time datetime>`).

use leptos::prelude::*;

use crate::components::format::{datetime_secs, iso, relative, span};
use crate::components::ui::{BADGE_AMBER, BADGE_GREEN, BADGE_RED, BADGE_SLATE, CARD, H2};
use crate::dto::{AccountImpersonationRow, SignInRow};

const TH: &str =
    "px-4 py-2.5 text-left text-xs font-semibold uppercase tracking-wide text-slate-600";
const TD: &str = "px-4 py-3 align-top text-sm text-slate-800";

/// "5 min ago", exact on hover.
fn when(now: i64, at: i64) -> impl IntoView {
    view! {
        <time datetime=iso(at) title=datetime_secs(at) class="whitespace-nowrap">{relative(now, at)}</time>
    }
}

/// "a support agent" at the start of a cell.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn ending(r: &AccountImpersonationRow) -> impl IntoView {
    let (class, label, title) = match r.ending.as_str() {
        "ongoing" => (BADGE_GREEN, "Still signed in", None),
        "revoked" => (BADGE_AMBER, "Ended early", Some(r.ended_at)),
        "refused" => (BADGE_RED, "Stopped by policy", None),
        _ => (BADGE_SLATE, "Ended", Some(r.ended_at)),
    };
    let title = title
        .filter(|t| *t > 0)
        .map(|t| format!("Ended {}", datetime_secs(t)));
    view! { <span class=class title=title>{label}</span> }
}

#[component]
pub fn ImpersonationsOfMe(rows: Vec<AccountImpersonationRow>, now: i64) -> impl IntoView {
    let count = rows.len();
    let body = if rows.is_empty() {
        view! {
            <div class="mt-4 rounded-md border border-dashed border-slate-300 px-6 py-8 text-center">
                <p class="text-sm font-medium text-slate-900">"No one has signed in as you"</p>
                <p class="mt-1 text-sm text-slate-600">"If a support agent signs in to an application as you, it is listed here."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="mt-4 overflow-x-auto">
                <table class="min-w-full divide-y divide-slate-200" aria-labelledby="impersonations-heading" data-testid="impersonations-of-me">
                    <thead class="bg-slate-50">
                        <tr>
                            <th scope="col" class=TH>"Who"</th>
                            <th scope="col" class=TH>"Application"</th>
                            <th scope="col" class=TH>"Reason"</th>
                            <th scope="col" class=TH>"When"</th>
                            <th scope="col" class=TH>"How long"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {rows.into_iter().map(|r| impersonation_row(r, now)).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class=format!("mt-6 {CARD}") aria-labelledby="impersonations-heading">
            <h2 id="impersonations-heading" class=H2>"Signed in as you"</h2>
            <p class="mt-1 text-sm text-slate-600">
                {if count == 0 {
                    "Times someone else signed in to an application as you.".to_string()
                } else {
                    match count {
                        1 => "Once, someone else signed in to an application as you.".to_string(),
                        n => format!("{n} times, someone else signed in to an application as you. Newest first."),
                    }
                }}
            </p>
            {body}
        </section>
    }
}

fn impersonation_row(r: AccountImpersonationRow, now: i64) -> impl IntoView {
    let who_class = if r.named {
        "font-medium text-slate-900"
    } else {
        "text-slate-800"
    };
    let lasted = (r.duration_secs >= 0).then(|| span(r.duration_secs));
    let so_far = r.ending == "ongoing";
    view! {
        <tr data-testid="impersonation-of-me">
            <td class=TD><span class=who_class>{capitalised(&r.who)}</span></td>
            <td class=TD>
                <div class="font-medium text-slate-900">{r.application.clone()}</div>
                {r.read_only.then(|| view! { <div class="mt-1 text-xs text-slate-600">"Could only look, not change anything"</div> })}
            </td>
            <td class=format!("{TD} max-w-xs")>
                {if r.reason.trim().is_empty() {
                    view! { <span class="text-slate-500">"No reason given"</span> }.into_any()
                } else {
                    view! { <p class="break-words">{r.reason.clone()}</p> }.into_any()
                }}
                {(!r.ticket.is_empty()).then(|| view! {
                    <p class="mt-1 text-xs text-slate-600">"Ticket " <span class="font-mono">{r.ticket.clone()}</span></p>
                })}
            </td>
            <td class=TD>{when(now, r.started_at)}</td>
            <td class=TD>
                <div class="flex flex-col items-start gap-1">
                    {lasted.map(|l| view! { <span class="whitespace-nowrap">{if so_far { format!("{l} so far") } else { l }}</span> })}
                    {ending(&r)}
                </div>
            </td>
        </tr>
    }
}

#[component]
pub fn MySignIns(rows: Vec<SignInRow>, now: i64) -> impl IntoView {
    let body = if rows.is_empty() {
        view! { <p class="mt-4 text-sm text-slate-600">"No sign-ins recorded yet."</p> }.into_any()
    } else {
        view! {
            <div class="mt-4 overflow-x-auto">
                <table class="min-w-full divide-y divide-slate-200" aria-labelledby="sign-ins-heading" data-testid="my-sign-ins">
                    <thead class="bg-slate-50">
                        <tr>
                            <th scope="col" class=TH>"When"</th>
                            <th scope="col" class=TH>"Browser"</th>
                            <th scope="col" class=TH>"IP address"</th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-slate-100">
                        {rows.into_iter().map(|s| view! {
                            <tr data-testid="sign-in">
                                <td class=TD>{when(now, s.at)}</td>
                                <td class=TD>{if s.device.is_empty() { "Unknown browser".to_string() } else { s.device }}</td>
                                <td class=format!("{TD} font-mono")>{if s.ip.is_empty() { "—".to_string() } else { s.ip }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class=format!("mt-6 {CARD}") aria-labelledby="sign-ins-heading">
            <h2 id="sign-ins-heading" class=H2>"Your sign-ins"</h2>
            <p class="mt-1 text-sm text-slate-600">"Each time you signed in with your password, newest first."</p>
            {body}
        </section>
    }
}
