//! HTTP routes, one module per area. Every write follows the same path:
//! authenticate -> load facts -> policy decision -> write + audit in one
//! transaction.

pub mod account;
pub mod groups;
pub mod openapi;
pub mod partners;
pub mod people;
pub mod resources;
pub mod workspaces;

use axum::Router;
use policy::{Action, Facts, Id};
use tokio::sync::MutexGuard;

use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::error::AppError;
use crate::load;
use crate::state::{AppState, authorize};
pub use policy::api::Done;

/// Every API route.
pub fn api() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(workspaces::router())
        .merge(people::router())
        .merge(groups::router())
        .merge(resources::router())
        .merge(partners::router())
        .merge(openapi::router())
}

/// Loads the facts for `workspaces`/`companies` and asks the policy about
/// `action` by `user`; the indexed facts are returned for what follows.
pub async fn decide(
    tx: &mut Tx,
    user: &CurrentUser,
    workspaces: &[Id],
    companies: &[Id],
    action: &Action,
) -> Result<Facts, AppError> {
    let snapshot = load::facts(tx, user.id, workspaces, companies).await?;
    authorize(snapshot, user.id, action)
}

/// The start of every write: take the write lock, begin the transaction,
/// load the facts and ask the policy. The caller writes, audits, commits.
pub async fn change<'a>(
    st: &'a AppState,
    user: &CurrentUser,
    workspaces: &[Id],
    companies: &[Id],
    action: &Action,
) -> Result<(MutexGuard<'a, ()>, Tx, Facts), AppError> {
    let lock = st.write().await;
    let mut tx = st.db.begin().await?;
    let facts = decide(&mut tx, user, workspaces, companies, action).await?;
    Ok((lock, tx, facts))
}

pub const DONE: Done = Done { ok: true };
