//! Resources of every kind, their groups, and the manual-run plan.

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use policy::{Action, FlowRule, Id, Reason, ResourceKind, ResourceVisibility};
use serde_json::json;

use super::paths::{WsPath, WsResourcePath};
use super::workspaces::{Created, check_title};
use super::{DONE, Done, read};
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::db::col;
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::{Path, Query};
use crate::load::enum_text;
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{
    Named, NewResource, Rename, ResourcePage, ResourceQuery, ResourceRow, SetGroups,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/resources", get(list).post(create))
        .route("/api/workspaces/{ws}/resources/{res}", axum::routing::patch(rename).delete(remove))
        .route("/api/workspaces/{ws}/resources/{res}/groups", put(set_groups))
        .route("/api/workspaces/{ws}/resources/{res}/run", post(run))
}

/// What the policy says a viewer sees of resources, compiled into SQL over
/// `resources r` — exactly that, no second copy of a rule: the kinds it
/// sees outright, the kinds it sees through their own groups, flows
/// through their integration. The binds follow `$first` on.
fn visibility_sql(v: &ResourceVisibility, first: usize) -> (String, Vec<Bind>) {
    let mut binds = Vec::new();
    let list = |items: Vec<Bind>, binds: &mut Vec<Bind>| {
        let start = first + binds.len();
        let n = items.len();
        binds.extend(items);
        crate::db::placeholders(start, n)
    };
    let kinds = |ks: &[ResourceKind]| ks.iter().map(|k| Bind::Text(enum_text(k))).collect();
    let groups: Vec<Bind> = v.groups.iter().map(|&g| Bind::Int(g)).collect();
    let mut any = Vec::new();
    if !v.kinds.is_empty() {
        any.push(format!("r.kind IN ({})", list(kinds(&v.kinds), &mut binds)));
    }
    if !v.grouped.is_empty() && !groups.is_empty() {
        let k = list(kinds(&v.grouped), &mut binds);
        let g = list(groups.clone(), &mut binds);
        any.push(format!(
            "(r.kind IN ({k}) AND EXISTS (SELECT 1 FROM resource_groups rg \
             WHERE rg.resource_id = r.id AND rg.group_id IN ({g})))"
        ));
    }
    let integration =
        "SELECT 1 FROM resources i WHERE i.id = r.integration_id AND i.kind = 'integration'";
    match v.flows {
        Some(FlowRule::WithIntegration) => {
            any.push(format!("(r.kind = 'flow' AND EXISTS ({integration}))"));
        }
        Some(FlowRule::IntegrationInGroups) if !groups.is_empty() => {
            let g = list(groups, &mut binds);
            any.push(format!(
                "(r.kind = 'flow' AND EXISTS ({integration} AND EXISTS (SELECT 1 FROM resource_groups rg \
                 WHERE rg.resource_id = i.id AND rg.group_id IN ({g}))))"
            ));
        }
        _ => {}
    }
    let sql = if any.is_empty() { "1 = 0".to_owned() } else { format!("({})", any.join(" OR ")) };
    (sql, binds)
}

/// A value bound into a built query.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

/// The resources the signed-in user may view (of one kind, matching a
/// name, or all), by id, paged: the policy's visibility is compiled into
/// the page query, so every filter applies before the page is cut. With
/// the slice their controls and run plans decide on.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/resources",
    params(WsPath, ResourceQuery),
    responses((status = 200, description = "OK", body = ResourcePage))
)]
pub async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Query(q): Query<ResourceQuery>,
) -> ApiResult<Json<ResourcePage>> {
    let mut r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    let (found, next) =
        visible_page(&mut r, user.id, ws, q.kind, &q.q, q.after.as_deref(), q.limit).await?;
    let ids: Vec<Id> = found.iter().map(|(id, _)| *id).collect();
    let mut names: std::collections::HashMap<Id, String> = found.into_iter().collect();
    let slice = r.facts().resources_slice(user.id, ws, &ids, r.now).map_err(AppError::Denied)?;
    let held: Vec<&policy::Resource> = slice.workspaces.iter().flat_map(|w| &w.resources).collect();
    let rows: Vec<ResourceRow> = ids
        .iter()
        .filter_map(|id| held.iter().find(|x| x.id == *id))
        .map(|res| row_of(&held, res, names.remove(&res.id).unwrap_or_default()))
        .collect();
    let others: Vec<Id> =
        held.iter().map(|x| x.id).filter(|id| !rows.iter().any(|row| row.id == *id)).collect();
    let version = r.facts.version;
    drop(r.facts);
    let names = super::workspaces::names_by_id(&mut r.tx, "resources", "name", &others)
        .await?
        .into_iter()
        .map(|(id, name)| Named { id, name })
        .collect();
    Ok(Json(ResourcePage { resources: rows, next, slice, names, now: r.now, version }))
}

/// A page of the resources `viewer` may view in `ws` (of one kind,
/// matching a name, or all), by id: (id, name) and the next page's cursor.
/// The policy's visibility is compiled into the page query, so every filter
/// applies before the page is cut.
pub(super) async fn visible_page(
    r: &mut super::Read,
    viewer: Id,
    ws: Id,
    kind: Option<ResourceKind>,
    name: &str,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<(Vec<(Id, String)>, Option<String>), AppError> {
    let limit = page::limit(limit);
    let after: i64 = page::after(after)?.unwrap_or(0);
    let visibility = r.facts().resource_visibility(viewer, ws, r.now);
    let (seen, binds) = visibility_sql(&visibility, 6);
    let sql = format!(
        "SELECT r.id, r.name FROM resources r WHERE r.workspace_id = $1 AND r.id > $2 \
         AND ($3 = '' OR r.kind = $3) AND lower(r.name) LIKE $4 ESCAPE '\\' AND {seen} \
         ORDER BY r.id LIMIT $5"
    );
    let mut query = sqlx::query(&sql)
        .bind(ws)
        .bind(after)
        .bind(kind.map(|k| enum_text(&k)).unwrap_or_default())
        .bind(page::contains_pattern(name))
        .bind(limit);
    for b in binds {
        query = match b {
            Bind::Int(i) => query.bind(i),
            Bind::Text(t) => query.bind(t),
        };
    }
    let found = query.fetch_all(&mut *r.tx).await?;
    let rows: Vec<(Id, String)> = found
        .iter()
        .map(|row| Ok((col(row, "id")?, col(row, "name")?)))
        .collect::<Result<_, AppError>>()?;
    let next = (i64::try_from(rows.len()).ok() == Some(limit))
        .then(|| rows.last().map(|(id, _)| page::cursor(id)))
        .flatten();
    Ok((rows, next))
}

/// A resource as the list shows it (a flow with its integration's groups).
fn row_of(held: &[&policy::Resource], res: &policy::Resource, name: String) -> ResourceRow {
    let inherited = res.kind == ResourceKind::Flow;
    let groups = if inherited {
        res.integration
            .and_then(|i| held.iter().find(|x| x.id == i))
            .map(|i| i.groups.clone())
            .unwrap_or_default()
    } else {
        res.groups.clone()
    };
    ResourceRow {
        id: res.id,
        kind: res.kind,
        name,
        groups,
        inherited,
        integration: res.integration,
        components: res.components.clone(),
    }
}

/// Create a resource; it starts in the default group.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/resources",
    params(WsPath),
    request_body = NewResource,
    responses((status = 200, description = "OK", body = Created))
)]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(req): Body<NewResource>,
) -> ApiResult<Json<Created>> {
    let name = check_title("name", &req.name)?;
    let action =
        Action::CreateResource { workspace: ws, kind: req.kind, integration: req.integration };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let (default_group, components_ok) = {
        let view = w.facts().workspace(ws).ok_or(AppError::policy(Reason::UnknownWorkspace))?;
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
#[utoipa::path(
    patch,
    path = "/api/workspaces/{ws}/resources/{res}",
    params(WsResourcePath),
    request_body = Rename,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn rename(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsResourcePath { ws, res }): Path<WsResourcePath>,
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
    // A name is no fact of the policy's, but pages show it: a new version
    // tells clients to revalidate.
    w.changed(Key::Resource(res));
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
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/resources/{res}",
    params(WsResourcePath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsResourcePath { ws, res }): Path<WsResourcePath>,
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
#[utoipa::path(
    put,
    path = "/api/workspaces/{ws}/resources/{res}/groups",
    params(WsResourcePath),
    request_body = SetGroups,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn set_groups(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsResourcePath { ws, res }): Path<WsResourcePath>,
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
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/resources/{res}/run",
    params(WsResourcePath),
    responses((status = 200, description = "OK", body = super::openapi::RunPlan))
)]
pub async fn run(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsResourcePath { ws, res }): Path<WsResourcePath>,
) -> ApiResult<Json<super::openapi::RunPlan>> {
    let action = Action::RunFlow { workspace: ws, flow: res };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let plan = w.facts().run_plan(user.id, ws, res, w.now).map_err(AppError::Denied)?;
    w.audit(Audit::workspace(
        ws,
        AuditKind::FlowRun,
        res.to_string(),
        json!(null),
        serde_json::to_value(&plan).unwrap_or_default(),
    ));
    w.commit().await?;
    Ok(Json(super::openapi::RunPlan::from(&plan)))
}
