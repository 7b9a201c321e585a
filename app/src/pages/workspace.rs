//! One workspace: loads its snapshot, indexes the facts once, and gives the
//! tabs a context to decide every control with the policy.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_params_map};
use policy::api::{Me, WorkspaceBase, WorkspaceInfo};
use policy::{Action, Decision, Facts, Id, Snapshot, WorkspaceAbilities, WorkspaceView};

use crate::api::{self, ApiResult};
use crate::components::notice::{ErrorNote, Loading, Outcome};
use crate::route::Page;
use crate::session::SignedIn;

/// A loaded workspace: the viewer's base slice, the facts built from it
/// (and from the pages a tab added, see [`Loaded::with_pages`]).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub base: Arc<WorkspaceBase>,
    pub facts: Facts,
    /// The signed-in account.
    pub me: Id,
}

impl Loaded {
    pub fn ws(&self) -> Id {
        self.base.workspace.id
    }

    pub fn info(&self) -> &WorkspaceInfo {
        &self.base.workspace
    }

    /// The policy's answer for the signed-in account.
    pub fn decide(&self, action: &Action) -> Decision {
        self.facts.decide(self.me, action)
    }

    pub fn abilities(&self) -> WorkspaceAbilities {
        self.facts.abilities(self.me, self.ws())
    }

    pub fn view(&self) -> Option<WorkspaceView<'_>> {
        self.facts.workspace(self.ws())
    }

    /// The base's facts with pages added: what a tab decides its rows on.
    /// (The base is small at any workspace size, so a copy is cheap.)
    pub fn with_pages<'a>(&self, slices: impl IntoIterator<Item = &'a Snapshot>) -> Arc<Loaded> {
        let mut facts = self.facts.clone();
        for s in slices {
            facts.add(s.clone());
        }
        Arc::new(Loaded { base: self.base.clone(), facts, me: self.me })
    }

    /// A person's display name from the base (their email when the name is
    /// unknown).
    pub fn name_of(&self, account: Id) -> String {
        self.base
            .people
            .iter()
            .find(|p| p.id == account)
            .map(|p| if p.name.is_empty() { p.email.clone() } else { p.name.clone() })
            .unwrap_or_else(|| format!("Account {account}"))
    }

    pub fn email_of(&self, account: Id) -> String {
        self.base
            .people
            .iter()
            .find(|p| p.id == account)
            .map(|p| p.email.clone())
            .unwrap_or_default()
    }

    pub fn group_description(&self, group: Id) -> String {
        self.base
            .groups
            .iter()
            .find(|g| g.id == group)
            .map(|g| g.description.clone())
            .unwrap_or_default()
    }

    /// A group's name (its id when it is not among the base's groups).
    pub fn group_name(&self, group: Id) -> String {
        self.base
            .groups
            .iter()
            .find(|g| g.id == group)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| format!("#{group}"))
    }
}

/// What the tabs get: the latest loaded workspace and a way to reload it.
#[derive(Clone, Copy)]
pub struct WsContext {
    pub id: Signal<Id>,
    data: LocalResource<ApiResult<Arc<Loaded>>>,
}

impl WsContext {
    /// The workspace as last loaded (reactive); `None` while loading or failed.
    pub fn loaded(&self) -> Option<Arc<Loaded>> {
        self.data.get().and_then(Result::ok)
    }

    /// Reload after a change, so every control is decided on fresh facts.
    pub fn reload(&self) {
        self.data.refetch();
    }
}

pub fn use_ws() -> WsContext {
    expect_context::<WsContext>()
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    view! { <SignedIn children=|me: Me| view! { <WorkspaceFrame me=me.account.id/> }/> }
}

#[component]
fn WorkspaceFrame(me: Id) -> impl IntoView {
    let params = use_params_map();
    let id =
        Signal::derive(move || params.read().get("ws").and_then(|w| w.parse().ok()).unwrap_or(0));
    let location = use_location();
    let data = LocalResource::new(move || {
        let ws = id.get();
        // Every tab opened revalidates the base (a 304 when nothing changed):
        // what it shows is decided on current facts, and a revoked or
        // removed member is refused at once.
        location.pathname.track();
        async move {
            let mut base = api::workspace(ws).await?;
            // The facts own the slice; the app reads it through them.
            let facts = Facts::new(std::mem::take(&mut base.slice));
            Ok(Arc::new(Loaded { base: Arc::new(base), facts, me }))
        }
    });
    let ctx = WsContext { id, data };
    // The tabs mount once and keep their own state (an open form, the last
    // outcome) across reloads; they only go when the workspace cannot load.
    let ready = Memo::new(move |_| data.get().is_some_and(|r| r.is_ok()));
    provide_context(ctx);
    view! {
        {move || match data.get() {
            None => view! { <section class="page"><Loading what="the workspace"/></section> }.into_any(),
            Some(Err(e)) => view! { <section class="page"><h1>"Workspace"</h1><ErrorNote error=e/></section> }.into_any(),
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
    view! {
        <div class="ws-head">
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

impl WsContext {
    /// Runs a change against the server; on success reloads the workspace
    /// (so every control is decided again on fresh facts) and says `done`.
    pub fn change<T: 'static>(
        &self,
        outcome: RwSignal<Option<Outcome>>,
        done: impl Into<String>,
        request: impl std::future::Future<Output = ApiResult<T>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        // Only this small adapter is generic; the rest is one copy.
        self.run(outcome, done.into(), Box::pin(async move { request.await.map(then) }));
    }

    fn run(
        self,
        outcome: RwSignal<Option<Outcome>>,
        done: String,
        request: std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>>>>,
    ) {
        leptos::task::spawn_local(async move {
            match request.await {
                Ok(()) => {
                    outcome.set(Some(Outcome::Done(done)));
                    self.reload();
                }
                Err(e) => {
                    // A refusal means the facts moved under us: reload them.
                    let stale = e.status == 403 || e.status == 409 || e.status == 404;
                    outcome.set(Some(Outcome::Failed(e)));
                    if stale {
                        self.reload();
                    }
                }
            }
        });
    }
}
