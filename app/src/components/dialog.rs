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
    view! {
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-40 flex items-center justify-center bg-slate-900/40 p-4 text-left">
                <div
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby=title_id
                    class="w-full max-w-md rounded-lg bg-white p-6 shadow-xl"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            open.set(false);
                        }
                    }
                >
                    <h2 id=title_id class="text-lg font-semibold text-slate-900">{move || title.get()}</h2>
                    <p class="mt-2 text-sm text-slate-600">{body.clone()}</p>
                    <div class="mt-6 flex justify-end gap-3">
                        <button type="button" class=BTN_SECONDARY autofocus on:click=move |_| open.set(false)>
                            "Cancel"
                        </button>
                        <button
                            type="button"
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
