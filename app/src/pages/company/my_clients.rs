//! "My clients" (a partner): redeem an access key, and the grants received.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::GrantInfo;

use super::{ClientGrant, CompanyCtx, CompanyLoaded};
use crate::api;
use crate::components::notice::Empty;

#[component]
pub(super) fn MyClients(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
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
