//! The Admin and Developer roles' toggles: read with counts, save a batch.

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use policy::{Action, Reason, Role, Toggle};
use serde_json::json;

use super::paths::{WsPath, WsRolePath};
use super::read;
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::Path;
use crate::load::enum_text;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{RoleCounts, SaveToggles, Saved, Toggles};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/toggles", get(toggles))
        .route("/api/workspaces/{ws}/toggles/{role}", put(save_toggles))
}

/// The Admin and Developer toggles with their version and user counts.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/toggles",
    params(WsPath),
    responses((status = 200, description = "OK", body = Toggles))
)]
pub async fn toggles(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
) -> ApiResult<Json<Toggles>> {
    let r = read(&st, &user, ws, &Action::ViewPermissions { workspace: ws }).await?;
    let w = r.facts().workspace(ws).ok_or(AppError::policy(Reason::UnknownWorkspace))?;
    let t = &w.data().toggles;
    Ok(Json(Toggles {
        counts: RoleCounts {
            owner: w.count_with_role(Role::Owner).unwrap_or(0),
            admin: w.count_with_role(Role::Admin).unwrap_or(0),
            developer: w.count_with_role(Role::Developer).unwrap_or(0),
        },
        admin: t.admin.clone(),
        developer: t.developer.clone(),
        version: t.version,
    }))
}

/// Save a role's toggles as one batch, based on a version.
#[utoipa::path(
    put,
    path = "/api/workspaces/{ws}/toggles/{role}",
    params(WsRolePath),
    request_body = SaveToggles,
    responses((status = 200, description = "OK", body = Saved))
)]
pub async fn save_toggles(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsRolePath { ws, role }): Path<WsRolePath>,
    Body(req): Body<SaveToggles>,
) -> ApiResult<Json<Saved>> {
    let role: Role = crate::load::parse_enum(&role)
        .map_err(|_| AppError::invalid("role", "The role must be `admin` or `developer`."))?;
    let action = Action::SaveToggles {
        workspace: ws,
        role,
        toggles: req.toggles.clone(),
        base_version: req.base_version,
    };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let before = w.facts().workspace(ws).map(|v| {
        let t = &v.data().toggles;
        if role == Role::Admin { t.admin.clone() } else { t.developer.clone() }
    });
    let next: Vec<Toggle> =
        req.toggles.iter().copied().collect::<policy::ToggleSet>().iter().collect();
    let column = if role == Role::Admin { "toggles_admin" } else { "toggles_developer" };
    // The policy refused a stale base version under the lock; the guard in
    // SQL says the same again.
    let done = sqlx::query(&format!("UPDATE workspaces SET {column} = $1, toggles_version = toggles_version + 1 WHERE id = $2 AND toggles_version = $3"))
        .bind(serde_json::to_string(&next).unwrap_or_default())
        .bind(ws)
        .bind(req.base_version)
        .execute(&mut *w.tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::policy(Reason::StaleVersion));
    }
    w.changed(Key::Workspace);
    w.audit(Audit::workspace(
        ws,
        AuditKind::TogglesSave,
        enum_text(&role),
        json!(before),
        json!(next),
    ));
    w.commit().await?;
    Ok(Json(Saved { version: req.base_version + 1 }))
}
