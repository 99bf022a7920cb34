pub mod impersonation;
pub mod keys;
pub mod streams;

use leptos::prelude::*;
use leptos_router::components::A;

/// The sections of Settings.
#[component]
pub fn SettingsTabs(active: &'static str) -> impl IntoView {
    let tab = move |key: &'static str, href: &'static str, label: &'static str| {
        let class = if key == active {
            "-mb-px whitespace-nowrap border-b-2 border-indigo-600 px-3 py-2 text-sm font-semibold text-indigo-700 sm:px-4"
        } else {
            "-mb-px whitespace-nowrap border-b-2 border-transparent px-3 py-2 text-sm font-medium text-slate-600 hover:text-slate-900 sm:px-4"
        };
        view! { <A href=href attr:class=class attr:aria-current=(key == active).then_some("page")>{label}</A> }
    };
    view! {
        <nav aria-label="Settings sections" class="mt-4 flex gap-1 border-b border-slate-200">
            {tab("keys", "/settings/keys", "Signing keys")}
            {tab("impersonation", "/settings/impersonation", "Impersonation")}
            {tab("streams", "/settings/streams", "Log streams")}
        </nav>
    }
}
