//! Export CSV / Export JSON Lines with a progress bar. The links are real
//! links to `/audit/export` (they download without scripts, with the
//! console's session cookie); once the page is live a click is taken over:
//! the browser fetches the same URL (same origin, the same cookie), reads
//! the body as it streams, counts the rows as they arrive against the
//! server's `X-Total-Rows`, and at the end hands the file over as a download
//! under the server's file name. Cancel stops the transfer.

use leptos::prelude::*;

use super::progress::{progress_text, ProgressBar};
use super::AuditState;
use crate::components::format::grouped;
use crate::components::ui::BTN_SECONDARY;

/// Where an export is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportRun {
    Idle,
    Running {
        /// "CSV" or "JSON Lines".
        label: &'static str,
        rows: u64,
        /// From `X-Total-Rows`, when the server said.
        total: Option<u64>,
        /// Milliseconds since it started.
        elapsed_ms: f64,
    },
    Done {
        rows: u64,
        file: String,
    },
    Failed(String),
    Cancelled,
}

/// The two export links, taken over for the progress path once live.
#[component]
pub fn ExportLinks(s: AuditState, run: RwSignal<ExportRun>) -> impl IntoView {
    let href = move |format: &str| {
        let q = s.params.get().query();
        if q.is_empty() {
            format!("/audit/export?format={format}")
        } else {
            format!("/audit/export?format={format}&{q}")
        }
    };
    let busy = move || matches!(run.get(), ExportRun::Running { .. });
    let link = move |format: &'static str, label: &'static str| {
        view! {
            <a
                href=move || href(format)
                download=""
                rel="external"
                class=BTN_SECONDARY
                aria-disabled=move || busy().to_string()
                on:click=move |ev: leptos::ev::MouseEvent| {
                    // A new tab or window, or a save-as, stays the browser's.
                    if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() || ev.button() != 0 {
                        return;
                    }
                    ev.prevent_default();
                    if !matches!(run.get_untracked(), ExportRun::Running { .. }) {
                        start(href(format), format == "csv", label, run);
                    }
                }
            >
                <DownloadIcon />{format!("Export {label}")}
            </a>
        }
    };
    view! {
        {link("csv", "CSV")}
        {link("jsonl", "JSON Lines")}
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

/// The bar while it runs; what happened once it ends.
#[component]
pub fn ExportStatus(run: RwSignal<ExportRun>) -> impl IntoView {
    let progress = Memo::new(move |_| match run.get() {
        ExportRun::Running {
            label,
            rows,
            total,
            elapsed_ms,
        } => Some((label, rows, total, elapsed_ms)),
        _ => None,
    });
    let running = move || progress.with(Option::is_some);
    let label = move || progress.get().map(|p| p.0).unwrap_or_default();
    let rows = Signal::derive(move || progress.get().map(|p| p.1).unwrap_or(0));
    let max = Signal::derive(move || {
        progress
            .get()
            .map(|(_, rows, total, _)| total.unwrap_or(rows).max(rows))
            .unwrap_or(0)
    });
    let text = Signal::derive(move || {
        progress
            .get()
            .map(|(_, rows, total, ms)| progress_text(rows, total, ms))
            .unwrap_or_default()
    });
    view! {
        <Show when=running>
            <div data-testid="export-progress" class="mt-4 rounded-md bg-white px-4 py-3 shadow-sm ring-1 ring-inset ring-slate-200">
                <div class="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
                    <p id="export-progress-label" class="text-sm font-semibold text-slate-900">
                        {move || format!("Exporting {}…", label())}
                    </p>
                    <button type="button" class=BTN_SECONDARY on:click=move |_| cancel(run)>
                        "Cancel"
                    </button>
                </div>
                <ProgressBar labelled_by="export-progress-label" now=rows max=max text=text />
                <p class="mt-2 text-sm tabular-nums text-slate-600" aria-live="polite">{text}</p>
            </div>
        </Show>
        {move || match run.get() {
            ExportRun::Idle | ExportRun::Running { .. } => None,
            ExportRun::Done { rows, file } => Some(
                view! {
                    <p role="status" data-testid="export-result" class="mt-4 rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900 ring-1 ring-inset ring-emerald-600/30">
                        {format!(
                            "Exported {} {} to {file}.",
                            grouped(i64::try_from(rows).unwrap_or(i64::MAX)),
                            if rows == 1 { "row" } else { "rows" },
                        )}
                    </p>
                }
                .into_any(),
            ),
            ExportRun::Cancelled => Some(
                view! {
                    <p role="status" data-testid="export-result" class="mt-4 rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                        "Export cancelled. Nothing was saved."
                    </p>
                }
                .into_any(),
            ),
            ExportRun::Failed(message) => Some(
                view! {
                    <p role="alert" data-testid="export-result" class="mt-4 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-inset ring-red-600/30">
                        {message}
                    </p>
                }
                .into_any(),
            ),
        }}
    }
}

#[cfg(feature = "hydrate")]
thread_local! {
    /// The running export's controller, to cancel it.
    static ABORT: std::cell::RefCell<Option<web_sys::AbortController>> =
        const { std::cell::RefCell::new(None) };
}

fn cancel(run: RwSignal<ExportRun>) {
    #[cfg(feature = "hydrate")]
    ABORT.with(|a| {
        if let Some(c) = a.borrow_mut().take() {
            c.abort();
        }
    });
    run.set(ExportRun::Cancelled);
}

#[cfg(not(feature = "hydrate"))]
fn start(_href: String, _csv: bool, _label: &'static str, _run: RwSignal<ExportRun>) {}

#[cfg(feature = "hydrate")]
fn start(href: String, csv: bool, label: &'static str, run: RwSignal<ExportRun>) {
    let Ok(controller) = web_sys::AbortController::new() else {
        run.set(ExportRun::Failed(
            "This browser cannot show the export's progress. Open the link in a new tab instead."
                .into(),
        ));
        return;
    };
    let signal = controller.signal();
    ABORT.with(|a| *a.borrow_mut() = Some(controller));
    run.set(ExportRun::Running {
        label,
        rows: 0,
        total: None,
        elapsed_ms: 0.0,
    });
    leptos::task::spawn_local(async move {
        let outcome = super::export_fetch::download(&href, csv, label, &signal, run).await;
        ABORT.with(|a| a.borrow_mut().take());
        // Cancelled meanwhile: that is already said.
        if signal.aborted() {
            return;
        }
        run.set(match outcome {
            Ok((rows, file)) => ExportRun::Done { rows, file },
            Err(message) => ExportRun::Failed(message),
        });
    });
}
