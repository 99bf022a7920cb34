//! "Check access": a dry run of the impersonation policy. Can this person
//! (or anyone holding just this role) sign in as that user into that
//! application, and which rules said so? Nothing is changed; the server
//! records the check in the audit log.

use leptos::prelude::*;

use super::access::use_me;
use super::form::ErrorBanner;
use super::ui::{
    BADGE_GREEN, BADGE_INDIGO, BADGE_RED, BADGE_SLATE, BTN_PRIMARY, CARD, H2, INPUT, INPUT_ERROR,
    LABEL,
};
use crate::dto::{CheckAnswer, PersonChoice};
use crate::error::AppError;
use crate::functions::applications::list_applications;
use crate::functions::impersonation::impersonation_options;
use crate::functions::policy::{impersonators, CheckImpersonation};

/// The applications the dry run can ask about, as (client id, name): the
/// applications list for those who may read it; otherwise the Sign in as
/// User dialog's list (every application that takes sign-ins), which a
/// Support agent without `applications:read` may see. Empty when neither
/// is open to the person: they type a client id.
async fn applications_for_check(
    me: super::access::MeResource,
    user_id: String,
) -> Vec<(String, String)> {
    if me.holds("applications:read").await {
        return list_applications()
            .await
            .map(|apps| {
                apps.into_iter()
                    .filter(|a| a.app_type != "m2m")
                    .map(|a| (a.client_id, a.name))
                    .collect()
            })
            .unwrap_or_default();
    }
    let may_impersonate =
        me.0.await
            .ok()
            .flatten()
            .is_some_and(|m| m.may_impersonate());
    if may_impersonate && !user_id.is_empty() {
        let mut apps: Vec<(String, String)> = impersonation_options(user_id)
            .await
            .map(|c| c.apps.into_iter().map(|a| (a.client_id, a.name)).collect())
            .unwrap_or_default();
        apps.sort_by_key(|a| a.1.to_lowercase());
        return apps;
    }
    Vec::new()
}

/// Who the dry run asks about: a person picked from those who may sign in
/// as users (the user's page), or anyone holding just one role (the role's
/// page).
#[derive(Clone, Debug, PartialEq)]
pub enum CheckSubject {
    /// The user is fixed (id, label); the impersonator is chosen.
    User { id: String, label: String },
    /// The role is fixed (id, name); the user is typed (email).
    Role { id: String, name: String },
}

/// The panel, or what it needs when the person lacks `impersonation:read`.
/// Make it only after a click (a tab): its lists load in the browser.
#[component]
pub fn CheckAccess(subject: CheckSubject) -> impl IntoView {
    let can = use_me().can("impersonation:read");
    move || {
        if can.get() {
            view! { <CheckForm subject=subject.clone() /> }.into_any()
        } else {
            view! {
                <p class="rounded-lg bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">
                    "Checking who may sign in as whom needs "
                    <code class="font-mono text-xs text-slate-900">"impersonation:read"</code> "."
                </p>
            }
            .into_any()
        }
    }
}

#[component]
fn CheckForm(subject: CheckSubject) -> impl IntoView {
    let me = use_me();
    // Made after a click, in the browser only (see the component's note).
    let apps_user = match &subject {
        CheckSubject::User { id, .. } => Some(id.clone()),
        CheckSubject::Role { .. } => None,
    };
    let apps = LocalResource::new(move || {
        let user = apps_user.clone();
        async move {
            // The dialog's list needs some user to ask about: on a role's
            // page, the signed-in person themselves (every application is
            // listed, whoever it is).
            let user = match user {
                Some(u) => u,
                None => me.get().map(|m| m.user_id).unwrap_or_default(),
            };
            applications_for_check(me, user).await
        }
    });
    let people = LocalResource::new({
        let by_role = matches!(subject, CheckSubject::Role { .. });
        move || async move {
            if by_role {
                Ok(Vec::new())
            } else {
                impersonators().await
            }
        }
    });

    let impersonator = RwSignal::new(String::new());
    let user_email = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    // The question as it was asked, above its answer.
    let asked = RwSignal::new(String::new());

    let check = ServerAction::<CheckImpersonation>::new();
    let errors = Signal::derive(move || check.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let field =
        move |name: &'static str| Signal::derive(move || errors.get().and_then(|e| e.field(name)));
    let answer = Signal::derive(move || check.value().get().and_then(|r| r.ok()));

    // Until the person picks, the first of each list is the choice.
    let app_list = move || apps.get().unwrap_or_default();
    let people_list = move || people.get().and_then(|r| r.ok()).unwrap_or_default();
    let chosen_app = move || {
        let v = client_id.get();
        if v.is_empty() {
            app_list().first().map(|a| a.0.clone()).unwrap_or_default()
        } else {
            v
        }
    };
    let chosen_person = move || {
        let v = impersonator.get();
        if v.is_empty() {
            people_list()
                .first()
                .map(|p| p.id.clone())
                .unwrap_or_default()
        } else {
            v
        }
    };

    let subject_value = StoredValue::new(subject.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let app = untrack(chosen_app);
        let app_label = untrack(app_list)
            .into_iter()
            .find(|a| a.0 == app)
            .map(|a| a.1)
            .unwrap_or_else(|| app.clone());
        let (question, args) = match subject_value.get_value() {
            CheckSubject::User { id, label } => {
                let who = untrack(chosen_person);
                let who_label = untrack(people_list)
                    .iter()
                    .find(|p| p.id == who)
                    .map(person_label)
                    .unwrap_or_else(|| who.clone());
                (
                    format!("Can {who_label} impersonate {label} into {app_label}?"),
                    CheckImpersonation {
                        impersonator: who,
                        role_id: String::new(),
                        user: id,
                        client_id: app,
                    },
                )
            }
            CheckSubject::Role { id, name } => {
                let user = user_email.get_untracked().trim().to_string();
                (
                    format!("Can someone holding only {name} impersonate {user} into {app_label}?"),
                    CheckImpersonation {
                        impersonator: String::new(),
                        role_id: id,
                        user,
                        client_id: app,
                    },
                )
            }
        };
        asked.set(question);
        check.dispatch(args);
    };

    let (title, lead) = match &subject {
        CheckSubject::User { label, .. } => (
            format!("Can someone sign in as {label}?"),
            "Pick a person who may sign in as users and an application: the policy answers as it stands now, with every rule that applied.",
        ),
        CheckSubject::Role { name, .. } => (
            format!("What may holders of {name} do?"),
            "Type a user's email and pick an application: the policy answers for someone holding only this role, with every rule that applied.",
        ),
    };
    let first_field = match &subject {
        CheckSubject::User { .. } => view! {
            <div>
                <label for="check-impersonator" class=LABEL>"Impersonator"</label>
                <Suspense fallback=|| view! { <p class="mt-2 text-sm text-slate-500">"Loading people…"</p> }>
                    {move || Suspend::new(async move {
                        match people.await {
                            Ok(list) if list.is_empty() => view! {
                                <p class="mt-2 text-sm text-slate-600">"Nobody holds a role that lets them sign in as users."</p>
                            }.into_any(),
                            Ok(list) => {
                                let msg = field("impersonator_id");
                                view! {
                                    <select
                                        id="check-impersonator"
                                        class=move || format!("mt-1 {}", if msg.get().is_some() { INPUT_ERROR } else { INPUT })
                                        on:change=move |ev| impersonator.set(event_target_value(&ev))
                                    >
                                        {list.into_iter().map(|p| {
                                            let id = p.id.clone();
                                            view! { <option value=p.id.clone() selected=move || chosen_person() == id>{person_label(&p)}</option> }
                                        }).collect_view()}
                                    </select>
                                    <p class="mt-1 text-sm text-red-700">{move || msg.get()}</p>
                                }.into_any()
                            }
                            Err(e) => view! { <p role="alert" class="mt-2 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        }
        .into_any(),
        CheckSubject::Role { .. } => {
            let msg = field("user_id");
            view! {
                <div>
                    <label for="check-user" class=LABEL>"User's email"</label>
                    <input
                        id="check-user"
                        type="email"
                        placeholder="someone@example.com"
                        class=move || format!("mt-1 {}", if msg.get().is_some() { INPUT_ERROR } else { INPUT })
                        aria-invalid=move || msg.get().is_some().to_string()
                        aria-describedby="check-user-error"
                        prop:value=move || user_email.get()
                        on:input=move |ev| user_email.set(event_target_value(&ev))
                    />
                    <p id="check-user-error" class="mt-1 text-sm text-red-700">{move || msg.get()}</p>
                </div>
            }
            .into_any()
        }
    };
    let app_msg = field("client_id");

    view! {
        <section aria-labelledby="check-title" class=CARD>
            <h2 id="check-title" class=H2>{title}</h2>
            <p class="mt-1 max-w-prose text-sm text-slate-600">{lead}" Nothing is changed; the check is recorded in the audit log."</p>
            <form class="mt-5 grid items-start gap-4 md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto]" on:submit=submit>
                {first_field}
                <div>
                    <label for="check-app" class=LABEL>"Application"</label>
                    <Suspense fallback=|| view! { <p class="mt-2 text-sm text-slate-500">"Loading applications…"</p> }>
                        {move || Suspend::new(async move {
                            let list = apps.await;
                            if list.is_empty() {
                                // Neither list is open to this person: the client id, typed.
                                return view! {
                                    <input
                                        id="check-app"
                                        type="text"
                                        placeholder="Client ID"
                                        class=move || format!("mt-1 {}", if app_msg.get().is_some() { INPUT_ERROR } else { INPUT })
                                        prop:value=move || client_id.get()
                                        on:input=move |ev| client_id.set(event_target_value(&ev))
                                    />
                                }.into_any();
                            }
                            view! {
                                <select
                                    id="check-app"
                                    class=move || format!("mt-1 {}", if app_msg.get().is_some() { INPUT_ERROR } else { INPUT })
                                    on:change=move |ev| client_id.set(event_target_value(&ev))
                                >
                                    {list.into_iter().map(|(id, name)| {
                                        let v = id.clone();
                                        view! { <option value=id selected=move || chosen_app() == v>{name}</option> }
                                    }).collect_view()}
                                </select>
                            }.into_any()
                        })}
                    </Suspense>
                    <p class="mt-1 text-sm text-red-700">{move || app_msg.get()}</p>
                </div>
                <div class="md:pt-6">
                    <button type="submit" class=BTN_PRIMARY disabled=move || check.pending().get()>
                        {move || if check.pending().get() { "Checking…" } else { "Check access" }}
                    </button>
                </div>
            </form>
            <div class="mt-4">
                <ErrorBanner errors=general />
            </div>
            <div aria-live="polite">
                {move || answer.get().map(|a| view! { <CheckResult answer=a question=asked.get_untracked() /> })}
            </div>
        </section>
    }
}

fn person_label(p: &PersonChoice) -> String {
    if p.name.is_empty() {
        p.email.clone()
    } else {
        format!("{} ({})", p.name, p.email)
    }
}

/// Allowed or Denied, the sentence, the deciding role and every rule that
/// applied.
#[component]
fn CheckResult(answer: CheckAnswer, question: String) -> impl IntoView {
    let (panel, badge, word) = if answer.allowed {
        ("bg-emerald-50 ring-emerald-200", BADGE_GREEN, "Allowed")
    } else {
        ("bg-red-50 ring-red-200", BADGE_RED, "Denied")
    };
    let sentence = answer
        .sentence
        .strip_prefix("Denied: ")
        .unwrap_or(&answer.sentence)
        .to_string();
    view! {
        <div data-testid="check-result" class=format!("mt-2 rounded-md p-4 ring-1 {panel}")>
            <p class="text-sm text-slate-700">{question}</p>
            <div class="mt-2 flex flex-wrap items-start gap-x-3 gap-y-1">
                <span class=format!("{badge} shrink-0")>{word}</span>
                <p class="min-w-0 flex-1 text-sm font-medium text-slate-900">{sentence}</p>
            </div>
            {(answer.needs_approval || answer.read_only).then(|| view! {
                <div class="mt-2 flex flex-wrap gap-2">
                    {answer.needs_approval.then(|| view! { <span class=BADGE_INDIGO>"Needs approval"</span> })}
                    {answer.read_only.then(|| view! { <span class=BADGE_SLATE>"Read-only"</span> })}
                </div>
            })}
            {answer.decided_by.clone().map(|role| view! {
                <p class="mt-2 text-sm text-slate-700">"Decided by: role " <strong class="font-semibold">{role}</strong></p>
            })}
            {(!answer.applied.is_empty()).then(|| view! {
                <div class="mt-3 border-t border-slate-900/10 pt-3">
                    <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600">"Rules that applied"</h3>
                    <ul class="mt-1 list-disc space-y-0.5 pl-5 text-sm text-slate-700">
                        {answer.applied.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            })}
        </div>
    }
}
