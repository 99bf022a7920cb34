//! A stream's editable fields, and the webhook signature's explanation.

use super::*;

/// A labelled text input of a stream, with the server's message under it.
#[component]
fn Field(
    #[prop(into)] id: String,
    label: &'static str,
    #[prop(into)] value: Signal<String>,
    set: Callback<String>,
    message: Signal<Option<String>>,
    #[prop(optional, into)] help: Option<String>,
    #[prop(optional, into)] placeholder: Signal<String>,
    #[prop(optional)] mono: bool,
    #[prop(optional)] numeric: bool,
) -> impl IntoView {
    let err_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let described = format!("{help_id} {err_id}");
    let font = if mono { " font-mono" } else { "" };
    let width = if numeric {
        " max-w-28 tabular-nums"
    } else {
        ""
    };
    view! {
        <div class="min-w-0">
            <label for=id.clone() class=LABEL>{label}</label>
            <input
                id=id
                type="text"
                inputmode=numeric.then_some("numeric")
                autocomplete="off"
                spellcheck="false"
                class=move || format!("mt-1 {}{font}{width} placeholder:font-sans", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                placeholder=move || placeholder.get()
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))
            />
            {help.map(|h| view! { <p id=help_id class=HELP>{h}</p> })}
            <FieldMessage id=err_id message=message />
        </div>
    }
}

#[component]
pub(super) fn StreamFields(
    draft: StreamDraft,
    field: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
    file_streams: bool,
    #[prop(into)] id: String,
) -> impl IntoView {
    let stream = draft.stream;
    let key = draft.key;
    let text = move |get: fn(&AuditStreamDto) -> String| Signal::derive(move || stream.with(get));
    let webhook = stream.with_untracked(|s| s.is_webhook());
    let secret_set = move || stream.with(|s| s.secret_set);
    let kind_error = field("kind");
    view! {
        <div id=id class="mt-4 grid gap-4 border-t border-slate-100 pt-4 sm:grid-cols-2">
            <Field id=format!("s{key}-name") label="Name" value=text(|s| s.name.clone())
                set=Callback::new(move |v| stream.update(|s| s.name = v))
                message=field("name") placeholder="SIEM"
                help="How this stream is called here and in the audit log." />
            <Field id=format!("s{key}-pause") label="Pause after (minutes of failures)" value=draft.pause
                set=Callback::new(move |v| draft.pause.set(v))
                message=field("pause_after_minutes") numeric=true
                help="5 minutes to 7 days (10080 minutes). Default 60." />
            {if webhook {
                view! {
                    <div class="sm:col-span-2">
                        <Field id=format!("s{key}-url") label="URL" value=text(|s| s.url.clone())
                            set=Callback::new(move |v| stream.update(|s| s.url = v))
                            message=field("url") mono=true placeholder="https://siem.example.com/masquerade"
                            help="Each batch of events is POSTed here as JSON: {\"records\": [...]}. Any 2xx answer counts as delivered; redirects are not followed." />
                    </div>
                    <div class="sm:col-span-2">
                        <Field id=format!("s{key}-secret") label="Signing secret" value=text(|s| s.secret.clone())
                            set=Callback::new(move |v| stream.update(|s| s.secret = v))
                            message=field("secret") mono=true
                            placeholder=Signal::derive(move || if secret_set() { "Secret set — leave blank to keep".to_string() } else { String::new() })
                            help=if stream.with_untracked(|s| s.secret_set) {
                                "Write-only: the secret set cannot be read back. Leave blank to keep it, or type a new one (at least 16 characters) to replace it."
                            } else {
                                "At least 16 characters. Keep a copy for the receiver: once saved, it cannot be read back."
                            } />
                        <SignatureHelp />
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <div class="sm:col-span-2">
                        <Field id=format!("s{key}-file") label="File name" value=text(|s| s.file.clone())
                            set=Callback::new(move |v| stream.update(|s| s.file = v))
                            message=field("file") mono=true placeholder="audit.jsonl"
                            help=if file_streams {
                                "A file name only (letters, digits, '.', '-', '_'; not starting with '.'), in the server's log stream directory. One JSON object per line, appended."
                            } else {
                                "A file name only, in the server's log stream directory. This server has none (MASQUERADE_AUDIT_STREAM_DIR is not set), so it cannot be saved."
                            } />
                    </div>
                }
                .into_any()
            }}
            <div class="sm:col-span-2">
                <FieldMessage id=format!("s{key}-kind-error") message=kind_error />
            </div>
        </div>
    }
}

/// How a receiver checks that a batch comes from this server.
#[component]
fn SignatureHelp() -> impl IntoView {
    view! {
        <div class="mt-3 rounded-md bg-slate-50 p-3 text-xs text-slate-700 ring-1 ring-inset ring-slate-200">
            <p class="font-semibold text-slate-900">"Checking the signature"</p>
            <p class="mt-1">
                "Each POST carries " <code class=CODE>"X-Masquerade-Timestamp"</code> " (Unix seconds) and "
                <code class=CODE>"X-Masquerade-Signature: v1=<hex>"</code> ", where hex is the HMAC-SHA256, keyed with this secret, of "
                <code class=CODE>"<timestamp>.<body>"</code> ": the timestamp header, a dot, and the raw request body."
            </p>
            <p class="mt-1">"Compute it over the body exactly as received, compare in constant time, and refuse timestamps more than a few minutes old."</p>
        </div>
    }
}
