//! Labelled form controls that show the server's message for their field.

use leptos::prelude::*;

use super::ui::{HELP, INPUT, INPUT_ERROR, LABEL};
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
                    class=move || format!("{}{font}", if message.get().is_some() { INPUT_ERROR } else { INPUT })
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
