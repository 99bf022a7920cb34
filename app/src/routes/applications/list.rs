use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::access::{gated, RequirePermission};
use crate::components::permitted::ActionLink;
use crate::components::ui::{BADGE_INDIGO, BADGE_SLATE, H1};
use crate::dto::AppSummary;
use crate::error::AppError;
use crate::functions::applications::list_applications;

#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let apps = gated("applications:read", || (), |_| list_applications());
    view! {
        <RequirePermission permission="applications:read">
            <ApplicationList apps=apps />
        </RequirePermission>
    }
}

#[component]
fn ApplicationList(apps: Resource<Result<Vec<AppSummary>, AppError>>) -> impl IntoView {
    view! {
        <Title text="Applications · Masquerade" />
        <div class="flex flex-wrap items-center justify-between gap-4">
            <div>
                <h1 class=H1>"Applications"</h1>
                <p class="mt-1 text-sm text-slate-600">"The clients that sign users in through Masquerade."</p>
            </div>
            <ActionLink href="/applications/new" label="Create application" permission="applications:write" />
        </div>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Err(e) => view! { <p role="alert" class="mt-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <div class="mt-6 rounded-lg border-2 border-dashed border-slate-300 p-10 text-center text-sm text-slate-600">
                            "No applications yet. Create one to let users sign in to it."
                        </div>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul role="list" class="mt-6 divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                            {list.into_iter().map(|a| view! {
                                <li class="flex flex-wrap items-center justify-between gap-3 px-4 py-4 hover:bg-slate-50">
                                    <div class="min-w-0">
                                        <A href=format!("/applications/{}", a.client_id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{a.name.clone()}</A>
                                        <p class="mt-0.5 font-mono text-xs text-slate-500">{a.client_id.clone()}</p>
                                    </div>
                                    <div class="flex flex-wrap items-center gap-2 text-xs text-slate-600">
                                        <span class=BADGE_SLATE>{a.type_label.clone()}</span>
                                        {a.allow_impersonation.then(|| view! { <span class=BADGE_INDIGO>"Impersonation allowed"</span> })}
                                        <span>{format!("{} callback URL{}", a.callback_count, if a.callback_count == 1 { "" } else { "s" })}</span>
                                    </div>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
