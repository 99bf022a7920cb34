//! The impersonations still live, with Revoke all: shown while
//! impersonation is switched off, since switching off refuses what comes
//! next but leaves running sessions their tokens.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::access::needs;
use crate::components::dialog::ConfirmDialog;
use crate::components::format::datetime;
use crate::components::permitted::GatedButton;
use crate::components::toast::use_toasts;
use crate::components::ui::{BADGE_GREEN, BADGE_INDIGO, BTN_DANGER};
use crate::dto::ImpersonationRow;
use crate::error::AppError;
use crate::functions::policy::RevokeAllImpersonations;

/// The list and what changes it, made by the page (see `access::gated`).
#[derive(Clone, Copy)]
pub struct Live {
    pub rows: Resource<Result<Vec<ImpersonationRow>, AppError>>,
    pub revoke_all: ServerAction<RevokeAllImpersonations>,
    /// Bump to read the list again.
    pub reload: RwSignal<u32>,
}

#[component]
pub fn LiveSessions(
    live: Live,
    /// Whether the saved settings still have impersonation on.
    #[prop(into)]
    saved_on: Signal<bool>,
) -> impl IntoView {
    let toasts = use_toasts();
    let confirm = RwSignal::new(false);
    let revoke_needs = needs("impersonation:revoke");
    let action = live.revoke_all;
    Effect::new(move |_| match action.value().get() {
        Some(Ok(n)) => {
            confirm.set(false);
            toasts.success(if n == 1 {
                "1 impersonation ended".to_string()
            } else {
                format!("{n} impersonations ended")
            });
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let rows = live.rows;
    let count = Signal::derive(move || {
        rows.get()
            .and_then(|r| r.ok())
            .map(|v| v.len())
            .unwrap_or(0)
    });
    view! {
        <section aria-labelledby="live-heading" class="mt-5 rounded-md bg-amber-50 p-4 ring-1 ring-inset ring-amber-200">
            <h3 id="live-heading" class="text-sm font-semibold text-amber-950">"Live impersonations"</h3>
            <p class="mt-1 text-sm text-amber-900">
                {move || if saved_on.get() {
                    "Once saved, nobody can make, open or exchange an impersonation link. Sessions already running keep the tokens they have until those expire: revoke them to end them now."
                } else {
                    "Impersonation is off. Sessions that started before keep the tokens they have until those expire: revoke them to end them now."
                }}
            </p>
            <Transition fallback=|| view! { <p class="mt-3 text-sm text-slate-600">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="mt-3 text-sm font-medium text-slate-700">"No impersonation is live."</p>
                        }.into_any(),
                        Ok(list) => {
                            view! {
                                <LiveTable rows=list />
                                <div class="mt-3 flex flex-wrap items-center gap-3">
                                    <GatedButton needs=revoke_needs note="revoke-all-needs" class=BTN_DANGER on_click=move || confirm.set(true)>
                                        "Revoke all"
                                    </GatedButton>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <p role="alert" class="mt-3 text-sm text-red-800">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <ConfirmDialog
            open=confirm
            title=Signal::derive(move || match count.get() {
                1 => "End the live impersonation?".to_string(),
                n => format!("End all {n} live impersonations?"),
            })
            body="Their tokens stop working at /userinfo and introspection now, none can be refreshed, and links not yet opened no longer open. Each is audited as revoked."
            confirm_label="Revoke all"
            pending=action.pending()
            on_confirm=move || { action.dispatch(RevokeAllImpersonations { confirm: true }); }
        />
    }
}

#[component]
fn LiveTable(rows: Vec<ImpersonationRow>) -> impl IntoView {
    view! {
        <div class="mt-3 overflow-x-auto rounded-md bg-white ring-1 ring-slate-200">
            <table class="min-w-full divide-y divide-slate-200 text-sm">
                <caption class="sr-only">"Live impersonations"</caption>
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        <th scope="col" class="px-3 py-2">"Impersonator"</th>
                        <th scope="col" class="px-3 py-2">"Signed in as"</th>
                        <th scope="col" class="px-3 py-2">"Application"</th>
                        <th scope="col" class="px-3 py-2">"Since"</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {rows.into_iter().map(|r| {
                        let opened = r.redeemed_at > 0;
                        view! {
                            <tr class="align-top">
                                <td class="break-all px-3 py-2 text-slate-700">{r.actor_email.clone()}</td>
                                <td class="break-all px-3 py-2">
                                    <A href=format!("/users/{}", r.target_id) attr:class="font-medium text-slate-900 hover:text-indigo-700 hover:underline">{r.target_email.clone()}</A>
                                </td>
                                <td class="px-3 py-2 text-slate-700">{r.app_name.clone()}</td>
                                <td class="px-3 py-2 text-slate-700">
                                    <div class="whitespace-nowrap">{datetime(if opened { r.redeemed_at } else { r.created_at })}</div>
                                    <div class="mt-0.5">
                                        {if opened {
                                            view! { <span class=BADGE_GREEN>"Signed in"</span> }.into_any()
                                        } else {
                                            view! { <span class=BADGE_INDIGO>"Link not opened yet"</span> }.into_any()
                                        }}
                                    </div>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
