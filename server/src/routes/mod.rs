//! HTTP routes, one module per area. Every write goes through
//! [`crate::write::Write`]; every read of a workspace through [`read`]: one
//! snapshot, the version read in it, facts at least that new, the policy's
//! decision, then the handler's page query in the same snapshot.

pub mod access;
pub mod account;
pub mod companies;
pub mod groups;
pub mod invitations;
pub mod live;
pub mod members;
pub mod openapi;
pub mod partners;
pub mod paths;
pub mod resources;
pub mod toggles;
pub mod verification;
pub mod workspaces;

use axum::Router;
use policy::{Action, Facts, Id};

use crate::auth::CurrentUser;
use crate::db::{Tx, col};
use crate::error::AppError;
use crate::facts_cache::FactsGuard;
use crate::load;
use crate::state::AppState;
pub use policy::api::Done;

/// Every API route.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(access::router())
        .merge(workspaces::router())
        .merge(invitations::router())
        .merge(members::router())
        .merge(toggles::router())
        .merge(verification::router())
        .merge(groups::router())
        .merge(resources::router())
        .merge(companies::router())
        .merge(partners::router())
        .merge(live::router())
        .merge(openapi::router())
}

/// A read of one workspace: the transaction (one snapshot) and the facts
/// the policy allowed the request on.
#[derive(Debug)]
pub struct Read {
    pub tx: Tx,
    pub facts: FactsGuard,
    /// The time every decision of the request is made at.
    pub now: i64,
}

impl Read {
    pub fn facts(&self) -> &Facts {
        &self.facts.facts
    }
}

/// Opens a read of workspace `ws` for `user` and asks the policy about
/// `action`: one query for the version, facts from the cache.
pub async fn read(
    st: &AppState,
    user: &CurrentUser,
    ws: Id,
    action: &Action,
) -> Result<Read, AppError> {
    let now = st.now();
    let mut tx = st.db.begin_read().await?;
    let row = sqlx::query("SELECT version FROM workspaces WHERE id = $1")
        .bind(ws)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        // Not there: the policy's own answer about an unknown workspace.
        return Err(deny(&Facts::default(), user.id, action, now)
            .unwrap_or(AppError::policy(policy::Reason::UnknownWorkspace)));
    };
    let facts = st.cache.at(&mut tx, ws, col(&row, "version")?).await?;
    if let Some(e) = deny(&facts.facts, user.id, action, now) {
        return Err(e);
    }
    Ok(Read { tx, facts, now })
}

/// A read of company-level facts, like [`Read`].
#[derive(Debug)]
pub struct CompanyRead {
    pub tx: Tx,
    pub facts: Facts,
    pub now: i64,
}

/// Opens a read of company-level facts (`companies`, their grants and
/// workspace ids) and asks the policy about `action`.
pub async fn read_companies(
    st: &AppState,
    user: &CurrentUser,
    companies: &[Id],
    action: &Action,
) -> Result<CompanyRead, AppError> {
    let now = st.now();
    let mut tx = st.db.begin_read().await?;
    let facts = Facts::new(load::company_facts(&mut tx, user.id, companies).await?);
    match deny(&facts, user.id, action, now) {
        Some(e) => Err(e),
        None => Ok(CompanyRead { tx, facts, now }),
    }
}

/// The policy's refusal at `now` as an HTTP error, if it refuses.
pub fn deny(facts: &Facts, actor: Id, action: &Action, now: i64) -> Option<AppError> {
    match facts.decide(actor, action, now) {
        policy::Decision::Allowed => None,
        policy::Decision::Denied(d) => Some(AppError::Denied(d)),
    }
}

pub const DONE: Done = Done { ok: true };
