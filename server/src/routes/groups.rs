//! Groups and their members. The default group cannot be edited.

use axum::extract::State;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::paths::{WsGroupAccountPath, WsGroupPath, WsPath};
use super::workspaces::Created;
use super::{DONE, Done, read};
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::db::col;
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::{Path, Query};
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{
    AddMembers, ConfirmDelete, GroupFields, GroupImpact, GroupMemberPage, MemberSearch, Person,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/groups", post(create))
        .route("/api/workspaces/{ws}/groups/{group}", patch(edit).delete(remove))
        .route("/api/workspaces/{ws}/groups/{group}/impact", get(impact))
        .route("/api/workspaces/{ws}/groups/{group}/members", get(members).post(add_members))
        .route("/api/workspaces/{ws}/groups/{group}/members/{account}", delete(remove_member))
}

fn clean(f: &GroupFields) -> (String, String) {
    (f.name.trim().to_owned(), f.description.trim().to_owned())
}

/// Create a group (Owner and Admins).
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/groups",
    params(WsPath),
    request_body = GroupFields,
    responses((status = 200, description = "OK", body = Created))
)]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
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
#[utoipa::path(
    patch,
    path = "/api/workspaces/{ws}/groups/{group}",
    params(WsGroupPath),
    request_body = GroupFields,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn edit(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupPath { ws, group }): Path<WsGroupPath>,
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
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/groups/{group}",
    params(WsGroupPath),
    request_body = ConfirmDelete,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupPath { ws, group }): Path<WsGroupPath>,
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

/// A page of a group's members (the default group: every member), by
/// name, searchable, with the slice their controls decide on.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/groups/{group}/members",
    params(WsGroupPath, MemberSearch),
    responses((status = 200, description = "OK", body = GroupMemberPage))
)]
pub async fn members(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupPath { ws, group }): Path<WsGroupPath>,
    Query(search): Query<MemberSearch>,
) -> ApiResult<Json<GroupMemberPage>> {
    let mut r = read(&st, &user, ws, &Action::ViewGroups { workspace: ws }).await?;
    let is_default = r.facts().workspace(ws).and_then(|v| v.group(group)).map(|g| g.is_default);
    let Some(is_default) = is_default else {
        return Err(AppError::policy(policy::Reason::UnknownGroup));
    };
    let limit = page::limit(search.limit);
    let (key, after): (String, Id) = page::after(search.after.as_deref())?.unwrap_or_default();
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.email, m.name_key FROM members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.workspace_id = $1 AND ($2 <> 0 OR m.account_id IN \
           (SELECT account_id FROM group_members WHERE group_id = $3)) \
         AND (m.name_key, m.account_id) > ($4, $5) \
         AND (m.name_key LIKE $6 ESCAPE '\\' OR a.email LIKE $6 ESCAPE '\\') \
         ORDER BY m.name_key, m.account_id LIMIT $7",
    )
    .bind(ws)
    .bind(i64::from(is_default))
    .bind(group)
    .bind(&key)
    .bind(after)
    .bind(page::contains_pattern(&search.q))
    .bind(limit)
    .fetch_all(&mut *r.tx)
    .await?;
    let next = (i64::try_from(rows.len()).ok() == Some(limit))
        .then(|| {
            rows.last().map(|x| {
                Ok::<_, AppError>(page::cursor(&(
                    col::<String>(x, "name_key")?,
                    col::<Id>(x, "id")?,
                )))
            })
        })
        .flatten()
        .transpose()?;
    let ids: Vec<Id> = rows.iter().map(|x| col(x, "id")).collect::<Result<_, _>>()?;
    let slice =
        r.facts().group_members_slice(user.id, ws, group, &ids, r.now).map_err(AppError::Denied)?;
    let members = rows
        .iter()
        .map(|x| Ok(Person { id: col(x, "id")?, name: col(x, "name")?, email: col(x, "email")? }))
        .collect::<Result<Vec<_>, AppError>>()?
        .into_iter()
        .filter(|p| slice.accounts.iter().any(|a| a.id == p.id))
        .collect();
    Ok(Json(GroupMemberPage { members, next, slice, now: r.now, version: r.facts.version }))
}

/// What deleting a group would do (to those who may delete it).
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/groups/{group}/impact",
    params(WsGroupPath),
    responses((status = 200, description = "OK", body = GroupImpact))
)]
pub async fn impact(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupPath { ws, group }): Path<WsGroupPath>,
) -> ApiResult<Json<GroupImpact>> {
    let r = read(&st, &user, ws, &Action::ViewGroups { workspace: ws }).await?;
    let name = r.facts().workspace(ws).and_then(|v| v.group(group)).map(|g| g.name.clone());
    let may = Action::DeleteGroup { workspace: ws, group, confirm_name: name.unwrap_or_default() };
    if let Some(e) = super::deny(r.facts(), user.id, &may, r.now) {
        return Err(e);
    }
    let n = r.facts().workspace(ws).and_then(|v| v.resources_orphaned_by_deleting(group));
    Ok(Json(GroupImpact { resources_left_admin_only: n.unwrap_or(0) }))
}

/// Add one or several Active members to a group.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/groups/{group}/members",
    params(WsGroupPath),
    request_body = AddMembers,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn add_members(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupPath { ws, group }): Path<WsGroupPath>,
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
    // Someone already in the group stays as they are (SPEC 6: members are
    // any Active members; adding one twice is no error, nothing changes).
    if !new.is_empty() {
        w.audit(Audit::workspace(
            ws,
            AuditKind::GroupMembersAdd,
            group.to_string(),
            json!(null),
            json!({"accounts": new}),
        ));
    }
    w.commit().await?;
    Ok(Json(DONE))
}

/// Remove one member from a group.
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/groups/{group}/members/{account}",
    params(WsGroupAccountPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsGroupAccountPath { ws, group, account }): Path<WsGroupAccountPath>,
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
