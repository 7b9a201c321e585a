//! Sign in with email and password; `?next=` says where to go after.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use policy::api::SignIn as SignInBody;

use crate::api::{self, ApiError};
use crate::components::notice::ErrorNote;
use crate::route::Page;
use crate::route::next_path;
use crate::session::use_session;

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let next = next_path();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let next_for_link = next.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        let next = next.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let body =
                SignInBody { email: email.get_untracked(), password: password.get_untracked() };
            match api::sign_in(body).await {
                Ok(_) => {
                    error.set(None);
                    session.refresh().await;
                    navigate(&next(), Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="page narrow">
            <h1>"Sign in"</h1>
            <form class="card form" on:submit=submit>
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required=true
                        bind:value=email/>
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required=true
                        bind:value=password/>
                </label>
                {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
                <button type="submit" class="button primary" disabled=move || busy.get()>"Sign in"</button>
            </form>
            <p>
                "New to Gatehouse? "
                <A href=move || format!("{}?next={}", Page::SignUp.href(), next_for_link())>"Create an account"</A>
            </p>
        </section>
    }
}
