//! Your workspaces and companies.

use leptos::prelude::*;
use leptos_router::components::A;
use policy::api::Me;

use crate::components::notice::Empty;
use crate::labels::role_label;
use crate::route::Page;
use crate::session::SignedIn;

#[component]
pub fn Home() -> impl IntoView {
    view! { <SignedIn children=|me: Me| view! { <Overview me/> }/> }
}

#[component]
fn Overview(me: Me) -> impl IntoView {
    let workspaces = me.workspaces.clone();
    let companies = me.companies.clone();
    view! {
        <section class="page">
            <h1>"Your workspaces"</h1>
            {if workspaces.is_empty() {
                view! { <Empty text="You are not in any workspace yet. Open an invitation link, or create a workspace in one of your companies."/> }.into_any()
            } else {
                view! {
                    <ul class="tiles">
                        {workspaces.into_iter().map(|w| view! {
                            <li class="card tile">
                                <A href=Page::Users(w.id).href()>{w.name.clone()}</A>
                                <span class="muted">{w.company_name.clone()}</span>
                                <span class="badge">{role_label(&w.role)}</span>
                                {w.via_partner.clone().map(|p| view! { <span class="badge partner">{format!("via {p}")}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h2>"Your companies"</h2>
            {if companies.is_empty() {
                view! { <Empty text="You are not a member of any company."/> }.into_any()
            } else {
                view! {
                    <ul class="tiles">
                        {companies.into_iter().map(|c| view! {
                            <li class="card tile">
                                <A href=Page::Company(c.id).href()>{c.name.clone()}</A>
                                <span class="muted">{if c.admin { "Company admin" } else { "Member" }}</span>
                                {c.partner_enabled.then(|| view! { <span class="badge">"Partner"</span> })}
                                {c.client_enabled.then(|| view! { <span class="badge">"Client"</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
