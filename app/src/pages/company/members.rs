//! The company's members: add one (a verified account), make a member an
//! admin or an admin a member, remove someone — never the last admin.

use std::sync::Arc;

use leptos::prelude::*;
use policy::Action;
use policy::api::{CompanyPerson, NewCompanyMember};

use super::{CompanyCtx, CompanyLoaded};
use crate::api;
use crate::components::controls::GuardedButton;
use crate::components::impact::ImpactPreview;
use crate::components::modal::Modal;

#[component]
pub(super) fn Members(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let decision = c.decide(&Action::AddCompanyMember { company, account: None });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = NewCompanyMember { email: email.get_untracked(), admin: admin.get_untracked() };
        ctx.change("Member added.", api::add_company_member(company, body), move |_| {
            email.set(String::new())
        });
    };
    view! {
        <section class="card" aria-labelledby="company-members">
            <h2 id="company-members">"Members"</h2>
            <ul class="people">
                {c.detail.members.iter().map(|m| view! { <MemberRow c=c.clone() ctx person=m.clone()/> }).collect_view()}
            </ul>
            {decision.is_allowed().then(|| view! {
                <form class="form inline-form" on:submit=add>
                    <label>"Email of an existing account" <input type="email" required=true bind:value=email/></label>
                    <label class="check"><input type="checkbox" bind:checked=admin/>"Company admin"</label>
                    <button type="submit" class="button">"Add member"</button>
                </form>
            })}
        </section>
    }
}

/// One member with what the viewer may do about them.
#[component]
fn MemberRow(c: Arc<CompanyLoaded>, ctx: CompanyCtx, person: CompanyPerson) -> impl IntoView {
    let company = c.detail.id;
    let account = person.id;
    let manages = c.facts.manages_partners(c.me, company).is_allowed();
    let flip = c.decide(&Action::SetCompanyAdmin { company, account, admin: !person.admin });
    let remove = c.decide(&Action::RemoveCompanyMember { company, account });
    let who = person.name.clone();
    let (flip_label, flip_done) = if person.admin {
        (format!("Make {who} a member"), format!("{who} is no longer a company admin."))
    } else {
        (format!("Make {who} an admin"), format!("{who} is now a company admin."))
    };
    let to_admin = !person.admin;
    let remove_done = format!("{who} was removed from the company.");
    let confirming = RwSignal::new(false);
    let who_confirm = who.clone();
    let company_name = c.detail.name.clone();
    let c2 = c.clone();
    view! {
        <li class="person">
            <span>{format!("{} ({})", person.name, person.email)}</span>
            {person.admin.then(|| view! { <span class="badge">"Company admin"</span> })}
            {manages.then(|| view! {
                <span class="actions">
                    <GuardedButton decision=flip label=flip_label.clone() class="button quiet"
                        on_click=move || ctx.change(flip_done.clone(), api::set_company_admin(company, account, to_admin), |_| ())/>
                    <GuardedButton decision=remove label=format!("Remove {who}") class="button quiet danger"
                        on_click=move || confirming.set(true)/>
                </span>
            })}
            {move || confirming.get().then(|| {
                let remove_done = remove_done.clone();
                let (who_confirm, company_name, c2) = (who_confirm.clone(), company_name.clone(), c2.clone());
                view! {
                    <Modal title=format!("Remove {who_confirm}") on_close=move || confirming.set(false)>
                        <p>{format!("Remove {who_confirm} from {company_name}?")}</p>
                        <ClientImpact c=c2 account/>
                        <div class="modal-actions">
                            <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                            <button type="button" class="button danger" on:click=move |_| {
                                confirming.set(false);
                                ctx.change(remove_done.clone(), api::remove_company_member(company, account), |_| ());
                            }>"Remove"</button>
                        </div>
                    </Modal>
                }
            })}
        </li>
    }
}

/// What removing `account` from this (partner) company takes away: its
/// analyst access in each client workspace, as each workspace's dry run
/// says. Company membership gives nothing inside the company's own
/// workspaces, so those are unaffected.
#[component]
fn ClientImpact(c: Arc<CompanyLoaded>, account: policy::Id) -> impl IntoView {
    let company = c.detail.id;
    let places: Vec<(policy::Id, String)> = c
        .detail
        .grants
        .iter()
        .filter(|g| g.partner.id == company && !g.revoked)
        .flat_map(|g| {
            g.analysts.iter().filter(|a| a.account == account).map(move |a| {
                let ws = g.workspaces.iter().find(|w| w.id == a.workspace);
                (a.workspace, format!("{}: {}", g.client.name, ws.map_or("", |w| w.name.as_str())))
            })
        })
        .collect();
    if places.is_empty() {
        return view! { <p class="muted">"Not an analyst in any client workspace: nobody's workspace access changes."</p> }
            .into_any();
    }
    places
        .into_iter()
        .map(|(ws, place)| {
            view! {
                <h4>{place}</h4>
                <ImpactPreview ws action=Signal::derive(move || Some(Action::RemoveCompanyMember { company, account }))/>
            }
        })
        .collect_view()
        .into_any()
}
