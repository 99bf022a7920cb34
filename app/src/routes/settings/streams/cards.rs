//! The streams list: each stream's card with its state, status and test send.

use super::*;

/// "less than a minute ago", "5 minutes ago", "2 hours ago", "3 days ago".
fn ago(now: i64, ts: i64) -> String {
    let d = (now - ts).max(0);
    let (n, unit) = match d {
        0..=59 => return "less than a minute ago".into(),
        60..=3599 => (d / 60, "minute"),
        3600..=86_399 => (d / 3600, "hour"),
        _ => (d / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

fn events(n: i64) -> String {
    if n == 1 {
        "1 event".into()
    } else {
        format!("{n} events")
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
pub(super) fn Streams(
    draft: Draft,
    saved: RwSignal<AuditStreamSettingsDto>,
    status: RwSignal<AuditStreamStatusesDto>,
    refresh: ServerAction<AuditStreamStatuses>,
    errors: ErrorSignal,
    sent_keys: StoredValue<Vec<u64>>,
    locked: Signal<bool>,
    file_streams: bool,
) -> impl IntoView {
    let confirm = RwSignal::new(false);
    let removing = RwSignal::new(None::<(u64, String)>);
    let full = move || draft.streams.with(|l| l.len() >= MAX_STREAMS);
    let list_error = Signal::derive(move || errors.get().and_then(|e| e.field("streams")));
    let refresh_button = view! {
        <div class="flex items-center gap-2">
            <span class="hidden text-xs text-slate-500 sm:inline">"Status read every few seconds"</span>
            <button type="button" class=SMALL_BTN disabled=move || refresh.pending().get()
                on:click=move |_| { refresh.dispatch(AuditStreamStatuses {}); }>
                {move || if refresh.pending().get() { "Refreshing…" } else { "Refresh status" }}
            </button>
        </div>
    }
    .into_any();
    view! {
        <Card title="Log streams" id="streams" locked=locked actions=refresh_button>
            <div class="max-w-3xl space-y-2 text-sm text-slate-600">
                <p>"Each stream receives every audit event at least once and in order, each with its seq and id (drop a repeat by its id), with the signed checkpoints among them. Delivery runs in the background, so a slow or failing receiver never slows the console or sign-ins."</p>
                <p>"A stream that fails is tried again with growing waits (at most 5 minutes) and paused after the time you set; resumed, it goes on from where it stopped, so nothing is lost."</p>
            </div>
            <FieldMessage id="f-streams-error" message=list_error />
            <div class="mt-5 space-y-4">
                <Show when=move || draft.streams.with(|l| l.is_empty())>
                    <p class="rounded-md bg-slate-50 px-4 py-6 text-center text-sm text-slate-600 ring-1 ring-inset ring-slate-200">
                        "No log stream yet: the events stay in Masquerade's own audit log only."
                    </p>
                </Show>
                <For each=move || draft.streams.get() key=|s| s.key let:s>
                    <StreamCard
                        draft=s
                        saved=saved
                        status=status
                        locked=locked
                        file_streams=file_streams
                        errors=errors
                        sent_keys=sent_keys
                        on_remove=Callback::new(move |_| {
                            let st = s.stream.get_untracked();
                            if st.id.is_empty() {
                                draft.remove(s.key);
                            } else {
                                removing.set(Some((s.key, st.name)));
                                confirm.set(true);
                            }
                        })
                    />
                </For>
            </div>
            <div class="mt-5 border-t border-slate-200 pt-5">
                <div class="flex flex-wrap items-center gap-3">
                    <button type="button" class=BTN_SECONDARY disabled=full on:click=move |_| draft.add(KIND_WEBHOOK)>
                        "Add webhook"
                    </button>
                    <button type="button" class=BTN_SECONDARY disabled=full on:click=move |_| draft.add(KIND_FILE)>
                        "Add JSON Lines file"
                    </button>
                </div>
                <p class=HELP>
                    {move || if full() { "At most 10 log streams." } else { "Up to 10 log streams. A new stream starts from the oldest event the log holds." }}
                </p>
                {(!file_streams).then(|| view! {
                    <p class="mt-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="file-streams-off">
                        "File streams are off on this server: it has no log stream directory. Set MASQUERADE_AUDIT_STREAM_DIR to the directory they may write to, and restart it. Webhooks work without it."
                    </p>
                })}
            </div>
        </Card>
        <ConfirmDialog
            open=confirm
            title=Signal::derive(move || match removing.get() {
                Some((_, name)) if !name.trim().is_empty() => format!("Remove the log stream {name}?"),
                _ => "Remove this log stream?".to_string(),
            })
            body="It receives no more events once you save the page. What it has received stays where it is."
            confirm_label="Remove"
            pending=Signal::derive(|| false)
            on_confirm=move || {
                if let Some((key, _)) = removing.get_untracked() {
                    draft.remove(key);
                }
                removing.set(None);
                confirm.set(false);
            }
        />
    }
}

/// What a saved stream's status says, in a badge and words.
#[derive(Clone, PartialEq)]
enum State {
    NotSaved,
    Off,
    Paused,
    Failing,
    UpToDate,
    Behind(i64),
}

fn state_of(
    stream: &AuditStreamDto,
    saved: Option<&AuditStreamDto>,
    st: Option<&AuditStreamStatusDto>,
) -> State {
    let (Some(saved), Some(st)) = (saved, st) else {
        return State::NotSaved;
    };
    if stream.id.is_empty() {
        State::NotSaved
    } else if st.paused {
        State::Paused
    } else if !saved.enabled {
        State::Off
    } else if !st.last_error.is_empty() {
        State::Failing
    } else if st.lag == 0 {
        State::UpToDate
    } else {
        State::Behind(st.lag)
    }
}

fn badge(state: &State) -> impl IntoView {
    let (class, text) = match state {
        State::NotSaved => (BADGE_SLATE, "Not saved yet".to_string()),
        State::Off => (BADGE_SLATE, "Off".to_string()),
        State::Paused => (BADGE_RED, "Paused".to_string()),
        State::Failing => (BADGE_AMBER, "Failing".to_string()),
        State::UpToDate => (BADGE_GREEN, "Up to date".to_string()),
        State::Behind(n) => (BADGE_INDIGO, format!("{} behind", events(*n))),
    };
    view! { <span class=class data-testid="stream-state">{text}</span> }
}

#[component]
fn StreamCard(
    draft: StreamDraft,
    saved: RwSignal<AuditStreamSettingsDto>,
    status: RwSignal<AuditStreamStatusesDto>,
    locked: Signal<bool>,
    file_streams: bool,
    errors: ErrorSignal,
    /// The streams' keys in the order last sent: the server names a
    /// problem by position ("streams[0].url").
    sent_keys: StoredValue<Vec<u64>>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let toasts = use_toasts();
    let stream = draft.stream;
    let key = draft.key;
    let test = ServerAction::<SendTestStreamRecord>::new();
    let resume = ServerAction::<ResumeAuditStream>::new();
    Effect::new(move |_| match resume.value().get() {
        Some(Ok(s)) => {
            status.set(s);
            toasts.success("Stream resumed: it goes on from where it stopped");
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let id = move || stream.with(|s| s.id.clone());
    let saved_one = move || {
        let id = id();
        saved.with(|s| {
            s.streams
                .iter()
                .find(|x| x.id == id && !id.is_empty())
                .cloned()
        })
    };
    let st = move || {
        let id = id();
        status.with(|s| {
            s.statuses
                .iter()
                .find(|x| x.id == id && !id.is_empty())
                .cloned()
        })
    };
    let now = move || status.with(|s| s.now);
    let state = move || stream.with(|s| state_of(s, saved_one().as_ref(), st().as_ref()));
    // The server's message for one of its fields ("url").
    // The errors are read first, so that the message follows them (the
    // keys are no signal).
    let message = move |name: &str| {
        let e = errors.get()?;
        let i = sent_keys.with_value(|keys| keys.iter().position(|k| *k == key))?;
        e.field(&format!("streams[{i}].{name}"))
    };
    let field = move |name: &'static str| Signal::derive(move || message(name));
    let any_error = move || {
        [
            "name",
            "kind",
            "url",
            "secret",
            "file",
            "pause_after_minutes",
        ]
        .iter()
        .any(|f| message(f).is_some())
    };
    // Open while being edited, and whenever the server found a problem in
    // it: the problem is shown next to its field.
    let open = Signal::derive(move || draft.editing.get() || any_error());
    let title = move || {
        stream.with(|s| {
            if s.name.trim().is_empty() {
                format!("New {}", s.kind_label().to_lowercase())
            } else {
                s.name.trim().to_string()
            }
        })
    };
    let heading_id = format!("stream-{key}-heading");
    let labelled_by = heading_id.clone();
    let details_id = format!("stream-{key}-fields");
    let write_needed = move || locked.get().then_some(LOOK_ONLY_ID);
    view! {
        <article class="rounded-lg bg-white p-3 ring-1 ring-slate-300 sm:p-4" aria-labelledby=labelled_by data-stream=move || stream.with(|s| s.name.clone())>
            <div class="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
                <div class="min-w-0 flex-1">
                    <div class="flex flex-wrap items-center gap-2">
                        <h3 id=heading_id class="text-sm font-semibold text-slate-900">{title}</h3>
                        <span class=BADGE_SLATE>{move || stream.with(|s| s.kind_label())}</span>
                        {move || badge(&state())}
                    </div>
                    <p class="mt-1 break-all font-mono text-xs text-slate-700" data-testid="stream-target">
                        {move || stream.with(|s| {
                            let t = s.target().trim().to_string();
                            if t.is_empty() {
                                if s.is_webhook() { "No URL yet".to_string() } else { "No file name yet".to_string() }
                            } else {
                                t
                            }
                        })}
                    </p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    <button type="button" class=SMALL_BTN
                        aria-expanded=move || open.get().to_string()
                        aria-controls=details_id.clone()
                        aria-describedby=write_needed
                        on:click=move |_| draft.editing.update(|e| *e = !*e)>
                        {move || if open.get() { "Done" } else { "Edit" }}
                    </button>
                    <button type="button" class=SMALL_BTN
                        aria-label=move || format!("Remove {}", title())
                        aria-describedby=write_needed
                        on:click=move |_| on_remove.run(())>
                        "Remove"
                    </button>
                </div>
            </div>
            <div class="mt-3 flex flex-wrap items-center gap-x-6 gap-y-2 text-sm text-slate-800">
                <label class="flex items-center gap-2">
                    <input type="checkbox" class="h-4 w-4 shrink-0 rounded border-slate-300 accent-indigo-600"
                        prop:checked=move || stream.with(|s| s.enabled)
                        on:change=move |ev| stream.update(|s| s.enabled = event_target_checked(&ev)) />
                    <span class="font-medium">"Enabled"</span>
                </label>
                <span class="text-slate-600">
                    {move || {
                        let p = draft.pause.get();
                        let p = p.trim();
                        match p.parse::<i64>() {
                            Ok(n) if n > 0 => format!("Pauses after {n} minutes of failures"),
                            _ => "Pauses after failing for a while".to_string(),
                        }
                    }}
                </span>
            </div>
            <StatusPanel state=Signal::derive(state) status=Signal::derive(st) now=Signal::derive(now)
                pause_minutes=Signal::derive(move || saved_one().map(|s| s.pause_after_minutes).unwrap_or(60))
                resume=resume id=Signal::derive(id) locked=locked />
            <Show when=move || !id().is_empty()>
                <div class="mt-3 flex flex-wrap items-center gap-3">
                    <button type="button" class=SMALL_BTN
                        disabled=move || locked.get() || test.pending().get()
                        aria-describedby=write_needed
                        on:click=move |_| { test.dispatch(SendTestStreamRecord { id: id() }); }>
                        {move || if test.pending().get() { "Sending…" } else { "Send test event" }}
                    </button>
                    <TestResult test=test />
                </div>
            </Show>
            <Show when=move || open.get()>
                <StreamFields draft=draft field=field file_streams=file_streams id=details_id.clone() />
            </Show>
        </article>
    }
}

#[component]
fn TestResult(test: ServerAction<SendTestStreamRecord>) -> impl IntoView {
    move || {
        test.value().get().map(|r| match r {
            Ok(t) if t.delivered => view! {
                <p role="status" class="text-sm text-emerald-700">"Test event delivered."</p>
            }
            .into_any(),
            Ok(t) => view! {
                <p role="alert" class="text-sm text-red-700">{format!("Test event not delivered: {}", t.error)}</p>
            }
            .into_any(),
            Err(e) => view! {
                <p role="alert" class="min-w-0 flex-1 text-sm text-red-700" data-testid="test-error">{e.to_string()}</p>
            }
            .into_any(),
        })
    }
}

#[component]
fn StatusPanel(
    state: Signal<State>,
    status: Signal<Option<AuditStreamStatusDto>>,
    now: Signal<i64>,
    pause_minutes: Signal<i64>,
    resume: ServerAction<ResumeAuditStream>,
    id: Signal<String>,
    locked: Signal<bool>,
) -> impl IntoView {
    let row = |label: &'static str, value: String| {
        view! {
            <div class="min-w-0">
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                <dd class="mt-0.5 break-words text-sm text-slate-900">{value}</dd>
            </div>
        }
    };
    move || {
        let state = state.get();
        let Some(st) = status.get().filter(|_| !matches!(state, State::NotSaved)) else {
            return view! {
                <p class="mt-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-inset ring-slate-200">
                    "Not saved yet: delivery starts once you save the page."
                </p>
            }
            .into_any();
        };
        let now = now.get();
        let delivered = if st.delivered_seq > 0 {
            format!("Event #{}", st.delivered_seq)
        } else {
            "None yet".to_string()
        };
        let lag = match st.lag {
            0 => "Up to date".to_string(),
            n => format!("{} behind", events(n)),
        };
        let last = if st.delivered_at > 0 {
            format!(
                "{} ({})",
                datetime(st.delivered_at),
                ago(now, st.delivered_at)
            )
        } else {
            "Never".to_string()
        };
        let banner = match state {
            State::Paused => Some(view! {
                <div role="alert" class="mt-3 rounded-md bg-red-50 p-3 text-sm text-red-900 ring-1 ring-inset ring-red-200" data-testid="stream-paused">
                    <p class="font-semibold">"Paused: nothing is sent until you resume it."</p>
                    <p class="mt-1">{format!(
                        "It failed from {} for longer than {} minutes. Resumed, it is tried again at once and goes on from event #{}, so nothing is lost.",
                        datetime(st.failing_since), pause_minutes.get(), st.delivered_seq + 1
                    )}</p>
                    {(!st.last_error.is_empty()).then(|| view! {
                        <p class="mt-1 break-words">"Last error: " {st.last_error.clone()}</p>
                    })}
                    <div class="mt-2 flex flex-wrap items-center gap-3">
                        <button type="button" class=BTN_SECONDARY
                            disabled=move || locked.get() || resume.pending().get()
                            aria-describedby=move || locked.get().then_some(LOOK_ONLY_ID)
                            on:click=move |_| { resume.dispatch(ResumeAuditStream { id: id.get_untracked() }); }>
                            "Resume"
                        </button>
                    </div>
                </div>
            }
            .into_any()),
            State::Failing => {
                let pauses_at = st.failing_since + pause_minutes.get() * 60;
                Some(view! {
                    <div role="alert" class="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-950 ring-1 ring-inset ring-amber-200" data-testid="stream-failing">
                        <p class="break-words"><span class="font-semibold">"Last error: "</span>{st.last_error.clone()}</p>
                        <p class="mt-1">{format!(
                            "Failing since {} ({}). Tried again with growing waits; paused at {} if it keeps failing.",
                            datetime(st.failing_since), ago(now, st.failing_since), datetime(pauses_at)
                        )}</p>
                    </div>
                }
                .into_any())
            }
            State::Off => Some(view! {
                <p class="mt-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-inset ring-slate-200">
                    "Switched off: nothing is sent. Switched on again, it goes on from where it stopped."
                </p>
            }
            .into_any()),
            _ => None,
        };
        view! {
            <dl class="mt-3 grid grid-cols-1 gap-3 rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200 sm:grid-cols-3" data-testid="stream-status">
                {row("Delivered through", delivered)}
                {row("Lag", lag)}
                {row("Last delivered", last)}
            </dl>
            {banner}
        }
        .into_any()
    }
}
