//! One workspace: loads the viewer's base slice, indexes the facts once,
//! and gives the tabs a context ([`crate::workspace::WsContext`]) to decide
//! every control with the policy.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_params_map};
use policy::api::Me;
use policy::{Facts, Id};

use crate::api;
use crate::components::notice::{ErrorNote, Loading};
use crate::route::Page;
use crate::session::SignedIn;
use crate::workspace::{Loaded, WsContext};

#[component]
pub fn WorkspacePage() -> impl IntoView {
    view! { <SignedIn children=|me: Me| view! { <WorkspaceFrame me=me.account.id/> }/> }
}

/// Whether a newly loaded workspace differs from the one shown: another
/// workspace, viewer or version.
fn changed(old: Option<&Option<Arc<Loaded>>>, new: Option<&Option<Arc<Loaded>>>) -> bool {
    let key = |l: Option<&Option<Arc<Loaded>>>| {
        l.and_then(Option::as_ref).map(|l| (l.ws(), l.me, l.base.version))
    };
    key(old) != key(new)
}

#[component]
fn WorkspaceFrame(me: Id) -> impl IntoView {
    let params = use_params_map();
    let id =
        Signal::derive(move || params.read().get("ws").and_then(|w| w.parse().ok()).unwrap_or(0));
    let location = use_location();
    // Offline, a revalidation fails: the page keeps what it showed.
    let last_good = StoredValue::new_local(None::<Arc<Loaded>>);
    let data = LocalResource::new(move || {
        let ws = id.get();
        // Every tab opened revalidates the base (a 304 when nothing changed):
        // what it shows is decided on current facts, and a revoked or
        // removed member is refused at once.
        location.pathname.track();
        async move {
            let mut base = match api::workspace(ws).await {
                Ok(base) => base,
                Err(e) if e.status == 0 => {
                    return last_good.get_value().filter(|l| l.ws() == ws).ok_or(e);
                }
                Err(e) => return Err(e),
            };
            // The facts own the slice; the app reads it through them.
            let facts = Facts::new(std::mem::take(&mut base.slice));
            let loaded = Arc::new(Loaded { base: Arc::new(base), facts, me });
            last_good.set_value(Some(loaded.clone()));
            Ok(loaded)
        }
    });
    // What the tabs render from: a revalidation that found nothing new
    // (the same version) leaves it as it is, so nothing re-renders and an
    // open dialog stays open.
    let current = Memo::new_with_compare(move |_| data.get().and_then(Result::ok), changed);
    let version = Memo::new(move |_| current.get().map(|l| l.base.version));
    let ctx = WsContext { id, data, current, version };
    // Live access: revalidated on news of a change; says when access ended.
    let ended = crate::live::follow(ctx);
    // The tabs mount once and keep their own state (an open form, the last
    // outcome) across reloads; they only go when the workspace cannot load.
    let ready = Memo::new(move |_| data.get().is_some_and(|r| r.is_ok()));
    provide_context(ctx);
    view! {
        {move || match data.get() {
            None => view! { <section class="page"><Loading what="the workspace"/></section> }.into_any(),
            Some(Err(e)) => view! {
                <section class="page">
                    <h1>"Workspace"</h1>
                    {move || ended.get().is_some().then(|| view! { <p class="notice error" role="alert">"Your access to this workspace has ended."</p> })}
                    <ErrorNote error=e/>
                </section>
            }.into_any(),
            Some(Ok(l)) => view! { <WorkspaceHeader loaded=l/> }.into_any(),
        }}
        {move || ready.get().then(|| view! { <Outlet/> })}
    }
}

#[component]
fn WorkspaceHeader(loaded: Arc<Loaded>) -> impl IntoView {
    let ws = loaded.ws();
    let ab = loaded.abilities();
    let role = ab.role.map(|r| r.label()).unwrap_or("No access");
    let info = loaded.info();
    let tab = |page: Page, label: &'static str| {
        view! { <A href=page.href() attr:class="tab">{label}</A> }
    };
    // The version shown (live access; end-to-end tests read it).
    let version = loaded.base.version.to_string();
    view! {
        <div class="ws-head" data-version=version>
            <div>
                <p class="eyebrow">{info.company_name.clone()}</p>
                <h1>{info.name.clone()}</h1>
            </div>
            <span class="badge" title="Your permission in this workspace">
                {if ab.analyst { format!("{role} · partner analyst") } else { role.to_owned() }}
            </span>
        </div>
        <nav class="tabs" aria-label="Workspace">
            {ab.users_tab.is_allowed().then(|| tab(Page::Users(ws), "Users"))}
            {ab.groups_tab.is_allowed().then(|| tab(Page::Groups(ws), "Groups"))}
            {ab.permissions_tab.is_allowed().then(|| tab(Page::Permissions(ws), "Permissions"))}
            {tab(Page::Resources(ws), "Resources")}
            {ab.audit.is_allowed().then(|| tab(Page::Audit(ws), "Audit log"))}
            {tab(Page::Settings(ws), "Settings")}
        </nav>
    }
}
