//! A company: its workspaces (create one), its members (add one), and its
//! partner relations — "My partner" for a client (grant, show the access key
//! once, revoke) and "My clients" for a partner (redeem a key, register and
//! remove analysts per client workspace).

mod client_grant;
mod expiry;
mod given_grant;
mod grant_form;
mod members;
mod my_clients;
mod my_partner;
mod workspaces;

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use policy::api::{CompanyDetail, GrantInfo, Me};
use policy::{Action, Decision, Facts, Id, Section};

use crate::api::{self, ApiResult};
use crate::components::notice::{ErrorNote, Loading, Outcome, OutcomeNote};
use crate::session::SignedIn;

use client_grant::ClientGrant;
use given_grant::GivenGrant;
use grant_form::GrantForm;
use members::Members;
use my_clients::MyClients;
use my_partner::MyPartner;
use workspaces::Workspaces;

pub(crate) struct CompanyLoaded {
    pub(crate) detail: CompanyDetail,
    pub(crate) facts: Facts,
    pub(crate) me: Id,
}

impl CompanyLoaded {
    pub(crate) fn decide(&self, action: &Action) -> Decision {
        self.facts.decide(self.me, action, crate::clock::now())
    }
}

#[derive(Clone, Copy)]
pub(crate) struct CompanyCtx {
    pub(crate) data: LocalResource<ApiResult<Arc<CompanyLoaded>>>,
    pub(crate) outcome: RwSignal<Option<Outcome>>,
    /// A new grant's access key, shown once (kept across the reload).
    pub(crate) new_key: RwSignal<Option<String>>,
}

impl CompanyCtx {
    /// Runs a change, says how it went, and reloads the company's facts.
    pub(crate) fn change<T: 'static>(
        &self,
        done: impl Into<String>,
        request: impl std::future::Future<Output = ApiResult<T>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        self.run(done.into(), Box::pin(async move { request.await.map(then) }));
    }

    fn run(
        self,
        done: String,
        request: std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>>>>,
    ) {
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(()) => self.outcome.set(Some(Outcome::Done(done))),
                Err(e) => self.outcome.set(Some(Outcome::Failed(e))),
            }
            self.data.refetch();
        });
    }
}

#[component]
pub fn CompanyPage() -> impl IntoView {
    view! { <SignedIn children=|me: Me| view! { <CompanyFrame me=me.account.id/> }/> }
}

#[component]
fn CompanyFrame(me: Id) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("company").and_then(|c| c.parse::<Id>().ok()).unwrap_or(0);
    let data = LocalResource::new(move || {
        let company = id();
        async move {
            let mut detail = api::company(company).await?;
            let facts = Facts::new(std::mem::take(&mut detail.snapshot));
            Ok(Arc::new(CompanyLoaded { detail, facts, me }))
        }
    });
    let ctx = CompanyCtx { data, outcome: RwSignal::new(None), new_key: RwSignal::new(None) };
    move || match data.get() {
        None => view! { <section class="page"><Loading what="the company"/></section> }.into_any(),
        Some(Err(e)) => {
            view! { <section class="page"><h1>"Company"</h1><ErrorNote error=e/></section> }
                .into_any()
        }
        Some(Ok(c)) => view! { <CompanyView c ctx/> }.into_any(),
    }
}

#[component]
fn CompanyView(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let d = &c.detail;
    view! {
        <section class="page">
            <div class="ws-head">
                <div><p class="eyebrow">"Company"</p><h1>{d.name.clone()}</h1></div>
                <span>
                    {d.partner_enabled.then(|| view! { <span class="badge">"Partner"</span> })}
                    {d.client_enabled.then(|| view! { <span class="badge">"Client"</span> })}
                </span>
            </div>
            <OutcomeNote outcome=ctx.outcome/>
            <Workspaces c=c.clone() ctx/>
            <Members c=c.clone() ctx/>
            {d.client_enabled.then(|| view! { <MyPartner c=c.clone() ctx/> })}
            {d.partner_enabled.then(|| view! { <MyClients c=c.clone() ctx/> })}
        </section>
    }
}

pub(super) fn section_key(s: Section) -> String {
    crate::api::wire_name(&s)
}

pub(super) fn grant_summary(g: &GrantInfo) -> String {
    let ws: Vec<&str> = g.workspaces.iter().map(|w| w.name.as_str()).collect();
    let sections: Vec<&str> = g.sections.iter().map(|s| s.label()).collect();
    format!(
        "Workspaces: {}. Permission: {}. Sections: {}.",
        ws.join(", "),
        crate::labels::role_label(&g.role),
        sections.join(", ")
    )
}
