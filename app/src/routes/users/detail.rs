use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::access::{gated, needs, use_me, RequirePermission};
use crate::components::check_access::{CheckAccess, CheckSubject};
use crate::components::dialog::ConfirmDialog;
use crate::components::form::{ErrorBanner, TextArea, TextField};
use crate::components::format::{datetime, initials};
use crate::components::impersonate::SignInAsUser;
use crate::components::permitted::{GatedButton, NeedsNote};
use crate::components::toast::use_toasts;
use crate::components::ui::{
    BADGE_GREEN, BADGE_INDIGO, BADGE_RED, BADGE_SLATE, BTN_DANGER, BTN_PRIMARY, BTN_SECONDARY,
    CARD, H1, H2, HELP,
};
use crate::dto::UserDetail;
use crate::error::AppError;
use crate::functions::policy::SetUserProtected;
use crate::functions::users::{get_user, DeleteUser, SetUserBlocked, SetUserPassword, UpdateUser};
use crate::routes::impersonations::ImpersonationHistory;
use crate::routes::users::roles_tab::UserRolesTab;

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let user = gated("users:read", move || id.get(), get_user);
    view! {
        <RequirePermission permission="users:read">
            <UserScreen user=user />
        </RequirePermission>
    }
}

#[component]
fn UserScreen(user: Resource<Result<UserDetail, AppError>>) -> impl IntoView {
    view! {
        <Title text="User · Masquerade" />
        <A href="/users" attr:class="text-sm text-slate-500 hover:text-slate-700">"← Users"</A>
        <Suspense fallback=|| view! { <p class="mt-4 text-sm text-slate-500">"Loading user…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(u) => view! { <UserView user=u on_change=move || user.refetch() /> }.into_any(),
                    Err(e) => view! { <p role="alert" class="mt-4 rounded-md bg-red-50 p-4 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserView(
    user: UserDetail,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let heading = if user.name.is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    };
    let id = user.id.clone();
    let history_id = user.id.clone();
    let history_read = use_me().can("impersonation:read");
    let roles_id = user.id.clone();
    let check_subject = CheckSubject::User {
        id: user.id.clone(),
        label: heading.clone(),
    };
    let tab = RwSignal::new("profile");
    view! {
        <div class="mt-3 flex flex-wrap items-start justify-between gap-4">
            <div class="flex items-center gap-4">
                <span aria-hidden="true" class="grid h-14 w-14 place-items-center rounded-full bg-indigo-100 text-lg font-semibold text-indigo-700">
                    {initials(&user.name, &user.email)}
                </span>
                <div>
                    <h1 class=H1>{heading}</h1>
                    <p class="text-sm text-slate-600">{user.email.clone()}</p>
                    <div class="mt-1 flex flex-wrap gap-2">
                        {if user.blocked { view! { <span class=BADGE_RED>"Blocked"</span> } } else { view! { <span class=BADGE_GREEN>"Active"</span> } }}
                        {user.protected.then(|| view! { <span class=BADGE_SLATE title="Nobody may sign in as this user">"Protected"</span> })}
                        {user.role_names.iter().map(|r| view! { <span class=BADGE_INDIGO>{r.clone()}</span> }).collect_view()}
                        {user.is_self.then(|| view! { <span class="text-xs text-slate-500">"(you)"</span> })}
                    </div>
                </div>
            </div>
            <Actions user=user.clone() on_change=on_change />
        </div>

        <dl class="mt-6 grid grid-cols-2 gap-4 rounded-lg bg-white p-4 text-sm shadow-sm ring-1 ring-slate-200 md:grid-cols-4">
            <Fact label="User ID" value=id.clone() mono=true />
            <Fact label="Connection" value=user.connection.clone() />
            <Fact label="Created" value=datetime(user.created_at) />
            <Fact label="Last login" value=format!("{} ({} logins)", datetime(user.last_login_at), user.login_count) />
        </dl>

        <div role="tablist" aria-label="User sections" class="mt-6 flex gap-1 border-b border-slate-200">
            <Tab tab=tab value="profile" label="Profile" />
            <Tab tab=tab value="roles" label="Roles" />
            <Tab tab=tab value="impersonation" label="Impersonation history" />
            <Tab tab=tab value="check" label="Check access" />
        </div>
        <div class="mt-6" role="tabpanel">
            <Show when=move || tab.get() == "roles">
                <UserRolesTab user_id=roles_id.clone() />
            </Show>
            // Made on the click, in the browser: its lists load there.
            <Show when=move || tab.get() == "check">
                <CheckAccess subject=check_subject.clone() />
            </Show>
            <Show
                when=move || tab.get() == "impersonation"
                fallback=move || {
                    let user = user.clone();
                    let id = id.clone();
                    (tab.get() == "profile").then(|| view! {
                        <div class="grid gap-6 lg:grid-cols-3">
                            <div class="lg:col-span-2">
                                <ProfileForm user=user.clone() on_saved=move || { toasts.success("Profile saved"); on_change(); } />
                            </div>
                            <div class="space-y-6">
                                <PasswordForm user_id=id has_password=user.has_password />
                                <Protection user=user.clone() on_change=on_change />
                            </div>
                        </div>
                    })
                }
            >
                {let history_id = history_id.clone(); move || if history_read.get() {
                    view! { <ImpersonationHistory user_id=history_id.clone() /> }.into_any()
                } else {
                    view! {
                        <p class="rounded-lg bg-white p-6 text-sm text-slate-600 shadow-sm ring-1 ring-slate-200">
                            "Seeing who signed in as this user needs "
                            <code class="font-mono text-xs text-slate-900">"impersonation:read"</code> "."
                        </p>
                    }.into_any()
                }}
            </Show>
        </div>
    }
}

#[component]
fn Tab(tab: RwSignal<&'static str>, value: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <button
            type="button"
            role="tab"
            aria-selected=move || (tab.get() == value).to_string()
            class=move || if tab.get() == value {
                "-mb-px border-b-2 border-indigo-600 px-4 py-2 text-sm font-semibold text-indigo-700"
            } else {
                "-mb-px border-b-2 border-transparent px-4 py-2 text-sm font-medium text-slate-600 hover:text-slate-900"
            }
            on:click=move |_| tab.set(value)
        >
            {label}
        </button>
    }
}

#[component]
fn Fact(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    view! {
        <div class="min-w-0">
            <dt class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
            <dd class=if mono { "mt-1 truncate font-mono text-xs text-slate-900" } else { "mt-1 text-slate-900" }>{value}</dd>
        </div>
    }
}

#[component]
fn Actions(user: UserDetail, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let toasts = use_toasts();
    let navigate = use_navigate();
    let block = ServerAction::<SetUserBlocked>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let confirm = RwSignal::new(false);
    let blocked = user.blocked;
    Effect::new(move |_| match block.value().get() {
        Some(Ok(u)) => {
            toasts.success(if u.blocked {
                "User blocked"
            } else {
                "User unblocked"
            });
            on_change();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("User deleted");
            navigate("/users", Default::default());
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let id_block = user.id.clone();
    let id_delete = user.id.clone();
    let who = if user.name.is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    };
    let self_reason = user
        .is_self
        .then_some("You cannot block or delete your own account.");
    let write = needs("users:write");
    let is_self = user.is_self;
    // Why Block and Delete are off: your own account, or the permission.
    let why_not = move || self_reason.map(String::from).or_else(|| write.get());
    let described = move || write.get().map(|_| "user-actions-needs");
    view! {
        <div class="flex flex-wrap items-start gap-2">
            <SignInAsUser user_id=user.id.clone() label=who.clone() disabled_reason=user.impersonate_disabled.clone() />
            <div class="flex flex-col items-end gap-1">
                <div class="flex flex-wrap items-start gap-2">
                    {move || match write.get() {
                        None => view! { <a href="#set-password" class=BTN_SECONDARY>"Set password"</a> }.into_any(),
                        Some(reason) => view! {
                            <button type="button" class=BTN_SECONDARY disabled title=reason aria-describedby="user-actions-needs">"Set password"</button>
                        }.into_any(),
                    }}
                    <button
                        type="button"
                        class=BTN_SECONDARY
                        disabled=move || is_self || write.get().is_some() || block.pending().get()
                        title=why_not
                        aria-describedby=described
                        on:click=move |_| { block.dispatch(SetUserBlocked { id: id_block.clone(), blocked: !blocked }); }
                    >
                        {if blocked { "Unblock user" } else { "Block user" }}
                    </button>
                    <button
                        type="button"
                        class=BTN_DANGER
                        disabled=move || is_self || write.get().is_some()
                        title=why_not
                        aria-describedby=described
                        on:click=move |_| confirm.set(true)
                    >
                        "Delete user"
                    </button>
                </div>
                <NeedsNote needs=write id="user-actions-needs" />
            </div>
        </div>
        <ConfirmDialog
            open=confirm
            title=format!("Delete {who}?")
            body="The user, their roles and their sessions are removed. This cannot be undone."
            confirm_label="Delete"
            pending=delete.pending()
            on_confirm=move || { delete.dispatch(DeleteUser { id: id_delete.clone() }); }
        />
    }
}

#[component]
fn ProfileForm(
    user: UserDetail,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let email = RwSignal::new(user.email.clone());
    let name = RwSignal::new(user.name.clone());
    let picture = RwSignal::new(user.picture.clone());
    let app_md = RwSignal::new(user.app_metadata.clone());
    let user_md = RwSignal::new(user.user_metadata.clone());
    let save = ServerAction::<UpdateUser>::new();
    let errors = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            on_saved();
        }
    });
    let id = user.id.clone();
    let write = needs("users:write");
    view! {
        <form
            class=CARD
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(UpdateUser {
                    id: id.clone(),
                    email: email.get_untracked(),
                    name: name.get_untracked(),
                    picture: picture.get_untracked(),
                    app_metadata: app_md.get_untracked(),
                    user_metadata: user_md.get_untracked(),
                });
            }
        >
            // Read-only for those who may not change users: every field at once.
            <fieldset class="min-w-0 space-y-4" disabled=move || write.get().is_some()>
            <h2 class=H2>"Profile"</h2>
            <ErrorBanner errors=general />
            <div class="grid gap-4 md:grid-cols-2">
                <TextField label="Email" name="email" kind="email" value=email errors=errors required=true />
                <TextField label="Name" name="name" value=name errors=errors />
            </div>
            <TextField label="Picture URL" name="picture" value=picture errors=errors placeholder="https://…" />
            <h2 class=format!("pt-2 {H2}")>"Metadata"</h2>
            <div class="grid gap-4 md:grid-cols-2">
                <TextArea label="App metadata" name="app_metadata" value=app_md errors=errors rows=6 mono=true help="JSON object. Set by administrators; users cannot change it." />
                <TextArea label="User metadata" name="user_metadata" value=user_md errors=errors rows=6 mono=true help="JSON object with the user's own preferences." />
            </div>
            <div class="flex flex-wrap items-center gap-3">
                <GatedButton needs=write note="profile-needs" class=BTN_PRIMARY submit=true busy=save.pending()>
                    "Save profile"
                </GatedButton>
            </div>
            </fieldset>
        </form>
    }
}

/// Nobody may sign in as a protected user. Marking it takes both
/// users:write and impersonation:create (so neither a user editor nor a
/// support agent decides it alone).
#[component]
fn Protection(
    user: UserDetail,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let toasts = use_toasts();
    let me = use_me();
    let (write, create) = (me.can("users:write"), me.can("impersonation:create"));
    let missing = Signal::derive(move || {
        (!(write.get() && create.get()))
            .then(|| "Needs users:write and impersonation:create".to_string())
    });
    let confirm = RwSignal::new(false);
    let set = ServerAction::<SetUserProtected>::new();
    let protected = user.protected;
    let who = if user.name.is_empty() {
        user.email.clone()
    } else {
        user.name.clone()
    };
    let done = who.clone();
    Effect::new(move |_| match set.value().get() {
        Some(Ok(())) => {
            confirm.set(false);
            toasts.success(if protected {
                format!(
                    "Protection removed: {done} can be signed in as again, as the policy allows"
                )
            } else {
                format!("{done} is protected: nobody may sign in as them")
            });
            on_change();
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let is_admin = user.roles.iter().any(|r| r == "rol_admin");
    let id = user.id.clone();
    let (title, body, action) = if protected {
        (
            format!("Remove protection from {who}?"),
            "Those the impersonation policy allows may sign in as this user again.".to_string(),
            "Remove protection",
        )
    } else {
        (
            format!("Protect {who}?"),
            "Nobody will be able to sign in as this user. Impersonations of them still running end now.".to_string(),
            "Protect user",
        )
    };
    view! {
        <section class=format!("space-y-3 {CARD}") aria-labelledby="protection-title">
            <h2 id="protection-title" class=H2>"Sign in as User protection"</h2>
            <p class="text-sm text-slate-700" data-testid="protection-state">
                {if protected {
                    view! { <span><strong class="font-semibold text-slate-900">"Protected: "</strong>"nobody may sign in as this user."</span> }.into_any()
                } else {
                    view! { <span><strong class="font-semibold text-slate-900">"Not protected: "</strong>"those the impersonation policy allows may sign in as this user."</span> }.into_any()
                }}
            </p>
            {is_admin.then(|| view! { <p class=HELP>"Administrators are always protected, whether this is set or not."</p> })}
            <div class="flex flex-wrap items-center gap-3">
                <GatedButton needs=missing note="protection-needs" class=BTN_SECONDARY busy=set.pending() on_click=Callback::new(move |_| confirm.set(true))>
                    {action}
                </GatedButton>
            </div>
        </section>
        <ConfirmDialog
            open=confirm
            title=title
            body=body
            confirm_label=action
            pending=set.pending()
            on_confirm=move || { set.dispatch(SetUserProtected { user_id: id.clone(), protected: !protected }); }
        />
    }
}

#[component]
fn PasswordForm(user_id: String, has_password: bool) -> impl IntoView {
    let toasts = use_toasts();
    let password = RwSignal::new(String::new());
    let set = ServerAction::<SetUserPassword>::new();
    let errors = Signal::derive(move || set.value().get().and_then(|r| r.err()));
    let general =
        Signal::derive(move || errors.get().filter(|e| !matches!(e, AppError::Invalid(_))));
    Effect::new(move |_| {
        if let Some(Ok(())) = set.value().get() {
            password.set(String::new());
            toasts.success("Password set; the user's sessions were ended");
        }
    });
    let write = needs("users:write");
    view! {
        <form
            id="set-password"
            class=CARD
            on:submit=move |ev| {
                ev.prevent_default();
                set.dispatch(SetUserPassword { id: user_id.clone(), password: password.get_untracked() });
            }
        >
            <fieldset class="min-w-0 space-y-4" disabled=move || write.get().is_some()>
            <h2 class=H2>"Password"</h2>
            <p class="text-sm text-slate-600">
                {if has_password { "The user has a password. Setting a new one signs them out everywhere." } else { "The user has no password yet." }}
            </p>
            <ErrorBanner errors=general />
            <TextField label="New password" name="password" kind="password" value=password errors=errors autocomplete="new-password" />
            <div class="flex flex-wrap items-center gap-3">
                <GatedButton needs=write note="password-needs" class=BTN_SECONDARY submit=true busy=set.pending()>
                    "Set password"
                </GatedButton>
            </div>
            </fieldset>
        </form>
    }
}
