//! A modal confirmation, for actions that cannot be undone.

use leptos::prelude::*;

use super::ui::{BTN_DANGER, BTN_SECONDARY};

#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] body: String,
    #[prop(into)] confirm_label: String,
    #[prop(into)] pending: Signal<bool>,
    on_confirm: impl Fn() + Send + Sync + 'static + Clone,
) -> impl IntoView {
    let title_id = "confirm-title";
    let cancel = NodeRef::<leptos::html::Button>::new();
    let confirm = NodeRef::<leptos::html::Button>::new();
    // Opening moves focus to Cancel (an element added after the page
    // loaded ignores `autofocus`), so Escape and Tab work at once; closing
    // gives it back to what had it, usually the button that opened it.
    #[cfg(feature = "hydrate")]
    Effect::new(move |before: Option<Option<web_sys::HtmlElement>>| {
        use leptos::wasm_bindgen::JsCast;
        let before = before.flatten();
        if open.get() {
            let had = before.or_else(|| {
                document()
                    .active_element()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            });
            if let Some(b) = cancel.get() {
                let _ = b.focus();
            }
            had
        } else {
            if let Some(el) = before {
                let _ = el.focus();
            }
            None
        }
    });
    // Tab stays inside the dialog: past the last button it comes back to
    // the first, and Shift+Tab the other way.
    let trap = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
        #[cfg(feature = "hydrate")]
        if ev.key() == "Tab" {
            let active = document().active_element();
            let is = |r: NodeRef<leptos::html::Button>| {
                r.get().is_some_and(|b| {
                    let el: &web_sys::Element = &b;
                    active.as_ref() == Some(el)
                })
            };
            let last = if pending.get_untracked() {
                cancel
            } else {
                confirm
            };
            let (from, to) = if ev.shift_key() {
                (cancel, last)
            } else {
                (last, cancel)
            };
            if is(from) {
                ev.prevent_default();
                if let Some(b) = to.get() {
                    let _ = b.focus();
                }
            }
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40 p-4 text-left">
                <div
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby=title_id
                    class="w-full max-w-md rounded-lg bg-white p-6 shadow-xl"
                    on:keydown=trap
                >
                    <h2 id=title_id class="text-lg font-semibold text-slate-900">{move || title.get()}</h2>
                    <p class="mt-2 text-sm text-slate-600">{body.clone()}</p>
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=BTN_SECONDARY node_ref=cancel on:click=move |_| open.set(false)>
                            "Cancel"
                        </button>
                        <button
                            type="button"
                            node_ref=confirm
                            class=BTN_DANGER
                            disabled=move || pending.get()
                            on:click={
                                let f = on_confirm.clone();
                                move |_| f()
                            }
                        >
                            {confirm_label.clone()}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
