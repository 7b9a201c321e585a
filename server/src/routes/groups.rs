//! Groups and their members. The default group cannot be edited.

use axum::extract::{Path, State};
use axum::routing::{delete, patch, post};
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::workspaces::Created;
use super::{DONE, Done, change};
use crate::auth::CurrentUser;
use crate::body::Body;
use crate::db::{self, col};
use crate::error::ApiResult;
use crate::state::AppState;
pub use policy::api::{AddMembers, ConfirmDelete, GroupFields};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/groups", post(create))
        .route("/api/workspaces/{ws}/groups/{group}", patch(edit).delete(remove))
        .route("/api/workspaces/{ws}/groups/{group}/members", post(add_members))
        .route("/api/workspaces/{ws}/groups/{group}/members/{account}", delete(remove_member))
}

fn clean(f: &GroupFields) -> (String, String) {
    (f.name.trim().to_owned(), f.description.trim().to_owned())
}

/// Create a group (Owner and Admins).
#[utoipa::path(post, path = "/api/workspaces/{ws}/groups", request_body = GroupFields, responses((status = 200, body = Created), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Body(req): Body<GroupFields>,
) -> ApiResult<Json<Created>> {
    let (_w, mut tx, _) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::CreateGroup {
            workspace: ws,
            name: req.name.clone(),
            description: req.description.clone(),
        },
    )
    .await?;
    let (name, description) = clean(&req);
    let r = sqlx::query("INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, $2, $3, $4, 0) RETURNING id")
        .bind(ws)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&description)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = col(&r, "id")?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "group.create",
        &name,
        json!(null),
        json!({"name": name, "description": description}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Created { id }))
}

/// Rename a group or change its description.
#[utoipa::path(patch, path = "/api/workspaces/{ws}/groups/{group}", request_body = GroupFields, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<GroupFields>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::EditGroup {
            workspace: ws,
            group,
            name: req.name.clone(),
            description: req.description.clone(),
        },
    )
    .await?;
    let before = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.groups)
        .find(|g| g.id == group)
        .map(|g| g.name.clone());
    let (name, description) = clean(&req);
    sqlx::query("UPDATE groups SET name = $1, name_key = $2, description = $3 WHERE id = $4")
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&description)
        .bind(group)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "group.edit",
        &name,
        json!({"name": before}),
        json!({"name": name, "description": description}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Delete a group; resources left with no group become admin-only.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/groups/{group}", request_body = ConfirmDelete, responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<ConfirmDelete>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::DeleteGroup { workspace: ws, group, confirm_name: req.confirm_name.clone() },
    )
    .await?;
    let orphaned =
        facts.workspace(ws).map(|w| w.resources_orphaned_by_deleting(group)).unwrap_or(0);
    sqlx::query("DELETE FROM groups WHERE id = $1").bind(group).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "group.delete",
        &req.confirm_name,
        json!({"group": group}),
        json!({"resources_left_admin_only": orphaned}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Add one or several Active members to a group.
#[utoipa::path(post, path = "/api/workspaces/{ws}/groups/{group}/members", request_body = AddMembers, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn add_members(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<AddMembers>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::AddGroupMembers { workspace: ws, group, accounts: req.accounts.clone() },
    )
    .await?;
    let view = facts.workspace(ws);
    for &a in &req.accounts {
        if view.is_some_and(|w| !w.in_group(group, a)) {
            sqlx::query("INSERT INTO group_members (group_id, account_id) VALUES ($1, $2)")
                .bind(group)
                .bind(a)
                .execute(&mut *tx)
                .await?;
        }
    }
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "group.members.add",
        &group.to_string(),
        json!(null),
        json!({"accounts": req.accounts}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Remove one member from a group.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/groups/{group}/members/{account}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group, account)): Path<(Id, Id, Id)>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::RemoveGroupMember { workspace: ws, group, account },
    )
    .await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND account_id = $2")
        .bind(group)
        .bind(account)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "group.members.remove",
        &group.to_string(),
        json!({"account": account}),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}
