//! The audit log (`/audit`, needs audit:read): who did what, to whom, in
//! which application, with what outcome. Filters live in the URL (the same
//! names as the export and the REST API), so a filtered view can be shared;
//! `before=<seq>` pages back; `event=<id>` opens an event's panel and
//! `timeline=<impersonation id>` an impersonation's timeline.

mod chart;
mod detail;
mod export;
#[cfg(feature = "hydrate")]
mod export_fetch;
mod filters;
mod progress;
mod table;
mod verify;

pub use detail::{Drawer, TimelineDrawer, TimelineView};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::components::access::{gated, RequirePermission};
use crate::components::ui::H1;
use crate::dto::{
    AuditDetail, AuditFilterChoices, AuditPageDto, AuditParamsDto, NamedDto, TimelineDto,
};
use crate::error::AppError;
use crate::functions::audit::{audit_choices, audit_event, audit_search, audit_timeline};
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
    pub verifier: verify::Verifier,
    pub export: RwSignal<export::ExportRun>,
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
    let verifier = verify::Verifier::new();
    let page = gated(
        "audit:read",
        move || (params.get(), before.get(), verifier.finished.get()),
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
        verifier,
        export: RwSignal::new(export::ExportRun::Idle),
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
                <export::ExportLinks s=s run=s.export />
                <verify::VerifyButton v=s.verifier />
            </div>
        </div>
        <export::ExportStatus run=s.export />
        <verify::VerifyResult v=s.verifier />
        <filters::Filters s=s />
        <table::Results s=s />
        <detail::AuditDrawer s=s />
    }
}
