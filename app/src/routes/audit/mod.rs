//! The audit log (`/audit`, needs audit:read): who did what, to whom, in
//! which application, with what outcome. Filters live in the URL (the same
//! names as the export and the REST API), so a filtered view can be shared;
//! `before=<seq>` pages back; `event=<id>` opens an event's panel and
//! `timeline=<impersonation id>` an impersonation's timeline.

mod chart;
mod detail;
mod filters;
mod table;

pub use detail::{Drawer, TimelineDrawer, TimelineView};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::components::access::{gated, RequirePermission};
use crate::components::ui::{BTN_SECONDARY, H1};
use crate::dto::{
    AuditDetail, AuditFilterChoices, AuditPageDto, AuditParamsDto, NamedDto, TimelineDto,
};
use crate::error::AppError;
use crate::functions::audit::{
    audit_choices, audit_event, audit_search, audit_timeline, AuditVerify,
};
use crate::query::param;

/// The page's URL: its filters, and where it is in them.
pub fn audit_href(
    p: &AuditParamsDto,
    before: Option<i64>,
    event: Option<&str>,
    timeline: Option<&str>,
) -> String {
    let mut q = p.query();
    let mut add = |k: &str, v: &str| {
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!("{k}={}", crate::dto::urlencode(v)));
    };
    if let Some(b) = before {
        add("before", &b.to_string());
    }
    if let Some(e) = event.filter(|e| !e.is_empty()) {
        add("event", e);
    }
    if let Some(t) = timeline.filter(|t| !t.is_empty()) {
        add("timeline", t);
    }
    if q.is_empty() {
        "/audit".into()
    } else {
        format!("/audit?{q}")
    }
}

/// A name picker's state: what is typed, whether its list is open, and
/// the names that match (asked in the browser only, into a signal: a
/// resource read there would hold the page's Suspense on every keystroke).
#[derive(Clone, Copy)]
pub struct Picker {
    pub side: &'static str,
    pub text: RwSignal<String>,
    pub open: RwSignal<bool>,
    pub found: RwSignal<Vec<NamedDto>>,
    /// The last name picked, shown until the page names it itself.
    pub picked: RwSignal<Option<NamedDto>>,
}

impl Picker {
    fn new(side: &'static str) -> Self {
        Picker {
            side,
            text: RwSignal::new(String::new()),
            open: RwSignal::new(false),
            found: RwSignal::new(Vec::new()),
            picked: RwSignal::new(None),
        }
    }
}

/// Everything the page's parts share. The resources are made in the page
/// component, outside `RequirePermission` and any Suspense (see
/// `access::gated`).
#[derive(Clone, Copy)]
pub struct AuditState {
    pub params: Memo<AuditParamsDto>,
    pub before: Memo<Option<i64>>,
    pub event: Memo<Option<String>>,
    pub timeline: Memo<Option<String>>,
    pub page: Resource<Result<AuditPageDto, AppError>>,
    pub choices: Resource<Result<AuditFilterChoices, AppError>>,
    pub detail: Resource<Result<Option<AuditDetail>, AppError>>,
    pub timeline_steps: Resource<Result<Option<TimelineDto>, AppError>>,
    pub verify: ServerAction<AuditVerify>,
    pub actor: Picker,
    pub target: Picker,
    /// Goes to a URL of the page, without scrolling.
    pub go: Callback<String>,
}

impl AuditState {
    /// This view with other filters (back to the newest page).
    pub fn filtered(&self, p: &AuditParamsDto) -> String {
        audit_href(p, None, None, None)
    }

    /// This view with the panel showing `event` (or closed).
    pub fn with_event(&self, event: Option<&str>) -> String {
        audit_href(
            &self.params.get_untracked(),
            self.before.get_untracked(),
            event,
            None,
        )
    }

    /// This view with the timeline of `impersonation` over the event.
    pub fn with_timeline(&self, impersonation: &str) -> String {
        audit_href(
            &self.params.get_untracked(),
            self.before.get_untracked(),
            self.event.get_untracked().as_deref(),
            Some(impersonation),
        )
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let location = use_location();
    let search = location.search;
    let params = Memo::new(move |_| search.with(|s| AuditParamsDto::read(|k| param(s, k))));
    let before = Memo::new(move |_| {
        search.with(|s| param(s, "before").and_then(|b| b.trim().parse::<i64>().ok()))
    });
    let event = Memo::new(move |_| search.with(|s| param(s, "event").filter(|v| !v.is_empty())));
    let timeline =
        Memo::new(move |_| search.with(|s| param(s, "timeline").filter(|v| !v.is_empty())));
    let verify = ServerAction::<AuditVerify>::new();
    let page = gated(
        "audit:read",
        move || (params.get(), before.get(), verify.version().get()),
        |(p, b, _)| audit_search(p, b),
    );
    let choices = gated("audit:read", || (), |_| audit_choices());
    let detail = gated(
        "audit:read",
        move || event.get(),
        |id: Option<String>| async move {
            match id {
                Some(id) => audit_event(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let timeline_steps = gated(
        "audit:read",
        move || timeline.get(),
        |id: Option<String>| async move {
            match id {
                Some(id) => audit_timeline(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let navigate = use_navigate();
    let go = Callback::new(move |href: String| {
        navigate(
            &href,
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        )
    });
    let s = AuditState {
        params,
        before,
        event,
        timeline,
        page,
        choices,
        detail,
        timeline_steps,
        verify,
        actor: Picker::new("actor"),
        target: Picker::new("target"),
        go,
    };
    view! {
        <RequirePermission permission="audit:read">
            <AuditLog s=s />
        </RequirePermission>
    }
}

#[component]
fn AuditLog(s: AuditState) -> impl IntoView {
    let export = move |format: &str| {
        let q = s.params.get().query();
        if q.is_empty() {
            format!("/audit/export?format={format}")
        } else {
            format!("/audit/export?format={format}&{q}")
        }
    };
    view! {
        <Title text="Audit log · Masquerade" />
        <div class="flex flex-wrap items-start justify-between gap-4">
            <div class="min-w-0">
                <h1 class=H1>"Audit log"</h1>
                <p class="mt-1 max-w-2xl text-sm text-slate-600">
                    "Every recorded action, newest first: who did what, to whom, in which application, and how it ended. Filters stay in the address, so a view can be shared."
                </p>
            </div>
            <div class="flex flex-wrap items-center gap-2">
                <a href=move || export("csv") download="" rel="external" class=BTN_SECONDARY>
                    <DownloadIcon />"Export CSV"
                </a>
                <a href=move || export("jsonl") download="" rel="external" class=BTN_SECONDARY>
                    <DownloadIcon />"Export JSON Lines"
                </a>
                <VerifyButton verify=s.verify />
            </div>
        </div>
        <VerifyResult verify=s.verify />
        <filters::Filters s=s />
        <table::Results s=s />
        <detail::AuditDrawer s=s />
    }
}

#[component]
fn DownloadIcon() -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="h-4 w-4 text-slate-500">
            <path d="M10.75 2.75a.75.75 0 0 0-1.5 0v8.61L6.3 8.24a.75.75 0 1 0-1.1 1.02l4.25 4.5a.75.75 0 0 0 1.1 0l4.25-4.5a.75.75 0 0 0-1.1-1.02l-2.95 3.12V2.75Z" />
            <path d="M3.5 12.75a.75.75 0 0 0-1.5 0v2.5A2.75 2.75 0 0 0 4.75 18h10.5A2.75 2.75 0 0 0 18 15.25v-2.5a.75.75 0 0 0-1.5 0v2.5c0 .69-.56 1.25-1.25 1.25H4.75c-.69 0-1.25-.56-1.25-1.25v-2.5Z" />
        </svg>
    }
}

#[component]
fn VerifyButton(verify: ServerAction<AuditVerify>) -> impl IntoView {
    view! {
        <button
            type="button"
            class=BTN_SECONDARY
            disabled=move || verify.pending().get()
            aria-busy=move || verify.pending().get().to_string()
            on:click=move |_| { verify.dispatch(AuditVerify {}); }
        >
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="h-4 w-4 text-slate-500">
                <path fill-rule="evenodd" d="M9.66 1.14a.75.75 0 0 1 .68 0l6.5 3.25a.75.75 0 0 1 .41.67c0 5.27-2.6 9.66-7 12.3a.75.75 0 0 1-.77 0c-4.4-2.64-7-7.03-7-12.3a.75.75 0 0 1 .42-.67l6.5-3.25Zm3.6 6.4a.75.75 0 1 0-1.22-.88L9.1 10.7 7.9 9.5a.75.75 0 0 0-1.06 1.06l1.83 1.83a.75.75 0 0 0 1.14-.09l3.44-4.76Z" clip-rule="evenodd" />
            </svg>
            {move || if verify.pending().get() { "Verifying…" } else { "Verify integrity" }}
        </button>
    }
}

/// The integrity check's answer, in words, green or red.
#[component]
fn VerifyResult(verify: ServerAction<AuditVerify>) -> impl IntoView {
    move || {
        if verify.pending().get() {
            return Some(view! {
                <p role="status" class="mt-4 rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                    "Verifying the chain of every event…"
                </p>
            }.into_any());
        }
        verify.value().get().map(|answer| match answer {
            Ok(a) if a.intact => view! {
                <div role="status" data-testid="verify-result" class="mt-4 flex items-start gap-3 rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900 ring-1 ring-inset ring-emerald-600/30">
                    <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="mt-0.5 h-5 w-5 shrink-0 text-emerald-600">
                        <path fill-rule="evenodd" d="M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm3.86-9.86a.75.75 0 0 0-1.22-.88l-3.24 4.48-1.6-1.6a.75.75 0 1 0-1.06 1.06l2.22 2.22a.75.75 0 0 0 1.14-.09l3.76-5.2Z" clip-rule="evenodd" />
                    </svg>
                    <div>
                        <p class="font-semibold">"Integrity verified"</p>
                        <p>{a.sentence.clone()}</p>
                    </div>
                </div>
            }.into_any(),
            Ok(a) => view! {
                <div role="alert" data-testid="verify-result" class="mt-4 flex items-start gap-3 rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-inset ring-red-600/30">
                    <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="mt-0.5 h-5 w-5 shrink-0 text-red-600">
                        <path fill-rule="evenodd" d="M8.49 2.9a1.75 1.75 0 0 1 3.02 0l6.28 10.9A1.75 1.75 0 0 1 16.28 16.4H3.72a1.75 1.75 0 0 1-1.51-2.62L8.49 2.9ZM10 6.5a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 6.5Zm0 7.5a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" clip-rule="evenodd" />
                    </svg>
                    <div>
                        <p class="font-semibold">"The audit log has been tampered with"</p>
                        <p>{a.sentence.clone()}</p>
                    </div>
                </div>
            }.into_any(),
            Err(e) => view! {
                <p role="alert" data-testid="verify-result" class="mt-4 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-inset ring-red-600/30">
                    {format!("The check could not run: {e}")}
                </p>
            }.into_any(),
        })
    }
}
