//! Your workspaces and companies.

use leptos::prelude::*;
use leptos_router::components::A;
use policy::api::Me;

use crate::api;
use crate::components::notice::{Empty, Outcome, OutcomeNote};
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
    let sent = RwSignal::new(None::<Outcome>);
    let resend = move |_| {
        leptos::task::spawn_local(async move {
            match api::resend_verification().await {
                Ok(_) => sent.set(Some(Outcome::Done("We mailed you a new link.".into()))),
                Err(e) => sent.set(Some(Outcome::Failed(e))),
            }
        });
    };
    view! {
        <section class="page">
            {(!me.account.verified).then(|| view! {
                <div class="notice warn" role="region" aria-label="Email verification">
                    <p>{format!("Verify your email address ({}): open the link we mailed you. Until then, companies cannot add you and partners cannot register you as an analyst.", me.account.email)}</p>
                    <button type="button" class="button" on:click=resend>"Send the link again"</button>
                    <OutcomeNote outcome=sent/>
                </div>
            })}
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
