//! The audit log's filters. They edit a draft; choosing in a list (a
//! picker, a select, a range) goes to the new URL at once, typed fields
//! when the form is submitted. The URL, not the draft, drives the search.

use leptos::prelude::*;
use leptos_router::components::A;

use super::table::breakable;
use super::{AuditState, Picker};
use crate::components::ui::{BTN_PRIMARY, HELP, INPUT, LABEL, LINK};
use crate::dto::{AuditPageDto, AuditParamsDto, NamedDto, RANGE_PRESETS};
use crate::error::AppError;
use crate::functions::audit::audit_names;

const SEGMENT: &str = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600";
const SEGMENT_ON: &str = "bg-indigo-600 text-white ring-indigo-600";
const SEGMENT_OFF: &str = "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50";

#[component]
pub fn Filters(s: AuditState) -> impl IntoView {
    let draft = RwSignal::new(s.params.get_untracked());
    Effect::new(move |_| draft.set(s.params.get()));
    // Custom days asked for, before any is typed.
    let custom = RwSignal::new(false);
    let apply = move || s.go.run(s.filtered(&draft.get_untracked()));
    let change = move |f: fn(&mut AuditParamsDto, String), v: String| {
        draft.update(|d| f(d, v));
        apply();
    };
    let custom_shown =
        move || custom.get() || s.params.with(|p| !p.from.is_empty() || !p.to.is_empty());
    let preset = move |range: &'static str| {
        custom.set(false);
        draft.update(|d| {
            d.range = range.to_string();
            d.from.clear();
            d.to.clear();
        });
        apply();
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        apply();
    };
    let pick_actor = Callback::new(move |id: String| change(|d, v| d.actor = v, id));
    let pick_target = Callback::new(move |id: String| change(|d, v| d.target = v, id));
    let actor_id = Signal::derive(move || s.params.get().actor);
    let target_id = Signal::derive(move || s.params.get().target);
    let any_filter = move || !s.params.get().is_empty();
    let active = move || {
        s.params.with(|p| {
            p.pairs()
                .iter()
                .filter(|(k, v)| *k != "to" && !v.trim().is_empty())
                .count()
        })
    };
    let unfolded = RwSignal::new(false);
    view! {
        <form
            method="GET"
            action="/audit"
            on:submit=on_submit
            aria-label="Filter events"
            class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200"
        >
            // On a narrow screen the filters fold away, so the events come
            // first; the button says how many are set.
            <button
                type="button"
                class="flex w-full items-center justify-between text-sm font-semibold text-slate-900 md:hidden"
                aria-controls="audit-filter-fields"
                aria-expanded=move || unfolded.get().to_string()
                on:click=move |_| unfolded.update(|u| *u = !*u)
            >
                <span>
                    "Filters"
                    {move || match active() {
                        0 => String::new(),
                        1 => " · 1 set".to_string(),
                        n => format!(" · {n} set"),
                    }}
                </span>
                <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class=move || if unfolded.get() { "h-5 w-5 rotate-180 text-slate-500" } else { "h-5 w-5 text-slate-500" }>
                    <path fill-rule="evenodd" d="M5.22 8.22a.75.75 0 0 1 1.06 0L10 11.94l3.72-3.72a.75.75 0 1 1 1.06 1.06l-4.25 4.25a.75.75 0 0 1-1.06 0L5.22 9.28a.75.75 0 0 1 0-1.06Z" clip-rule="evenodd" />
                </svg>
            </button>
            <div id="audit-filter-fields" class=move || if unfolded.get() { "mt-4 space-y-4 md:mt-0" } else { "hidden space-y-4 md:block" }>
            <div class="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <NamePicker
                    picker=s.actor
                    id="f-actor"
                    label="Actor"
                    help="Who acted: for impersonation, the impersonator"
                    selected=actor_id
                    page=s.page
                    name_of=|p| p.actor_name.clone()
                    on_pick=pick_actor
                />
                <NamePicker
                    picker=s.target
                    id="f-target"
                    label="Target"
                    help="What was acted on: for impersonation, the user"
                    selected=target_id
                    page=s.page
                    name_of=|p| p.target_name.clone()
                    on_pick=pick_target
                />
                <div>
                    <label for="f-app" class=LABEL>"Application"</label>
                    <Suspense fallback=|| view! { <select id="f-app" name="app" class=format!("mt-1 {INPUT}")><option value="">"All applications"</option></select> }>
                        {move || Suspend::new(async move {
                            let apps = s.choices.await.map(|c| c.apps).unwrap_or_default();
                            view! {
                                <select id="f-app" name="app" class=format!("mt-1 {INPUT}") on:change=move |ev| change(|d, v| d.app = v, event_target_value(&ev))>
                                    <option value="">"All applications"</option>
                                    {apps.into_iter().map(|a| {
                                        let v = a.value.clone();
                                        view! { <option value=a.value.clone() selected=move || s.params.get().app == v>{a.label.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                </div>
                <div>
                    <label for="f-action" class=LABEL>"Action"</label>
                    <Suspense fallback=|| view! { <select id="f-action" name="action" class=format!("mt-1 {INPUT}")><option value="">"All actions"</option></select> }>
                        {move || Suspend::new(async move {
                            let groups = s.choices.await.map(|c| c.actions).unwrap_or_default();
                            let option = move |value: String, label: String| {
                                let v = value.clone();
                                view! { <option value=value selected=move || s.params.get().action == v>{label}</option> }
                            };
                            view! {
                                <select id="f-action" name="action" class=format!("mt-1 {INPUT}") on:change=move |ev| change(|d, v| d.action = v, event_target_value(&ev))>
                                    {option(String::new(), "All actions".into())}
                                    {option("impersonation.".into(), "All impersonation events".into())}
                                    {groups.into_iter().map(|g| view! {
                                        <optgroup label=g.label.clone()>
                                            {g.all.filter(|a| a.value != "impersonation.").map(|a| option(a.value, a.label))}
                                            {g.types.into_iter().map(|t| option(t.value, t.label)).collect_view()}
                                        </optgroup>
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                </div>
                <div>
                    <label for="f-outcome" class=LABEL>"Outcome"</label>
                    <select id="f-outcome" name="outcome" class=format!("mt-1 {INPUT}") on:change=move |ev| change(|d, v| d.outcome = v, event_target_value(&ev))>
                        {[("", "Any outcome"), ("success", "Success"), ("denied", "Denied"), ("failure", "Failure")].into_iter().map(|(v, l)| {
                            view! { <option value=v selected=move || s.params.get().outcome == v>{l}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="f-ip" class=LABEL>"IP address"</label>
                    <input id="f-ip" name="ip" type="text" inputmode="decimal" autocomplete="off" placeholder="203.0.113.7" class=format!("mt-1 {INPUT}")
                        prop:value=move || draft.get().ip on:input=move |ev| draft.update(|d| d.ip = event_target_value(&ev)) />
                </div>
                <div class="sm:col-span-2">
                    <label for="f-q" class=LABEL>"Reason or ticket"</label>
                    <div class="mt-1 flex gap-2">
                        <input id="f-q" name="q" type="search" placeholder="Words in the reason, or a ticket like SUP-1234" class=INPUT
                            prop:value=move || draft.get().q on:input=move |ev| draft.update(|d| d.q = event_target_value(&ev)) />
                        <button type="submit" class=format!("shrink-0 {BTN_PRIMARY}")>"Apply"</button>
                    </div>
                </div>
            </div>

            <fieldset class="flex flex-wrap items-end gap-x-4 gap-y-3 border-t border-slate-100 pt-4">
                <legend class="sr-only">"Date range"</legend>
                <div>
                    <span class=LABEL aria-hidden="true">"Date range"</span>
                    <div class="mt-1 flex flex-wrap gap-1.5">
                        <button type="button"
                            class=move || format!("{SEGMENT} {}", if !custom_shown() && s.params.get().range.is_empty() { SEGMENT_ON } else { SEGMENT_OFF })
                            aria-pressed=move || (!custom_shown() && s.params.get().range.is_empty()).to_string()
                            on:click=move |_| preset("")>"All time"</button>
                        {RANGE_PRESETS.into_iter().map(|(value, label)| view! {
                            <button type="button"
                                class=move || format!("{SEGMENT} {}", if !custom_shown() && s.params.get().range == value { SEGMENT_ON } else { SEGMENT_OFF })
                                aria-pressed=move || (!custom_shown() && s.params.get().range == value).to_string()
                                on:click=move |_| preset(value)>{label}</button>
                        }).collect_view()}
                        <button type="button"
                            class=move || format!("{SEGMENT} {}", if custom_shown() { SEGMENT_ON } else { SEGMENT_OFF })
                            aria-pressed=move || custom_shown().to_string()
                            on:click=move |_| { custom.set(true); draft.update(|d| d.range.clear()); }>"Custom days"</button>
                    </div>
                </div>
                <Show when=custom_shown>
                    <div class="flex flex-wrap items-end gap-2">
                        <div>
                            <label for="f-from" class=LABEL>"From"</label>
                            <input id="f-from" name="from" type="date" class=format!("mt-1 {INPUT}")
                                prop:value=move || draft.get().from on:input=move |ev| draft.update(|d| { d.from = event_target_value(&ev); d.range.clear(); }) />
                        </div>
                        <div>
                            <label for="f-to" class=LABEL>"To (included)"</label>
                            <input id="f-to" name="to" type="date" class=format!("mt-1 {INPUT}")
                                prop:value=move || draft.get().to on:input=move |ev| draft.update(|d| { d.to = event_target_value(&ev); d.range.clear(); }) />
                        </div>
                        <button type="submit" class=BTN_PRIMARY>"Show these days"</button>
                    </div>
                </Show>
                <div class="ml-auto flex flex-wrap items-center gap-3 text-sm">
                    {move || {
                        let imp = s.params.get().impersonation;
                        (!imp.is_empty()).then(|| {
                            let mut without = s.params.get();
                            without.impersonation.clear();
                            view! {
                                <span class="inline-flex items-center gap-2 rounded-md bg-indigo-50 px-2.5 py-1 text-indigo-900 ring-1 ring-inset ring-indigo-200">
                                    "One impersonation: " <code class="font-mono text-xs">{imp}</code>
                                    <A href=s.filtered(&without) attr:class="font-medium text-indigo-700 hover:underline" attr:aria-label="Show every impersonation">"×"</A>
                                </span>
                            }
                        })
                    }}
                    <Show when=any_filter>
                        <A href="/audit" attr:class=LINK>"Clear all filters"</A>
                    </Show>
                </div>
            </fieldset>
            </div>
        </form>
    }
}

/// Finds an actor or target by the name or email recorded in the log
/// (people since deleted included): a text box with suggestions, or, once
/// one is chosen, their name with a button to clear it.
#[component]
fn NamePicker(
    picker: Picker,
    id: &'static str,
    label: &'static str,
    help: &'static str,
    /// The id the URL filters on.
    selected: Signal<String>,
    /// The page's answer, which names the one chosen.
    page: Resource<Result<AuditPageDto, AppError>>,
    name_of: fn(&AuditPageDto) -> String,
    on_pick: Callback<String>,
) -> impl IntoView {
    let list_id = format!("{id}-list");
    let help_id = format!("{id}-help");
    let active = RwSignal::new(0usize);
    // Asks for names as the person types, in the browser; only the latest
    // answer is kept.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (open, q) = (picker.open.get(), picker.text.get());
        if !open {
            return;
        }
        let n = asked.get_value() + 1;
        asked.set_value(n);
        leptos::task::spawn_local(async move {
            let found = audit_names(picker.side.to_string(), q).await;
            if asked.try_get_value() == Some(n) {
                picker.found.try_set(found.unwrap_or_default());
            }
        });
    });
    let names = move || picker.found.get();
    let pick = move |n: NamedDto| {
        picker.picked.set(Some(n.clone()));
        picker.open.set(false);
        picker.text.set(String::new());
        on_pick.run(n.id);
    };
    // The name just picked, else the page's, else the id.
    let shown_name = move |known: String| {
        let id = selected.get();
        picker
            .picked
            .get()
            .filter(|p| p.id == id)
            .map(|p| p.name)
            .or_else(|| Some(known).filter(|k| !k.is_empty()))
            .unwrap_or(id)
    };
    let option_id = move |i: usize| format!("{id}-opt-{i}");
    let expanded = move || picker.open.get() && !names().is_empty();
    view! {
        <div class="relative">
            {move || if selected.get().is_empty() {
                let list_id = list_id.clone();
                let help_id = help_id.clone();
                view! {
                    <label for=id class=LABEL>{label}</label>
                    <input
                        id=id
                        type="text"
                        role="combobox"
                        autocomplete="off"
                        aria-autocomplete="list"
                        aria-controls={
                            let list_id = list_id.clone();
                            move || expanded().then(|| list_id.clone())
                        }
                        aria-describedby=help_id.clone()
                        aria-expanded=move || expanded().to_string()
                        aria-activedescendant=move || expanded().then(|| option_id(active.get()))
                        placeholder="Name or email"
                        class=format!("mt-1 {INPUT}")
                        prop:value=move || picker.text.get()
                        on:focus=move |_| picker.open.set(true)
                        on:blur=move |_| picker.open.set(false)
                        on:input=move |ev| {
                            picker.text.set(event_target_value(&ev));
                            picker.open.set(true);
                            active.set(0);
                        }
                        on:keydown=move |ev| {
                            let list = names();
                            match ev.key().as_str() {
                                "ArrowDown" => {
                                    ev.prevent_default();
                                    picker.open.set(true);
                                    active.update(|a| *a = (*a + 1).min(list.len().saturating_sub(1)));
                                }
                                "ArrowUp" => {
                                    ev.prevent_default();
                                    active.update(|a| *a = a.saturating_sub(1));
                                }
                                "Enter" if picker.open.get_untracked() && !list.is_empty() => {
                                    ev.prevent_default();
                                    if let Some(n) = list.get(active.get_untracked()).cloned() {
                                        pick(n);
                                    }
                                }
                                "Escape" => picker.open.set(false),
                                _ => {}
                            }
                        }
                    />
                    <p id=help_id class=HELP>{help}</p>
                    <Show when=expanded>
                        <ul id=list_id.clone() role="listbox" aria-label=format!("{label} suggestions")
                            class="absolute left-0 right-0 top-16 z-20 max-h-64 overflow-auto rounded-md bg-white py-1 text-sm shadow-lg ring-1 ring-slate-200">
                            {move || names().into_iter().enumerate().map(|(i, n)| {
                                let chosen = n.clone();
                                let is_active = move || active.get() == i;
                                view! {
                                    <li
                                        id=option_id(i)
                                        role="option"
                                        aria-selected=move || is_active().to_string()
                                        class=move || if is_active() { "cursor-pointer bg-indigo-50 px-3 py-2" } else { "cursor-pointer px-3 py-2 hover:bg-slate-50" }
                                        on:mousedown=move |ev| { ev.prevent_default(); pick(chosen.clone()); }
                                        on:mouseenter=move |_| active.set(i)
                                    >
                                        <span class="block truncate font-medium text-slate-900">{n.name.clone()}</span>
                                        <span class="block truncate font-mono text-xs text-slate-600">{n.id.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </Show>
                }.into_any()
            } else {
                let label_id = format!("{id}-label");
                view! {
                    <span id=label_id.clone() class=LABEL>{label}</span>
                    <div role="group" aria-labelledby=label_id data-testid=format!("{id}-chosen")
                        class="mt-1 flex items-center justify-between gap-2 rounded-md bg-indigo-50 py-1.5 pl-3 pr-1.5 text-sm ring-1 ring-inset ring-indigo-200">
                        <span class="min-w-0">
                            <span class="block break-words font-medium text-slate-900">
                                <Transition fallback=move || breakable(&shown_name(String::new()))>
                                    {move || Suspend::new(async move {
                                        let known = page.await.ok().map(|p| name_of(&p)).unwrap_or_default();
                                        move || breakable(&shown_name(known.clone()))
                                    })}
                                </Transition>
                            </span>
                            <span class="block truncate font-mono text-xs text-slate-600">{move || selected.get()}</span>
                        </span>
                        <button type="button"
                            class="shrink-0 rounded p-1 text-indigo-700 hover:bg-indigo-100 hover:text-indigo-900"
                            aria-label=format!("Clear the {} filter", label.to_lowercase())
                            title="Clear"
                            on:click=move |_| { picker.picked.set(None); on_pick.run(String::new()); }>
                            <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" class="h-4 w-4">
                                <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
                            </svg>
                        </button>
                    </div>
                    <p class=HELP>{help}</p>
                }.into_any()
            }}
        </div>
    }
}
