//! A grant this company received as a partner: its client workspaces, and
//! registering or removing analysts in each.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::GrantInfo;
use policy::{Action, Decision, Id};

use super::expiry::ExpiryNote;
use super::{CompanyCtx, CompanyLoaded, grant_summary};
use crate::api;
use crate::components::controls::GuardedButton;
use crate::components::impact::{ConfirmChange, ImpactPreview};

#[component]
pub(super) fn ClientGrant(
    c: Arc<CompanyLoaded>,
    ctx: CompanyCtx,
    grant: GrantInfo,
) -> impl IntoView {
    let gid = grant.id;
    let people = c.detail.members.clone();
    view! {
        <article class="grant">
            <h3>{grant.client.name.clone()}</h3>
            <p>{grant_summary(&grant)}</p>
            <ExpiryNote c=c.clone() grant=grant.clone()/>
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
                                let confirming = RwSignal::new(false);
                                let title = format!("Remove {} from {}", a.name, ws_name);
                                view! {
                                    <li>
                                        {format!("{} ({})", a.name, a.email)}
                                        <GuardedButton decision=remove label="Remove" aria_label=title.clone() class="button quiet danger"
                                            on_click=move || confirming.set(true)/>
                                        {move || confirming.get().then(|| view! {
                                            <ConfirmChange title=title.clone() danger=true
                                                ws action=Action::RemoveAnalyst { grant: gid, workspace: ws, analyst: account } confirm="Remove"
                                                on_close=move || confirming.set(false)
                                                on_confirm=move || ctx.change("Analyst removed.", api::remove_analyst(gid, ws, account), |_| ())/>
                                        })}
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
                        {move || chosen.get().is_some().then(|| view! {
                            <ImpactPreview ws action=Signal::derive(move || chosen.get().map(|analyst| Action::RegisterAnalyst { grant: gid, workspace: ws, analyst }))/>
                        })}
                    </section>
                }
            }).collect_view())}
        </article>
    }
}
