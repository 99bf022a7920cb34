//! Labelled form controls that show the server's message for their field.

use leptos::prelude::*;

use super::ui::{HELP, INPUT, INPUT_ERROR, LABEL};
use crate::dto::{LIFETIME_UNITS, SIGNING_ALGS};
use crate::error::AppError;

/// The latest error of an action, for field lookups.
pub type ErrorSignal = Signal<Option<AppError>>;

#[component]
pub fn FieldMessage(
    #[prop(into)] id: String,
    #[prop(into)] message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p id=id.clone() class="mt-1 text-sm text-red-700">
                {move || message.get().unwrap_or_default()}
            </p>
        </Show>
    }
}

/// A text input bound to `value`, labelled, with its field error below it.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    errors: ErrorSignal,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] help: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let field = name.clone();
    let message = Signal::derive(move || errors.get().and_then(|e| e.field(&field)));
    view! {
        <div>
            <label for=id.clone() class=LABEL>{label}</label>
            <div class="mt-1">
                <input
                    id=id
                    name=name
                    type=kind.unwrap_or_else(|| "text".into())
                    class=move || if message.get().is_some() { INPUT_ERROR } else { INPUT }
                    placeholder=placeholder
                    autocomplete=autocomplete
                    required=required
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=err_id.clone()
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </div>
            {help.map(|h| view! { <p class=HELP>{h}</p> })}
            <FieldMessage id=err_id message=message />
        </div>
    }
}

/// A multi-line input, for URL lists (one per line) and JSON.
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    errors: ErrorSignal,
    #[prop(optional, into)] help: Option<String>,
    #[prop(default = 3)] rows: u32,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let field = name.clone();
    let message = Signal::derive(move || errors.get().and_then(|e| e.field(&field)));
    let font = if mono { " font-mono text-xs" } else { "" };
    view! {
        <div>
            <label for=id.clone() class=LABEL>{label}</label>
            <div class="mt-1">
                <textarea
                    id=id
                    name=name
                    rows=rows
                    class=move || format!("{} disabled:resize-none{font}", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=err_id.clone()
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                >
                    {value.get_untracked()}
                </textarea>
            </div>
            {help.map(|h| view! { <p class=HELP>{h}</p> })}
            <FieldMessage id=err_id message=message />
        </div>
    }
}

/// A lifetime: a whole number and its unit (seconds to days), labelled, with
/// the field error for `name` below it.
#[component]
pub fn DurationField(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    unit: RwSignal<String>,
    errors: ErrorSignal,
    #[prop(optional, into)] help: Option<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let field = name.clone();
    let message = Signal::derive(move || errors.get().and_then(|e| e.field(&field)));
    let described = if help.is_some() {
        format!("{help_id} {err_id}")
    } else {
        err_id.clone()
    };
    view! {
        <div>
            <label for=id.clone() class=LABEL>{label.clone()}</label>
            <div class="mt-1 flex gap-2">
                <input
                    id=id
                    name=name
                    type="text"
                    inputmode="numeric"
                    class=move || format!("{} max-w-28 tabular-nums", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                    disabled=move || disabled.get()
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=described
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <select
                    aria-label=format!("{label} unit")
                    class=format!("{INPUT} max-w-36 disabled:bg-slate-50 disabled:text-slate-500")
                    disabled=move || disabled.get()
                    on:change=move |ev| unit.set(event_target_value(&ev))
                >
                    {LIFETIME_UNITS.into_iter().map(|(u, _)| view! {
                        <option value=u selected=move || unit.get() == u>{u}</option>
                    }).collect_view()}
                </select>
            </div>
            {help.map(|h| view! { <p id=help_id class=HELP>{h}</p> })}
            <FieldMessage id=err_id message=message />
        </div>
    }
}

/// The signing algorithm of tokens (ES256, RS256 or EdDSA).
#[component]
pub fn SigningAlgField(
    value: RwSignal<String>,
    errors: ErrorSignal,
    #[prop(optional, into)] help: Option<String>,
) -> impl IntoView {
    let message = Signal::derive(move || errors.get().and_then(|e| e.field("signing_alg")));
    view! {
        <div>
            <label for="f-signing_alg" class=LABEL>"Signing algorithm"</label>
            <select
                id="f-signing_alg"
                class=move || format!("mt-1 {}", if message.get().is_some() { INPUT_ERROR } else { INPUT })
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby="f-signing_alg-error"
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {SIGNING_ALGS.into_iter().map(|(v, l)| view! {
                    <option value=v selected=move || value.get() == v>{l}</option>
                }).collect_view()}
            </select>
            {help.map(|h| view! { <p class=HELP>{h}</p> })}
            <FieldMessage id="f-signing_alg-error" message=message />
        </div>
    }
}

/// "Please correct the highlighted fields.", while `errors` holds field
/// errors: the one line every form shows above or below its fields.
#[component]
pub fn InvalidNotice(errors: ErrorSignal) -> impl IntoView {
    view! {
        <Show when=move || matches!(errors.get(), Some(AppError::Invalid(_)))>
            <p role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
                "Please correct the highlighted fields."
            </p>
        </Show>
    }
}

/// A banner for errors that belong to no single field.
#[component]
pub fn ErrorBanner(errors: ErrorSignal) -> impl IntoView {
    view! {
        <Show when=move || errors.get().is_some()>
            <div role="alert" class="rounded-md bg-red-50 p-3 text-sm text-red-800 ring-1 ring-red-200">
                {move || errors.get().map(|e| e.to_string()).unwrap_or_default()}
            </div>
        </Show>
    }
}
