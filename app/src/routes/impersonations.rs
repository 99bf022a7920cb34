//! Impersonations: the live ones across the tenant, with Revoke, and one
//! user's history on their page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::access::{gated, needs, use_me, RequirePermission};
use crate::components::dialog::ConfirmDialog;
use crate::components::format::datetime;
use crate::components::permitted::LookOnlyNote;
use crate::components::toast::use_toasts;
use crate::components::ui::{BADGE_GREEN, BADGE_INDIGO, BADGE_RED, BADGE_SLATE, H1};
use crate::dto::ImpersonationRow;
use crate::error::AppError;
use crate::functions::impersonation::{
    impersonation_history, live_impersonations, RevokeImpersonation,
};
use crate::routes::audit::TimelineDrawer;

fn status_badge(status: &str) -> impl IntoView {
    let (class, label) = match status {
        "active" => (BADGE_GREEN, "Active"),
        "pending" => (BADGE_INDIGO, "Not opened yet"),
        "expired" => (BADGE_SLATE, "Expired unused"),
        "ended" => (BADGE_SLATE, "Ended"),
        "denied" => (BADGE_RED, "Denied"),
        "revoked" => (BADGE_RED, "Revoked"),
        _ => (BADGE_SLATE, "Unknown"),
    };
    view! { <span class=class>{label}</span> }
}

fn delivery(r: &ImpersonationRow) -> String {
    let mode = match r.response_mode.as_str() {
        "form_post" => "POST",
        "app_initiated" => "app-initiated",
        "fragment" => "fragment",
        _ => "query",
    };
    format!("{} · {mode}", r.response_type)
}

/// A table of impersonations. `show_user` adds the impersonated user's
/// column (the tenant-wide list); `revoke` adds a Revoke button to rows
/// that can still be revoked.
#[component]
fn ImpersonationTable(
    rows: Vec<ImpersonationRow>,
    #[prop(optional)] show_user: bool,
    revoke: Option<Callback<(String, String)>>,
    /// Why Revoke is off for this viewer, if it is.
    #[prop(optional, into)]
    revoke_needs: Signal<Option<String>>,
    /// Adds a Timeline button to each row, opening that impersonation's
    /// steps from the audit log (those holding audit:read).
    #[prop(optional)]
    timeline: Option<Callback<String>>,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-4 py-3">{if show_user { "User and impersonator" } else { "Impersonator" }}</th>
                        <th scope="col" class="px-4 py-3">"Application"</th>
                        <th scope="col" class="px-4 py-3">"Reason"</th>
                        <th scope="col" class="px-4 py-3">"When"</th>
                        <th scope="col" class="px-4 py-3">"Status"</th>
                        {(revoke.is_some() || timeline.is_some()).then(|| view! { <th scope="col" class="px-4 py-3"><span class="sr-only">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|r| {
                        let revocable = matches!(r.status.as_str(), "active" | "pending");
                        let id = r.id.clone();
                        let timeline_id = r.id.clone();
                        let timeline_label = format!("Timeline of the impersonation by {} on {}", r.actor_email, datetime(r.created_at));
                        let who = r.target_email.clone();
                        let user_link = format!("/users/{}", r.target_id);
                        let user_email = r.target_email.clone();
                        view! {
                            <tr class="align-top">
                                <td class="px-4 py-3">
                                    {show_user.then(|| view! {
                                        <A href=user_link attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{user_email}</A>
                                    })}
                                    <div class=if show_user { "text-xs text-slate-500" } else { "text-slate-700" }>
                                        {if show_user { format!("by {}", r.actor_email) } else { r.actor_email.clone() }}
                                    </div>
                                </td>
                                <td class="px-4 py-3">
                                    <div class="text-slate-900">{r.app_name.clone()}</div>
                                    <div class="text-xs text-slate-500">{delivery(&r)}</div>
                                </td>
                                <td class="min-w-40 max-w-xs px-4 py-3 text-slate-700">
                                    <div class="break-words">{if r.reason.is_empty() { "—".to_string() } else { r.reason.clone() }}</div>
                                    {(!r.ticket.is_empty()).then(|| view! { <div class="text-xs text-slate-500">{format!("Ticket {}", r.ticket)}</div> })}
                                </td>
                                // Only the dates stay on one line: the whole cell on one
                                // line pushed Revoke out of sight on a 1280-pixel screen.
                                <td class="px-4 py-3 text-slate-700">
                                    <div class="whitespace-nowrap">{datetime(r.created_at)}</div>
                                    {(r.session_expires_at > 0).then(|| view! {
                                        <div class="text-xs text-slate-500">"session ends "<span class="whitespace-nowrap">{datetime(r.session_expires_at)}</span></div>
                                    })}
                                </td>
                                <td class="whitespace-nowrap px-4 py-3">
                                    {status_badge(&r.status)}
                                    {(!r.denied_reason.is_empty()).then(|| view! { <div class="mt-1 font-mono text-xs text-slate-500">{r.denied_reason.clone()}</div> })}
                                </td>
                                {timeline.map(|cb| view! {
                                    <td class="px-4 py-3 text-right">
                                        <button
                                            type="button"
                                            class="rounded-md px-2.5 py-1 text-xs font-semibold text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50"
                                            aria-label=timeline_label
                                            on:click=move |_| cb.run(timeline_id.clone())
                                        >
                                            "Timeline"
                                        </button>
                                    </td>
                                })}
                                {revoke.map(|cb| view! {
                                    <td class="px-4 py-3 text-right">
                                        {revocable.then(|| view! {
                                            <button
                                                type="button"
                                                class="rounded-md bg-red-600 px-2.5 py-1 text-xs font-semibold text-white shadow-sm hover:bg-red-500 disabled:cursor-not-allowed disabled:opacity-50"
                                                disabled=move || revoke_needs.get().is_some()
                                                title=move || revoke_needs.get()
                                                aria-describedby=move || revoke_needs.get().map(|_| "revoke-needs")
                                                on:click=move |_| cb.run((id.clone(), who.clone()))
                                            >
                                                "Revoke"
                                            </button>
                                        })}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The "Impersonation history" tab of a user's page; with audit:read,
/// each row opens its timeline from the audit log.
#[component]
pub fn ImpersonationHistory(user_id: String) -> impl IntoView {
    let history = Resource::new(move || user_id.clone(), impersonation_history);
    let me = use_me();
    let open = RwSignal::new(None::<String>);
    let show_timeline = Callback::new(move |id: String| open.set(Some(id)));
    let close = Callback::new(move |_| open.set(None));
    view! {
        {move || open.get().map(|id| view! { <TimelineDrawer impersonation_id=id on_close=close /> })}
        <Suspense fallback=|| view! { <p class="text-sm text-slate-500">"Loading history…"</p> }>
            {move || Suspend::new(async move {
                match history.await {
                    Ok(rows) if rows.is_empty() => view! {
                        <p class="rounded-lg bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">"Nobody has signed in as this user."</p>
                    }.into_any(),
                    Ok(rows) => {
                        if me.holds("audit:read").await {
                            view! { <ImpersonationTable rows=rows revoke=None timeline=show_timeline /> }.into_any()
                        } else {
                            view! { <ImpersonationTable rows=rows revoke=None /> }.into_any()
                        }
                    }
                    Err(e) => view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Links not yet opened and impersonated sessions still running.
#[component]
pub fn ImpersonationsPage() -> impl IntoView {
    let revoke = ServerAction::<RevokeImpersonation>::new();
    let live = gated(
        "impersonation:read",
        move || revoke.version().get(),
        |_| live_impersonations(),
    );
    view! {
        <RequirePermission permission="impersonation:read">
            <LiveImpersonations revoke=revoke live=live />
        </RequirePermission>
    }
}

#[component]
fn LiveImpersonations(
    revoke: ServerAction<RevokeImpersonation>,
    live: Resource<Result<Vec<ImpersonationRow>, AppError>>,
) -> impl IntoView {
    let toasts = use_toasts();
    let revoke_needs = needs("impersonation:revoke");
    let confirm = RwSignal::new(false);
    let chosen = RwSignal::new((String::new(), String::new()));
    Effect::new(move |_| match revoke.value().get() {
        Some(Ok(())) => {
            confirm.set(false);
            toasts.success("Impersonation revoked; its tokens no longer work");
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let ask = Callback::new(move |(id, who): (String, String)| {
        chosen.set((id, who));
        confirm.set(true);
    });
    view! {
        <Title text="Impersonations · Masquerade" />
        <h1 class=H1>"Impersonations"</h1>
        <p class="mt-1 max-w-2xl text-sm text-slate-600">
            "Sign in as User links not yet opened, and impersonated sessions still running. Revoking stops their tokens at /userinfo and introspection at once and blocks refresh."
        </p>
        <LookOnlyNote permission="impersonation:revoke" lead="You can see these but not revoke them: revoking" id="revoke-needs" />
        <div class="mt-6">
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match live.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="rounded-lg bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">"No impersonation is active."</p>
                        }.into_any(),
                        Ok(rows) => view! { <ImpersonationTable rows=rows show_user=true revoke=Some(ask) revoke_needs=revoke_needs /> }.into_any(),
                        Err(e) => view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <ConfirmDialog
            open=confirm
            title=Signal::derive(move || format!("Revoke the impersonation of {}?", chosen.get().1))
            body="The application's tokens from it stop working now, and it cannot be refreshed. The administrator's own session is not affected."
            confirm_label="Revoke"
            pending=revoke.pending()
            on_confirm=move || { revoke.dispatch(RevokeImpersonation { id: chosen.get_untracked().0 }); }
        />
    }
}
