//! Create an account (and its company).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use policy::api::SignUp as SignUpBody;

use crate::api::{self, ApiError};
use crate::components::notice::ErrorNote;
use crate::route::Page;
use crate::route::next_path;
use crate::session::use_session;

#[component]
pub fn SignUp() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let next = next_path();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let company = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        let next = next.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let company = company.get_untracked();
            let body = SignUpBody {
                email: email.get_untracked(),
                name: name.get_untracked(),
                password: password.get_untracked(),
                company: (!company.trim().is_empty()).then_some(company),
            };
            match api::sign_up(body).await {
                Ok(_) => {
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
            <h1>"Create your account"</h1>
            <form class="card form" on:submit=submit>
                <label>"Your name" <input name="name" autocomplete="name" required=true bind:value=name/></label>
                <label>"Email" <input type="email" name="email" autocomplete="email" required=true bind:value=email/></label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="new-password" required=true minlength="8" bind:value=password/>
                    <small>"At least 8 characters."</small>
                </label>
                <label>
                    "Company name (optional)"
                    <input name="company" autocomplete="organization" bind:value=company/>
                </label>
                {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
                <button type="submit" class="button primary" disabled=move || busy.get()>"Create account"</button>
            </form>
            <p>"Already have an account? " <A href=Page::SignIn.href()>"Sign in"</A></p>
        </section>
    }
}
