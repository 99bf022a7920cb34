//! Approvals: Sign in as User requests that a rule of the requester's role
//! sends to someone else first (four-eyes). Those holding
//! `impersonation:approve` decide the pending ones; everyone who may sign
//! in as users sees their own requests and turns an approved one into its
//! link.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::access::{use_me, MeResource, NoAccessToPage};
use crate::components::format::datetime;
use crate::components::impersonate::{LinkResult, StepUpPrompt};
use crate::components::layout::ApprovalBadge;
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_GREEN, BADGE_INDIGO, BADGE_RED, BADGE_SLATE, BTN_PRIMARY, BTN_SECONDARY, CARD, H1, H2,
    INPUT, LABEL,
};
use crate::dto::ApprovalRow;
use crate::error::AppError;
use crate::functions::impersonation::{CreateImpersonationLink, LinkForm};
use crate::functions::policy::{my_requests, pending_approvals, DecideRequest};

type Rows = Resource<Result<Vec<ApprovalRow>, AppError>>;

/// Whether the person may see their own requests: Sign in as User for
/// some application.
async fn may_request(me: MeResource) -> bool {
    me.0.await
        .ok()
        .flatten()
        .is_some_and(|m| m.may_impersonate())
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    // Made here, outside any Suspense (see `access::gated`).
    let me = use_me();
    let pending = Resource::new(
        || (),
        move |_| async move {
            if me.holds("impersonation:approve").await {
                pending_approvals().await
            } else {
                Err(AppError::NeedsPermission("impersonation:approve".into()))
            }
        },
    );
    let mine = Resource::new(
        || (),
        move |_| async move {
            if may_request(me).await {
                my_requests().await
            } else {
                Err(AppError::NeedsPermission("impersonation:create".into()))
            }
        },
    );
    view! {
        <Title text="Approvals · Masquerade" />
        <Suspense fallback=|| ()>
            {Suspend::new(async move {
                let person = me.0.await.ok().flatten();
                let approver = person.as_ref().is_some_and(|m| m.has("impersonation:approve"));
                let requester = person.as_ref().is_some_and(|m| m.may_impersonate());
                let my_id = person.map(|m| m.user_id).unwrap_or_default();
                if !approver && !requester {
                    return view! { <NoAccessToPage permission="impersonation:approve" /> }.into_any();
                }
                view! { <Approvals approver=approver requester=requester my_id=my_id pending=pending mine=mine /> }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn Approvals(
    approver: bool,
    requester: bool,
    my_id: String,
    pending: Rows,
    mine: Rows,
) -> impl IntoView {
    view! {
        <h1 class=H1>"Approvals"</h1>
        <p class="mt-1 max-w-2xl text-sm text-slate-600">
            "Some roles' rules send a Sign in as User request to someone else first. An approved request can be turned into its link, once, for a limited time."
        </p>
        {approver.then(|| view! { <Pending rows=pending mine=mine my_id=my_id.clone() /> })}
        {(!approver).then(|| view! {
            <p class="mt-4 inline-block rounded-md bg-slate-100 px-3 py-1.5 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                "Deciding other people's requests needs " <code class="font-mono text-xs text-slate-900">"impersonation:approve"</code> "."
            </p>
        })}
        {requester.then(|| view! { <MyRequests rows=mine /> })}
    }
}

fn mode_badge(mode: &str) -> impl IntoView {
    if mode == "read_only" {
        view! { <span class=BADGE_SLATE>"Read-only"</span> }
    } else {
        view! { <span class=BADGE_INDIGO>"Full access"</span> }
    }
}

fn state_badge(state: &str) -> impl IntoView {
    let (class, label) = match state {
        "pending" => (BADGE_INDIGO, "Waiting for approval"),
        "approved" => (BADGE_GREEN, "Approved"),
        "rejected" => (BADGE_RED, "Rejected"),
        "expired" => (BADGE_SLATE, "Expired"),
        "used" => (BADGE_SLATE, "Link made"),
        _ => (BADGE_SLATE, "Unknown"),
    };
    view! { <span class=class>{label}</span> }
}

/// Reason and ticket, as a small description list.
fn details(r: &ApprovalRow) -> impl IntoView {
    view! {
        <dl class="mt-3 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[auto_minmax(0,1fr)]">
            <dt class="text-slate-500">"Reason"</dt>
            <dd class="break-words text-slate-900">{if r.reason.is_empty() { "—".to_string() } else { r.reason.clone() }}</dd>
            <dt class="text-slate-500">"Ticket"</dt>
            <dd class="text-slate-900">{if r.ticket.is_empty() { "—".to_string() } else { r.ticket.clone() }}</dd>
            <dt class="text-slate-500">"Rule of the role"</dt>
            <dd class="text-slate-900">{r.role_name.clone()}</dd>
        </dl>
    }
}

#[component]
fn Pending(rows: Rows, mine: Rows, my_id: String) -> impl IntoView {
    let my_id = StoredValue::new(my_id);
    view! {
        <section aria-labelledby="pending-title" class="mt-8">
            <h2 id="pending-title" class=H2>"Waiting for a decision"</h2>
            <div class="mt-3">
                <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading requests…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class=format!("text-sm text-slate-600 {CARD}")>"No request waits for a decision."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="space-y-4">
                                    {list.into_iter().map(|r| {
                                        let own = r.actor_id == my_id.get_value();
                                        view! { <PendingCard row=r own=own rows=rows mine=mine /> }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

#[component]
fn PendingCard(row: ApprovalRow, own: bool, rows: Rows, mine: Rows) -> impl IntoView {
    let toasts = use_toasts();
    let badge = use_context::<ApprovalBadge>();
    let note = RwSignal::new(String::new());
    let decide = ServerAction::<DecideRequest>::new();
    Effect::new(move |_| {
        let Some(result) = decide.value().get() else {
            return;
        };
        match result {
            Ok(r) => toasts.success(if r.state == "approved" {
                format!("Approved: {} may now make the link", r.actor_email)
            } else {
                format!("Rejected {}'s request", r.actor_email)
            }),
            // Someone else was quicker, or the request lapsed: the list
            // shows how it stands now.
            Err(e) => toasts.error(e.to_string()),
        }
        rows.refetch();
        mine.refetch();
        if let Some(b) = badge {
            b.0.refetch();
        }
    });
    let id = StoredValue::new(row.id.clone());
    let send = move |approve: bool| {
        decide.dispatch(DecideRequest {
            id: id.get_value(),
            approve,
            note: note.get_untracked(),
        });
    };
    let note_id = format!("note-{}", row.id);
    let title_id = format!("req-{}", row.id);
    let (user_href, target_email) = (
        format!("/users/{}", row.target_id),
        row.target_email.clone(),
    );
    view! {
        <li class=CARD data-testid="pending-request">
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <p id=title_id class="text-sm text-slate-900">
                        <strong class="font-semibold">{row.actor_email.clone()}</strong>
                        " asks to sign in as "
                        <A href=user_href attr:class="font-semibold text-indigo-700 hover:underline">{target_email}</A>
                        " into "
                        <strong class="font-semibold">{row.app_name.clone()}</strong>
                    </p>
                    <p class="mt-0.5 text-xs text-slate-500">{format!("Requested {}", datetime(row.created_at))}</p>
                </div>
                {mode_badge(&row.mode)}
            </div>
            {details(&row)}
            {if own {
                view! {
                    <p class="mt-4 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                        "Your request: someone else must decide."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="mt-4 flex flex-wrap items-end gap-3 border-t border-slate-100 pt-4">
                        <div class="min-w-0 flex-1 basis-64">
                            <label for=note_id.clone() class=LABEL>"Note (optional)"</label>
                            <input
                                id=note_id
                                type="text"
                                maxlength="500"
                                placeholder="Shown to the requester and kept in the audit log"
                                class=format!("mt-1 {INPUT}")
                                prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))
                            />
                        </div>
                        <div class="flex gap-2">
                            <button type="button" class=BTN_SECONDARY disabled=move || decide.pending().get() on:click=move |_| send(false)>"Reject"</button>
                            <button type="button" class=BTN_PRIMARY disabled=move || decide.pending().get() on:click=move |_| send(true)>"Approve"</button>
                        </div>
                    </div>
                }.into_any()
            }}
        </li>
    }
}

#[component]
fn MyRequests(rows: Rows) -> impl IntoView {
    view! {
        <section aria-labelledby="mine-title" class="mt-10">
            <h2 id="mine-title" class=H2>"My requests"</h2>
            <p class="mt-1 text-sm text-slate-600">"Your own requests, newest first. Once approved, make the link here."</p>
            <div class="mt-3">
                <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading requests…"</p> }>
                    {move || Suspend::new(async move {
                        match rows.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class=format!("text-sm text-slate-600 {CARD}")>
                                    "You have asked for no approval. A request is made from Sign in as User when a rule of your role asks for one."
                                </p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                                    {list.into_iter().map(|r| view! { <MyRequest row=r /> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

#[component]
fn MyRequest(row: ApprovalRow) -> impl IntoView {
    let generate = ServerAction::<CreateImpersonationLink>::new();
    let step_up = RwSignal::new(false);
    let step_up_minutes = RwSignal::new(0i64);
    Effect::new(move |_| {
        if let Some(Err(AppError::StepUpRequired(minutes))) = generate.value().get() {
            step_up_minutes.set(minutes);
            step_up.set(true);
        }
    });
    let (target, request) = (
        StoredValue::new(row.target_id.clone()),
        StoredValue::new(row.id.clone()),
    );
    let send = move || {
        generate.dispatch(CreateImpersonationLink {
            user_id: target.get_value(),
            form: LinkForm {
                request_id: request.get_value(),
                ..Default::default()
            },
        });
    };
    let on_confirmed = Callback::new(move |_| {
        step_up.set(false);
        send();
    });
    let link = Signal::derive(move || generate.value().get().and_then(|r| r.ok()));
    let error = Signal::derive(move || match generate.value().get() {
        Some(Err(AppError::StepUpRequired(_))) | None | Some(Ok(_)) => None,
        Some(Err(e)) => Some(
            e.field("request_id")
                .or_else(|| e.field("client_id"))
                .unwrap_or_else(|| e.to_string()),
        ),
    });
    let approved = row.state == "approved";
    let prefix = format!("mine-{}", row.id);
    let link_id = format!("{prefix}-url");
    let title_id = format!("{prefix}-title");
    let (user_href, target_email) = (
        format!("/users/{}", row.target_id),
        row.target_email.clone(),
    );
    view! {
        <li class="px-5 py-4" data-testid="my-request">
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <p id=title_id class="text-sm text-slate-900">
                        "Sign in as "
                        <A href=user_href attr:class="font-semibold text-indigo-700 hover:underline">{target_email}</A>
                        " into "
                        <strong class="font-semibold">{row.app_name.clone()}</strong>
                    </p>
                    <p class="mt-0.5 text-xs text-slate-500">{format!("Requested {} · through the rule of {}", datetime(row.created_at), row.role_name)}</p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    {mode_badge(&row.mode)}
                    {state_badge(&row.state)}
                </div>
            </div>
            {(!row.reason.is_empty() || !row.ticket.is_empty()).then(|| view! {
                <p class="mt-2 break-words text-sm text-slate-700">
                    {row.reason.clone()}
                    {(!row.ticket.is_empty()).then(|| view! { <span class="ml-2 text-xs text-slate-500">{format!("Ticket {}", row.ticket)}</span> })}
                </p>
            })}
            {match row.state.as_str() {
                "approved" => view! {
                    <p class="mt-2 text-sm text-slate-700">
                        {format!("Approved by {} · the link can be made until {}", or_someone(&row.decided_by_email), datetime(row.approved_until))}
                    </p>
                }.into_any(),
                "rejected" => view! {
                    <p class="mt-2 text-sm text-slate-700">
                        {format!("Rejected by {} on {}", or_someone(&row.decided_by_email), datetime(row.decided_at))}
                        {(!row.decision_note.is_empty()).then(|| view! { <span class="block break-words text-slate-900">{format!("Note: {}", row.decision_note)}</span> })}
                    </p>
                }.into_any(),
                "expired" => view! {
                    <p class="mt-2 text-sm text-slate-600">"Nobody decided in time, or the approval ran out: ask again from Sign in as User."</p>
                }.into_any(),
                "used" => view! {
                    <p class="mt-2 text-sm text-slate-600">{format!("Approved by {}; the link was made.", or_someone(&row.decided_by_email))}</p>
                }.into_any(),
                _ => view! {
                    <p class="mt-2 text-sm text-slate-600">"Someone holding impersonation:approve must decide."</p>
                }.into_any(),
            }}
            {(approved && !row.decision_note.is_empty()).then(|| view! {
                <p class="mt-1 break-words text-sm text-slate-900">{format!("Note: {}", row.decision_note)}</p>
            })}
            {approved.then(|| view! {
                <div class="mt-3 space-y-3">
                    <Show when=move || link.get().is_none()>
                        <button
                            type="button"
                            class=BTN_PRIMARY
                            disabled=move || generate.pending().get() || step_up.get()
                            on:click=move |_| send()
                        >
                            "Generate link"
                        </button>
                    </Show>
                    <Show when=move || step_up.get()>
                        <StepUpPrompt minutes=step_up_minutes on_confirmed=on_confirmed id=format!("{prefix}-step-up") />
                    </Show>
                    {move || error.get().map(|e| view! { <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800">{e}</p> })}
                    {let link_id = link_id.clone(); move || link.get().map(|l| view! { <LinkResult link=l id=link_id.clone() /> })}
                </div>
            })}
        </li>
    }
}

fn or_someone(email: &str) -> String {
    if email.is_empty() {
        "someone".into()
    } else {
        email.to_string()
    }
}
