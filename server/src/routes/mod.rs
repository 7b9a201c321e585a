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
use policy::{Action, Id, Snapshot};
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::error::AppError;
use crate::load;
use crate::state::{AppState, authorize};

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
/// `action` by `user`; the snapshot is returned for the write that follows.
pub async fn decide(
    tx: &mut Tx,
    user: &CurrentUser,
    workspaces: &[Id],
    companies: &[Id],
    action: &Action,
) -> Result<Snapshot, AppError> {
    let snapshot = load::facts(tx, user.id, workspaces, companies).await?;
    authorize(&snapshot, user.id, action)?;
    Ok(snapshot)
}

/// `{ "ok": true }`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Done {
    pub ok: bool,
}

pub const DONE: Done = Done { ok: true };
