//! Settings → Log streams: how long the audit log keeps its events, and
//! the streams that deliver every event to another system (a JSON Lines
//! file or an HTTPS webhook), each with where it stands. One form, saved
//! whole; the statuses are read again every few seconds while it is open.

use leptos::prelude::*;
use leptos_meta::Title;

use super::SettingsTabs;

mod cards;
mod fields;

use crate::components::access::{gated, needs, RequirePermission};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{ErrorBanner, ErrorSignal, FieldMessage, InvalidNotice};
use crate::components::format::datetime;
use crate::components::permitted::{GatedButton, LookOnlyNote};
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_GREEN, BADGE_INDIGO, BADGE_RED, BADGE_SLATE, BTN_PRIMARY, BTN_SECONDARY, H1, H2, HELP,
    INPUT, INPUT_ERROR, LABEL,
};
use crate::dto::streams::{
    AuditStreamDto, AuditStreamSettingsDto, AuditStreamStatusDto, AuditStreamStatusesDto,
    AuditStreamsView, KIND_FILE, KIND_WEBHOOK, MAX_STREAMS,
};
use crate::error::AppError;
use crate::functions::streams::{
    audit_stream_settings, AuditStreamStatuses, ResumeAuditStream, SaveAuditStreamSettings,
    SendTestStreamRecord,
};
use cards::Streams;
use fields::StreamFields;

/// How often the statuses are read again while the page is open.
const POLL: std::time::Duration = std::time::Duration::from_secs(3);
/// The page-level "needs settings:write" line, for the disabled actions.
const LOOK_ONLY_ID: &str = "streams-look-only";
const RADIO: &str = "mt-0.5 h-4 w-4 shrink-0 border-slate-300 accent-indigo-600";
const SMALL_BTN: &str = "inline-flex items-center justify-center rounded-md bg-white px-2.5 py-1.5 text-xs font-semibold text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50";
const CODE: &str = "rounded bg-slate-100 px-1 py-0.5 font-mono text-[0.8em] text-slate-800";
/// A card of the page: less padding on a phone, where cards nest.
const SECTION: &str = "rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6";
const BADGE_AMBER: &str = "inline-flex items-center rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20";

#[component]
pub fn LogStreamsPage() -> impl IntoView {
    // Made here, outside RequirePermission and any Suspense (see
    // `access::gated`).
    let current = gated("settings:read", || (), |_| audit_stream_settings());
    view! {
        <RequirePermission permission="settings:read">
            <LogStreams current=current />
        </RequirePermission>
    }
}

#[component]
fn LogStreams(current: Resource<Result<AuditStreamsView, AppError>>) -> impl IntoView {
    view! {
        <Title text="Log streams · Masquerade" />
        <p class="text-sm font-medium text-slate-500">"Settings"</p>
        <h1 class=H1>"Log streams"</h1>
        <SettingsTabs active="streams" />
        <p class="mt-4 max-w-3xl text-sm text-slate-600">
            "How long the audit log keeps its events, and where else they go: a log stream delivers every event, as it is written, to a file or to another system such as a SIEM."
        </p>
        <LookOnlyNote permission="settings:write" lead="You can see these settings but not change them: changing them" id=LOOK_ONLY_ID />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match current.await {
                    Ok(v) => view! { <StreamsForm current=v /> }.into_any(),
                    Err(e) => view! {
                        <p role="alert" class="mt-6 rounded-md bg-red-50 p-3 text-sm text-red-800">{e.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// One stream being edited; `key` keeps its card in place while others
/// are added or removed.
#[derive(Clone, Copy)]
struct StreamDraft {
    key: u64,
    stream: RwSignal<AuditStreamDto>,
    /// "Pause after" as typed.
    pause: RwSignal<String>,
    /// Its fields are open.
    editing: RwSignal<bool>,
}

/// Every field of the form.
#[derive(Clone, Copy)]
struct Draft {
    keep_all: RwSignal<bool>,
    days: RwSignal<String>,
    streams: RwSignal<Vec<StreamDraft>>,
    next_key: StoredValue<u64>,
}

/// The days field for a saved retention (0, keep all: a suggestion).
fn days_text(days: i64) -> String {
    if days == 0 {
        "90".into()
    } else {
        days.to_string()
    }
}

/// A number as typed; anything else becomes -1, which the server refuses
/// with the field's own range message.
fn number(s: &str) -> i64 {
    s.trim().parse::<i64>().unwrap_or(-1)
}

impl Draft {
    fn new(s: &AuditStreamSettingsDto) -> Self {
        let next_key = StoredValue::new(0);
        Draft {
            keep_all: RwSignal::new(s.retention_days == 0),
            days: RwSignal::new(days_text(s.retention_days)),
            streams: RwSignal::new(drafts_of(next_key, s)),
            next_key,
        }
    }

    /// The form as `s` says, after a save.
    fn reset(&self, s: &AuditStreamSettingsDto) {
        self.keep_all.set(s.retention_days == 0);
        self.days.set(days_text(s.retention_days));
        self.streams.set(drafts_of(self.next_key, s));
    }

    fn add(&self, kind: &str) {
        let s = AuditStreamDto {
            kind: kind.into(),
            enabled: true,
            pause_after_minutes: 60,
            ..Default::default()
        };
        let d = draft_of(self.next_key, s, true);
        self.streams.update(|l| l.push(d));
    }

    fn remove(&self, key: u64) {
        self.streams.update(|l| l.retain(|s| s.key != key));
    }

    /// The keys of the streams in order, as sent: the server names a
    /// stream's problem by its position ("streams[2].url").
    fn keys(&self) -> Vec<u64> {
        self.streams
            .with_untracked(|l| l.iter().map(|s| s.key).collect())
    }

    /// The whole settings, for one save (`tracked`: for a derived signal).
    fn settings(&self, tracked: bool) -> AuditStreamSettingsDto {
        let read = |s: &StreamDraft| {
            let (mut st, pause) = if tracked {
                (s.stream.get(), s.pause.get())
            } else {
                (s.stream.get_untracked(), s.pause.get_untracked())
            };
            st.pause_after_minutes = number(&pause);
            st.name = st.name.trim().to_string();
            st
        };
        let (keep_all, days, streams) = if tracked {
            (self.keep_all.get(), self.days.get(), self.streams.get())
        } else {
            (
                self.keep_all.get_untracked(),
                self.days.get_untracked(),
                self.streams.get_untracked(),
            )
        };
        AuditStreamSettingsDto {
            // "Remove after N days" with N not a number of days is sent as
            // -1, so that the server's message says what it takes (0 would
            // quietly keep everything).
            retention_days: if keep_all {
                0
            } else {
                match number(&days) {
                    0 => -1,
                    n => n,
                }
            },
            streams: streams.iter().map(read).collect(),
        }
    }
}

fn draft_of(next_key: StoredValue<u64>, s: AuditStreamDto, editing: bool) -> StreamDraft {
    let key = next_key.get_value();
    next_key.set_value(key + 1);
    StreamDraft {
        key,
        pause: RwSignal::new(s.pause_after_minutes.to_string()),
        stream: RwSignal::new(s),
        editing: RwSignal::new(editing),
    }
}

fn drafts_of(next_key: StoredValue<u64>, s: &AuditStreamSettingsDto) -> Vec<StreamDraft> {
    s.streams
        .iter()
        .map(|st| draft_of(next_key, st.clone(), false))
        .collect()
}

/// Whether the form says something other than what is saved.
fn differs(draft: &AuditStreamSettingsDto, saved: &AuditStreamSettingsDto) -> bool {
    let plain = |s: &AuditStreamSettingsDto| {
        let mut s = s.clone();
        for st in &mut s.streams {
            st.secret_set = false;
            st.name = st.name.trim().to_string();
            st.url = st.url.trim().to_string();
            st.file = st.file.trim().to_string();
        }
        s
    };
    plain(draft) != plain(saved)
}

#[component]
fn StreamsForm(current: AuditStreamsView) -> impl IntoView {
    let toasts = use_toasts();
    let draft = Draft::new(&current.settings);
    let saved = RwSignal::new(current.settings);
    let status = RwSignal::new(current.status);
    let file_streams = current.file_streams;
    let save = ServerAction::<SaveAuditStreamSettings>::new();
    let refresh = ServerAction::<AuditStreamStatuses>::new();
    let sent_keys = StoredValue::new(Vec::<u64>::new());
    Effect::new(move |_| {
        if let Some(Ok(v)) = save.value().get() {
            draft.reset(&v.settings);
            saved.set(v.settings);
            status.set(v.status);
            toasts.success("Log stream settings saved");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = refresh.value().get() {
            status.set(s);
        }
    });
    // Effects run in the browser only: no timer on the server.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if !refresh.pending().get_untracked() && !save.pending().get_untracked() {
                    refresh.dispatch(AuditStreamStatuses {});
                }
            },
            POLL,
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let errors: ErrorSignal = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let dirty = Signal::derive(move || saved.with(|s| differs(&draft.settings(true), s)));
    let write = needs("settings:write");
    let locked = Signal::derive(move || write.get().is_some());
    view! {
        <form
            class="mt-6 max-w-4xl space-y-6"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                sent_keys.set_value(draft.keys());
                save.dispatch(SaveAuditStreamSettings { settings: draft.settings(false) });
            }
        >
            <Retention draft=draft errors=errors locked=locked />
            <Streams draft=draft saved=saved status=status refresh=refresh errors=errors
                sent_keys=sent_keys locked=locked file_streams=file_streams />
            <div class="space-y-3">
                <ErrorBanner errors=general />
                <InvalidNotice errors=errors />
                <div class="flex flex-wrap items-center gap-3">
                    <GatedButton needs=write note="streams-save-needs" class=BTN_PRIMARY submit=true busy=save.pending()>
                        "Save settings"
                    </GatedButton>
                    {move || if dirty.get() && !locked.get() {
                        view! { <span class="text-xs font-medium text-amber-700" data-testid="unsaved">"Unsaved changes"</span> }.into_any()
                    } else {
                        view! { <span class="text-xs text-slate-500">"Saves retention and every stream at once."</span> }.into_any()
                    }}
                </div>
            </div>
        </form>
    }
}

/// A card of the form whose controls are disabled for those who may only
/// look; `actions` sit right of the title and stay usable.
#[component]
fn Card(
    title: &'static str,
    #[prop(into)] id: String,
    locked: Signal<bool>,
    #[prop(optional)] actions: Option<AnyView>,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-heading");
    let labelled_by = heading.clone();
    view! {
        <section class=SECTION aria-labelledby=labelled_by>
            <div class="flex flex-wrap items-start justify-between gap-3">
                <h2 id=heading class=H2>{title}</h2>
                {actions}
            </div>
            <fieldset class="mt-1 min-w-0" disabled=move || locked.get()>
                <legend class="sr-only">{title}</legend>
                {children()}
            </fieldset>
        </section>
    }
}

#[component]
fn Retention(draft: Draft, errors: ErrorSignal, locked: Signal<bool>) -> impl IntoView {
    let message = Signal::derive(move || errors.get().and_then(|e| e.field("retention_days")));
    let radio = move |keep: bool, id: &'static str| {
        view! {
            <input id=id type="radio" name="retention" class=RADIO
                prop:checked=move || draft.keep_all.get() == keep
                on:change=move |_| draft.keep_all.set(keep) />
        }
    };
    view! {
        <Card title="Retention" id="retention" locked=locked>
            <p class="max-w-3xl text-sm text-slate-600">
                "Events older than the period are removed from the audit log once an hour. Only a whole prefix of the chain goes: the oldest events, up to the first one still inside the period, never one from the middle. The chain then starts at a recorded point, so verification still passes, and an audit.pruned event says what was removed."
            </p>
            <div class="mt-4 space-y-3" role="radiogroup" aria-label="Retention">
                <div class="flex items-start gap-3 text-sm text-slate-800">
                    {radio(true, "retention-keep")}
                    <div>
                        <label for="retention-keep" class="font-medium">"Keep every event"</label>
                        <p class="mt-0.5 text-xs text-slate-500">"Nothing is ever removed. The default."</p>
                    </div>
                </div>
                <div class="flex items-start gap-3 text-sm text-slate-800">
                    {radio(false, "retention-days")}
                    <div class="min-w-0 flex-1">
                        <label for="retention-days" class="font-medium">"Remove events older than a number of days"</label>
                        <div class="mt-2 flex items-center gap-2">
                            <input
                                id="f-retention_days"
                                type="text"
                                inputmode="numeric"
                                aria-label="Days to keep events"
                                class=move || format!("{} max-w-28 tabular-nums", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                                disabled=move || draft.keep_all.get()
                                aria-invalid=move || message.get().is_some().to_string()
                                aria-describedby="f-retention_days-help f-retention_days-error"
                                prop:value=move || draft.days.get()
                                on:input=move |ev| draft.days.set(event_target_value(&ev))
                            />
                            <span class="text-sm text-slate-700">"days"</span>
                        </div>
                        <p id="f-retention_days-help" class=HELP>
                            "1 to 3650 days. Events are removed whether or not every log stream has received them yet, so keep them longer than a stream may be paused."
                        </p>
                        <FieldMessage id="f-retention_days-error" message=message />
                    </div>
                </div>
            </div>
        </Card>
    }
}
