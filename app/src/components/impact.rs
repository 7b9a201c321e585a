//! The impact preview shown before an access change is saved (SPEC 10):
//! who gains and who loses which abilities and resources, as the server's
//! dry run of exactly that change says ("Developers (3) gain Delete
//! integration; Dana loses view of ERP sync and Post invoices").

use std::collections::{BTreeSet, HashMap};

use leptos::prelude::*;
use policy::api::PreviewAnswer;
use policy::{Ability, AccessSet, Action, Id, People, ResourceOp, ResourceSet};

use crate::api;
use crate::components::modal::Modal;

/// How a tab or button is named in a sentence.
pub fn ability_label(a: Ability) -> &'static str {
    match a {
        Ability::Open => "open the workspace",
        Ability::UsersTab => "the Users tab",
        Ability::GroupsTab => "the Groups tab",
        Ability::PermissionsTab => "the Permissions tab",
        Ability::Billing => "usage and billing",
        Ability::Audit => "the audit log",
        Ability::Invite => "inviting users",
        Ability::ManageGroups => "managing groups",
        Ability::SetDataStudio => "turning Data Studio on or off",
        Ability::TransferOwnership => "transferring ownership",
        Ability::DeleteWorkspace => "deleting the workspace",
        Ability::EditAdminToggles => "editing Administrators' permissions",
        Ability::EditDeveloperToggles => "editing Developers' permissions",
    }
}

pub fn op_label(op: ResourceOp) -> &'static str {
    match op {
        ResourceOp::View => "view",
        ResourceOp::Edit => "edit",
        ResourceOp::Delete => "delete",
    }
}

/// `a, b and c`.
fn joined(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// How many people or resources, and groups, a sentence names before
/// "N more".
const NAMED: usize = 5;
const GROUPS_NAMED: usize = 3;

/// The answer's names by id, looked up once per answer.
struct Names<'a> {
    resources: HashMap<Id, &'a str>,
    groups: HashMap<Id, &'a str>,
}

impl<'a> Names<'a> {
    fn of(answer: &'a PreviewAnswer) -> Self {
        let map = |list: &'a [policy::api::Named]| {
            list.iter().map(|n| (n.id, n.name.as_str())).collect::<HashMap<_, _>>()
        };
        Names { resources: map(&answer.resources), groups: map(&answer.groups) }
    }
}

fn name_in(names: &HashMap<Id, &str>, id: Id) -> String {
    names.get(&id).map_or_else(|| format!("#{id}"), |n| (*n).to_owned())
}

/// `names` (the first few) and how many more of `count` there are.
fn some_of(mut names: Vec<String>, count: usize, limit: usize, more: &str) -> String {
    names.truncate(limit);
    let rest = count.saturating_sub(names.len());
    if rest > 0 {
        names.push(format!("{rest} more{more}"));
    }
    joined(&names)
}

/// The resource sets of one operation on one kind, merged into a phrase:
/// the sets differ only in their governing groups, which a sentence lists
/// once ("view 120 Integrations: ERP sync, ... and 115 more (Finance, ...)").
fn resources_phrase(sets: &[&ResourceSet], names: &Names<'_>) -> String {
    let Some(first) = sets.first() else { return String::new() };
    let (op, kind) = (op_label(first.op), first.kind.label());
    if first.all_they_see {
        return format!("{op} every {kind} they can see");
    }
    let count: usize = sets.iter().map(|s| usize::try_from(s.count).unwrap_or(0)).sum();
    let listed: Vec<String> = sets
        .iter()
        .flat_map(|s| &s.resources)
        .take(NAMED)
        .map(|&r| name_in(&names.resources, r))
        .collect();
    let groups: BTreeSet<Id> = sets.iter().flat_map(|s| s.groups.iter().copied()).collect();
    let group_names: Vec<String> =
        groups.iter().take(GROUPS_NAMED).map(|&g| name_in(&names.groups, g)).collect();
    let by = if groups.is_empty() {
        String::new()
    } else {
        format!(" ({})", some_of(group_names, groups.len(), GROUPS_NAMED, " groups"))
    };
    let what = if count > 1 { format!("{count} {kind}s: ") } else { format!("{kind} ") };
    format!("{op} {what}{}{by}", some_of(listed, count, NAMED, ""))
}

/// What resource sets merge on: operation, kind, "every one they see".
type SetKey = (ResourceOp, policy::ResourceKind, bool);

fn access_phrase(set: &AccessSet, names: &Names<'_>) -> String {
    let mut parts: Vec<String> =
        set.abilities.iter().map(|a| ability_label(*a).to_owned()).collect();
    parts.extend(set.toggles.iter().map(|t| format!("\u{201c}{}\u{201d}", t.label())));
    // One phrase per operation and kind, in the order they first appear.
    let mut merged: Vec<(SetKey, Vec<&ResourceSet>)> = Vec::new();
    for r in &set.resources {
        let key = (r.op, r.kind, r.all_they_see);
        match merged.iter_mut().find(|(k, _)| *k == key) {
            Some((_, sets)) => sets.push(r),
            None => merged.push((key, vec![r])),
        }
    }
    parts.extend(merged.iter().map(|(_, sets)| resources_phrase(sets, names)));
    joined(&parts)
}

fn people_phrase(people: &People, answer: &PreviewAnswer) -> String {
    match people {
        People::Role { role, count } => format!("{}s ({count})", role.label()),
        People::Members { accounts } => {
            let names: Vec<String> = accounts
                .iter()
                .take(NAMED)
                .map(|&a| {
                    answer.people.iter().find(|p| p.id == a).map_or_else(
                        || format!("Account {a}"),
                        |p| if p.name.is_empty() { p.email.clone() } else { p.name.clone() },
                    )
                })
                .collect();
            some_of(names, accounts.len(), NAMED, "")
        }
    }
}

/// The preview in sentences, one per group of people treated alike.
pub fn sentences(answer: &PreviewAnswer) -> Vec<String> {
    let names = Names::of(answer);
    answer
        .preview
        .workspaces
        .iter()
        .flat_map(|w| &w.changes)
        .map(|line| {
            let who = people_phrase(&line.people, answer);
            let mut said = Vec::new();
            if !line.gains.is_empty() {
                said.push(format!("gain {}", access_phrase(&line.gains, &names)));
            }
            if !line.losses.is_empty() {
                said.push(format!("lose {}", access_phrase(&line.losses, &names)));
            }
            format!("{who}: {}.", said.join("; "))
        })
        .collect()
}

/// Asks the server's dry run about `action` (when there is one) and says
/// who is affected; announced politely as it changes.
#[component]
pub fn ImpactPreview(ws: Id, #[prop(into)] action: Signal<Option<Action>>) -> impl IntoView {
    let answer = LocalResource::new(move || {
        let action = action.get();
        async move {
            match action {
                None => Ok(None),
                Some(a) => api::preview(ws, &a).await.map(Some),
            }
        }
    });
    view! {
        <section class="impact" aria-live="polite" aria-label="Who is affected">
            <h4>"Who is affected"</h4>
            {move || match answer.get() {
                None => view! { <p class="muted">"Working out who is affected\u{2026}"</p> }.into_any(),
                Some(Ok(None)) => view! { <p class="muted">"Nothing changed yet."</p> }.into_any(),
                Some(Ok(Some(a))) => {
                    let lines = sentences(&a);
                    if lines.is_empty() {
                        view! { <p class="muted">"Nobody's access changes."</p> }.into_any()
                    } else {
                        view! { <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul> }.into_any()
                    }
                }
                // The save button says why the change itself is refused.
                Some(Err(e)) => view! { <p class="muted">{e.message}</p> }.into_any(),
            }}
        </section>
    }
}

/// The dialog that asks before an access change is saved: the question,
/// who is affected (the server's dry run of `action`), Cancel, and the
/// button that closes the dialog and makes the change.
#[component]
pub fn ConfirmChange(
    #[prop(into)] title: String,
    #[prop(optional, into)] question: Option<String>,
    ws: Id,
    action: Action,
    #[prop(into)] confirm: String,
    #[prop(optional)] danger: bool,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let class = if danger { "button danger" } else { "button primary" };
    view! {
        <Modal title on_close=move || on_close.run(())>
            {question.map(|q| view! { <p>{q}</p> })}
            <ImpactPreview ws action=Signal::derive(move || Some(action.clone()))/>
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class=class on:click=move |_| {
                    on_close.run(());
                    on_confirm.run(());
                }>{confirm}</button>
            </div>
        </Modal>
    }
}
