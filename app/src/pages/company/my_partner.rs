//! "My partner" (a client): the grant given, or the form to give one.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::GrantInfo;

use super::{CompanyCtx, CompanyLoaded, GivenGrant, GrantForm};
use crate::components::controls::CopyField;

#[component]
pub(super) fn MyPartner(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
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
