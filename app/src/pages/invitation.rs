//! The emailed invitation link: accept as the signed-in account, sign in
//! first, or create the account right here.

use crate::labels::role_label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use policy::api::{Accept, InvitationInfo};

use crate::api::{self, ApiError};
use crate::components::notice::{ErrorNote, Loading};
use crate::route::Page;
use crate::session::use_session;

#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = LocalResource::new(move || {
        let t = token();
        async move { api::invitation(&t).await }
    });
    view! {
        <section class="page narrow">
            <h1>"Invitation"</h1>
            {move || match info.get() {
                None => view! { <Loading what="the invitation"/> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote error=e/> }.into_any(),
                Some(Ok(i)) => view! { <InvitationCard info=i token=token()/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn InvitationCard(info: InvitationInfo, token: String) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let ws = info.workspace;
    let accept = {
        let token = token.clone();
        move |body: Accept| {
            let navigate = navigate.clone();
            let token = token.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                match api::accept_invitation(&token, body).await {
                    Ok(_) => {
                        session.refresh().await;
                        navigate(&Page::Users(ws).href(), Default::default());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    let summary = format!(
        "You are invited to the workspace {} as {}.",
        info.workspace_name,
        role_label(&info.role)
    );
    if info.expired {
        return view! {
            <div class="card">
                <p>{summary}</p>
                <p class="notice error" role="alert">
                    "This invitation has expired. Ask the workspace's administrators to resend it."
                </p>
            </div>
        }
        .into_any();
    }
    let email = info.email.clone();
    let next = format!("{}?next=/invite/{token}", Page::SignIn.href());
    let body = move || {
        let signed_in = session.get().and_then(Result::ok);
        let accept = accept.clone();
        match signed_in {
            Some(me) if me.account.email == email => view! {
                <button type="button" class="button primary" disabled=move || busy.get()
                    on:click=move |_| accept(Accept::default())>
                    {format!("Accept as {}", me.account.name)}
                </button>
            }
            .into_any(),
            Some(me) => view! {
                <p class="notice error">
                    {format!("You are signed in as {}, but this invitation is for {}. Sign out and open the link again.", me.account.email, email)}
                </p>
            }
            .into_any(),
            None if info.has_account => view! {
                <p>"An account with this email exists. "
                    <A href=next.clone()>"Sign in to accept"</A></p>
            }
            .into_any(),
            None => {
                let submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    accept(Accept {
                        name: Some(name.get_untracked()),
                        password: Some(password.get_untracked()),
                    });
                };
                view! {
                    <form class="form" on:submit=submit>
                        <p>"Create your account to accept."</p>
                        <label>"Email" <input type="email" value=email.clone() readonly=true/></label>
                        <label>"Your name" <input name="name" autocomplete="name" required=true bind:value=name/></label>
                        <label>
                            "Password"
                            <input type="password" name="password" autocomplete="new-password" required=true minlength="8" bind:value=password/>
                            <small>"At least 8 characters."</small>
                        </label>
                        <button type="submit" class="button primary" disabled=move || busy.get()>"Create account and join"</button>
                    </form>
                }
                .into_any()
            }
        }
    };
    view! {
        <div class="card">
            <p>{summary}</p>
            {body}
            {move || error.get().map(|e| view! { <ErrorNote error=e/> })}
        </div>
    }
    .into_any()
}
