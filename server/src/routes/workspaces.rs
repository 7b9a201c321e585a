//! Workspaces: create, the snapshot (facts + display names), Data Studio,
//! transfer ownership, delete, the audit log.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use policy::{Action, Facts, Id, Role, RoleToggles};
use serde_json::json;

use super::paths::{CompanyPath, WsPath};
use super::{DONE, Done, read};
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::db::{Tx, col};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::{Path, Query};
use crate::load::{enum_text, parse_enum};
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{
    AuditEntry, AuditFilter, AuditPage, Created, GroupInfo, NewWorkspace, Person, Transfer,
    UpdateWorkspace, WorkspaceBase, WorkspaceInfo,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/companies/{company}/workspaces", post(create))
        .route("/api/workspaces/{ws}", get(base).patch(update).delete(remove))
        .route("/api/workspaces/{ws}/decide", post(decide))
        .route("/api/workspaces/{ws}/transfer", post(transfer))
        .route("/api/workspaces/{ws}/audit", get(audit_log))
}

/// Checks a workspace or resource name: 1 to 100 characters.
pub fn check_title(field: &str, name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(field, "Names need 1 to 100 characters."));
    }
    Ok(name.to_owned())
}

/// Creates a workspace with its default group and default toggles; the
/// creator is its Owner. Used by the API and the demo seed.
pub async fn create_workspace(
    tx: &mut Tx,
    company: Id,
    owner: Id,
    name: &str,
    data_studio: bool,
    now: i64,
) -> Result<Id, AppError> {
    let defaults = RoleToggles::defaults();
    let row = sqlx::query(
        "INSERT INTO workspaces (company_id, name, data_studio, toggles_admin, toggles_developer, toggles_version, owner_id) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .bind(i64::from(data_studio))
    .bind(serde_json::to_string(&defaults.admin).unwrap_or_default())
    .bind(serde_json::to_string(&defaults.developer).unwrap_or_default())
    .bind(owner)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    insert_member(tx, id, owner, Role::Owner, None, now).await?;
    sqlx::query("INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, 'default', 'default', 'Every member of the workspace.', 1)")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// Adds an Active member (its sort key is the account's name, lowercased).
pub async fn insert_member(
    tx: &mut Tx,
    ws: Id,
    account: Id,
    role: Role,
    partner: Option<Id>,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO members (workspace_id, account_id, role, partner_company_id, joined_at, name_key) \
         VALUES ($1, $2, $3, $4, $5, (SELECT lower(name) FROM accounts WHERE id = $2))",
    )
    .bind(ws)
    .bind(account)
    .bind(enum_text(&role))
    .bind(partner)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Create a workspace in a company (company admins); the creator is Owner.
#[utoipa::path(
    post,
    path = "/api/companies/{company}/workspaces",
    params(CompanyPath),
    request_body = NewWorkspace,
    responses((status = 200, description = "OK", body = Created))
)]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company }): Path<CompanyPath>,
    Body(req): Body<NewWorkspace>,
) -> ApiResult<Json<Created>> {
    let name = check_title("name", &req.name)?;
    let mut w = Write::begin(
        &st,
        &user,
        Scope::Companies(vec![company]),
        &Action::CreateWorkspace { company },
    )
    .await?;
    let id = create_workspace(&mut w.tx, company, user.id, &name, req.data_studio, w.now).await?;
    w.audit(Audit {
        company: Some(company),
        ..Audit::workspace(
            id,
            AuditKind::WorkspaceCreate,
            &name,
            json!(null),
            json!({"name": name, "data_studio": req.data_studio}),
        )
    });
    w.commit().await?;
    Ok(Json(Created { id }))
}

/// Opening a workspace: the signed-in user's base slice (the policy
/// decides what it holds) and names for display. Bounded whatever the
/// workspace's size: members, invitations and resources come in pages.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}",
    params(WsPath),
    responses((status = 200, description = "OK", body = WorkspaceBase))
)]
pub async fn base(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
) -> ApiResult<Json<WorkspaceBase>> {
    let mut r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    let slice = r.facts().base_slice(user.id, ws, r.now).map_err(AppError::Denied)?;
    drop(r.facts);
    let tx = &mut r.tx;
    let w = sqlx::query("SELECT w.id, w.name, w.company_id, c.name AS company_name, w.data_studio, w.version FROM workspaces w JOIN companies c ON c.id = w.company_id WHERE w.id = $1")
        .bind(ws)
        .fetch_one(&mut **tx)
        .await?;
    // The base holds every group of the workspace: their descriptions in
    // one query bound by the workspace (no list of a thousand ids).
    let rows = sqlx::query("SELECT id, description FROM groups WHERE workspace_id = $1")
        .bind(ws)
        .fetch_all(&mut **tx)
        .await?;
    let mut descriptions = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        descriptions.insert(col::<Id>(row, "id")?, col::<String>(row, "description")?);
    }
    let groups = slice
        .workspaces
        .iter()
        .flat_map(|w| &w.groups)
        .map(|g| GroupInfo {
            id: g.id,
            description: descriptions.remove(&g.id).unwrap_or_default(),
        })
        .collect();
    let people = people(tx, &slice.accounts).await?;
    Ok(Json(WorkspaceBase {
        workspace: WorkspaceInfo {
            id: ws,
            name: col(&w, "name")?,
            company: col(&w, "company_id")?,
            company_name: col(&w, "company_name")?,
            data_studio: col::<i64>(&w, "data_studio")? != 0,
        },
        slice,
        now: r.now,
        groups,
        people,
        // The version read in this snapshot (the facts may be newer).
        version: col(&w, "version")?,
    }))
}

/// `id -> column` of `table` for `ids`, in one query (none for no ids).
pub async fn names_by_id(
    tx: &mut Tx,
    table: &str,
    column: &str,
    ids: &[Id],
) -> Result<std::collections::HashMap<Id, String>, AppError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let sql = format!(
        "SELECT id, {column} AS v FROM {table} WHERE id IN ({})",
        crate::db::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut **tx).await?.iter().map(|r| Ok((col(r, "id")?, col(r, "v")?))).collect()
}

/// The slice's accounts with their names, in one query.
pub async fn people(tx: &mut Tx, accounts: &[policy::Account]) -> Result<Vec<Person>, AppError> {
    let ids: Vec<Id> = accounts.iter().map(|a| a.id).collect();
    let mut names = names_by_id(tx, "accounts", "name", &ids).await?;
    Ok(accounts
        .iter()
        .map(|a| Person {
            id: a.id,
            name: names.remove(&a.id).unwrap_or_default(),
            email: a.email.clone(),
        })
        .collect())
}

/// The server's decision on `action` for the signed-in user, on the whole
/// facts: what a slice answers `incomplete_facts` about (an email not yet a
/// member, a group name not taken) without writing anything.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/decide",
    params(WsPath),
    request_body = Action,
    responses((status = 200, description = "OK", body = policy::DecisionWire))
)]
pub async fn decide(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(action): Body<Action>,
) -> ApiResult<Json<policy::DecisionWire>> {
    if action.workspace() != Some(ws) {
        return Err(AppError::invalid("workspace", "The action must be about this workspace."));
    }
    let r = read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    Ok(Json(policy::DecisionWire::from(&r.facts().decide(user.id, &action, r.now))))
}

/// Turn Data Studio on or off (Owner and Admins).
#[utoipa::path(
    patch,
    path = "/api/workspaces/{ws}",
    params(WsPath),
    request_body = UpdateWorkspace,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn update(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(req): Body<UpdateWorkspace>,
) -> ApiResult<Json<Done>> {
    let mut w =
        Write::begin(&st, &user, Scope::Workspace(ws), &Action::SetDataStudio { workspace: ws })
            .await?;
    let before = w.facts().workspace(ws).map(|w| w.data().data_studio);
    sqlx::query("UPDATE workspaces SET data_studio = $1 WHERE id = $2")
        .bind(i64::from(req.data_studio))
        .bind(ws)
        .execute(&mut *w.tx)
        .await?;
    w.changed(Key::Workspace);
    w.audit(Audit::workspace(
        ws,
        AuditKind::WorkspaceDataStudio,
        "Data Studio",
        json!(before),
        json!(req.data_studio),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Delete the workspace (Owner).
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}",
    params(WsPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
) -> ApiResult<Json<Done>> {
    // Grants naming the workspace change too: a company-level write.
    let company: Id = match sqlx::query("SELECT company_id FROM workspaces WHERE id = $1")
        .bind(ws)
        .fetch_optional(&st.db.pool)
        .await?
    {
        Some(r) => col(&r, "company_id")?,
        None => 0,
    };
    let mut w = Write::lock(&st, user.id, Scope::Companies(vec![company])).await?;
    // Company facts hold workspaces as stubs; the Owner rule reads members.
    let action = Action::DeleteWorkspace { workspace: ws };
    let refusal = match w.workspace_facts(ws).await? {
        Some(f) => super::deny(&f.facts, user.id, &action, w.now),
        None => super::deny(&Facts::default(), user.id, &action, w.now),
    };
    if let Some(e) = refusal {
        return Err(e);
    }
    let grants: Vec<(Id, Id, Id)> = w
        .facts()
        .grants()
        .iter()
        .filter(|g| g.workspaces.contains(&ws))
        .map(|g| (g.id, g.client, g.partner))
        .collect();
    sqlx::query("DELETE FROM workspaces WHERE id = $1").bind(ws).execute(&mut *w.tx).await?;
    for (grant, client, partner) in grants {
        w.changed_grant(grant, client, partner);
    }
    w.deleted_workspace(ws);
    w.audit(Audit::company(
        company,
        AuditKind::WorkspaceDelete,
        ws.to_string(),
        json!({"workspace": ws}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Transfer ownership to an Active Admin; the old owner becomes Admin.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/transfer",
    params(WsPath),
    request_body = Transfer,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn transfer(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(req): Body<Transfer>,
) -> ApiResult<Json<Done>> {
    let mut w = Write::begin(
        &st,
        &user,
        Scope::Workspace(ws),
        &Action::TransferOwnership { workspace: ws, target: req.target },
    )
    .await?;
    // Demote first: at most one Owner row at any moment; the owner
    // reference is checked at commit, so exactly one in the end.
    for (account, role) in [(user.id, Role::Admin), (req.target, Role::Owner)] {
        sqlx::query("UPDATE members SET role = $1 WHERE workspace_id = $2 AND account_id = $3")
            .bind(enum_text(&role))
            .bind(ws)
            .bind(account)
            .execute(&mut *w.tx)
            .await?;
        w.changed(Key::Member(account));
    }
    sqlx::query("UPDATE workspaces SET owner_id = $1 WHERE id = $2")
        .bind(req.target)
        .bind(ws)
        .execute(&mut *w.tx)
        .await?;
    w.audit(Audit::workspace(
        ws,
        AuditKind::OwnershipTransfer,
        req.target.to_string(),
        json!({"owner": user.id}),
        json!({"owner": req.target}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// The audit log of a workspace (Owner and Admins), newest first, paged;
/// every filter applies before the page is cut.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/audit",
    params(WsPath, AuditFilter),
    responses((status = 200, description = "OK", body = AuditPage))
)]
pub async fn audit_log(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<AuditPage>> {
    let mut r = read(&st, &user, ws, &Action::ViewAudit { workspace: ws }).await?;
    drop(r.facts);
    audit_page(&mut r.tx, "e.workspace_id = $1", ws, f).await.map(Json)
}

/// A page of audit entries matching `scope` (SQL over `audit e` with `$1`
/// the scope's id), newest first; every filter in the query before the
/// page is cut.
pub async fn audit_page(
    tx: &mut Tx,
    scope: &str,
    id: Id,
    f: AuditFilter,
) -> Result<AuditPage, AppError> {
    let before: i64 = page::after(f.after.as_deref())?.unwrap_or(i64::MAX);
    let limit = page::limit(f.limit);
    let kind = f.kind.unwrap_or_default();
    let rows = sqlx::query(&format!(
        "SELECT e.id, e.actor_id, CASE WHEN e.actor_id = 0 THEN 'System' ELSE COALESCE(a.name, '') END AS actor_name, e.at, e.kind, e.subject, e.before, e.after \
         FROM audit e LEFT JOIN accounts a ON a.id = e.actor_id WHERE {scope} AND e.id < $2 \
         AND ($3 = 0 OR e.actor_id = $4) AND e.at >= $5 AND e.at < $6 \
         AND substr(e.kind, 1, length($7)) = $7 ORDER BY e.id DESC LIMIT $8"
    ))
    .bind(id)
    .bind(before)
    .bind(i64::from(f.actor.is_some()))
    .bind(f.actor.unwrap_or(0))
    .bind(f.from.unwrap_or(i64::MIN))
    .bind(f.to.unwrap_or(i64::MAX))
    .bind(kind)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let entries = rows
        .iter()
        .map(|r| {
            Ok(AuditEntry {
                id: col(r, "id")?,
                actor: col(r, "actor_id")?,
                actor_name: col(r, "actor_name")?,
                at: col(r, "at")?,
                kind: parse_enum(&col::<String>(r, "kind")?)?,
                subject: col(r, "subject")?,
                before: raw_json(col::<String>(r, "before")?),
                after: raw_json(col::<String>(r, "after")?),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let next = (i64::try_from(entries.len()).ok() == Some(limit))
        .then(|| entries.last().map(|e| page::cursor(&e.id)))
        .flatten();
    Ok(AuditPage { entries, next })
}

/// A member's role as stored.
pub fn role_of(text: &str) -> Result<Role, AppError> {
    parse_enum(text)
}

/// Stored audit JSON passed through as is (`null` if it is not valid JSON).
pub fn raw_json(text: String) -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string(text).unwrap_or_else(|_| {
        serde_json::value::RawValue::from_string("null".to_owned()).unwrap_or_default()
    })
}
