//! A company: its workspaces (create one), its members (add one), and its
//! partner relations — "My partner" for a client (grant, show the access key
//! once, revoke) and "My clients" for a partner (redeem a key, register and
//! remove analysts per client workspace).

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use policy::api::{CompanyDetail, GrantInfo, Me, NewCompanyMember, NewGrant, NewWorkspace};
use policy::{Action, Decision, Facts, Id, Role, Section};

use crate::api::{self, ApiResult};
use crate::components::controls::{CopyField, GuardedButton, WhyNot};
use crate::components::modal::Modal;
use crate::components::notice::{Empty, ErrorNote, Loading, Outcome, OutcomeNote};
use crate::route::Page;
use crate::session::{SignedIn, use_session};

struct CompanyLoaded {
    detail: CompanyDetail,
    facts: Facts,
    me: Id,
}

impl CompanyLoaded {
    fn decide(&self, action: &Action) -> Decision {
        self.facts.decide(self.me, action)
    }
}

#[derive(Clone, Copy)]
struct CompanyCtx {
    data: LocalResource<ApiResult<Arc<CompanyLoaded>>>,
    outcome: RwSignal<Option<Outcome>>,
    /// A new grant's access key, shown once (kept across the reload).
    new_key: RwSignal<Option<String>>,
}

impl CompanyCtx {
    /// Runs a change, says how it went, and reloads the company's facts.
    fn change<T: 'static>(
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

#[component]
fn Workspaces(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let creating = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let data_studio = RwSignal::new(false);
    let session = use_session();
    let navigate = use_navigate();
    let create = move || {
        let navigate = navigate.clone();
        let body =
            NewWorkspace { name: name.get_untracked(), data_studio: data_studio.get_untracked() };
        ctx.change("Workspace created.", api::create_workspace(company, body), move |created| {
            session.reload();
            navigate(&Page::Users(created.id).href(), Default::default());
        });
    };
    view! {
        <section class="card" aria-labelledby="company-ws">
            <div class="toolbar">
                <h2 id="company-ws">"Workspaces"</h2>
                <GuardedButton decision=c.decide(&Action::CreateWorkspace { company }) label="Create workspace" class="button primary"
                    on_click=move || creating.set(true)/>
            </div>
            {if c.detail.workspaces.is_empty() {
                view! { <Empty text="This company has no workspace yet."/> }.into_any()
            } else {
                view! { <ul>{c.detail.workspaces.clone().into_iter().map(|w| view! { <li><A href=Page::Users(w.id).href()>{w.name}</A></li> }).collect_view()}</ul> }.into_any()
            }}
            {move || creating.get().then(|| {
                let create = create.clone();
                view! {
                    <Modal title="Create workspace" on_close=move || creating.set(false)>
                        <form class="form" on:submit=move |ev| { ev.prevent_default(); create(); }>
                            <label>"Name" <input required=true maxlength="100" bind:value=name/></label>
                            <label class="check"><input type="checkbox" bind:checked=data_studio/>"Turn on Data Studio"</label>
                            <p class="muted">"You will be its Owner."</p>
                            <div class="modal-actions"><button type="submit" class="button primary">"Create workspace"</button></div>
                        </form>
                    </Modal>
                }
            })}
        </section>
    }
}

#[component]
fn Members(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
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

fn section_key(s: Section) -> String {
    crate::api::wire_name(&s)
}

fn grant_summary(g: &GrantInfo) -> String {
    let ws: Vec<&str> = g.workspaces.iter().map(|w| w.name.as_str()).collect();
    let sections: Vec<&str> = g.sections.iter().map(|s| s.label()).collect();
    format!(
        "Workspaces: {}. Permission: {}. Sections: {}.",
        ws.join(", "),
        crate::pages::invitation::role_label(&g.role),
        sections.join(", ")
    )
}

#[component]
fn MyPartner(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let live: Vec<GrantInfo> =
        c.detail.grants.iter().filter(|g| g.client.id == company && !g.revoked).cloned().collect();
    let key = ctx.new_key;
    view! {
        <section class="card" aria-labelledby="my-partner">
            <h2 id="my-partner">"My partner"</h2>
            {move || key.get().map(|k| view! {
                <div class="notice ok" role="status">
                    <p>"Access granted. Give this access key to your partner. It is shown only once."</p>
                    <CopyField label="Access key" value=k/>
                </div>
            })}
            {if live.is_empty() {
                view! { <GrantForm c=c.clone() ctx key/> }.into_any()
            } else {
                live.into_iter().map(|g| view! { <GivenGrant c=c.clone() ctx grant=g/> }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn GivenGrant(c: Arc<CompanyLoaded>, ctx: CompanyCtx, grant: GrantInfo) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = grant.id;
    let partner = grant.partner.name.clone();
    let revoke = c.decide(&Action::RevokeGrant { grant: id });
    let p2 = partner.clone();
    view! {
        <article class="grant">
            <h3>{partner.clone()}</h3>
            <p>{grant_summary(&grant)}</p>
            <p class="muted">{if grant.redeemed { "The partner redeemed the access key." } else { "Waiting for the partner to redeem the access key." }}</p>
            <h4>"Analysts"</h4>
            {if grant.analysts.is_empty() {
                view! { <p class="empty">"No analysts registered yet."</p> }.into_any()
            } else {
                view! { <ul>{grant.analysts.iter().map(|a| view! { <li>{format!("{} ({})", a.name, a.email)}</li> }).collect_view()}</ul> }.into_any()
            }}
            <GuardedButton decision=revoke label="Revoke access" aria_label=format!("Revoke {partner}'s access") class="button danger" on_click=move || confirming.set(true)/>
            {move || confirming.get().then(|| {
                let p = p2.clone();
                view! {
                    <Modal title="Revoke partner access" on_close=move || confirming.set(false)>
                        <p>{format!("Delete {p}'s access key? Every analyst of {p} loses access to your workspaces at once. This cannot be undone.")}</p>
                        <div class="modal-actions">
                            <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                            <button type="button" class="button danger" on:click=move |_| {
                                confirming.set(false);
                                ctx.change("Access revoked: the partner's analysts are out.", api::revoke_grant(id), |_| ());
                            }>"Revoke access"</button>
                        </div>
                    </Modal>
                }
            })}
        </article>
    }
}

#[component]
fn GrantForm(
    c: Arc<CompanyLoaded>,
    ctx: CompanyCtx,
    key: RwSignal<Option<String>>,
) -> impl IntoView {
    let client = c.detail.id;
    let directory = LocalResource::new(api::partner_directory);
    let partner = RwSignal::new(None::<Id>);
    let workspaces = RwSignal::new(Vec::<Id>::new());
    let role = RwSignal::new(Role::Developer);
    let sections = RwSignal::new(Vec::<Section>::new());
    let c2 = c.clone();
    let decision = Signal::derive(move || match partner.get() {
        None => Decision::deny_with(policy::Reason::NotAPartner, "Choose a partner company."),
        Some(p) => c2.decide(&Action::CreateGrant {
            client,
            partner: p,
            workspaces: workspaces.get(),
            role: role.get(),
            sections: sections.get(),
        }),
    });
    let grant = move || {
        let Some(p) = partner.get_untracked() else { return };
        let body = NewGrant {
            partner: p,
            workspaces: workspaces.get_untracked(),
            role: role.get_untracked(),
            sections: sections.get_untracked(),
        };
        ctx.change("Access granted.", api::create_grant(client, body), move |created| {
            key.set(Some(created.access_key))
        });
    };
    let may_grant = c.facts.manages_partners(c.me, client).is_allowed();
    if !may_grant {
        return view! { <p class="empty">"No partner has access. Your company's admins can grant one."</p> }.into_any();
    }
    view! {
        <div class="form">
            <p>"Grant a partner company access to some of your workspaces. Its analysts see only the sections you choose, and you can revoke it at any time."</p>
            <label>
                "Partner company"
                <select on:change=move |ev| partner.set(event_target_value(&ev).parse().ok())>
                    <option value="">"Choose a partner"</option>
                    {move || directory.get().and_then(Result::ok).unwrap_or_default().into_iter().filter(|p| p.id != client)
                        .map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                </select>
            </label>
            <fieldset class="checks">
                <legend>"Workspaces"</legend>
                {c.detail.workspaces.iter().map(|w| {
                    let wid = w.id;
                    view! {
                        <label class="check">
                            <input type="checkbox" on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                workspaces.update(|v| if on { v.push(wid) } else { v.retain(|x| *x != wid) });
                            }/>
                            {w.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label>
                "Permission for analysts"
                <select on:change=move |ev| {
                    if let Some(r) = crate::api::from_wire_name::<Role>(&event_target_value(&ev)) {
                        role.set(r);
                    }
                }>
                    {Role::ALL.into_iter().filter(|r| r.assignable()).map(|r| view! {
                        <option value=crate::api::wire_name(&r)>{r.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <fieldset class="checks">
                <legend>"Sections they may see"</legend>
                {Section::ALL.into_iter().map(|s| view! {
                    <label class="check">
                        <input type="checkbox" value=section_key(s) on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            sections.update(|v| if on { v.push(s) } else { v.retain(|x| *x != s) });
                        }/>
                        {s.label()}
                    </label>
                }).collect_view()}
            </fieldset>
            <WhyNot decision/>
            <GuardedButton decision label="Grant access" class="button primary" on_click=grant/>
        </div>
    }
    .into_any()
}

#[component]
fn MyClients(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let received: Vec<GrantInfo> =
        c.detail.grants.iter().filter(|g| g.partner.id == company && !g.revoked).cloned().collect();
    let access_key = RwSignal::new(String::new());
    let is_admin = c.facts.manages_partners(c.me, company).is_allowed();
    let redeem = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ctx.change(
            "Access key redeemed: register your analysts below.",
            api::redeem(access_key.get_untracked()),
            move |_| access_key.set(String::new()),
        );
    };
    view! {
        <section class="card" aria-labelledby="my-clients">
            <h2 id="my-clients">"My clients"</h2>
            {is_admin.then(|| view! {
                <form class="form inline-form" on:submit=redeem>
                    <label>"Access key from a client" <input required=true autocomplete="off" bind:value=access_key/></label>
                    <button type="submit" class="button primary">"Redeem key"</button>
                </form>
            })}
            {if received.is_empty() {
                view! { <Empty text="No client has granted you access yet."/> }.into_any()
            } else {
                received.into_iter().map(|g| view! { <ClientGrant c=c.clone() ctx grant=g/> }).collect_view().into_any()
            }}
        </section>
    }
}

#[component]
fn ClientGrant(c: Arc<CompanyLoaded>, ctx: CompanyCtx, grant: GrantInfo) -> impl IntoView {
    let gid = grant.id;
    let people = c.detail.members.clone();
    view! {
        <article class="grant">
            <h3>{grant.client.name.clone()}</h3>
            <p>{grant_summary(&grant)}</p>
            {(!grant.redeemed).then(|| view! { <p class="muted">"Not redeemed yet: enter the access key the client gave you."</p> })}
            {grant.redeemed.then(|| grant.workspaces.iter().map(|w| {
                let ws = w.id;
                let here: Vec<_> = grant.analysts.iter().filter(|a| a.workspace == ws).cloned().collect();
                let chosen = RwSignal::new(None::<Id>);
                let c2 = c.clone();
                let decision = Signal::derive(move || match chosen.get() {
                    None => Decision::deny_with(policy::Reason::AnalystNotInPartner, "Choose one of your members."),
                    Some(a) => c2.decide(&Action::RegisterAnalyst { grant: gid, workspace: ws, analyst: a }),
                });
                let ws_name = w.name.clone();
                view! {
                    <section class="client-ws" aria-label=format!("Analysts in {}", w.name)>
                        <h4>{format!("Analysts in {}", w.name)}</h4>
                        {if here.is_empty() {
                            view! { <p class="empty">"None yet."</p> }.into_any()
                        } else {
                            view! { <ul>{here.into_iter().map(|a| {
                                let remove = c.decide(&Action::RemoveAnalyst { grant: gid, workspace: ws, analyst: a.account });
                                let account = a.account;
                                view! {
                                    <li>
                                        {format!("{} ({})", a.name, a.email)}
                                        <GuardedButton decision=remove label="Remove" aria_label=format!("Remove {} from {}", a.name, ws_name) class="button quiet danger"
                                            on_click=move || ctx.change("Analyst removed.", api::remove_analyst(gid, ws, account), |_| ())/>
                                    </li>
                                }
                            }).collect_view()}</ul> }.into_any()
                        }}
                        <div class="inline-form">
                            <label>
                                "Member"
                                <select aria-label=format!("Analyst to register in {}", w.name) on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                                    <option value="">"Choose a member"</option>
                                    {people.iter().map(|p| view! { <option value=p.id.to_string()>{format!("{} ({})", p.name, p.email)}</option> }).collect_view()}
                                </select>
                            </label>
                            <GuardedButton decision label="Register analyst" aria_label=format!("Register analyst in {}", w.name) class="button"
                                on_click=move || if let Some(a) = chosen.get_untracked() {
                                    ctx.change("Analyst registered.", api::add_analyst(gid, ws, a), |_| ());
                                }/>
                        </div>
                    </section>
                }
            }).collect_view())}
        </article>
    }
}
