//! A member row's actions on the Users tab: Access (what they can do, and
//! why), the permission menu, and Remove access. A new permission and a
//! removal are confirmed in a dialog that shows who is affected first.

use std::sync::Arc;

use leptos::prelude::*;
use policy::{Action, Role};

use crate::api;
use crate::components::access::MemberAccessPanel;
use crate::components::controls::GuardedButton;
use crate::components::impact::ConfirmChange;
use crate::components::keep::draft;
use crate::components::notice::Outcome;
use crate::workspace::{Loaded, use_ws};

/// The arrow menu (permissions this actor may give this member) and Remove.
#[component]
pub(super) fn MemberActions(
    loaded: Arc<Loaded>,
    account: policy::Id,
    who: String,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ws = loaded.ws();
    let controls = loaded.facts.member_controls(loaded.me, ws, account, crate::clock::now());
    let current = loaded.view().and_then(|v| v.member(account).map(|m| m.role));
    // Open dialogs stay open while the workspace is revalidated (live access).
    let explaining = draft(format!("access-of:{account}"), || false);
    // The member itself, or an Owner or Administrator, may see its access.
    let may_explain =
        loaded.facts.effective_access(loaded.me, ws, account, &[], crate::clock::now()).is_ok();
    let change = if controls.change_role.is_allowed() && !controls.roles.is_empty() {
        view! { <RoleMenu ws account who=who.clone() current roles=controls.roles.clone() outcome/> }
            .into_any()
    } else {
        view! {
            <GuardedButton decision=controls.change_role.clone() label="Change permission" aria_label=format!("Change permission for {who}")
                class="button quiet" on_click=|| ()/>
        }
        .into_any()
    };
    let who_access = who.clone();
    view! {
        {may_explain.then(|| {
            let who = who.clone();
            view! {
                <button type="button" class="button quiet" aria-label=format!("Access of {who}")
                    on:click=move |_| explaining.set(true)>"Access"</button>
            }
        })}
        {move || explaining.get().then(|| view! {
            <MemberAccessPanel ws member=account name=who_access.clone() on_close=move || explaining.set(false)/>
        })}
        {change}
        <RemoveMember ws account who ws_name=loaded.info().name.clone() decision=controls.remove.clone() outcome/>
    }
}

/// The permissions this actor may give; choosing one asks first, showing
/// who gains and loses what.
#[component]
fn RoleMenu(
    ws: policy::Id,
    account: policy::Id,
    who: String,
    current: Option<Role>,
    roles: Vec<Role>,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let pending = draft(format!("new-role:{account}"), || None::<Role>);
    let who_confirm = who.clone();
    view! {
        <label class="inline">
            <span class="visually-hidden">{format!("Permission for {who}")}</span>
            <select aria-label=format!("Change permission for {who}")
                prop:value=move || pending.get().map(|r| api::wire_name(&r)).unwrap_or_default()
                on:change=move |ev| pending.set(api::from_wire_name::<Role>(&event_target_value(&ev)))>
                <option value="" selected=true disabled=true>{format!("{} ▾", current.map(Role::label).unwrap_or("Change"))}</option>
                {roles.into_iter().filter(|r| Some(*r) != current).map(|r| {
                    view! { <option value=api::wire_name(&r)>{r.label()}</option> }
                }).collect_view()}
            </select>
        </label>
        {move || pending.get().map(|role| view! {
            <ConfirmChange title="Change permission" question=format!("Make {who_confirm} {}?", role.label())
                ws action=Action::ChangeRole { workspace: ws, target: account, role } confirm="Change permission"
                on_close=move || pending.set(None)
                on_confirm=move || ctx.change(outcome, format!("Permission changed to {}.", role.label()), api::change_role(ws, account, role), |_| ())/>
        })}
    }
}

/// Remove access, after a confirmation that shows what the member loses.
#[component]
fn RemoveMember(
    ws: policy::Id,
    account: policy::Id,
    who: String,
    ws_name: String,
    decision: policy::Decision,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let confirming = draft(format!("remove-access:{account}"), || false);
    let who_confirm = who.clone();
    view! {
        <GuardedButton decision label="Remove access" aria_label=format!("Remove access for {who}")
            class="button quiet danger" on_click=move || confirming.set(true)/>
        {move || confirming.get().then(|| {
            let who = who_confirm.clone();
            view! {
                <ConfirmChange title="Remove access" danger=true
                    question=format!("Remove {who}'s access to {ws_name}? This cannot be undone: to come back they need a new invitation.")
                    ws action=Action::RemoveMember { workspace: ws, target: account } confirm="Remove access"
                    on_close=move || confirming.set(false)
                    on_confirm=move || ctx.change(outcome, format!("{who} no longer has access."), api::remove_member(ws, account), |_| ())/>
            }
        })}
    }
}
