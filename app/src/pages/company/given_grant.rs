//! A grant this company gave as a client: what it covers, when it ends,
//! renewing or shortening it, and deleting its access key.

use std::sync::Arc;

use leptos::prelude::*;
use policy::Action;
use policy::api::GrantInfo;

use super::expiry::{ExpiryNote, LENGTHS, LengthSelect, expiry_in};
use super::{CompanyCtx, CompanyLoaded, grant_summary};
use crate::api;
use crate::components::controls::GuardedButton;
use crate::components::impact::ImpactPreview;
use crate::components::modal::Modal;

#[component]
pub(super) fn GivenGrant(
    c: Arc<CompanyLoaded>,
    ctx: CompanyCtx,
    grant: GrantInfo,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let id = grant.id;
    let partner = grant.partner.name.clone();
    let revoke = c.decide(&Action::RevokeGrant { grant: id });
    let p2 = partner.clone();
    let workspaces = grant.workspaces.clone();
    let days = RwSignal::new(LENGTHS[0].0);
    let c2 = c.clone();
    let renew = Signal::derive(move || {
        c2.decide(&Action::RenewGrant { grant: id, expires_at: expiry_in(days.get()) })
    });
    let set_expiry = move || {
        let expires_at = expiry_in(days.get_untracked());
        ctx.change("New expiry saved.", api::renew_grant(id, expires_at), |_| ());
    };
    view! {
        <article class="grant">
            <h3>{partner.clone()}</h3>
            <p>{grant_summary(&grant)}</p>
            <ExpiryNote c=c.clone() grant=grant.clone()/>
            <div class="inline-form">
                <LengthSelect days label="New length from today"/>
                <GuardedButton decision=renew label="Set new expiry" aria_label=format!("Set new expiry for {partner}") class="button" on_click=set_expiry/>
            </div>
            // Renewing an expired grant gives its analysts their access back:
            // who, per workspace, before it is saved.
            {(grant.expires_at <= crate::clock::now()).then(|| grant.workspaces.iter().map(|w| {
                let ws = w.id;
                view! {
                    <p class="muted">{format!("In {}:", w.name)}</p>
                    <ImpactPreview ws action=Signal::derive(move || Some(Action::RenewGrant { grant: id, expires_at: expiry_in(days.get()) }))/>
                }
            }).collect_view())}
            <p class="muted">{if grant.redeemed { "The partner redeemed the access key." } else { "Waiting for the partner to redeem the access key." }}</p>
            <h4>"Analysts"</h4>
            {if grant.analysts.is_empty() {
                view! { <p class="empty">"No analysts registered yet."</p> }.into_any()
            } else {
                view! { <ul>{grant.analysts.iter().map(|a| view! { <li>{format!("{} ({})", a.name, a.email)}</li> }).collect_view()}</ul> }.into_any()
            }}
            <GuardedButton decision=revoke label="Revoke access" aria_label=format!("Revoke access of {partner}") class="button danger" on_click=move || confirming.set(true)/>
            {move || confirming.get().then(|| {
                let p = p2.clone();
                let workspaces = workspaces.clone();
                view! {
                    <Modal title="Revoke partner access" on_close=move || confirming.set(false)>
                        <p>{format!("Delete {p}'s access key? Every analyst of {p} loses access to your workspaces at once. This cannot be undone.")}</p>
                        {workspaces.iter().map(|w| {
                            let ws = w.id;
                            view! {
                                <p class="muted">{format!("In {}:", w.name)}</p>
                                <ImpactPreview ws action=Signal::derive(move || Some(Action::RevokeGrant { grant: id }))/>
                            }
                        }).collect_view()}
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
