//! Resources of every kind, their groups, and the manual-run plan.

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use policy::{Action, Id, ResourceKind, RunPlan};
use serde_json::json;

use super::workspaces::{Created, check_title};
use super::{DONE, Done, change, decide};
use crate::auth::CurrentUser;
use crate::body::Body;
use crate::db::{self, col};
use crate::error::{ApiResult, AppError};
use crate::load::enum_text;
use crate::state::AppState;
pub use policy::api::{NewResource, Rename, ResourceRow, SetGroups};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/resources", get(list).post(create))
        .route("/api/workspaces/{ws}/resources/{res}", axum::routing::patch(rename).delete(remove))
        .route("/api/workspaces/{ws}/resources/{res}/groups", put(set_groups))
        .route("/api/workspaces/{ws}/resources/{res}/run", post(run))
}

/// The resources the signed-in user may view.
#[utoipa::path(get, path = "/api/workspaces/{ws}/resources", responses((status = 200, body = Vec<ResourceRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
) -> ApiResult<Json<Vec<ResourceRow>>> {
    let mut tx = st.db.begin().await?;
    let facts =
        decide(&mut tx, &user, &[ws], &[], &Action::ViewWorkspace { workspace: ws }).await?;
    let names: std::collections::HashMap<i64, String> =
        sqlx::query("SELECT id, name FROM resources WHERE workspace_id = $1")
            .bind(ws)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((col(r, "id")?, col(r, "name")?)))
            .collect::<Result<_, AppError>>()?;
    tx.commit().await?;
    let Some(view) = facts.workspace(ws) else { return Ok(Json(Vec::new())) };
    let rows = view
        .data()
        .resources
        .iter()
        .filter(|r| {
            facts
                .decide(user.id, &Action::ViewResource { workspace: ws, resource: r.id })
                .is_allowed()
        })
        .map(|r| {
            let inherited = r.kind == ResourceKind::Flow;
            let groups = if inherited {
                r.integration
                    .and_then(|i| view.resource(i))
                    .map(|i| i.groups.clone())
                    .unwrap_or_default()
            } else {
                r.groups.clone()
            };
            ResourceRow {
                id: r.id,
                kind: r.kind,
                name: names.get(&r.id).cloned().unwrap_or_default(),
                groups,
                inherited,
                integration: r.integration,
                components: r.components.clone(),
            }
        })
        .collect();
    Ok(Json(rows))
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
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::CreateResource { workspace: ws, kind: req.kind, integration: req.integration },
    )
    .await?;
    let view = facts.workspace(ws).ok_or(AppError::NotFound("That workspace does not exist."))?;
    let integration = if req.kind == ResourceKind::Flow { req.integration } else { None };
    if req.kind == ResourceKind::Flow {
        for &c in &req.components {
            if !view.resource(c).is_some_and(|r| r.kind.is_job()) {
                return Err(AppError::invalid(
                    "components",
                    "A flow's components must be Data Jobs or File Jobs of this workspace.",
                ));
            }
        }
    }
    let r = sqlx::query("INSERT INTO resources (workspace_id, kind, name, integration_id) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(ws)
        .bind(enum_text(&req.kind))
        .bind(&name)
        .bind(integration)
        .fetch_one(&mut *tx)
        .await?;
    let id: i64 = col(&r, "id")?;
    if req.kind.grouping() == policy::Grouping::Own
        && let Some(default) = view.data().groups.iter().find(|g| g.is_default)
    {
        sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
            .bind(id)
            .bind(default.id)
            .execute(&mut *tx)
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
        "resource.create",
        &name,
        json!(null),
        json!({"kind": req.kind, "name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Created { id }))
}

/// Edit a resource (its name).
#[utoipa::path(patch, path = "/api/workspaces/{ws}/resources/{res}", request_body = Rename, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn rename(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
    Body(req): Body<Rename>,
) -> ApiResult<Json<Done>> {
    let name = check_title("name", &req.name)?;
    let (_w, mut tx, _) =
        change(&st, &user, &[ws], &[], &Action::EditResource { workspace: ws, resource: res })
            .await?;
    sqlx::query("UPDATE resources SET name = $1 WHERE id = $2")
        .bind(&name)
        .bind(res)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "resource.edit",
        &name,
        json!(null),
        json!({"name": name}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Delete a resource (an integration takes its flows with it).
#[utoipa::path(delete, path = "/api/workspaces/{ws}/resources/{res}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) =
        change(&st, &user, &[ws], &[], &Action::DeleteResource { workspace: ws, resource: res })
            .await?;
    sqlx::query("DELETE FROM resources WHERE id = $1").bind(res).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "resource.delete",
        &res.to_string(),
        json!({"resource": res}),
        json!(null),
    )
    .await?;
    tx.commit().await?;
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
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::SetResourceGroups { workspace: ws, resource: res, groups: req.groups.clone() },
    )
    .await?;
    let before = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.resources)
        .find(|r| r.id == res)
        .map(|r| r.groups.clone());
    sqlx::query("DELETE FROM resource_groups WHERE resource_id = $1")
        .bind(res)
        .execute(&mut *tx)
        .await?;
    let mut groups = req.groups.clone();
    groups.sort_unstable();
    groups.dedup();
    for g in &groups {
        sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
            .bind(res)
            .bind(g)
            .execute(&mut *tx)
            .await?;
    }
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "resource.groups",
        &res.to_string(),
        json!(before),
        json!(groups),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Run a flow manually: the plan says which identity each job runs as.
#[utoipa::path(post, path = "/api/workspaces/{ws}/resources/{res}/run", responses((status = 200, body = Object), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn run(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, res)): Path<(Id, Id)>,
) -> ApiResult<Json<RunPlan>> {
    let (_w, mut tx, facts) =
        change(&st, &user, &[ws], &[], &Action::RunFlow { workspace: ws, flow: res }).await?;
    let plan = facts.run_plan(user.id, ws, res).map_err(AppError::Denied)?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "flow.run",
        &res.to_string(),
        json!(null),
        serde_json::to_value(&plan).unwrap_or_default(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(plan))
}
