//! The workspace a page is in: its base slice and the facts built from
//! it ([`Loaded`]), and the context the tabs share ([`WsContext`]): the
//! latest load, reloading after a change, running a change.

use std::sync::Arc;

use leptos::prelude::*;
use policy::api::{WorkspaceBase, WorkspaceInfo};
use policy::{Action, Decision, Facts, Id, Snapshot, WorkspaceAbilities, WorkspaceView};

use crate::api::ApiResult;
use crate::components::notice::Outcome;

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
        self.facts.decide(self.me, action, crate::clock::now())
    }

    pub fn abilities(&self) -> WorkspaceAbilities {
        self.facts.abilities(self.me, self.ws(), crate::clock::now())
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
        self.view()
            .and_then(|v| v.data().groups.iter().find(|g| g.id == group).map(|g| g.name.clone()))
            .unwrap_or_else(|| format!("#{group}"))
    }
}

/// What the tabs get: the latest loaded workspace and a way to reload it.
#[derive(Clone, Copy)]
pub struct WsContext {
    pub id: Signal<Id>,
    pub(crate) data: LocalResource<ApiResult<Arc<Loaded>>>,
    /// The last workspace loaded, changing only with its version.
    pub(crate) current: Memo<Option<Arc<Loaded>>>,
    /// The loaded workspace's version, notifying only when it changes: a
    /// tab's lists follow it, so a revalidation that found nothing new
    /// (304) does not fetch them again.
    pub version: Memo<Option<i64>>,
}

impl WsContext {
    /// The workspace as last loaded (reactive); `None` while loading or failed.
    pub fn loaded(&self) -> Option<Arc<Loaded>> {
        self.current.get()
    }

    /// Reload after a change, so every control is decided on fresh facts.
    pub fn reload(&self) {
        self.data.refetch();
    }
}

pub fn use_ws() -> WsContext {
    expect_context::<WsContext>()
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
