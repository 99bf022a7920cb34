//! Rules per role: what the holders of one role may impersonate through
//! it, each rule said in plain words as it is edited.

use leptos::prelude::*;

use super::draft::{toggle, Draft, RuleDraft};
use super::general::{CheckField, Section, CHECKBOX};
use super::summary::{name_of, rule_sentence};
use crate::components::form::{ErrorSignal, FieldMessage};
use crate::components::ui::{BTN_SECONDARY, HELP, INPUT, LABEL};
use crate::dto::{Choice, RoleRuleDto, RuleOptions};

const INTRO: &str = "A rule narrows what the holders of one role may do through it. In its lists, nothing checked restricts nothing.";

/// How rules combine, and what no rule can allow.
fn how_rules_apply() -> impl IntoView {
    view! {
        <ul class="max-w-3xl list-disc space-y-1 pl-5 text-sm text-slate-600">
            <li>"A role that gives Sign in as User without a rule lets its holders in on the settings above alone."</li>
            <li>"Someone with several such roles gets the terms of the least demanding one."</li>
            <li>"Always refused, whatever the rules: signing in as yourself, as a blocked user, an administrator, a protected user or someone holding Management API permissions you lack, and from inside an impersonation."</li>
        </ul>
    }
}

const SENTENCE: &str =
    "border-l-4 border-indigo-400 bg-indigo-50 px-3 py-2 text-sm text-indigo-950";
const SENTENCE_IDLE: &str =
    "border-l-4 border-slate-300 bg-slate-50 px-3 py-2 text-sm text-slate-600";

/// The lists of a rule.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Connections,
    TargetRoles,
    Applications,
}

impl Part {
    fn of(self, r: &RoleRuleDto) -> &Vec<String> {
        match self {
            Part::Connections => &r.connections,
            Part::TargetRoles => &r.target_roles,
            Part::Applications => &r.applications,
        }
    }

    fn of_mut(self, r: &mut RoleRuleDto) -> &mut Vec<String> {
        match self {
            Part::Connections => &mut r.connections,
            Part::TargetRoles => &mut r.target_roles,
            Part::Applications => &mut r.applications,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Part::Connections => "connections",
            Part::TargetRoles => "target-roles",
            Part::Applications => "applications",
        }
    }
}

#[component]
pub fn Rules(
    draft: Draft,
    options: RuleOptions,
    errors: ErrorSignal,
    sent_keys: StoredValue<Vec<u64>>,
    locked: Signal<bool>,
) -> impl IntoView {
    let options = StoredValue::new(options);
    let has_rule = move |role_id: &str| {
        draft
            .rules
            .with(|rules| rules.iter().any(|r| r.rule.with(|r| r.role_id == role_id)))
    };
    // Roles giving Sign in as User that have no rule yet: the ones a rule
    // can be added for.
    let unruled = move || {
        options.with_value(|o| {
            o.impersonating_roles
                .iter()
                .filter(|c| !has_rule(&c.id))
                .cloned()
                .collect::<Vec<Choice>>()
        })
    };
    let pick = RwSignal::new(String::new());
    let add = move |_| {
        let role = pick.get_untracked();
        if !role.is_empty() && !has_rule(&role) {
            draft.add_rule(role);
        }
        pick.set(String::new());
    };
    let rules_error = Signal::derive(move || errors.get().and_then(|e| e.field("rules")));
    view! {
        <Section title="Rules per role" intro=INTRO locked=locked>
            {how_rules_apply()}
            {move || {
                let names: Vec<String> = unruled().into_iter().map(|c| c.name).collect();
                (!names.is_empty()).then(|| view! {
                    <p class="text-sm text-slate-700">
                        <span class="font-medium text-slate-900">"Without a rule: "</span>
                        {names.join(", ")}
                        <span class="text-slate-500">" (their holders are limited by the settings above only)"</span>
                    </p>
                })
            }}
            <FieldMessage id="f-rules-error" message=rules_error />
            <Show when=move || draft.rules.with(|r| r.is_empty())>
                <p class="rounded-md bg-slate-50 px-4 py-6 text-center text-sm text-slate-600 ring-1 ring-inset ring-slate-200">
                    "No rule yet."
                </p>
            </Show>
            <div class="space-y-4">
                <For each=move || draft.rules.get() key=|r| r.key let:r>
                    <RuleCard
                        draft=r
                        options=options
                        error=Signal::derive(move || {
                            let i = sent_keys.with_value(|keys| keys.iter().position(|k| *k == r.key))?;
                            errors.get()?.field(&format!("rules[{i}]"))
                        })
                        on_remove=Callback::new(move |_| draft.remove_rule(r.key))
                    />
                </For>
            </div>
            <div class="flex flex-wrap items-end gap-3 border-t border-slate-200 pt-5">
                <div class="w-full max-w-xs">
                    <label for="add-rule-role" class=LABEL>"Add a rule for the role"</label>
                    <select
                        id="add-rule-role"
                        class=format!("mt-1 {INPUT}")
                        aria-describedby="add-rule-role-help"
                        prop:value=move || pick.get()
                        on:change=move |ev| pick.set(event_target_value(&ev))
                    >
                        <option value="">"Choose a role…"</option>
                        {move || unruled().into_iter().map(|c| view! { <option value=c.id>{c.name}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class=BTN_SECONDARY disabled=move || pick.get().is_empty() on:click=add>
                    "Add rule"
                </button>
                <p id="add-rule-role-help" class="w-full text-xs text-slate-500">
                    {move || if unruled().is_empty() {
                        "Every role that gives Sign in as User (impersonation:create) has a rule."
                    } else {
                        "Only roles that give Sign in as User (impersonation:create) are offered: a rule for any other would never apply."
                    }}
                </p>
            </div>
        </Section>
    }
}

#[component]
fn RuleCard(
    draft: RuleDraft,
    options: StoredValue<RuleOptions>,
    error: Signal<Option<String>>,
    on_remove: Callback<()>,
) -> impl IntoView {
    let rule = draft.rule;
    let key = draft.key;
    let role_id = rule.with_untracked(|r| r.role_id.clone());
    let (role, exists, applies) = options.with_value(|o| {
        (
            name_of(&o.roles, &role_id),
            o.roles.iter().any(|c| c.id == role_id),
            o.impersonating_roles.iter().any(|c| c.id == role_id),
        )
    });
    let in_force = exists && applies;
    let warning = if !exists {
        Some("This role no longer exists, so the rule cannot be saved: remove it.".to_string())
    } else if !applies {
        Some(format!(
            "{role} does not give Sign in as User (impersonation:create), so this rule never applies. Give the role that permission, or remove the rule."
        ))
    } else {
        None
    };
    let sentence = move || options.with_value(|o| rule.with(|r| rule_sentence(r, o)));
    let error_id = format!("rule-{key}-error");
    let mode_name = format!("rule-{key}-mode");
    let with_missing = move |part: Part, known: &[Choice], what: &str| {
        // Ids the saved rule names that are gone still show, checked, so
        // that they can be unchecked.
        let mut list = known.to_vec();
        for id in rule.with_untracked(|r| part.of(r).clone()) {
            if !list.iter().any(|c| c.id == id) {
                list.push(Choice {
                    name: format!("{id} (no such {what})"),
                    id,
                });
            }
        }
        list
    };
    let (connections, roles, applications) = options.with_value(|o| {
        (
            with_missing(Part::Connections, &o.connections, "connection"),
            with_missing(Part::TargetRoles, &o.roles, "role"),
            with_missing(Part::Applications, &o.applications, "application"),
        )
    });
    let mode_radio = move |value: &'static str, label: &'static str| {
        let name = mode_name.clone();
        view! {
            <label class="flex items-start gap-2 text-sm text-slate-800">
                <input type="radio" name=name value=value class="mt-0.5 h-4 w-4 shrink-0 border-slate-300 text-indigo-600"
                    prop:checked=move || rule.with(|r| (r.target_roles_mode == "deny") == (value == "deny"))
                    on:change=move |_| rule.update(|r| r.target_roles_mode = value.to_string()) />
                {label}
            </label>
        }
    };
    view! {
        <div class="@container rounded-lg bg-white p-4 ring-1 ring-slate-300" data-rule=role_id.clone()>
            <fieldset class="min-w-0 space-y-4" aria-describedby=error_id.clone()>
                <legend class="sr-only">{format!("Rule for {role}")}</legend>
                <div class="flex flex-wrap items-start justify-between gap-3">
                    <h3 class="text-sm font-semibold text-slate-900">{format!("Rule for {role}")}</h3>
                    <button type="button" class="rounded-md bg-white px-2.5 py-1 text-xs font-semibold text-slate-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50"
                        aria-label=format!("Remove the rule for {role}")
                        on:click=move |_| on_remove.run(())>
                        "Remove rule"
                    </button>
                </div>
                {warning.map(|w| view! {
                    <p role="note" class="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">{w}</p>
                })}
                <p class=if in_force { SENTENCE } else { SENTENCE_IDLE } data-testid="rule-sentence">
                    {(!in_force).then_some("Not in force. ")}
                    {sentence}
                </p>
                <div class="grid gap-4 @lg:grid-cols-2 @3xl:grid-cols-3">
                    <ChoiceList rule=rule key=key part=Part::Connections legend="Target connections"
                        help="None checked: users of any connection." choices=connections />
                    <ChoiceList rule=rule key=key part=Part::TargetRoles legend="Target roles"
                        help="None checked: users with any roles." choices=roles>
                        <div role="radiogroup" aria-label="How the checked roles apply" class="space-y-1">
                            {mode_radio("allow", "Users must hold one of them")}
                            {mode_radio("deny", "Users must hold none of them")}
                        </div>
                    </ChoiceList>
                    <ChoiceList rule=rule key=key part=Part::Applications legend="Applications"
                        help="None checked: any application that allows impersonation." choices=applications />
                </div>
                <div class="grid gap-3 border-t border-slate-100 pt-4 @lg:grid-cols-2">
                    <CheckField id=format!("rule-{key}-approval") label="Someone else must approve first"
                        checked=Signal::derive(move || rule.with(|r| r.require_approval))
                        set=Callback::new(move |on| rule.update(|r| r.require_approval = on))
                        help="Four-eyes: the request goes to someone who may approve it, and a link can be made once it is approved." />
                    <CheckField id=format!("rule-{key}-read_only") label="Read-only impersonation only"
                        checked=Signal::derive(move || rule.with(|r| r.read_only))
                        set=Callback::new(move |on| rule.update(|r| r.read_only = on))
                        help="The application gets only the permissions allowed in read-only impersonation." />
                </div>
                <FieldMessage id=error_id.clone() message=error />
            </fieldset>
        </div>
    }
}

/// A list of checkboxes for one list of a rule, keyboard-usable as native
/// checkboxes are, scrolling when long.
#[component]
fn ChoiceList(
    rule: RwSignal<RoleRuleDto>,
    key: u64,
    part: Part,
    legend: &'static str,
    help: &'static str,
    choices: Vec<Choice>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let help_id = format!("rule-{key}-{}-help", part.slug());
    view! {
        <fieldset class="min-w-0 space-y-2" aria-describedby=help_id.clone()>
            <legend class=LABEL>{legend}</legend>
            <p id=help_id.clone() class=format!("!mt-0 {HELP}")>{help}</p>
            {children.map(|c| c())}
            {if choices.is_empty() {
                view! { <p class="text-sm text-slate-500">"None to choose from."</p> }.into_any()
            } else {
                view! {
                    <ul class="max-h-48 space-y-1 overflow-y-auto rounded-md bg-slate-50 p-2 ring-1 ring-inset ring-slate-200">
                        {choices.into_iter().map(|c| {
                            let id = c.id.clone();
                            let id2 = c.id.clone();
                            let id3 = c.id.clone();
                            let checked = move || rule.with(|r| part.of(r).contains(&id3));
                            view! {
                                <li>
                                    <label class="flex items-start gap-2 rounded px-1 py-0.5 text-sm text-slate-800 hover:bg-white">
                                        <input type="checkbox" class=CHECKBOX
                                            prop:checked=move || rule.with(|r| part.of(r).contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                rule.update(|r| toggle(part.of_mut(r), &id2, on));
                                            } />
                                        <span class=move || if checked() { "min-w-0 break-words font-medium text-slate-900" } else { "min-w-0 break-words" }>{c.name}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </fieldset>
    }
}
