//! Platform support: turn a company's Partner and Client capabilities on or
//! off (the seed's "contact Skyone's support team").

use leptos::prelude::*;
use policy::api::{Capabilities, CompanyRow, Me};
use policy::{Account, Action, Company, Facts, Snapshot};

use crate::api;
use crate::components::more::{More, ShowMore};
use crate::components::notice::{Empty, ErrorNote, Loading, Outcome, OutcomeNote};
use crate::session::SignedIn;

#[component]
pub fn SupportPage() -> impl IntoView {
    view! { <SignedIn children=|me: Me| view! { <Support me/> }/> }
}

#[component]
fn Support(me: Me) -> impl IntoView {
    let outcome = RwSignal::new(None::<Outcome>);
    let more = More::<CompanyRow>::new();
    let rows = LocalResource::new(move || {
        more.reset();
        api::companies(None)
    });
    let on_more = Callback::new(move |cursor: String| {
        leptos::task::spawn_local(async move {
            match api::companies(Some(cursor)).await {
                Ok(page) => more.push(page.companies, page.next, None),
                Err(e) => outcome.set(Some(Outcome::Failed(e))),
            }
        });
    });
    let account = Account {
        id: me.account.id,
        email: me.account.email.clone(),
        support: me.account.support,
        verified: me.account.verified,
    };
    // The facts this page decides on: the signed-in account and the companies.
    let facts_for = move |list: &[CompanyRow]| {
        Facts::new(Snapshot {
            accounts: vec![account.clone()],
            companies: list
                .iter()
                .map(|c| Company {
                    id: c.id,
                    partner_enabled: c.partner_enabled,
                    client_enabled: c.client_enabled,
                    members: Vec::new(),
                })
                .collect(),
            ..Snapshot::default()
        })
    };
    let actor = me.account.id;
    view! {
        <section class="page" aria-labelledby="support-title">
            <h1 id="support-title">"Platform support"</h1>
            <p class="muted">"Enable companies as Partners (they serve clients) and Clients (they can grant a partner access)."</p>
            <OutcomeNote outcome/>
            {move || match rows.get() {
                None => view! { <Loading what="companies"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(page)) if page.companies.is_empty() => view! { <Empty text="No companies yet."/> }.into_any(),
                Some(Ok(page)) => {
                    let (list, next) = more.all(&page.companies, page.next.clone());
                    let facts = facts_for(&list);
                    view! {
                        <table class="table">
                            <caption class="visually-hidden">"Companies"</caption>
                            <thead><tr><th scope="col">"Company"</th><th scope="col">"Partner"</th><th scope="col">"Client"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|c| {
                                    let d = facts.decide(actor, &Action::SetCompanyCapabilities { company: c.id }, crate::clock::now());
                                    let why = d.message().map(str::to_owned);
                                    let allowed = d.is_allowed();
                                    let save = move |partner: bool, client: bool| {
                                        leptos::task::spawn_local(async move {
                                            match api::set_capabilities(c.id, Capabilities { partner_enabled: partner, client_enabled: client }).await {
                                                Ok(_) => outcome.set(Some(Outcome::Done("Saved.".into()))),
                                                Err(e) => outcome.set(Some(Outcome::Failed(e))),
                                            }
                                            rows.refetch();
                                        });
                                    };
                                    view! {
                                        <tr>
                                            <th scope="row">{c.name.clone()}</th>
                                            <td><input type="checkbox" aria-label=format!("{} is a Partner", c.name) prop:checked=c.partner_enabled disabled=!allowed title=why.clone()
                                                on:change=move |ev| save(event_target_checked(&ev), c.client_enabled)/></td>
                                            <td><input type="checkbox" aria-label=format!("{} is a Client", c.name) prop:checked=c.client_enabled disabled=!allowed title=why
                                                on:change=move |ev| save(c.partner_enabled, event_target_checked(&ev))/></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <ShowMore next on_more/>
                    }.into_any()
                }
            }}
        </section>
    }
}
