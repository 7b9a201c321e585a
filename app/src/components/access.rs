//! Effective access panels (SPEC 10): what a member can do and why (the
//! "Access" panel on a Users row) and who has access to a resource (on a
//! Resources row), as the server's policy answers them.

use leptos::prelude::*;
use policy::api::{MemberAccessPage, ResourceAccessInfo};
use policy::{Audience, Decision, Id};

use crate::api;
use crate::components::impact::{ability_label, op_label};
use crate::components::modal::Modal;
use crate::components::notice::{ErrorNote, Loading};
use crate::labels::role_label;

/// "Yes", or the policy's sentence.
fn verdict(d: &Decision) -> String {
    match d.message() {
        None => "Yes".to_owned(),
        Some(m) => format!("No \u{2014} {m}"),
    }
}

/// What `member` can do in `ws`, paged through the resources the user sees.
#[component]
pub fn MemberAccessPanel(
    ws: Id,
    member: Id,
    #[prop(into)] name: String,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let pages = RwSignal::new(Vec::<MemberAccessPage>::new());
    let failed = RwSignal::new(None);
    let load = move |cursor: Option<String>| {
        leptos::task::spawn_local(async move {
            match api::member_access(ws, member, cursor.as_deref()).await {
                Ok(p) => pages.update(|all| all.push(p)),
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    load(None);
    view! {
        <Modal title=format!("Access of {name}") on_close=on_close>
            {move || failed.get().map(|e| view! { <ErrorNote error=e/> })}
            {move || {
                let all = pages.get();
                let Some(first) = all.first().cloned() else {
                    return view! { <Loading what="access"/> }.into_any();
                };
                let a = first.access.abilities.clone();
                let abilities = [
                    (policy::Ability::Open, a.open.clone()),
                    (policy::Ability::UsersTab, a.users_tab.clone()),
                    (policy::Ability::GroupsTab, a.groups_tab.clone()),
                    (policy::Ability::PermissionsTab, a.permissions_tab.clone()),
                    (policy::Ability::Billing, a.billing.clone()),
                    (policy::Ability::Audit, a.audit.clone()),
                    (policy::Ability::Invite, a.invite.clone()),
                    (policy::Ability::ManageGroups, a.manage_groups.clone()),
                ];
                let next = all.last().and_then(|p| p.next.clone());
                view! {
                    <p>{match a.role {
                        Some(r) => format!("Permission: {}{}.", role_label(&r), if a.analyst { " (partner analyst)" } else { "" }),
                        None => "No access to this workspace.".to_owned(),
                    }}</p>
                    <h4>"Workspace"</h4>
                    <table class="table compact">
                        <caption class="visually-hidden">"Workspace abilities"</caption>
                        <tbody>
                            {abilities.into_iter().map(|(ab, d)| view! {
                                <tr><th scope="row">{ability_label(ab)}</th><td>{verdict(&d)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h4>"Permissions"</h4>
                    <table class="table compact">
                        <caption class="visually-hidden">"Permissions"</caption>
                        <tbody>
                            {first.access.toggles.iter().map(|t| view! {
                                <tr><th scope="row">{t.toggle.label()}</th><td>{verdict(&t.decision)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <h4>"Resources"</h4>
                    <table class="table compact">
                        <caption class="visually-hidden">"Resources"</caption>
                        <thead><tr><th scope="col">"Resource"</th><th scope="col">"View"</th><th scope="col">"Edit"</th><th scope="col">"Delete"</th></tr></thead>
                        <tbody>
                            {all.iter().flat_map(|p| p.access.resources.iter().map(move |r| {
                                let name = p.names.iter().find(|n| n.id == r.resource).map_or_else(String::new, |n| n.name.clone());
                                view! {
                                    <tr>
                                        <th scope="row">{name}</th>
                                        <td>{verdict(&r.view)}</td>
                                        <td>{verdict(&r.edit)}</td>
                                        <td>{verdict(&r.delete)}</td>
                                    </tr>
                                }
                            })).collect_view()}
                        </tbody>
                    </table>
                    {next.map(|c| view! {
                        <button type="button" class="button" on:click=move |_| load(Some(c.clone()))>"Show more resources"</button>
                    })}
                }.into_any()
            }}
        </Modal>
    }
}

/// One operation's audience in words.
fn audience_text(a: &Audience, info: &ResourceAccessInfo) -> String {
    let mut who: Vec<String> = a.roles.iter().map(|r| format!("every {}", role_label(r))).collect();
    if !a.groups.is_empty() {
        let names: Vec<String> = a
            .groups
            .iter()
            .map(|g| {
                info.groups
                    .iter()
                    .find(|n| n.id == *g)
                    .map_or_else(|| format!("#{g}"), |n| n.name.clone())
            })
            .collect();
        who.push(format!("Developers in {}", names.join(" or ")));
    }
    for an in &a.analysts {
        let n = info
            .people
            .iter()
            .find(|p| p.id == *an)
            .map_or_else(|| format!("#{an}"), |p| p.name.clone());
        who.push(format!("{n} (partner analyst)"));
    }
    let people = if a.count == 1 { "1 person".to_owned() } else { format!("{} people", a.count) };
    if who.is_empty() {
        format!("Nobody ({people}).")
    } else {
        format!("{} \u{2014} {people}.", who.join(", "))
    }
}

/// Who can view, edit and delete `resource`, and why the others cannot.
#[component]
pub fn WhoCanPanel(
    ws: Id,
    resource: Id,
    #[prop(into)] name: String,
    #[prop(into)] on_close: Callback<()>,
) -> impl IntoView {
    let info = LocalResource::new(move || api::resource_access(ws, resource));
    view! {
        <Modal title=format!("Who has access to {name}") on_close=on_close>
            {move || match info.get() {
                None => view! { <Loading what="who has access"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(i)) => {
                    let w = i.who.clone();
                    view! {
                        <dl class="who-can">
                            {[&w.view, &w.edit, &w.delete].into_iter().map(|a| {
                                let others: Vec<String> = a.others.iter().map(|o| {
                                    format!("{}: {}", role_label(&o.role), o.decision.message().unwrap_or(""))
                                }).collect();
                                view! {
                                    <dt>{format!("Can {}", op_label(a.op))}</dt>
                                    <dd>
                                        <p>{audience_text(a, &i)}</p>
                                        {(!others.is_empty()).then(|| view! {
                                            <ul class="muted">{others.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ul>
                                        })}
                                    </dd>
                                }
                            }).collect_view()}
                        </dl>
                    }.into_any()
                }
            }}
        </Modal>
    }
}
