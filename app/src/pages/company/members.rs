//! The company's members, and adding one.

use std::sync::Arc;

use leptos::prelude::*;
use policy::Action;
use policy::api::NewCompanyMember;

use super::{CompanyCtx, CompanyLoaded};
use crate::api;

#[component]
pub(super) fn Members(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let email = RwSignal::new(String::new());
    let admin = RwSignal::new(false);
    let decision = c.decide(&Action::AddCompanyMember { company });
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
            <ul>
                {c.detail.members.iter().map(|m| view! {
                    <li>{format!("{} ({})", m.name, m.email)} {m.admin.then(|| view! { <span class="badge">"Company admin"</span> })}</li>
                }).collect_view()}
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
