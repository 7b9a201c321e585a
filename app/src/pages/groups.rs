//! Settings → Groups: the default group (not editable), create with inline
//! validation, add several users at once, remove with an ×, delete by typing
//! the group's name.

use std::sync::Arc;

use leptos::prelude::*;
use policy::{Action, Group, Id};

use crate::api;
use crate::components::controls::{GuardedButton, WhyNot};
use crate::components::modal::Modal;
use crate::components::notice::{Empty, Outcome, OutcomeNote};
use crate::pages::workspace::{Loaded, use_ws};

#[component]
pub fn GroupsTab() -> impl IntoView {
    let ctx = use_ws();
    let outcome = RwSignal::new(None::<Outcome>);
    let creating = RwSignal::new(false);
    move || {
        let loaded = ctx.loaded()?;
        let ab = loaded.abilities();
        let manage = ab.manage_groups.is_allowed();
        let groups = loaded.view().map(|v| v.data().groups.clone()).unwrap_or_default();
        let l = loaded.clone();
        Some(view! {
            <section class="page" aria-labelledby="groups-title">
                <div class="toolbar">
                    <h2 id="groups-title">"Groups"</h2>
                    <GuardedButton decision=ab.manage_groups.clone() label="Create group" class="button primary"
                        on_click=move || creating.set(true)/>
                </div>
                <p class="muted">"Groups decide who manages modules, integrations, API gateways and Data Studio jobs. A resource with no group is managed by the Owner and Administrators only."</p>
                <OutcomeNote outcome/>
                {if groups.is_empty() {
                    view! { <Empty text="No groups yet."/> }.into_any()
                } else {
                    view! {
                        <ul class="group-list">
                            {groups.into_iter().map(|g| view! { <GroupCard loaded=loaded.clone() group=g manage outcome/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {move || creating.get().then(|| view! { <CreateGroup loaded=l.clone() outcome on_close=move || creating.set(false)/> })}
            </section>
        })
    }
}

#[component]
fn GroupCard(
    loaded: Arc<Loaded>,
    group: Group,
    manage: bool,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let gid = group.id;
    let adding = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let title_id = format!("group-{gid}");
    let title_ref = title_id.clone();
    let description = loaded.group_description(gid);
    let members = group.members.clone();
    let l_add = loaded.clone();
    let l_del = loaded.clone();
    let name_add = group.name.clone();
    let name_del = group.name.clone();
    // Adding is judged for "someone": the first Active member not in it.
    let candidates: Vec<Id> = loaded
        .view()
        .map(|v| {
            v.data().members.iter().map(|m| m.account).filter(|a| !members.contains(a)).collect()
        })
        .unwrap_or_default();
    let add_decision = loaded.decide(&Action::AddGroupMembers {
        workspace: ws,
        group: gid,
        accounts: candidates.iter().take(1).copied().collect(),
    });
    let delete_decision = loaded.decide(&Action::DeleteGroup {
        workspace: ws,
        group: gid,
        confirm_name: group.name.clone(),
    });
    view! {
        <li class="card group" aria-labelledby=title_ref>
            <div class="group-head">
                <h3 id=title_id>{group.name.clone()}</h3>
                {group.is_default.then(|| view! { <span class="badge" title="Every member is in it; it cannot be edited or deleted.">"Default · not editable"</span> })}
                <span class="muted">{if group.is_default {
                    "All members".to_owned()
                } else {
                    format!("{} member{}", members.len(), if members.len() == 1 { "" } else { "s" })
                }}</span>
            </div>
            {(!description.is_empty()).then(|| view! { <p>{description.clone()}</p> })}
            <ul class="chips" aria-label=format!("Members of {}", group.name)>
                {members.iter().map(|&a| {
                    let who = loaded.name_of(a);
                    let remove = loaded.decide(&Action::RemoveGroupMember { workspace: ws, group: gid, account: a });
                    let aria = format!("Remove {who} from {}", group.name);
                    view! {
                        <li class="chip">
                            {who.clone()}
                            {(manage && !group.is_default).then(|| view! {
                                <GuardedButton decision=remove label="×" aria_label=aria class="chip-x"
                                    on_click=move || ctx.change(outcome, "Removed from the group.", api::remove_group_member(ws, gid, a), |_| ())/>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(manage && !group.is_default).then(|| view! {
                <div class="row">
                    <GuardedButton decision=add_decision label="Add users" aria_label=format!("Add users to {}", group.name) class="button"
                        on_click=move || adding.set(true)/>
                    <GuardedButton decision=delete_decision label="Delete group" aria_label=format!("Delete group {}", group.name) class="button danger"
                        on_click=move || deleting.set(true)/>
                </div>
            })}
            {move || adding.get().then(|| view! {
                <AddMembers loaded=l_add.clone() group=gid name=name_add.clone() candidates=candidates.clone() outcome on_close=move || adding.set(false)/>
            })}
            {move || deleting.get().then(|| view! {
                <DeleteGroup loaded=l_del.clone() group=gid name=name_del.clone() outcome on_close=move || deleting.set(false)/>
            })}
        </li>
    }
}

#[component]
fn CreateGroup(
    loaded: Arc<Loaded>,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let touched = RwSignal::new(false);
    let decision = Signal::derive(move || {
        loaded.decide(&Action::CreateGroup {
            workspace: ws,
            name: name.get(),
            description: description.get(),
        })
    });
    let close = on_close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = policy::api::GroupFields {
            name: name.get_untracked(),
            description: description.get_untracked(),
        };
        let close = close.clone();
        ctx.change(
            outcome,
            format!("Group {} created.", body.name.trim()),
            api::create_group(ws, body),
            move |_| close(),
        );
    };
    view! {
        <Modal title="Create group" on_close=move || on_close()>
            <form class="form" on:submit=submit>
                <label>"Name" <input required=true maxlength="64" bind:value=name on:blur=move |_| touched.set(true)/></label>
                <label>"Description" <textarea maxlength="500" bind:value=description></textarea></label>
                {move || touched.get().then(|| view! { <WhyNot decision/> })}
                <div class="modal-actions">
                    <button type="submit" class="button primary" disabled=move || !decision.get().is_allowed()
                        title=move || decision.get().message().map(str::to_owned)>"Create group"</button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn AddMembers(
    loaded: Arc<Loaded>,
    group: Id,
    name: String,
    candidates: Vec<Id>,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let chosen = RwSignal::new(Vec::<Id>::new());
    let l = loaded.clone();
    let decision = Signal::derive(move || {
        let accounts = chosen.get();
        if accounts.is_empty() {
            return policy::Decision::deny_with(
                policy::Reason::NotAnActiveMember,
                "Choose at least one user.",
            );
        }
        l.decide(&Action::AddGroupMembers { workspace: ws, group, accounts })
    });
    let close = on_close.clone();
    let add = move || {
        let close = close.clone();
        ctx.change(
            outcome,
            "Users added to the group.",
            api::add_group_members(ws, group, chosen.get_untracked()),
            move |_| close(),
        );
    };
    view! {
        <Modal title=format!("Add users to {name}") on_close=move || on_close()>
            {if candidates.is_empty() {
                view! { <p class="empty">"Every member is already in this group."</p> }.into_any()
            } else {
                view! {
                    <fieldset class="checks">
                        <legend>"Users"</legend>
                        {candidates.into_iter().map(|a| view! {
                            <label class="check">
                                <input type="checkbox" on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| if on { c.push(a) } else { c.retain(|x| *x != a) });
                                }/>
                                {format!("{} ({})", loaded.name_of(a), loaded.email_of(a))}
                            </label>
                        }).collect_view()}
                    </fieldset>
                }.into_any()
            }}
            <div class="modal-actions">
                <GuardedButton decision label="Add to group" class="button primary" on_click=add/>
            </div>
        </Modal>
    }
}

#[component]
fn DeleteGroup(
    loaded: Arc<Loaded>,
    group: Id,
    name: String,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let typed = RwSignal::new(String::new());
    let orphaned = loaded.view().and_then(|v| v.resources_orphaned_by_deleting(group)).unwrap_or(0);
    let decision = Signal::derive(move || {
        loaded.decide(&Action::DeleteGroup { workspace: ws, group, confirm_name: typed.get() })
    });
    let close = on_close.clone();
    let delete = move || {
        let close = close.clone();
        ctx.change(
            outcome,
            "Group deleted.",
            api::delete_group(ws, group, typed.get_untracked()),
            move |_| close(),
        );
    };
    let warning = match orphaned {
        0 => "No resource depends on this group alone.".to_owned(),
        1 => "1 resource has no other group and will become admin-only (Owner and Administrators)."
            .to_owned(),
        n => format!(
            "{n} resources have no other group and will become admin-only (Owner and Administrators)."
        ),
    };
    view! {
        <Modal title=format!("Delete group {name}") on_close=move || on_close()>
            <p class="notice warn">{warning}</p>
            <label class="stacked">
                {format!("Type {name} to confirm")}
                <input autocomplete="off" bind:value=typed/>
            </label>
            <div class="modal-actions">
                <GuardedButton decision label="Delete group" class="button danger" on_click=delete/>
            </div>
        </Modal>
    }
}
