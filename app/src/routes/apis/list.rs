use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::access::{gated, RequirePermission};
use crate::components::format::duration;
use crate::components::permitted::ActionLink;
use crate::components::ui::{BADGE_INDIGO, H1};
use crate::dto::ApiSummary;
use crate::error::AppError;
use crate::functions::apis::list_apis;

#[component]
pub fn ApisPage() -> impl IntoView {
    let apis = gated("apis:read", || (), |_| list_apis());
    view! {
        <RequirePermission permission="apis:read">
            <ApiList apis=apis />
        </RequirePermission>
    }
}

#[component]
fn ApiList(apis: Resource<Result<Vec<ApiSummary>, AppError>>) -> impl IntoView {
    view! {
        <Title text="APIs · Masquerade" />
        <div class="flex flex-wrap items-center justify-between gap-4">
            <div>
                <h1 class=H1>"APIs"</h1>
                <p class="mt-1 text-sm text-slate-600">"The resource servers that accept Masquerade's access tokens. An API's identifier is the audience of its tokens."</p>
            </div>
            <ActionLink href="/apis/new" label="Create API" permission="apis:write" />
        </div>
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apis.await {
                    Err(e) => view! { <p role="alert" class="mt-6 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="mt-6 overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
                            <table class="min-w-full divide-y divide-slate-200 text-sm">
                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                    <tr>
                                        <th scope="col" class="px-4 py-3">"Name"</th>
                                        <th scope="col" class="px-4 py-3">"Signing"</th>
                                        <th scope="col" class="px-4 py-3">"Token lifetime"</th>
                                        <th scope="col" class="px-4 py-3">"Permissions"</th>
                                        <th scope="col" class="px-4 py-3">"Authorized apps"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {list.into_iter().map(|a| view! {
                                        <tr class="hover:bg-slate-50">
                                            <td class="px-4 py-3">
                                                <div class="flex flex-wrap items-center gap-2">
                                                    <A href=format!("/apis/{}", a.id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{a.name.clone()}</A>
                                                    {a.builtin.then(|| view! { <span class=BADGE_INDIGO>"Built-in"</span> })}
                                                </div>
                                                <div class="mt-0.5 break-all font-mono text-xs text-slate-500">{a.identifier.clone()}</div>
                                            </td>
                                            <td class="px-4 py-3 font-mono text-xs text-slate-700">{a.signing_alg.clone()}</td>
                                            <td class="px-4 py-3 whitespace-nowrap text-slate-700">{duration(a.token_lifetime_secs)}</td>
                                            <td class="px-4 py-3 tabular-nums text-slate-700">{a.permission_count}</td>
                                            <td class="px-4 py-3 tabular-nums text-slate-700">{a.app_count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
