//! "Verify integrity" with a progress bar: the browser asks the server to
//! check the chain a part at a time (`audit_verify_step`), each call
//! continuing from the position the one before handed back, and shows how
//! many events are checked of how many; the last part gives the answer.

use leptos::prelude::*;

use super::progress::ProgressBar;
use crate::components::format::grouped;
use crate::components::ui::BTN_SECONDARY;
use crate::dto::VerifyAnswer;
use crate::error::AppError;
use crate::functions::audit_verify::audit_verify_step;

/// Where a check is.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyRun {
    Idle,
    Running { events: i64, total: i64 },
    Finished(VerifyAnswer),
    Failed(String),
    Cancelled { events: i64 },
}

/// The page's integrity check: its state, which run is current (a
/// cancelled run's late answers are dropped), and a count of finished
/// checks for the list to reload on (the check records itself).
#[derive(Clone, Copy)]
pub struct Verifier {
    pub run: RwSignal<VerifyRun>,
    generation: RwSignal<u64>,
    pub finished: RwSignal<u64>,
}

impl Verifier {
    pub fn new() -> Self {
        Verifier {
            run: RwSignal::new(VerifyRun::Idle),
            generation: RwSignal::new(0),
            finished: RwSignal::new(0),
        }
    }

    fn running(&self) -> bool {
        matches!(self.run.get(), VerifyRun::Running { .. })
    }

    fn start(self) {
        if matches!(self.run.get_untracked(), VerifyRun::Running { .. }) {
            return;
        }
        self.generation.update(|g| *g += 1);
        let mine = self.generation.get_untracked();
        self.run.set(VerifyRun::Running {
            events: 0,
            total: 0,
        });
        leptos::task::spawn_local(async move {
            let mut position: Option<String> = None;
            loop {
                let step = audit_verify_step(position.take(), None).await;
                if self.generation.get_untracked() != mine {
                    return;
                }
                match step {
                    Ok(step) => match step.answer {
                        Some(answer) => {
                            self.run.set(VerifyRun::Finished(answer));
                            self.finished.update(|n| *n += 1);
                            return;
                        }
                        None => {
                            self.run.set(VerifyRun::Running {
                                events: step.events,
                                total: step.total,
                            });
                            match step.position {
                                Some(p) => position = Some(p),
                                None => {
                                    self.run.set(VerifyRun::Failed(
                                        "The check stopped unexpectedly. Start it again.".into(),
                                    ));
                                    return;
                                }
                            }
                        }
                    },
                    Err(e) => {
                        self.run.set(VerifyRun::Failed(problem(&e)));
                        return;
                    }
                }
            }
        });
    }

    fn cancel(self) {
        let events = match self.run.get_untracked() {
            VerifyRun::Running { events, .. } => events,
            _ => return,
        };
        self.generation.update(|g| *g += 1);
        self.run.set(VerifyRun::Cancelled { events });
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

/// What went wrong, for a person.
fn problem(e: &AppError) -> String {
    match e {
        AppError::Invalid(problems) => problems
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_else(|| "The check could not continue. Start it again.".into()),
        AppError::Unauthenticated => "Your session has ended. Sign in again, then verify.".into(),
        AppError::NeedsPermission(p) => {
            format!("You need the {p} permission to verify the audit log.")
        }
        AppError::Transport(_) => {
            "The server could not be reached. Check the connection and try again.".into()
        }
        AppError::Internal => "The check could not run. Try again.".into(),
        other => format!("The check could not run: {other}"),
    }
}

#[component]
pub fn VerifyButton(v: Verifier) -> impl IntoView {
    view! {
        <button
            type="button"
            class=BTN_SECONDARY
            disabled=move || v.running()
            aria-busy=move || v.running().to_string()
            on:click=move |_| v.start()
        >
            <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="h-4 w-4 text-slate-500">
                <path fill-rule="evenodd" d="M9.66 1.14a.75.75 0 0 1 .68 0l6.5 3.25a.75.75 0 0 1 .41.67c0 5.27-2.6 9.66-7 12.3a.75.75 0 0 1-.77 0c-4.4-2.64-7-7.03-7-12.3a.75.75 0 0 1 .42-.67l6.5-3.25Zm3.6 6.4a.75.75 0 1 0-1.22-.88L9.1 10.7 7.9 9.5a.75.75 0 0 0-1.06 1.06l1.83 1.83a.75.75 0 0 0 1.14-.09l3.44-4.76Z" clip-rule="evenodd" />
            </svg>
            {move || if v.running() { "Verifying…" } else { "Verify integrity" }}
        </button>
    }
}

/// The bar while it runs; the answer in words, green or red, once done.
#[component]
pub fn VerifyResult(v: Verifier) -> impl IntoView {
    let progress = Memo::new(move |_| match v.run.get() {
        VerifyRun::Running { events, total } => Some((events.max(0), total.max(events).max(0))),
        _ => None,
    });
    let running = move || progress.with(Option::is_some);
    let events = Signal::derive(move || progress.get().map_or(0, |p| p.0 as u64));
    let max = Signal::derive(move || progress.get().map_or(0, |p| p.1 as u64));
    let text = Signal::derive(move || match progress.get() {
        Some((_, 0)) | None => "Reading the chain…".to_string(),
        Some((events, total)) => {
            format!("{} of {} events verified", grouped(events), grouped(total))
        }
    });
    view! {
        <Show when=running>
            <div data-testid="verify-progress" class="mt-4 rounded-md bg-white px-4 py-3 shadow-sm ring-1 ring-inset ring-slate-200">
                <div class="flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
                    <p id="verify-progress-label" class="text-sm font-semibold text-slate-900">
                        "Verifying the chain of every event and its checkpoints…"
                    </p>
                    <button type="button" class=BTN_SECONDARY on:click=move |_| v.cancel()>
                        "Cancel"
                    </button>
                </div>
                <ProgressBar labelled_by="verify-progress-label" now=events max=max text=text />
                <p class="mt-2 text-sm tabular-nums text-slate-600" aria-live="polite">{text}</p>
            </div>
        </Show>
        {move || verdict(v)}
    }
}

fn verdict(v: Verifier) -> Option<AnyView> {
    match v.run.get() {
        VerifyRun::Idle | VerifyRun::Running { .. } => None,
        VerifyRun::Finished(a) if a.intact => Some(view! {
            <div role="status" data-testid="verify-result" class="mt-4 flex items-start gap-3 rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900 ring-1 ring-inset ring-emerald-600/30">
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="mt-0.5 h-5 w-5 shrink-0 text-emerald-600">
                    <path fill-rule="evenodd" d="M10 18a8 8 0 1 0 0-16 8 8 0 0 0 0 16Zm3.86-9.86a.75.75 0 0 0-1.22-.88l-3.24 4.48-1.6-1.6a.75.75 0 1 0-1.06 1.06l2.22 2.22a.75.75 0 0 0 1.14-.09l3.76-5.2Z" clip-rule="evenodd" />
                </svg>
                <div>
                    <p class="font-semibold">"Integrity verified"</p>
                    <p>{a.sentence.clone()}</p>
                </div>
            </div>
        }.into_any()),
        VerifyRun::Finished(a) => Some(view! {
            <div role="alert" data-testid="verify-result" class="mt-4 flex items-start gap-3 rounded-md bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-inset ring-red-600/30">
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="mt-0.5 h-5 w-5 shrink-0 text-red-600">
                    <path fill-rule="evenodd" d="M8.49 2.9a1.75 1.75 0 0 1 3.02 0l6.28 10.9A1.75 1.75 0 0 1 16.28 16.4H3.72a1.75 1.75 0 0 1-1.51-2.62L8.49 2.9ZM10 6.5a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 6.5Zm0 7.5a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z" clip-rule="evenodd" />
                </svg>
                <div>
                    <p class="font-semibold">"The audit log has been tampered with"</p>
                    <p>{a.sentence.clone()}</p>
                </div>
            </div>
        }.into_any()),
        VerifyRun::Cancelled { events } => Some(view! {
            <p role="status" data-testid="verify-result" class="mt-4 rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                {format!("Check cancelled after {} events. Nothing was concluded or recorded.", grouped(events))}
            </p>
        }.into_any()),
        VerifyRun::Failed(message) => Some(view! {
            <p role="alert" data-testid="verify-result" class="mt-4 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-inset ring-red-600/30">
                {message}
            </p>
        }.into_any()),
    }
}
