//! Explain and preview (SPEC 10): a member's effective access, who can
//! reach a resource, and the dry run of an access change. The policy
//! answers each on the workspace's cached facts, to those who may ask, and
//! limits every answer to what the asker may see; nothing is written.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use policy::{Action, Id, People, Preview};

use super::paths::{WsAccountPath, WsPath, WsResourcePath};
use super::read;
use super::resources::visible_page;
use super::workspaces::names_by_id;
use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::input::{Body, Path, Query};
use crate::state::AppState;
pub use policy::api::{
    MemberAccessPage, Named, PageQuery, Person, PreviewAnswer, ResourceAccessInfo,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/members/{account}/access", get(member_access))
        .route("/api/workspaces/{ws}/resources/{res}/access", get(resource_access))
        .route("/api/workspaces/{ws}/preview", post(preview))
}

/// What a member can do, and why: abilities, toggle-governed actions, and
/// a page of the resources the asker may see (by id). The member itself,
/// or an Owner or Administrator who is not a partner analyst, may ask.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/members/{account}/access",
    params(WsAccountPath, PageQuery),
    responses((status = 200, description = "Done.", body = MemberAccessPage))
)]
pub async fn member_access(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsAccountPath { ws, account }): Path<WsAccountPath>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<MemberAccessPage>> {
    let mut r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    // Refused before any page is read.
    r.facts().effective_access(user.id, ws, account, &[], r.now).map_err(AppError::Denied)?;
    let (rows, next) =
        visible_page(&mut r, user.id, ws, None, "", q.after.as_deref(), q.limit).await?;
    let ids: Vec<Id> = rows.iter().map(|(id, _)| *id).collect();
    let access = r.facts().effective_access(user.id, ws, account, &ids, r.now);
    let access = access.map_err(AppError::Denied)?;
    let names = rows.into_iter().map(|(id, name)| Named { id, name }).collect();
    Ok(Json(MemberAccessPage { access, names, next, now: r.now }))
}

/// Who can view, edit and delete a resource: by role, by group, the
/// partner analysts, with counts and why the others cannot. Owners and
/// Administrators who may see the resource.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/resources/{res}/access",
    params(WsResourcePath),
    responses((status = 200, description = "Done.", body = ResourceAccessInfo))
)]
pub async fn resource_access(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsResourcePath { ws, res }): Path<WsResourcePath>,
) -> ApiResult<Json<ResourceAccessInfo>> {
    let mut r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    let who = r.facts().who_can(user.id, ws, res, r.now).map_err(AppError::Denied)?;
    let audiences = [&who.view, &who.edit, &who.delete];
    let groups: BTreeSet<Id> = audiences.iter().flat_map(|a| a.groups.iter().copied()).collect();
    let people: BTreeSet<Id> = audiences.iter().flat_map(|a| a.analysts.iter().copied()).collect();
    let now = r.now;
    drop(r.facts);
    let groups = named(&mut r.tx, "groups", &groups).await?;
    let people = persons(&mut r.tx, &people).await?;
    Ok(Json(ResourceAccessInfo { who, groups, people, now }))
}

/// The dry run of an access change: who would gain and lose which
/// abilities, toggles and resources in this workspace if the signed-in
/// user made it (refused as the change itself would be). Resources are
/// named only where the user may see them; nothing is written.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/preview",
    params(WsPath),
    request_body = Action,
    responses((status = 200, description = "Done.", body = PreviewAnswer))
)]
pub async fn preview(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(action): Body<Action>,
) -> ApiResult<Json<PreviewAnswer>> {
    let mut r = read(&st, &user, ws, &action).await?;
    let mut preview = r.facts().preview(user.id, &action, r.now).map_err(AppError::Denied)?;
    preview.workspaces.retain(|w| w.workspace == ws);
    let (resources, groups, people) = mentioned(&preview);
    let now = r.now;
    drop(r.facts);
    Ok(Json(PreviewAnswer {
        preview,
        resources: named(&mut r.tx, "resources", &resources).await?,
        groups: named(&mut r.tx, "groups", &groups).await?,
        people: persons(&mut r.tx, &people).await?,
        now,
    }))
}

/// The resources, groups and people a preview names.
fn mentioned(p: &Preview) -> (BTreeSet<Id>, BTreeSet<Id>, BTreeSet<Id>) {
    let (mut resources, mut groups, mut people) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for line in p.workspaces.iter().flat_map(|w| &w.changes) {
        if let People::Members { accounts } = &line.people {
            people.extend(accounts.iter().copied());
        }
        for set in line.gains.resources.iter().chain(&line.losses.resources) {
            resources.extend(set.resources.iter().copied());
            groups.extend(set.groups.iter().copied());
        }
    }
    (resources, groups, people)
}

async fn named(
    tx: &mut crate::db::Tx,
    table: &str,
    ids: &BTreeSet<Id>,
) -> Result<Vec<Named>, AppError> {
    let ids: Vec<Id> = ids.iter().copied().collect();
    let mut names = names_by_id(tx, table, "name", &ids).await?;
    Ok(ids
        .into_iter()
        .map(|id| Named { id, name: names.remove(&id).unwrap_or_default() })
        .collect())
}

async fn persons(tx: &mut crate::db::Tx, ids: &BTreeSet<Id>) -> Result<Vec<Person>, AppError> {
    let ids: Vec<Id> = ids.iter().copied().collect();
    let mut names = names_by_id(tx, "accounts", "name", &ids).await?;
    let mut emails = names_by_id(tx, "accounts", "email", &ids).await?;
    Ok(ids
        .into_iter()
        .map(|id| Person {
            id,
            name: names.remove(&id).unwrap_or_default(),
            email: emails.remove(&id).unwrap_or_default(),
        })
        .collect())
}
