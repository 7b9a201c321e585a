//! Groups and their members. The default group cannot be edited.

use axum::extract::{Path, State};
use axum::routing::{delete, patch, post};
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::workspaces::Created;
use super::{DONE, Done};
use crate::auth::CurrentUser;
use crate::body::Body;
use crate::changes::Key;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
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
    let action = Action::CreateGroup {
        workspace: ws,
        name: req.name.clone(),
        description: req.description.clone(),
    };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let (name, description) = clean(&req);
    let id: i64 = sqlx::query_scalar("INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, $2, $3, $4, 0) RETURNING id")
        .bind(ws)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&description)
        .fetch_one(&mut *w.tx)
        .await?;
    w.changed(Key::Group(id));
    w.audit(Audit::workspace(
        ws,
        AuditKind::GroupCreate,
        &name,
        json!(null),
        json!({"name": name, "description": description}),
    ));
    w.commit().await?;
    Ok(Json(Created { id }))
}

/// Rename a group or change its description.
#[utoipa::path(patch, path = "/api/workspaces/{ws}/groups/{group}", request_body = GroupFields, responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn edit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<GroupFields>,
) -> ApiResult<Json<Done>> {
    let action = Action::EditGroup {
        workspace: ws,
        group,
        name: req.name.clone(),
        description: req.description.clone(),
    };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let before = w.facts().workspace(ws).and_then(|v| v.group(group)).map(|g| g.name.clone());
    let (name, description) = clean(&req);
    sqlx::query("UPDATE groups SET name = $1, name_key = $2, description = $3 WHERE id = $4")
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(&description)
        .bind(group)
        .execute(&mut *w.tx)
        .await?;
    w.changed(Key::Group(group));
    w.audit(Audit::workspace(
        ws,
        AuditKind::GroupEdit,
        &name,
        json!({"name": before}),
        json!({"name": name, "description": description}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Delete a group; resources left with no group become admin-only.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/groups/{group}", request_body = ConfirmDelete, responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<ConfirmDelete>,
) -> ApiResult<Json<Done>> {
    let action =
        Action::DeleteGroup { workspace: ws, group, confirm_name: req.confirm_name.clone() };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let orphaned =
        w.facts().workspace(ws).and_then(|v| v.resources_orphaned_by_deleting(group)).unwrap_or(0);
    sqlx::query("DELETE FROM groups WHERE id = $1").bind(group).execute(&mut *w.tx).await?;
    // Its memberships and resource links go with it (the facts cascade alike).
    w.changed(Key::Group(group));
    w.audit(Audit::workspace(
        ws,
        AuditKind::GroupDelete,
        &req.confirm_name,
        json!({"group": group}),
        json!({"resources_left_admin_only": orphaned}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Add one or several Active members to a group.
#[utoipa::path(post, path = "/api/workspaces/{ws}/groups/{group}/members", request_body = AddMembers, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn add_members(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group)): Path<(Id, Id)>,
    Body(req): Body<AddMembers>,
) -> ApiResult<Json<Done>> {
    let action = Action::AddGroupMembers { workspace: ws, group, accounts: req.accounts.clone() };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let new: Vec<Id> = {
        let view = w.facts().workspace(ws);
        let mut new: Vec<Id> = req
            .accounts
            .iter()
            .copied()
            .filter(|&a| view.is_some_and(|v| !v.in_group(group, a)))
            .collect();
        new.sort_unstable();
        new.dedup();
        new
    };
    for &a in &new {
        sqlx::query("INSERT INTO group_members (group_id, account_id) VALUES ($1, $2)")
            .bind(group)
            .bind(a)
            .execute(&mut *w.tx)
            .await?;
        w.changed(Key::GroupMember(group, a));
    }
    w.audit(Audit::workspace(
        ws,
        AuditKind::GroupMembersAdd,
        group.to_string(),
        json!(null),
        json!({"accounts": req.accounts}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Remove one member from a group.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/groups/{group}/members/{account}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, group, account)): Path<(Id, Id, Id)>,
) -> ApiResult<Json<Done>> {
    let action = Action::RemoveGroupMember { workspace: ws, group, account };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND account_id = $2")
        .bind(group)
        .bind(account)
        .execute(&mut *w.tx)
        .await?;
    w.changed(Key::GroupMember(group, account));
    w.audit(Audit::workspace(
        ws,
        AuditKind::GroupMembersRemove,
        group.to_string(),
        json!({"account": account}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}
