//! Settings → Groups: the default group (not editable), create with inline
//! validation, add several users at once, remove with an ×, delete by typing
//! the group's name. Groups come with the workspace's base; a group's
//! members load, a page at a time, when its list is opened.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::{MemberRow, Person};
use policy::{Action, Group, Id};

use crate::api;
use crate::components::controls::{GuardedButton, WhyNot};
use crate::components::impact::{ConfirmChange, ImpactPreview};
use crate::components::keep::draft;
use crate::components::modal::Modal;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{Empty, ErrorNote, Loading, Outcome, OutcomeNote};
use crate::components::search::debounce;
use crate::workspace::{Loaded, use_ws};

/// How many group cards the Groups tab shows before "Show more".
const GROUPS_SHOWN: usize = 50;

#[component]
pub fn GroupsTab() -> impl IntoView {
    let ctx = use_ws();
    let outcome = RwSignal::new(None::<Outcome>);
    let creating = RwSignal::new(false);
    // Member lists opened (kept across reloads after a change).
    let open = RwSignal::new(Vec::<Id>::new());
    // The base holds every group; the page shows them a page at a time
    // (at 1,000 groups, all cards at once made every dialog slow to open).
    let shown = RwSignal::new(GROUPS_SHOWN);
    let query = RwSignal::new(String::new());
    move || {
        let loaded = ctx.loaded()?;
        let ab = loaded.abilities();
        let manage = ab.manage_groups.is_allowed();
        let all = loaded.view().map(|v| v.data().groups.clone()).unwrap_or_default();
        let total = all.len();
        let l = loaded.clone();
        // Only the list follows the search, so the search box keeps focus.
        let list = move || {
            let q = query.get().to_lowercase();
            let matching: Vec<&Group> =
                all.iter().filter(|g| q.is_empty() || g.name.to_lowercase().contains(&q)).collect();
            let (found, limit) = (matching.len(), shown.get());
            let cards = if matching.is_empty() {
                let text = if total == 0 { "No groups yet." } else { "No group matches." };
                view! { <Empty text/> }.into_any()
            } else {
                view! {
                    <ul class="group-list">
                        {matching.into_iter().take(limit).map(|g| view! { <GroupCard loaded=loaded.clone() group=g.clone() manage outcome open/> }).collect_view()}
                    </ul>
                }.into_any()
            };
            view! {
                {cards}
                {(found > limit).then(|| view! {
                    <p class="more">
                        <button type="button" class="button quiet" on:click=move |_| shown.update(|n| *n += GROUPS_SHOWN)>
                            {format!("Show more ({limit} of {found} shown)")}
                        </button>
                    </p>
                })}
            }
        };
        Some(view! {
            <section class="page" aria-labelledby="groups-title">
                <div class="toolbar">
                    <h2 id="groups-title">"Groups"</h2>
                    <GuardedButton decision=ab.manage_groups.clone() label="Create group" class="button primary"
                        on_click=move || creating.set(true)/>
                </div>
                <p class="muted">"Groups decide who manages modules, integrations, API gateways and Data Studio jobs. A resource with no group is managed by the Owner and Administrators only."</p>
                <OutcomeNote outcome/>
                {(total > GROUPS_SHOWN).then(|| view! {
                    <label class="search">
                        "Search groups"
                        <input type="search" placeholder="Group name" prop:value=move || query.get()
                            on:input=move |ev| { shown.set(GROUPS_SHOWN); query.set(event_target_value(&ev)); }/>
                    </label>
                })}
                {list}
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
    open: RwSignal<Vec<Id>>,
) -> impl IntoView {
    let ws = loaded.ws();
    let gid = group.id;
    let adding = draft(format!("group:{gid}:adding"), || false);
    let deleting = draft(format!("group:{gid}:deleting"), || false);
    let title_id = format!("group-{gid}");
    let title_ref = title_id.clone();
    let description = loaded.group_description(gid);
    let size = group.size.unwrap_or(0);
    let l_add = loaded.clone();
    let l_del = loaded.clone();
    let l_list = loaded.clone();
    let name_add = group.name.clone();
    let name_del = group.name.clone();
    let name_list = group.name.clone();
    let editable = manage && !group.is_default;
    // Whether adding is possible at all: the same rule for any member (the
    // viewer's own membership stands in for "someone").
    let add_decision = loaded.decide(&Action::AddGroupMembers {
        workspace: ws,
        group: gid,
        accounts: vec![loaded.me],
    });
    let delete_decision = loaded.decide(&Action::DeleteGroup {
        workspace: ws,
        group: gid,
        confirm_name: group.name.clone(),
    });
    let is_open = move || open.get().contains(&gid);
    let toggle = move |_| {
        open.update(|o| if o.contains(&gid) { o.retain(|g| *g != gid) } else { o.push(gid) })
    };
    view! {
        <li class="card group" aria-labelledby=title_ref>
            <div class="group-head">
                <h3 id=title_id>{group.name.clone()}</h3>
                {group.is_default.then(|| view! { <span class="badge" title="Every member is in it; it cannot be edited or deleted.">"Default · not editable"</span> })}
                <span class="muted">{if group.is_default {
                    "All members".to_owned()
                } else {
                    format!("{size} member{}", if size == 1 { "" } else { "s" })
                }}</span>
            </div>
            {(!description.is_empty()).then(|| view! { <p>{description.clone()}</p> })}
            {(!group.is_default).then(|| view! {
                <button type="button" class="button quiet" aria-expanded=move || is_open().to_string() on:click=toggle>
                    {let name = group.name.clone(); move || format!("{} members of {name}", if is_open() { "Hide" } else { "Show" })}
                </button>
            })}
            {move || is_open().then(|| view! { <GroupMembers loaded=l_list.clone() group=gid name=name_list.clone() editable outcome/> })}
            {editable.then(|| view! {
                <div class="row">
                    <GuardedButton decision=add_decision label="Add users" aria_label=format!("Add users to {}", group.name) class="button"
                        on_click=move || adding.set(true)/>
                    <GuardedButton decision=delete_decision label="Delete group" aria_label=format!("Delete group {}", group.name) class="button danger"
                        on_click=move || deleting.set(true)/>
                </div>
            })}
            {move || adding.get().then(|| view! {
                <AddMembers loaded=l_add.clone() group=gid name=name_add.clone() outcome
                    on_close=move || adding.set(false)
                    on_added=move || open.update(|o| if !o.contains(&gid) { o.push(gid) })/>
            })}
            {move || deleting.get().then(|| view! {
                <DeleteGroup loaded=l_del.clone() group=gid name=name_del.clone() outcome on_close=move || deleting.set(false)/>
            })}
        </li>
    }
}

/// A group's members, a page at a time, each with its × (remove).
#[component]
fn GroupMembers(
    loaded: Arc<Loaded>,
    group: Id,
    name: String,
    editable: bool,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let more = More::<Person>::new();
    let first = LocalResource::new(move || {
        let _ = ctx.version.get();
        more.reset();
        api::group_members(ws, group, "", None)
    });
    let on_more = Callback::new(move |cursor: String| {
        leptos::task::spawn_local(async move {
            if let Ok(page) = api::group_members(ws, group, "", Some(&cursor)).await {
                more.push(page.members, page.next, Some(page.slice));
            }
        });
    });
    move || match first.get() {
        None => view! { <Loading what="members"/> }.into_any(),
        Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
        Some(Ok(page)) => {
            let (people, next) = more.all(&page.members, page.next.clone());
            let slices = more.slices.get();
            let decided = loaded.with_pages(std::iter::once(&page.slice).chain(slices.iter()));
            let name = name.clone();
            view! {
                <ul class="chips" aria-label=format!("Members of {name}")>
                    {people.into_iter().map(|p| {
                        let who = if p.name.is_empty() { p.email.clone() } else { p.name.clone() };
                        let a = p.id;
                        let remove = decided.decide(&Action::RemoveGroupMember { workspace: ws, group, account: a });
                        let aria = format!("Remove {who} from {name}");
                        let confirming = draft(format!("group:{group}:remove:{a}"), || false);
                        let title = aria.clone();
                        view! {
                            <li class="chip">
                                {who.clone()}
                                {editable.then(|| view! {
                                    <GuardedButton decision=remove label="×" aria_label=aria class="chip-x"
                                        on_click=move || confirming.set(true)/>
                                })}
                                {move || confirming.get().then(|| view! {
                                    <ConfirmChange title=title.clone() danger=true
                                        ws action=Action::RemoveGroupMember { workspace: ws, group, account: a } confirm="Remove"
                                        on_close=move || confirming.set(false)
                                        on_confirm=move || ctx.change(outcome, "Removed from the group.", api::remove_group_member(ws, group, a), |_| ())/>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <ShowMore next on_more/>
            }
            .into_any()
        }
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
    let name = draft("new-group:name", String::new);
    let description = draft("new-group:description", String::new);
    let touched = draft("new-group:touched", || false);
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

/// Choose several members (searchable, a page of them) and add them at once.
#[component]
fn AddMembers(
    loaded: Arc<Loaded>,
    group: Id,
    name: String,
    outcome: RwSignal<Option<Outcome>>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    on_added: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = use_ws();
    let ws = loaded.ws();
    let chosen = draft(format!("group:{group}:add"), Vec::<Id>::new);
    let query = draft(format!("group:{group}:add-query"), String::new);
    let candidates = LocalResource::new(move || {
        let q = query.get();
        async move { api::members(ws, &q, None).await }
    });
    // Decided on the base plus the members shown.
    let decided = Signal::derive({
        let loaded = loaded.clone();
        move || match candidates.get() {
            Some(Ok(page)) => loaded.with_pages([&page.slice]),
            _ => loaded.clone(),
        }
    });
    let decision = Signal::derive(move || {
        let accounts = chosen.get();
        if accounts.is_empty() {
            return policy::Decision::deny_with(
                policy::Reason::NotAnActiveMember,
                "Choose at least one user.",
            );
        }
        decided.get().decide(&Action::AddGroupMembers { workspace: ws, group, accounts })
    });
    let close = on_close.clone();
    let add = move || {
        let close = close.clone();
        let on_added = on_added.clone();
        ctx.change(
            outcome,
            "Users added to the group.",
            api::add_group_members(ws, group, chosen.get_untracked()),
            move |_| {
                on_added();
                close();
            },
        );
    };
    view! {
        <Modal title=format!("Add users to {name}") on_close=move || on_close()>
            <label class="search">
                "Search users"
                <input type="search" placeholder="Name or email" on:input=move |ev| debounce(query, event_target_value(&ev))/>
            </label>
            {move || match candidates.get() {
                None => view! { <Loading what="members"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(page)) => {
                    let rows: Vec<MemberRow> = page.rows.into_iter().filter(|r| r.invitation.is_none()).collect();
                    if rows.is_empty() {
                        view! { <p class="empty">"No member matches."</p> }.into_any()
                    } else {
                        view! {
                            <fieldset class="checks">
                                <legend>"Users"</legend>
                                {rows.into_iter().map(|r| {
                                    let a = r.id;
                                    view! {
                                        <label class="check">
                                            <input type="checkbox" prop:checked=move || chosen.get().contains(&a) on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| if on { c.push(a) } else { c.retain(|x| *x != a) });
                                            }/>
                                            {format!("{} ({})", r.name, r.email)}
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                        }.into_any()
                    }
                }
            }}
            <ImpactPreview ws action=Signal::derive(move || {
                let accounts = chosen.get();
                (!accounts.is_empty()).then_some(Action::AddGroupMembers { workspace: ws, group, accounts })
            })/>
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
    let typed = draft(format!("group:{group}:delete"), String::new);
    // Which resources are left admin-only depends on every resource: the
    // server counts them.
    let impact = LocalResource::new(move || api::group_impact(ws, group));
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
    let warning = move || {
        match impact.get() {
        None => "Counting the resources that depend on this group…".to_owned(),
        Some(Err(e)) => e.message,
        Some(Ok(i)) => match i.resources_left_admin_only {
            0 => "No resource depends on this group alone.".to_owned(),
            1 => "1 resource has no other group and will become admin-only (Owner and Administrators)."
                .to_owned(),
            n => format!(
                "{n} resources have no other group and will become admin-only (Owner and Administrators)."
            ),
        },
    }
    };
    view! {
        <Modal title=format!("Delete group {name}") on_close=move || on_close()>
            <p class="notice warn" role="status">{warning}</p>
            <ImpactPreview ws action=Signal::derive({
                let name = name.clone();
                move || Some(Action::DeleteGroup { workspace: ws, group, confirm_name: name.clone() })
            })/>
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
