//! A workspace's join link: a signed-in user asks for access and waits for
//! an administrator to authorize it.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiError};
use crate::components::notice::{ErrorNote, Loading};
use crate::route::Page;
use crate::session::use_session;

#[component]
pub fn JoinPage() -> impl IntoView {
    let session = use_session();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let sent = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let ask = move |_| {
        let t = token();
        leptos::task::spawn_local(async move {
            match api::request_access(&t).await {
                Ok(_) => sent.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="page narrow">
            <h1>"Request access"</h1>
            {move || match session.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(_)) => {
                    let next = format!("{}?next=/join/{}", Page::SignIn.href(), token());
                    view! { <Redirect path=next/> }.into_any()
                }
                Some(Ok(me)) => view! {
                    <div class="card">
                        {move || if sent.get() {
                            view! { <p class="notice ok" role="status">"Your request was sent. An administrator of the workspace will authorize it."</p> }.into_any()
                        } else {
                            view! {
                                <p>{format!("Ask to join this workspace as {}. An administrator will authorize your request.", me.account.email)}</p>
                                <button type="button" class="button primary" on:click=ask>"Request access"</button>
                            }.into_any()
                        }}
                        {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
                    </div>
                }
                .into_any(),
            }}
        </section>
    }
}
