//! The company's workspaces, and creating one.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use policy::Action;
use policy::api::NewWorkspace;

use super::{CompanyCtx, CompanyLoaded};
use crate::api;
use crate::components::controls::GuardedButton;
use crate::components::modal::Modal;
use crate::components::notice::Empty;
use crate::route::Page;
use crate::session::use_session;

#[component]
pub(super) fn Workspaces(c: Arc<CompanyLoaded>, ctx: CompanyCtx) -> impl IntoView {
    let company = c.detail.id;
    let creating = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let data_studio = RwSignal::new(false);
    let session = use_session();
    let navigate = use_navigate();
    let create = move || {
        let navigate = navigate.clone();
        let body =
            NewWorkspace { name: name.get_untracked(), data_studio: data_studio.get_untracked() };
        ctx.change("Workspace created.", api::create_workspace(company, body), move |created| {
            session.reload();
            navigate(&Page::Users(created.id).href(), Default::default());
        });
    };
    view! {
        <section class="card" aria-labelledby="company-ws">
            <div class="toolbar">
                <h2 id="company-ws">"Workspaces"</h2>
                <GuardedButton decision=c.decide(&Action::CreateWorkspace { company }) label="Create workspace" class="button primary"
                    on_click=move || creating.set(true)/>
            </div>
            {if c.detail.workspaces.is_empty() {
                view! { <Empty text="This company has no workspace yet."/> }.into_any()
            } else {
                view! { <ul>{c.detail.workspaces.clone().into_iter().map(|w| view! { <li><A href=Page::Users(w.id).href()>{w.name}</A></li> }).collect_view()}</ul> }.into_any()
            }}
            {move || creating.get().then(|| {
                let create = create.clone();
                view! {
                    <Modal title="Create workspace" on_close=move || creating.set(false)>
                        <form class="form" on:submit=move |ev| { ev.prevent_default(); create(); }>
                            <label>"Name" <input required=true maxlength="100" bind:value=name/></label>
                            <label class="check"><input type="checkbox" bind:checked=data_studio/>"Turn on Data Studio"</label>
                            <p class="muted">"You will be its Owner."</p>
                            <div class="modal-actions"><button type="submit" class="button primary">"Create workspace"</button></div>
                        </form>
                    </Modal>
                }
            })}
        </section>
    }
}
