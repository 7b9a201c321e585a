//! Workspace settings: Data Studio, and the Owner's own options (transfer
//! ownership, delete the workspace), which nobody else sees.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use policy::{Action, Id, Role};

use crate::api;
use crate::components::controls::{GuardedButton, WhyNot};
use crate::components::impact::ImpactPreview;
use crate::components::keep::draft;
use crate::components::modal::Modal;
use crate::components::notice::{ErrorNote, Loading, Outcome, OutcomeNote};
use crate::route::Page;
use crate::session::use_session;
use crate::workspace::{Loaded, use_ws};

#[component]
pub fn WorkspaceSettings() -> impl IntoView {
    let ctx = use_ws();
    let outcome = RwSignal::new(None::<Outcome>);
    move || {
        let loaded = ctx.loaded()?;
        let ws = loaded.ws();
        let ab = loaded.abilities();
        let on = loaded.info().data_studio;
        // Owner-only options appear only to whom the policy allows them.
        let owner_options = ab.transfer_ownership.is_allowed() || ab.delete_workspace.is_allowed();
        Some(view! {
            <section class="page" aria-labelledby="settings-title">
                <h2 id="settings-title">"Workspace settings"</h2>
                <OutcomeNote outcome/>
                <section class="card">
                    <h3>"Data Studio"</h3>
                    <p class="muted">"Data Jobs, File Jobs and File templates exist only while Data Studio is on."</p>
                    <label class="switch">
                        <input type="checkbox" role="switch" prop:checked=on
                            disabled=!ab.set_data_studio.is_allowed()
                            title=ab.set_data_studio.message().map(str::to_owned)
                            on:change=move |ev| {
                                let next = event_target_checked(&ev);
                                let what = if next { "Data Studio is on." } else { "Data Studio is off." };
                                ctx.change(outcome, what, api::set_data_studio(ws, next), |_| ());
                            }/>
                        <span>"Data Studio"</span>
                        <WhyNot decision=ab.set_data_studio.clone()/>
                    </label>
                    {ab.set_data_studio.is_allowed().then(|| view! {
                        <p class="muted">{if on { "If you turn it off:" } else { "If you turn it on:" }}</p>
                        <ImpactPreview ws action=Signal::derive(move || Some(Action::SetDataStudio { workspace: ws }))/>
                    })}
                </section>
                {owner_options.then(|| view! { <OwnerOptionsLoader loaded=loaded.clone() outcome/> })}
            </section>
        })
    }
}

/// Loads the Active Administrators (who ownership may go to) for the
/// Owner's options.
#[component]
fn OwnerOptionsLoader(loaded: Arc<Loaded>, outcome: RwSignal<Option<Outcome>>) -> impl IntoView {
    let ws = loaded.ws();
    let admins = LocalResource::new(move || api::members_with_role(ws, Role::Admin, None));
    move || match admins.get() {
        None => view! { <Loading what="administrators"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
        Some(Ok(page)) => {
            let decided = loaded.with_pages([&page.slice]);
            let people: Vec<(Id, String)> =
                page.rows.iter().map(|r| (r.id, format!("{} ({})", r.name, r.email))).collect();
            view! { <OwnerOptions loaded=decided people outcome/> }.into_any()
        }
    }
}

#[component]
fn OwnerOptions(
    loaded: Arc<Loaded>,
    people: Vec<(Id, String)>,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let session = use_session();
    let navigate = use_navigate();
    let ws = loaded.ws();
    let name = loaded.info().name.clone();
    let admins: Vec<(Id, String)> = people
        .into_iter()
        .filter(|(t, _)| {
            loaded.decide(&Action::TransferOwnership { workspace: ws, target: *t }).is_allowed()
        })
        .collect();
    let target = draft("settings:transfer-to", || admins.first().map(|a| a.0));
    let l = loaded.clone();
    let transfer_decision = Signal::derive(move || match target.get() {
        Some(t) => l.decide(&Action::TransferOwnership { workspace: ws, target: t }),
        None => policy::Decision::deny_with(
            policy::Reason::TransferTargetNotAdmin,
            "Choose an Active Administrator.",
        ),
    });
    let confirming_transfer = draft("settings:confirm-transfer", || false);
    let deleting = draft("settings:deleting", || false);
    let typed = draft("settings:delete-typed", String::new);
    let delete_decision = loaded.decide(&Action::DeleteWorkspace { workspace: ws });
    let name_matches = {
        let name = name.clone();
        move || typed.get().trim() == name
    };
    let names = admins.clone();
    view! {
        <section class="card">
            <h3>"Transfer ownership"</h3>
            <p class="muted">"The new Owner must be an Active Administrator. You become an Administrator."</p>
            {if admins.is_empty() {
                view! { <p class="empty">"There is no Active Administrator to hand ownership to."</p> }.into_any()
            } else {
                view! {
                    <label>
                        "New owner"
                        <select on:change=move |ev| target.set(event_target_value(&ev).parse().ok())>
                            {admins.iter().map(|&(a, ref label)| view! { <option value=a.to_string() selected=move || target.get() == Some(a)>{label.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            }}
            <GuardedButton decision=transfer_decision label="Transfer ownership" class="button" on_click=move || confirming_transfer.set(true)/>
        </section>
        <section class="card danger-zone">
            <h3>"Delete workspace"</h3>
            <p class="muted">"Everything in it is deleted for everyone. This cannot be undone."</p>
            <GuardedButton decision=delete_decision label="Delete workspace" class="button danger" on_click=move || deleting.set(true)/>
        </section>
        {move || confirming_transfer.get().then(|| {
            let who = target
                .get_untracked()
                .and_then(|t| names.iter().find(|a| a.0 == t).map(|a| a.1.clone()))
                .unwrap_or_default();
            view! {
                <Modal title="Transfer ownership" on_close=move || confirming_transfer.set(false)>
                    <p>{format!("Make {who} the Owner? You will become an Administrator.")}</p>
                    <ImpactPreview ws action=Signal::derive(move || target.get().map(|t| Action::TransferOwnership { workspace: ws, target: t }))/>
                    <div class="modal-actions">
                        <button type="button" class="button" on:click=move |_| confirming_transfer.set(false)>"Cancel"</button>
                        <button type="button" class="button primary" on:click=move |_| {
                            confirming_transfer.set(false);
                            if let Some(t) = target.get_untracked() {
                                ctx.change(outcome, "Ownership transferred.", api::transfer_ownership(ws, t), move |_| session.reload());
                            }
                        }>"Transfer ownership"</button>
                    </div>
                </Modal>
            }
        })}
        {move || deleting.get().then(|| {
            let name_matches = name_matches.clone();
            let navigate = navigate.clone();
            let name = name.clone();
            view! {
                <Modal title="Delete workspace" on_close=move || deleting.set(false)>
                    <p class="notice warn">"Everything in this workspace is deleted for everyone. This cannot be undone."</p>
                    <label>{format!("Type {name} to confirm")} <input autocomplete="off" bind:value=typed/></label>
                    <div class="modal-actions">
                        <button type="button" class="button danger" disabled=move || !name_matches()
                            on:click=move |_| {
                                let navigate = navigate.clone();
                                leptos::task::spawn_local(async move {
                                    match api::delete_workspace(ws).await {
                                        Ok(_) => {
                                            session.refresh().await;
                                            navigate(&Page::Home.href(), Default::default());
                                        }
                                        Err(e) => outcome.set(Some(Outcome::Failed(e))),
                                    }
                                });
                            }>"Delete workspace"</button>
                    </div>
                </Modal>
            }
        })}
    }
}
