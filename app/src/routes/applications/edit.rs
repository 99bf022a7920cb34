use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::access::{gated, load_if_held, needs, RequirePermission};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{
    DurationField, ErrorBanner, FieldMessage, InvalidNotice, SigningAlgField, TextArea, TextField,
};
use crate::components::format::datetime;
use crate::components::layout::OneTimeSecret;
use crate::components::permitted::GatedButton;
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BTN_DANGER, BTN_PRIMARY, BTN_SECONDARY, CARD, H1, H2, HELP, INPUT, LABEL,
};
use crate::dto::{
    split_lifetime, ApiRef, AppDetail, AppForm, ConnectionDto, SecretShownOnce, TokenForm,
    APP_TYPES, GRANT_TYPES,
};
use crate::error::AppError;
use crate::functions::applications::{
    create_application, get_application, update_application, update_token_settings,
    DeleteApplication, RotateApplicationSecret,
};
use crate::functions::connections::list_connections;

/// The connections an application may use: another section's data.
type ConnectionList = Resource<Result<Vec<ConnectionDto>, AppError>>;

fn connection_list() -> ConnectionList {
    load_if_held("connections:read", list_connections)
}

/// All form fields as signals, so the same form serves create and edit.
#[derive(Clone, Copy)]
struct Fields {
    name: RwSignal<String>,
    description: RwSignal<String>,
    app_type: RwSignal<String>,
    callback_urls: RwSignal<String>,
    logout_urls: RwSignal<String>,
    web_origins: RwSignal<String>,
    initiate_login_uri: RwSignal<String>,
    grant_types: RwSignal<Vec<String>>,
    allow_impersonation: RwSignal<bool>,
    connection_ids: RwSignal<Vec<String>>,
}

impl Fields {
    fn from(a: &AppDetail) -> Self {
        Fields {
            name: RwSignal::new(a.name.clone()),
            description: RwSignal::new(a.description.clone()),
            app_type: RwSignal::new(if a.app_type.is_empty() {
                "regular_web".into()
            } else {
                a.app_type.clone()
            }),
            callback_urls: RwSignal::new(a.callback_urls.join("\n")),
            logout_urls: RwSignal::new(a.allowed_logout_urls.join("\n")),
            web_origins: RwSignal::new(a.allowed_web_origins.join("\n")),
            initiate_login_uri: RwSignal::new(a.initiate_login_uri.clone()),
            grant_types: RwSignal::new(a.grant_types.clone()),
            allow_impersonation: RwSignal::new(a.allow_impersonation),
            connection_ids: RwSignal::new(a.connection_ids.clone()),
        }
    }

    fn form(&self) -> AppForm {
        AppForm {
            name: self.name.get_untracked(),
            description: self.description.get_untracked(),
            app_type: self.app_type.get_untracked(),
            callback_urls: self.callback_urls.get_untracked(),
            allowed_logout_urls: self.logout_urls.get_untracked(),
            allowed_web_origins: self.web_origins.get_untracked(),
            initiate_login_uri: self.initiate_login_uri.get_untracked(),
            grant_types: self.grant_types.get_untracked(),
            allow_impersonation: self.allow_impersonation.get_untracked(),
            connection_ids: self.connection_ids.get_untracked(),
        }
    }
}

fn toggle(list: RwSignal<Vec<String>>, value: &str, on: bool) {
    list.update(|v| {
        v.retain(|x| x != value);
        if on {
            v.push(value.to_string());
        }
    });
}

#[component]
pub fn NewApplicationPage() -> impl IntoView {
    let connections = connection_list();
    view! {
        <RequirePermission permission="applications:write">
            <NewApplication connections=connections />
        </RequirePermission>
    }
}

#[component]
fn NewApplication(connections: ConnectionList) -> impl IntoView {
    let navigate = use_navigate();
    let toasts = use_toasts();
    let secret = use_context::<OneTimeSecret>();
    let defaults = AppDetail {
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..Default::default()
    };
    let fields = Fields::from(&defaults);
    let create = Action::new(|form: &AppForm| create_application(form.clone()));
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            let id = created.client_id.clone();
            if let Some(s) = secret {
                s.0.set(Some(created));
            }
            toasts.success("Application created");
            navigate(&format!("/applications/{id}"), Default::default());
        }
    });
    let errors = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Create application · Masquerade" />
        <A href="/applications" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Applications"</A>
        <h1 class=format!("mt-2 {H1}")>"Create application"</h1>
        <ApplicationForm
            fields=fields
            connections=connections
            errors=errors
            pending=create.pending().into()
            submit_label="Create application"
            type_locked=false
            on_submit=move |f| { create.dispatch(f); }
        />
    }
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let app = gated("applications:read", move || id.get(), get_application);
    let connections = connection_list();
    view! {
        <RequirePermission permission="applications:read">
            <ApplicationScreen app=app connections=connections />
        </RequirePermission>
    }
}

#[component]
fn ApplicationScreen(
    app: Resource<Result<AppDetail, AppError>>,
    connections: ConnectionList,
) -> impl IntoView {
    view! {
        <Title text="Application · Masquerade" />
        <A href="/applications" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Applications"</A>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading application…"</p> }>
            {move || Suspend::new(async move {
                match app.await {
                    Ok(a) => view! { <ApplicationView app=a connections=connections /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ApplicationView(app: AppDetail, connections: ConnectionList) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let fields = Fields::from(&app);
    let client_id = app.client_id.clone();
    let title = RwSignal::new(app.name.clone());
    let save = Action::new({
        let client_id = client_id.clone();
        move |form: &AppForm| update_application(client_id.clone(), form.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            title.set(saved.name.clone());
            toasts.success("Changes saved");
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let delete = ServerAction::<DeleteApplication>::new();
    let confirm = RwSignal::new(false);
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("Application deleted");
            navigate("/applications", Default::default());
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let cid_delete = client_id.clone();
    let write = needs("applications:write");
    view! {
        <div class="mt-2 flex flex-wrap items-start justify-between gap-4">
            <div>
                <h1 class=H1>{move || title.get()}</h1>
                <p class="mt-1 text-sm text-slate-600">{app.type_label.clone()}</p>
            </div>
            <div class="flex flex-col items-end gap-1">
                <GatedButton needs=write note="delete-app-needs" class=BTN_DANGER on_click=move || confirm.set(true)>
                    "Delete application"
                </GatedButton>
            </div>
        </div>
        <Credentials app=app.clone() />
        <ApplicationForm
            fields=fields
            connections=connections
            errors=errors
            pending=save.pending().into()
            submit_label="Save changes"
            type_locked=true
            on_submit=move |f| { save.dispatch(f); }
        />
        <TokenSettings app=app.clone() />
        <AuthorizingApis apis=app.apis.clone() />
        <ConfirmDialog
            open=confirm
            title=format!("Delete {}?", app.name)
            body="Users can no longer sign in to this application, and its client secret stops working at once. This cannot be undone."
            confirm_label="Delete"
            pending=delete.pending()
            on_confirm=move || { delete.dispatch(DeleteApplication { client_id: cid_delete.clone() }); }
        />
    }
}

/// Client id, and the client secret when it has just been created or rotated.
#[component]
fn Credentials(app: AppDetail) -> impl IntoView {
    let toasts = use_toasts();
    let one_time = use_context::<OneTimeSecret>()
        .map(|s| s.0)
        .unwrap_or_else(|| RwSignal::new(None));
    let cid = app.client_id.clone();
    let shown = Signal::derive(move || {
        one_time
            .get()
            .filter(|s: &SecretShownOnce| s.client_id == cid)
            .and_then(|s| s.secret)
    });
    let rotate = ServerAction::<RotateApplicationSecret>::new();
    let confirm = RwSignal::new(false);
    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(s)) => {
            confirm.set(false);
            one_time.set(Some(s));
            toasts.success("Client secret rotated; the old one no longer works");
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    on_cleanup(move || one_time.set(None));
    let cid_rotate = app.client_id.clone();
    let write = needs("applications:write");
    view! {
        <section class=format!("mt-6 space-y-4 {CARD}") aria-labelledby="credentials-heading">
            <h2 id="credentials-heading" class=H2>"Credentials"</h2>
            <div>
                <p class=LABEL>"Client ID"</p>
                <p class="mt-1 select-all rounded-md bg-slate-50 px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-slate-200">{app.client_id.clone()}</p>
            </div>
            {if app.confidential {
                view! {
                    <div>
                        <p class=LABEL id="secret-label">"Client secret"</p>
                        {move || match shown.get() {
                            Some(s) => view! {
                                <div class="mt-1 rounded-md bg-amber-50 p-3 ring-1 ring-amber-300">
                                    <p aria-labelledby="secret-label" class="select-all break-all font-mono text-sm text-slate-900">{s}</p>
                                    <p class="mt-2 text-xs text-amber-800">"Copy it now: it is stored only as a hash and will not be shown again."</p>
                                </div>
                            }.into_any(),
                            None => view! {
                                <p class="mt-1 text-sm text-slate-600">
                                    {match app.secret_rotated_at { Some(t) => format!("Hidden. Last set {}.", datetime(t)), None => "Hidden.".to_string() }}
                                </p>
                            }.into_any(),
                        }}
                        <div class="mt-3 flex flex-wrap items-center gap-3">
                            <GatedButton needs=write note="rotate-secret-needs" class=BTN_SECONDARY on_click=move || confirm.set(true)>
                                "Rotate secret"
                            </GatedButton>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! { <p class="text-sm text-slate-600">"Public client: it has no secret and must use PKCE."</p> }.into_any()
            }}
            <ConfirmDialog
                open=confirm
                title="Rotate the client secret?"
                body="A new secret is generated and shown once. The current secret stops working immediately."
                confirm_label="Rotate"
                pending=rotate.pending()
                on_confirm=move || { rotate.dispatch(RotateApplicationSecret { client_id: cid_rotate.clone() }); }
            />
        </section>
    }
}

#[component]
fn ApplicationForm(
    fields: Fields,
    /// Made by the page (see `load_if_held`).
    connections: ConnectionList,
    errors: Signal<Option<AppError>>,
    pending: Signal<bool>,
    #[prop(into)] submit_label: String,
    type_locked: bool,
    on_submit: impl Fn(AppForm) + Send + Sync + 'static,
) -> impl IntoView {
    let write = needs("applications:write");
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let field_err =
        move |name: &'static str| Signal::derive(move || errors.get().and_then(|e| e.field(name)));
    let is_m2m = move || fields.app_type.get() == "m2m";
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
                <TextField label="Name" name="name" value=fields.name errors=errors required=true />
                <div>
                    <label for="f-app_type" class=LABEL>"Application type"</label>
                    <select
                        id="f-app_type"
                        class=format!("mt-1 {INPUT}")
                        disabled=type_locked
                        on:change=move |ev| {
                            let t = event_target_value(&ev);
                            fields.grant_types.set(match t.as_str() {
                                "m2m" => vec!["client_credentials".into()],
                                _ => vec!["authorization_code".into(), "refresh_token".into()],
                            });
                            fields.app_type.set(t);
                        }
                    >
                        {APP_TYPES.into_iter().map(|(v, l)| view! {
                            <option value=v selected=move || fields.app_type.get() == v>{l}</option>
                        }).collect_view()}
                    </select>
                    {type_locked.then(|| view! { <p class=HELP>"The type is fixed once the application exists."</p> })}
                    <FieldMessage id="f-app_type-error" message=field_err("app_type") />
                </div>
            </div>
            <TextField label="Description" name="description" value=fields.description errors=errors />

            <Show when=move || !is_m2m()>
                <div class="space-y-4 border-t border-slate-200 pt-6">
                    <h2 class=H2>"Application URIs"</h2>
                    <TextArea label="Callback URLs" name="callback_urls" value=fields.callback_urls errors=errors
                        help="One absolute http(s) URL per line. Redirects must match exactly: no wildcards, no fragments." />
                    <TextArea label="Allowed logout URLs" name="allowed_logout_urls" value=fields.logout_urls errors=errors
                        help="Where users may be sent after signing out. One URL per line." />
                    <TextArea label="Allowed web origins" name="allowed_web_origins" value=fields.web_origins errors=errors
                        help="Origins (scheme://host[:port]) allowed to call Masquerade from the browser. One per line." />
                    <TextField label="Initiate login URI" name="initiate_login_uri" value=fields.initiate_login_uri errors=errors
                        placeholder="https://app.example.com/login"
                        help="Where Masquerade sends users to start a sign-in at the application (OpenID Connect third-party initiated login)." />
                </div>
            </Show>

            <fieldset class="space-y-2 border-t border-slate-200 pt-6">
                <legend class=H2>"Grant types"</legend>
                <div class="flex flex-wrap gap-4 pt-2">
                    {GRANT_TYPES.into_iter().map(|(v, l)| view! {
                        <label class="flex items-center gap-2 text-sm text-slate-800">
                            <input type="checkbox" class="h-4 w-4 rounded border-slate-300 text-indigo-600"
                                prop:checked=move || fields.grant_types.get().iter().any(|g| g == v)
                                on:change=move |ev| toggle(fields.grant_types, v, event_target_checked(&ev)) />
                            {l}
                        </label>
                    }).collect_view()}
                </div>
                <FieldMessage id="f-grant_types-error" message=field_err("grant_types") />
            </fieldset>

            <Show when=move || !is_m2m()>
                <fieldset class="space-y-2 border-t border-slate-200 pt-6">
                    <legend class=H2>"Connections"</legend>
                    <p class=HELP>"Users from the checked connections can sign in to this application."</p>
                    <Suspense>
                        {move || Suspend::new(async move {
                            connections.await.unwrap_or_default().into_iter().map(|c| {
                                let id = c.id.clone();
                                let id2 = c.id.clone();
                                view! {
                                    <label class="flex items-center gap-2 text-sm text-slate-800">
                                        <input type="checkbox" class="h-4 w-4 rounded border-slate-300 text-indigo-600"
                                            prop:checked=move || fields.connection_ids.get().contains(&id)
                                            on:change=move |ev| toggle(fields.connection_ids, &id2, event_target_checked(&ev)) />
                                        {c.name.clone()}
                                        <span class="text-xs text-slate-500">{format!("({} users)", c.user_count)}</span>
                                    </label>
                                }
                            }).collect_view()
                        })}
                    </Suspense>
                    <FieldMessage id="f-connections-error" message=field_err("connections") />
                </fieldset>

                <fieldset class="border-t border-slate-200 pt-6">
                    <legend class=H2>"Impersonation"</legend>
                    <div class="mt-2 flex items-start gap-3 text-sm text-slate-800">
                        <input id="f-allow_impersonation" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
                            aria-describedby="f-allow_impersonation-help"
                            prop:checked=move || fields.allow_impersonation.get()
                            on:change=move |ev| fields.allow_impersonation.set(event_target_checked(&ev)) />
                        <div>
                            <label for="f-allow_impersonation">"Allow impersonation"</label>
                            <p id="f-allow_impersonation-help" class="text-xs text-slate-500">"Administrators may sign in to this application as one of its users. Every such sign-in is marked in the tokens and audited."</p>
                        </div>
                    </div>
                </fieldset>
            </Show>

            <div class="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-6">
                <GatedButton needs=write note="app-form-needs" class=BTN_PRIMARY submit=true busy=pending>
                    {submit_label}
                </GatedButton>
                <A href="/applications" attr:class=BTN_SECONDARY>"Cancel"</A>
            </div>
            </fieldset>
        </form>
    }
}

/// ID token and refresh token settings, saved on their own.
#[component]
fn TokenSettings(app: AppDetail) -> impl IntoView {
    let toasts = use_toasts();
    if app.app_type == "m2m" {
        return view! {
            <section class=format!("mt-6 space-y-2 {CARD}") aria-labelledby="tokens-heading">
                <h2 id="tokens-heading" class=H2>"Tokens"</h2>
                <p class="text-sm text-slate-600">"Machine-to-machine applications receive access tokens only (no ID or refresh tokens). Their lifetime and signing algorithm are set on each API."</p>
            </section>
        }
        .into_any();
    }
    let t = app.tokens.clone();
    let (id_value, id_unit) = split_lifetime(t.id_token_lifetime_secs);
    let (refresh_value, refresh_unit) = split_lifetime(t.refresh_lifetime_secs);
    let id_lifetime = RwSignal::new(id_value);
    let id_lifetime_unit = RwSignal::new(id_unit);
    let refresh_tokens = RwSignal::new(t.refresh_tokens);
    let refresh_rotation = RwSignal::new(t.refresh_rotation);
    let refresh_lifetime = RwSignal::new(refresh_value);
    let refresh_lifetime_unit = RwSignal::new(refresh_unit);
    let signing_alg = RwSignal::new(t.signing_alg.clone());
    let impersonation_refresh = RwSignal::new(t.impersonation_refresh);
    let save = Action::new({
        let client_id = app.client_id.clone();
        move |form: &TokenForm| update_token_settings(client_id.clone(), form.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            toasts.success("Token settings saved");
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    let refresh_off = Signal::derive(move || !refresh_tokens.get());
    let write = needs("applications:write");
    let no_refresh_grant = !app.grant_types.iter().any(|g| g == "refresh_token");
    view! {
        <form
            class=format!("mt-6 {CARD}")
            aria-labelledby="tokens-heading"
            novalidate
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(TokenForm {
                    id_token_lifetime: id_lifetime.get_untracked(),
                    id_token_lifetime_unit: id_lifetime_unit.get_untracked(),
                    refresh_tokens: refresh_tokens.get_untracked(),
                    refresh_rotation: refresh_rotation.get_untracked(),
                    refresh_lifetime: refresh_lifetime.get_untracked(),
                    refresh_lifetime_unit: refresh_lifetime_unit.get_untracked(),
                    signing_alg: signing_alg.get_untracked(),
                    impersonation_refresh: impersonation_refresh.get_untracked(),
                });
            }
        >
            <fieldset class="min-w-0 space-y-6" disabled=move || write.get().is_some()>
            <div>
                <h2 id="tokens-heading" class=H2>"Tokens"</h2>
                <p class=HELP>"How the ID tokens and refresh tokens this application receives are issued. Access token settings belong to each API."</p>
            </div>
            <ErrorBanner errors=general />
            <InvalidNotice errors=errors />
            <div class="grid gap-4 md:grid-cols-2">
                <DurationField label="ID token lifetime" name="id_token_lifetime_secs"
                    value=id_lifetime unit=id_lifetime_unit errors=errors
                    help="60 seconds to 30 days. Signing keys keep verifying at least this long after a rotation." />
                <SigningAlgField value=signing_alg errors=errors
                    help="ID tokens for this application are signed with this algorithm's current key." />
            </div>
            <fieldset class="space-y-4 border-t border-slate-200 pt-6">
                <legend class=H2>"Refresh tokens"</legend>
                {no_refresh_grant.then(|| view! {
                    <p class="rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
                        "The Refresh token grant is not enabled above, so this application cannot use refresh tokens until it is."
                    </p>
                })}
                <div class="flex items-start gap-3 text-sm text-slate-800">
                    <input id="f-refresh_tokens" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
                        aria-describedby="f-refresh_tokens-help"
                        prop:checked=move || refresh_tokens.get()
                        on:change=move |ev| refresh_tokens.set(event_target_checked(&ev)) />
                    <div>
                        <label for="f-refresh_tokens">"Issue refresh tokens"</label>
                        <p id="f-refresh_tokens-help" class="text-xs text-slate-500">"When the application asks for offline_access, it gets a refresh token to renew its tokens without the user signing in again."</p>
                    </div>
                </div>
                <div class="flex items-start gap-3 text-sm text-slate-800">
                    <input id="f-refresh_rotation" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 disabled:opacity-50"
                        aria-describedby="f-refresh_rotation-help"
                        disabled=move || refresh_off.get()
                        prop:checked=move || refresh_rotation.get()
                        on:change=move |ev| refresh_rotation.set(event_target_checked(&ev)) />
                    <div class=move || if refresh_off.get() { "text-slate-400" } else { "" }>
                        <label for="f-refresh_rotation">"Rotate refresh tokens"</label>
                        <p id="f-refresh_rotation-help" class="text-xs text-slate-500">"Each refresh token works once and is exchanged for a new one. If a used token is presented again, the whole grant is revoked."</p>
                    </div>
                </div>
                <div class="md:w-1/2 md:pr-2">
                    <DurationField label="Refresh token lifetime" name="refresh_lifetime_secs"
                        value=refresh_lifetime unit=refresh_lifetime_unit errors=errors
                        disabled=refresh_off
                        help="60 seconds to 365 days." />
                </div>
                <div class="flex items-start gap-3 text-sm text-slate-800">
                    <input id="f-impersonation_refresh" type="checkbox" class="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 disabled:opacity-50"
                        aria-describedby="f-impersonation_refresh-help"
                        disabled=move || refresh_off.get()
                        prop:checked=move || impersonation_refresh.get()
                        on:change=move |ev| impersonation_refresh.set(event_target_checked(&ev)) />
                    <div class=move || if refresh_off.get() { "text-slate-400" } else { "" }>
                        <label for="f-impersonation_refresh">"Refresh tokens for impersonated sessions"</label>
                        <p id="f-impersonation_refresh-help" class="text-xs text-slate-500">"Off by default: a Sign in as User session gets no refresh token. Even when on, no refresh outlives the impersonation session cap."</p>
                    </div>
                </div>
            </fieldset>
            <div class="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-6">
                <GatedButton needs=write note="tokens-needs" class=BTN_PRIMARY submit=true busy=save.pending()>
                    "Save token settings"
                </GatedButton>
            </div>
            </fieldset>
        </form>
    }
    .into_any()
}

/// The APIs this application may request access tokens for (read-only; set
/// on each API's page).
#[component]
fn AuthorizingApis(apis: Vec<ApiRef>) -> impl IntoView {
    view! {
        <section class=format!("mt-6 space-y-3 {CARD}") aria-labelledby="apis-heading">
            <div>
                <h2 id="apis-heading" class=H2>"APIs"</h2>
                <p class=HELP>"APIs this application may request access tokens for. Authorize an application on the API's page."</p>
            </div>
            {if apis.is_empty() {
                view! {
                    <p class="text-sm text-slate-600">
                        "No API authorizes this application yet. "
                        <A href="/apis" attr:class="font-medium text-indigo-700 hover:underline">"Go to APIs"</A>
                    </p>
                }.into_any()
            } else {
                view! {
                    <ul role="list" class="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
                        {apis.into_iter().map(|a| view! {
                            <li class="flex flex-wrap items-baseline justify-between gap-2 px-3 py-2.5">
                                <A href=format!("/apis/{}", a.id) attr:class="text-sm font-medium text-slate-900 hover:text-indigo-700 hover:underline">{a.name.clone()}</A>
                                <span class="break-all font-mono text-xs text-slate-500">{a.identifier.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
