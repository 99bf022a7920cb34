//! Actions the signed-in person may lack: disabled, never hidden, with the
//! permission they need named in words next to them ("Needs users:write").

use leptos::prelude::*;
use leptos_router::components::A;

use super::access::{needs, use_me};
use super::ui::BTN_PRIMARY;

/// "Needs users:write" under or next to an action the person lacks: the
/// `title` tooltip alone reaches neither keyboard nor touch users.
#[component]
pub fn NeedsNote(
    #[prop(into)] needs: Signal<Option<String>>,
    /// For the action's `aria-describedby`.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    move || {
        needs.get().map(|text| {
            // Last in a row of actions (after Cancel), right after its
            // action in reading order.
            view! { <span id=id.clone() class="order-last text-xs font-medium text-slate-500">{text}</span> }
        })
    }
}

/// A button for an action that needs a permission: disabled when `needs`
/// says what is missing (and while `busy`), with that as its tooltip and,
/// after it, in words. Lay it out in a row or a column of actions.
#[component]
pub fn GatedButton(
    /// Why it is off, if it is: `needs("users:write")`.
    #[prop(into)]
    needs: Signal<Option<String>>,
    /// The id of the words, for `aria-describedby`.
    #[prop(into)]
    note: String,
    class: &'static str,
    #[prop(optional)] submit: bool,
    /// Also off while this holds (say, while saving).
    #[prop(optional, into)]
    busy: Signal<bool>,
    #[prop(optional, into)] on_click: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type=if submit { "submit" } else { "button" }
            class=class
            disabled=move || busy.get() || needs.get().is_some()
            title=move || needs.get()
            aria-describedby={
                let note = note.clone();
                move || needs.get().map(|_| note.clone())
            }
            on:click=move |_| {
                if let Some(f) = on_click {
                    f.run(());
                }
            }
        >
            {children()}
        </button>
        <NeedsNote needs=needs id=note />
    }
}

/// A line under a page's heading for someone who may look but not act:
/// "{lead} needs `permission`." Nothing for those who hold it.
#[component]
pub fn LookOnlyNote(
    permission: &'static str,
    /// Such as "You can see these but not revoke them: revoking".
    lead: &'static str,
    /// For the disabled actions' `aria-describedby`.
    id: &'static str,
) -> impl IntoView {
    let can = use_me().can(permission);
    move || {
        (!can.get()).then(|| {
            view! {
                <p id=id class="mt-3 inline-block rounded-md bg-slate-100 px-3 py-1.5 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
                    {lead} " needs " <code class="font-mono text-xs text-slate-900">{permission}</code> "."
                </p>
            }
        })
    }
}

/// A primary action that opens a page (such as "Create user"): a link for
/// those who hold `permission`, otherwise a disabled button that says what
/// it needs.
#[component]
pub fn ActionLink(
    href: &'static str,
    label: &'static str,
    permission: &'static str,
) -> impl IntoView {
    let needs = needs(permission);
    let note_id = format!("needs-{}", href.trim_matches('/').replace('/', "-"));
    move || {
        match needs.get() {
        None => view! { <A href=href attr:class=BTN_PRIMARY>{label}</A> }.into_any(),
        Some(_) => view! {
            <span class="inline-flex flex-col items-end gap-1">
                <GatedButton needs=needs note=note_id.clone() class=BTN_PRIMARY>{label}</GatedButton>
            </span>
        }
        .into_any(),
    }
    }
}
