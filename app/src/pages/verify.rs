//! The link mailed to verify an address: opening it verifies the address.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::notice::{ErrorNote, Loading};
use crate::route::Page;
use crate::session::use_session;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let params = use_params_map();
    let session = use_session();
    let outcome = LocalResource::new(move || {
        let token = params.read().get("token").unwrap_or_default();
        async move { api::verify_email(token).await }
    });
    view! {
        <section class="page" aria-labelledby="verify-title">
            <h1 id="verify-title">"Verify your email address"</h1>
            {move || match outcome.get() {
                None => view! { <Loading what="your link"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(_)) => {
                    session.reload();
                    view! {
                        <p class="notice ok" role="status">"Your address is verified."</p>
                        <A href=Page::Home.href()>"Continue to your workspaces"</A>
                    }.into_any()
                }
            }}
        </section>
    }
}
