//! The company's members: add one (a verified account), make a member an
//! admin or an admin a member, remove someone — never the last admin.

use std::sync::Arc;

use leptos::prelude::*;
use policy::Action;
use policy::api::{CompanyPerson, NewCompanyMember};

use super::{CompanyCtx, CompanyLoaded};
use crate::api;
use crate::components::controls::GuardedButton;

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
    view! {
        <li class="person">
            <span>{format!("{} ({})", person.name, person.email)}</span>
            {person.admin.then(|| view! { <span class="badge">"Company admin"</span> })}
            {manages.then(|| view! {
                <span class="actions">
                    <GuardedButton decision=flip label=flip_label.clone() class="button quiet"
                        on_click=move || ctx.change(flip_done.clone(), api::set_company_admin(company, account, to_admin), |_| ())/>
                    <GuardedButton decision=remove label=format!("Remove {who}") class="button quiet danger"
                        on_click=move || ctx.change(remove_done.clone(), api::remove_company_member(company, account), |_| ())/>
                </span>
            })}
        </li>
    }
}
