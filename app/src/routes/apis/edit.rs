use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::clients::{app_list, AppList, AuthorizedApplications};
use crate::components::access::{gated, needs, RequirePermission};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{
    DurationField, ErrorBanner, FieldMessage, InvalidNotice, SigningAlgField, TextField,
};
use crate::components::permitted::GatedButton;
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_INDIGO, BTN_DANGER, BTN_PRIMARY, BTN_SECONDARY, CARD, H1, H2, HELP, INPUT, INPUT_ERROR,
    LABEL,
};
use crate::dto::reads_by_name;
use crate::dto::{split_lifetime, ApiDetail, ApiForm, PermissionDto};
use crate::error::AppError;
use crate::functions::apis::{create_api, get_api, update_api, DeleteApi};

/// One editable permission row; `key` keeps rows stable while others are
/// added or removed.
#[derive(Clone, Copy)]
struct PermRow {
    key: u64,
    value: RwSignal<String>,
    description: RwSignal<String>,
    /// Allowed in read-only impersonation.
    read_only: RwSignal<bool>,
    /// Set once the person chose `read_only` themselves; until then it
    /// follows the name, as the server's default does.
    chosen: RwSignal<bool>,
}

impl PermRow {
    fn of(key: u64, p: &PermissionDto) -> PermRow {
        PermRow {
            key,
            value: RwSignal::new(p.value.clone()),
            description: RwSignal::new(p.description.clone()),
            read_only: RwSignal::new(p.read_only.unwrap_or_else(|| reads_by_name(&p.value))),
            chosen: RwSignal::new(p.read_only.is_some_and(|r| r != reads_by_name(&p.value))),
        }
    }
}

/// All form fields as signals, so the same form serves create and edit.
#[derive(Clone, Copy)]
struct Fields {
    identifier: RwSignal<String>,
    name: RwSignal<String>,
    signing_alg: RwSignal<String>,
    lifetime: RwSignal<String>,
    lifetime_unit: RwSignal<String>,
    permissions: RwSignal<Vec<PermRow>>,
    permissions_in_token: RwSignal<bool>,
    next_key: StoredValue<u64>,
}

impl Fields {
    fn from(a: &ApiDetail) -> Self {
        let (lifetime, unit) = split_lifetime(a.token_lifetime_secs);
        let rows: Vec<PermRow> = a
            .permissions
            .iter()
            .enumerate()
            .map(|(i, p)| PermRow::of(i as u64, p))
            .collect();
        Fields {
            identifier: RwSignal::new(a.identifier.clone()),
            name: RwSignal::new(a.name.clone()),
            signing_alg: RwSignal::new(if a.signing_alg.is_empty() {
                "ES256".into()
            } else {
                a.signing_alg.clone()
            }),
            lifetime: RwSignal::new(lifetime),
            lifetime_unit: RwSignal::new(unit),
            next_key: StoredValue::new(rows.len() as u64),
            permissions: RwSignal::new(rows),
            permissions_in_token: RwSignal::new(a.permissions_in_token),
        }
    }

    /// Replaces the rows with what the server stored (blank rows dropped).
    fn set_permissions(&self, permissions: &[PermissionDto]) {
        let start = self.next_key.get_value();
        self.next_key.set_value(start + permissions.len() as u64);
        self.permissions.set(
            permissions
                .iter()
                .zip(start..)
                .map(|(p, key)| PermRow::of(key, p))
                .collect(),
        );
    }

    fn add_permission(&self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.permissions
            .update(|rows| rows.push(PermRow::of(key, &PermissionDto::default())));
    }

    fn form(&self) -> ApiForm {
        ApiForm {
            identifier: self.identifier.get_untracked(),
            name: self.name.get_untracked(),
            signing_alg: self.signing_alg.get_untracked(),
            token_lifetime: self.lifetime.get_untracked(),
            token_lifetime_unit: self.lifetime_unit.get_untracked(),
            permissions: self
                .permissions
                .get_untracked()
                .iter()
                .map(|r| PermissionDto {
                    value: r.value.get_untracked(),
                    description: r.description.get_untracked(),
                    read_only: Some(r.read_only.get_untracked()),
                })
                .collect(),
            permissions_in_token: self.permissions_in_token.get_untracked(),
        }
    }
}

#[component]
pub fn NewApiPage() -> impl IntoView {
    view! {
        <RequirePermission permission="apis:write">
            <NewApi />
        </RequirePermission>
    }
}

#[component]
fn NewApi() -> impl IntoView {
    let navigate = use_navigate();
    let toasts = use_toasts();
    let fields = Fields::from(&ApiDetail {
        token_lifetime_secs: 3600,
        ..Default::default()
    });
    fields.add_permission();
    let create = Action::new(|form: &ApiForm| create_api(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            toasts.success(format!("API {} created", created.name));
            navigate(&format!("/apis/{}", created.id), Default::default());
        }
    });
    let errors = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Create API · Masquerade" />
        <A href="/apis" attr:class="text-sm text-slate-500 hover:text-slate-700">"← APIs"</A>
        <h1 class=format!("mt-2 {H1}")>"Create API"</h1>
        <p class="mt-1 text-sm text-slate-600">"Applications can be authorized to call the API once it exists."</p>
        <ApiSettingsForm
            fields=fields
            errors=errors
            pending=create.pending().into()
            submit_label="Create API"
            existing=false
            builtin=false
            on_submit=move |f| { create.dispatch(f); }
        />
    }
}

#[component]
pub fn ApiPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let api = gated("apis:read", move || id.get(), get_api);
    let apps = app_list();
    view! {
        <RequirePermission permission="apis:read">
            <ApiScreen api=api apps=apps />
        </RequirePermission>
    }
}

#[component]
fn ApiScreen(api: Resource<Result<ApiDetail, AppError>>, apps: AppList) -> impl IntoView {
    view! {
        <Title text="API · Masquerade" />
        <A href="/apis" attr:class="text-sm text-slate-500 hover:text-slate-700">"← APIs"</A>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading API…"</p> }>
            {move || Suspend::new(async move {
                match api.await {
                    Ok(a) => view! { <ApiView api=a apps=apps /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The message of an error that is not about a form field.
pub(super) fn plain_message(e: &AppError) -> String {
    match e {
        AppError::Invalid(problems) if !problems.is_empty() => problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[component]
fn ApiView(api: ApiDetail, apps: AppList) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let fields = Fields::from(&api);
    let title = RwSignal::new(api.name.clone());
    let save = Action::new({
        let id = api.id.clone();
        move |form: &ApiForm| update_api(id.clone(), form.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            title.set(saved.name.clone());
            if !saved.builtin {
                fields.set_permissions(&saved.permissions);
            }
            toasts.success("Changes saved");
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let delete = ServerAction::<DeleteApi>::new();
    let confirm = RwSignal::new(false);
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("API deleted");
            navigate("/apis", Default::default());
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(plain_message(&e));
        }
        None => {}
    });
    let id_delete = api.id.clone();
    let write = needs("apis:write");
    view! {
        <div class="mt-2 flex flex-wrap items-start justify-between gap-4">
            <div class="min-w-0">
                <div class="flex flex-wrap items-center gap-3">
                    <h1 class=H1>{move || title.get()}</h1>
                    {api.builtin.then(|| view! { <span class=BADGE_INDIGO>"Built-in"</span> })}
                </div>
                <p class="mt-1 break-all font-mono text-sm text-slate-600">{api.identifier.clone()}</p>
            </div>
            {(!api.builtin).then(|| view! {
                <div class="flex flex-col items-end gap-1">
                    <GatedButton needs=write note="delete-api-needs" class=BTN_DANGER on_click=move || confirm.set(true)>
                        "Delete API"
                    </GatedButton>
                </div>
            })}
        </div>
        <ApiSettingsForm
            fields=fields
            errors=errors
            pending=save.pending().into()
            submit_label="Save changes"
            existing=true
            builtin=api.builtin
            on_submit=move |f| { save.dispatch(f); }
        />
        <AuthorizedApplications api=api.clone() apps=apps />
        <ConfirmDialog
            open=confirm
            title=format!("Delete {}?", api.name)
            body="Applications can no longer get access tokens for this API, and it is removed from every application's list. Tokens already issued stay valid until they expire. This cannot be undone."
            confirm_label="Delete"
            pending=delete.pending()
            on_confirm=move || { delete.dispatch(DeleteApi { id: id_delete.clone() }); }
        />
    }
}

#[component]
fn ApiSettingsForm(
    fields: Fields,
    errors: Signal<Option<AppError>>,
    pending: Signal<bool>,
    #[prop(into)] submit_label: String,
    /// The identifier is fixed once the API exists.
    existing: bool,
    /// The built-in Management API's permissions are fixed too.
    builtin: bool,
    on_submit: impl Fn(ApiForm) + Send + Sync + 'static,
) -> impl IntoView {
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let field_err =
        move |name: &'static str| Signal::derive(move || errors.get().and_then(|e| e.field(name)));
    let write = needs("apis:write");
    view! {
        <form
            class=format!("mt-6 {CARD}")
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit(fields.form());
            }
        >
            // Read-only, every field at once, for those who may not change it.
            <fieldset class="min-w-0 space-y-6" disabled=move || write.get().is_some()>
            <ErrorBanner errors=general />
            <InvalidNotice errors=errors />
            <div class="grid gap-4 md:grid-cols-2">
                <TextField label="Name" name="name" value=fields.name errors=errors required=true
                    placeholder="e.g. Orders API" />
                {if existing {
                    view! {
                        <div>
                            <p class=LABEL id="identifier-label">"Identifier"</p>
                            <p aria-labelledby="identifier-label" class="mt-1 select-all break-all rounded-md bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-slate-200">
                                {move || fields.identifier.get()}
                            </p>
                            <p class=HELP>{if builtin {
                                "Fixed: it follows the server's public URL."
                            } else {
                                "The audience (aud) of this API's access tokens. It cannot be changed."
                            }}</p>
                            <FieldMessage id="f-identifier-error" message=field_err("identifier") />
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <TextField label="Identifier" name="identifier" value=fields.identifier errors=errors required=true
                            placeholder="https://api.example.com/"
                            help="An absolute URI. It becomes the audience (aud) of access tokens and cannot be changed later." />
                    }.into_any()
                }}
            </div>
            <div class="grid gap-4 md:grid-cols-2">
                <DurationField label="Token lifetime" name="token_lifetime_secs"
                    value=fields.lifetime unit=fields.lifetime_unit errors=errors
                    help="How long an access token for this API is valid: 60 seconds to 30 days." />
                <SigningAlgField value=fields.signing_alg errors=errors
                    help="Access tokens for this API are signed with this algorithm's current key." />
            </div>

            <fieldset class="space-y-3 border-t border-slate-200 pt-6">
                <legend class=H2>"Permissions"</legend>
                {if builtin {
                    view! {
                        <FixedPermissions fields=fields />
                        <FieldMessage id="f-permissions-error" message=field_err("permissions") />
                    }.into_any()
                } else {
                    view! {
                        <p class=HELP>"Scopes applications can request for this API, such as read:orders. No spaces or quotes. Read-only impersonation carries only the permissions allowed in it: by default those named …:read or read:…."</p>
                        <PermissionRows fields=fields message=field_err("permissions") />
                        <div class="flex items-start gap-3 pt-2 text-sm text-slate-800">
                            <input id="f-permissions_in_token" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
                                prop:checked=move || fields.permissions_in_token.get()
                                on:change=move |ev| fields.permissions_in_token.set(event_target_checked(&ev)) />
                            <label for="f-permissions_in_token">
                                <span class="font-medium">"Add permissions in the access token"</span>
                                <span class="block text-slate-600">"Access tokens for this API carry a permissions claim: the permissions the user holds through their roles that the application asked for."</span>
                            </label>
                        </div>
                    }.into_any()
                }}
            </fieldset>

            <div class="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-6">
                <GatedButton needs=write note="api-form-needs" class=BTN_PRIMARY submit=true busy=pending>
                    {submit_label}
                </GatedButton>
                <A href="/apis" attr:class=BTN_SECONDARY>"Cancel"</A>
            </div>
            </fieldset>
        </form>
    }
}

/// The built-in API's permissions, read-only.
#[component]
fn FixedPermissions(fields: Fields) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-600">"The Management API's permissions are defined by Masquerade and cannot be changed."</p>
        <div class="overflow-x-auto rounded-md ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Permission"</th>
                        <th scope="col" class="px-3 py-2">"Description"</th>
                        <th scope="col" class="px-3 py-2">"In read-only impersonation"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {fields.permissions.get_untracked().into_iter().map(|r| view! {
                        <tr>
                            <td class="whitespace-nowrap px-3 py-2 font-mono text-xs text-slate-900">{r.value.get_untracked()}</td>
                            <td class="px-3 py-2 text-slate-700">{r.description.get_untracked()}</td>
                            <td class="px-3 py-2 text-slate-700">{if r.read_only.get_untracked() { "Allowed" } else { "Left out" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Editable permission rows: value and description, add and remove.
#[component]
fn PermissionRows(fields: Fields, message: Signal<Option<String>>) -> impl IntoView {
    let rows = fields.permissions;
    let invalid = Signal::derive(move || message.get().is_some());
    let position = move |key: u64| {
        rows.with(|v| v.iter().position(|r| r.key == key).map(|i| i + 1))
            .unwrap_or(0)
    };
    let input_class = move || {
        format!(
            "{} font-mono",
            if invalid.get() { INPUT_ERROR } else { INPUT }
        )
    };
    view! {
        <Show
            when=move || rows.with(|v| !v.is_empty())
            fallback=|| view! { <p class="rounded-md border-2 border-dashed border-slate-200 p-4 text-center text-sm text-slate-500">"No permissions yet."</p> }
        >
            <div class="space-y-2">
                <div aria-hidden="true" class="hidden gap-3 text-xs font-semibold uppercase tracking-wide text-slate-500 sm:flex">
                    <span class="w-2/5">"Permission"</span>
                    <span class="flex-1">"Description"</span>
                    <span class="w-36 normal-case" title="Read-only impersonation carries only the permissions allowed here">"Read-only impersonation"</span>
                    <span class="w-20"></span>
                </div>
                <For each=move || rows.get() key=|r| r.key let:row>
                    <div class="flex flex-col gap-2 sm:flex-row sm:items-center sm:gap-3">
                        <input
                            type="text"
                            class=move || format!("{} sm:w-2/5", input_class())
                            placeholder="read:orders"
                            aria-label=move || format!("Permission {}", position(row.key))
                            aria-invalid=move || invalid.get().to_string()
                            aria-describedby="f-permissions-error"
                            prop:value=move || row.value.get()
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                if !row.chosen.get_untracked() {
                                    row.read_only.set(reads_by_name(&v));
                                }
                                row.value.set(v);
                            }
                        />
                        <input
                            type="text"
                            class=format!("{INPUT} sm:flex-1")
                            placeholder="Read a customer's orders"
                            aria-label=move || format!("Description of permission {}", position(row.key))
                            prop:value=move || row.description.get()
                            on:input=move |ev| row.description.set(event_target_value(&ev))
                        />
                        <label class="flex w-36 items-center gap-2 text-sm text-slate-700">
                            <input
                                type="checkbox"
                                class="h-4 w-4 rounded border-slate-300 text-indigo-600"
                                aria-label=move || format!("Permission {} allowed in read-only impersonation", position(row.key))
                                prop:checked=move || row.read_only.get()
                                on:change=move |ev| {
                                    row.chosen.set(true);
                                    row.read_only.set(event_target_checked(&ev));
                                }
                            />
                            <span class="sm:hidden">"Allowed in read-only impersonation"</span>
                            <span class="hidden sm:inline">"Allowed"</span>
                        </label>
                        <button
                            type="button"
                            class="w-20 rounded-md px-2 py-2 text-sm font-medium text-slate-600 hover:bg-red-50 hover:text-red-700 disabled:cursor-not-allowed disabled:text-slate-400 disabled:hover:bg-transparent"
                            aria-label=move || format!("Remove permission {}", position(row.key))
                            on:click=move |_| rows.update(|v| v.retain(|r| r.key != row.key))
                        >
                            "Remove"
                        </button>
                    </div>
                </For>
            </div>
        </Show>
        <FieldMessage id="f-permissions-error" message=message />
        <button type="button" class=BTN_SECONDARY on:click=move |_| fields.add_permission()>"Add permission"</button>
    }
}
