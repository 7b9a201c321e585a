//! The frame around every page: skip link, header with the workspace
//! switcher, the signed-in user and sign out.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::route::Page;
use crate::session::use_session;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href=Page::Home.href() attr:class="brand">"Gatehouse"</A>
            <TopNav/>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
    }
}

#[component]
fn TopNav() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let location = use_location();
    // The workspace in the address bar, if any, selects itself in the switcher.
    let current_ws = move || {
        let path = location.pathname.get();
        path.strip_prefix("/w/").and_then(|rest| rest.split('/').next().map(str::to_owned))
    };
    let sign_out = move || {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = api::sign_out().await;
            session.refresh().await;
            navigate(&Page::SignIn.href(), Default::default());
        });
    };
    move || {
        let Some(Ok(me)) = session.get() else {
            return view! { <nav class="topnav" aria-label="Account"></nav> }.into_any();
        };
        let sign_out = sign_out.clone();
        let navigate = use_navigate();
        let workspaces = me.workspaces.clone();
        view! {
            <nav class="topnav" aria-label="Main">
                <label class="switcher">
                    <span class="visually-hidden">"Workspace"</span>
                    <select
                        aria-label="Switch workspace"
                        on:change=move |ev| {
                            let id = event_target_value(&ev);
                            if let Ok(id) = id.parse() {
                                navigate(&Page::Users(id).href(), Default::default());
                            }
                        }
                        prop:value=move || current_ws().unwrap_or_default()
                    >
                        <option value="" disabled=true>"Choose a workspace"</option>
                        {workspaces
                            .into_iter()
                            .map(|w| {
                                let label = match &w.via_partner {
                                    Some(p) => format!("{} · {} (via {p})", w.name, w.company_name),
                                    None => format!("{} · {}", w.name, w.company_name),
                                };
                                view! { <option value=w.id.to_string()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                {me.account.support.then(|| view! { <A href=Page::Support.href()>"Platform support"</A> })}
                <span class="whoami" title=me.account.email.clone()>{me.account.name.clone()}</span>
                <button type="button" class="button quiet" on:click=move |_| sign_out()>"Sign out"</button>
            </nav>
        }
        .into_any()
    }
}
