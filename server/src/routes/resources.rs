//! Resources of every kind, their groups, and the manual-run plan.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use policy::{Action, Id, ResourceKind, RunPlan};
use serde_json::json;

use super::workspaces::{Created, check_title};
use super::{DONE, Done, read};
use crate::auth::CurrentUser;
use crate::body::Body;
use crate::changes::Key;
use crate::db::col;
use crate::error::{ApiResult, AppError};
use crate::load::enum_text;
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{NewResource, PageQuery, Rename, ResourcePage, ResourceRow, SetGroups};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/resources", get(list).post(create))
        .route("/api/workspaces/{ws}/resources/{res}", axum::routing::patch(rename).delete(remove))
        .route("/api/workspaces/{ws}/resources/{res}/groups", put(set_groups))
        .route("/api/workspaces/{ws}/resources/{res}/run", post(run))
}

/// The resources the signed-in user may view, by id, paged. Rows are read
/// in batches after the cursor and kept when the policy lets the viewer
/// view them, until the page is full.
#[utoipa::path(get, path = "/api/workspaces/{ws}/resources", params(PageQuery), responses((status = 200, body = ResourcePage), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<ResourcePage>> {
    let mut r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    let limit = usize::try_from(page::limit(q.limit)).unwrap_or(50);
    let mut after: i64 = page::after(q.after.as_deref())?.unwrap_or(0);
    let mut rows = Vec::with_capacity(limit);
    let mut next = None;
    'pages: loop {
        let batch = sqlx::query(
            "SELECT id, name FROM resources WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(ws)
        .bind(after)
        .bind(i64::try_from(limit * 2).unwrap_or(100))
        .fetch_all(&mut *r.tx)
        .await?;
        let done = batch.len() < limit * 2;
        for row in &batch {
            let id: Id = col(row, "id")?;
            after = id;
            let view = Action::ViewResource { workspace: ws, resource: id };
            if !r.facts().decide(user.id, &view).is_allowed() {
                continue;
            }
            if let Some(row) = resource_row(&r, ws, id, col(row, "name")?) {
                rows.push(row);
            }
            if rows.len() == limit {
                next = Some(page::cursor(&id));
                break 'pages;
            }
        }
        if done {
            break;
        }
    }
    Ok(Json(ResourcePage { resources: rows, next }))
}

/// A resource as the list shows it (a flow with its integration's groups).
fn resource_row(r: &super::Read, ws: Id, id: Id, name: String) -> Option<ResourceRow> {
    let view = r.facts().workspace(ws)?;
    let res = view.resource(id)?;
    let inherited = res.kind == ResourceKind::Flow;
    let groups = if inherited {
        res.integration.and_then(|i| view.resource(i)).map(|i| i.groups.clone()).unwrap_or_default()
    } else {
        res.groups.clone()
    };
    Some(ResourceRow {
        id,
        kind: res.kind,
        name,
        groups,
        inherited,
        integration: res.integration,
        components: res.components.clone(),
    })
}

/// Create a resource; it starts in the default group.
#[utoipa::path(post, path = "/api/workspaces/{ws}/resources", request_body = NewResource, responses((status = 200, body = Created), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Body(req): Body<NewResource>,
) -> ApiResult<Json<Created>> {
    let name = check_title("name", &req.name)?;
    let action =
        Action::CreateResource { workspace: ws, kind: req.kind, integration: req.integration };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let (default_group, components_ok) = {
        let view =
            w.facts().workspace(ws).ok_or(AppError::NotFound("That workspace does not exist."))?;
        (
            view.data().groups.iter().find(|g| g.is_default).map(|g| g.id),
            req.components.iter().all(|&c| view.resource(c).is_some_and(|r| r.kind.is_job())),
        )
    };
    let integration = if req.kind == ResourceKind::Flow { req.integration } else { None };
    if req.kind == ResourceKind::Flow && !components_ok {
        return Err(AppError::invalid(
            "components",
            "A flow's components must be Data Jobs or File Jobs of this workspace.",
        ));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO resources (workspace_id, kind, name, integration_id) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(ws)
        .bind(enum_text(&req.kind))
        .bind(&name)
        .bind(integration)
        .fetch_one(&mut *w.tx)
        .await?;
    if req.kind.grouping() == policy::Grouping::Own
        && let Some(default) = default_group
    {
        sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
            .bind(id)
            .bind(default)
            .execute(&mut *w.tx)
            .await?;
    }
    if req.kind == ResourceKind::Flow {
        for (pos, &c) in (0i64..).zip(&req.components) {
            sqlx::query(
                "INSERT INTO flow_components (flow_id, job_id, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(c)
            .bind(pos)
            .execute(&mut *w.tx)
            .await?;
        }
    }
    w.changed(Key::Resource(id));
    w.audit(Audit::workspace(
        ws,
        AuditKind::ResourceCreate,
        &name,
        json!(null),
        json!({"kind": req.kind, "name": name}),
    ));
    w.commit().await?;
    Ok(Json(Created { id }))
}

/// Edit a resource (its name).
#[utoipa::path(patch, path = "/api/workspaces/{ws}/resources/{res}", request_body = Rename, responses((status = 200, body = Done), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn rename(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
    Body(req): Body<Rename>,
) -> ApiResult<Json<Done>> {
    let name = check_title("name", &req.name)?;
    let action = Action::EditResource { workspace: ws, resource: res };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    sqlx::query("UPDATE resources SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(res)
        .execute(&mut *w.tx)
        .await?;
    // A name is no fact of the policy's: no version change.
    w.audit(Audit::workspace(
        ws,
        AuditKind::ResourceEdit,
        &name,
        json!(null),
        json!({"name": name}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Delete a resource (an integration takes its flows with it).
#[utoipa::path(delete, path = "/api/workspaces/{ws}/resources/{res}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let action = Action::DeleteResource { workspace: ws, resource: res };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    sqlx::query("DELETE FROM resources WHERE id = $1").bind(res).execute(&mut *w.tx).await?;
    // Its flows and flow components go with it, in the database and the facts.
    w.changed(Key::Resource(res));
    w.audit(Audit::workspace(
        ws,
        AuditKind::ResourceDelete,
        res.to_string(),
        json!({"resource": res}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Set which groups may manage a resource (Owner and Admins).
#[utoipa::path(put, path = "/api/workspaces/{ws}/resources/{res}/groups", request_body = SetGroups, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn set_groups(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
    Body(req): Body<SetGroups>,
) -> ApiResult<Json<Done>> {
    let action =
        Action::SetResourceGroups { workspace: ws, resource: res, groups: req.groups.clone() };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let before = w.facts().workspace(ws).and_then(|v| v.resource(res)).map(|r| r.groups.clone());
    sqlx::query("DELETE FROM resource_groups WHERE resource_id = $1")
        .bind(res)
        .execute(&mut *w.tx)
        .await?;
    let mut groups = req.groups.clone();
    groups.sort_unstable();
    groups.dedup();
    for g in &groups {
        sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
            .bind(res)
            .bind(g)
            .execute(&mut *w.tx)
            .await?;
    }
    w.changed(Key::Resource(res));
    w.audit(Audit::workspace(
        ws,
        AuditKind::ResourceGroups,
        res.to_string(),
        json!(before),
        json!(groups),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Run a flow manually: the plan says which identity each job runs as.
#[utoipa::path(post, path = "/api/workspaces/{ws}/resources/{res}/run", responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn run(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
) -> ApiResult<Json<RunPlan>> {
    let action = Action::RunFlow { workspace: ws, flow: res };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let plan = w.facts().run_plan(user.id, ws, res).map_err(AppError::Denied)?;
    w.audit(Audit::workspace(
        ws,
        AuditKind::FlowRun,
        res.to_string(),
        json!(null),
        serde_json::to_value(&plan).unwrap_or_default(),
    ));
    w.commit().await?;
    Ok(Json(plan))
}
