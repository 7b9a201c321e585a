//! Workspaces: create, the snapshot (facts + display names), Data Studio,
//! transfer ownership, delete, members search, audit log.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use policy::{Action, Id, Role, RoleToggles, Snapshot};
use serde_json::json;

use super::{DONE, Done, change, decide};
use crate::auth::CurrentUser;
use crate::body::Body;
use crate::db::{self, Tx, col};
use crate::error::{ApiResult, AppError};
use crate::load::{enum_text, parse_enum};
use crate::state::AppState;
pub use policy::api::{
    AuditEntry, AuditFilter, Created, GroupInfo, MemberRow, MemberSearch, NamedCompany,
    NewWorkspace, Person, ResourceInfo, Transfer, UpdateWorkspace, WorkspaceInfo,
    WorkspaceSnapshot,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/companies/{company}/workspaces", post(create))
        .route("/api/workspaces/{ws}", get(snapshot).patch(update).delete(remove))
        .route("/api/workspaces/{ws}/transfer", post(transfer))
        .route("/api/workspaces/{ws}/members", get(members))
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
        "INSERT INTO workspaces (company_id, name, data_studio, toggles_admin, toggles_developer, toggles_version) \
         VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .bind(i64::from(data_studio))
    .bind(serde_json::to_string(&defaults.admin).unwrap_or_default())
    .bind(serde_json::to_string(&defaults.developer).unwrap_or_default())
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    sqlx::query("INSERT INTO members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, 'owner', $3)")
        .bind(id)
        .bind(owner)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, 'default', 'default', 'Every member of the workspace.', 1)")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    db::audit(
        tx,
        Some(id),
        Some(company),
        owner,
        now,
        "workspace.create",
        name,
        json!(null),
        json!({"name": name, "data_studio": data_studio}),
    )
    .await?;
    Ok(id)
}

/// Create a workspace in a company (company admins); the creator is Owner.
#[utoipa::path(post, path = "/api/companies/{company}/workspaces", request_body = NewWorkspace,
    responses((status = 200, body = Created), (status = 403, body = crate::error::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(company): Path<Id>,
    Body(req): Body<NewWorkspace>,
) -> ApiResult<Json<Created>> {
    let name = check_title("name", &req.name)?;
    let (_w, mut tx, _) =
        change(&st, &user, &[], &[company], &Action::CreateWorkspace { company }).await?;
    let id = create_workspace(&mut tx, company, user.id, &name, req.data_studio, st.now()).await?;
    tx.commit().await?;
    Ok(Json(Created { id }))
}

/// Analysts only see what their grant opens: without the `users` section
/// the other people are removed from their copy of the facts, and resources
/// of sections not granted are left out. Their own decisions do not change:
/// every action on other people is refused to analysts anyway.
fn redact_for_analyst(facts: policy::Facts, ws: Id, actor: Id) -> Snapshot {
    let abilities = facts.abilities(actor, ws);
    if !abilities.analyst {
        return facts.into_snapshot();
    }
    let users = abilities.users_tab.is_allowed();
    let visible: std::collections::HashSet<Id> = facts
        .snapshot()
        .workspaces
        .iter()
        .filter(|w| w.id == ws)
        .flat_map(|w| w.resources.iter())
        .filter(|r| {
            facts.decide(actor, &Action::ViewResource { workspace: ws, resource: r.id }).reason()
                != Some(policy::Reason::SectionNotGranted)
        })
        .map(|r| r.id)
        .collect();
    let mut snapshot = facts.into_snapshot();
    for w in snapshot.workspaces.iter_mut().filter(|w| w.id == ws) {
        w.resources.retain(|r| visible.contains(&r.id));
        if !users {
            w.members.retain(|m| m.account == actor);
            w.invitations.clear();
            w.requests.clear();
            for g in &mut w.groups {
                g.members.retain(|&m| m == actor);
            }
        }
    }
    let keep: std::collections::HashSet<Id> = snapshot
        .workspaces
        .iter()
        .flat_map(|w| w.members.iter().map(|m| m.account))
        .chain([actor])
        .collect();
    snapshot.accounts.retain(|a| keep.contains(&a.id));
    for c in &mut snapshot.companies {
        c.members.retain(|m| keep.contains(&m.account));
    }
    snapshot
}

/// The workspace as the signed-in user may see it.
#[utoipa::path(get, path = "/api/workspaces/{ws}", responses((status = 200, body = WorkspaceSnapshot), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn snapshot(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
) -> ApiResult<Json<WorkspaceSnapshot>> {
    let mut tx = st.db.begin().await?;
    let facts =
        decide(&mut tx, &user, &[ws], &[], &Action::ViewWorkspace { workspace: ws }).await?;
    let snapshot = redact_for_analyst(facts, ws, user.id);
    let w = sqlx::query("SELECT w.id, w.name, w.company_id, c.name AS company_name, w.data_studio FROM workspaces w JOIN companies c ON c.id = w.company_id WHERE w.id = $1")
        .bind(ws)
        .fetch_one(&mut *tx)
        .await?;
    let ids: Vec<Id> = snapshot.accounts.iter().map(|a| a.id).collect();
    let mut account_names = db::names(&mut tx, "accounts", &ids).await?;
    let people = snapshot
        .accounts
        .iter()
        .map(|a| Person {
            id: a.id,
            name: account_names.remove(&a.id).unwrap_or_default(),
            email: a.email.clone(),
        })
        .collect();
    let groups = sqlx::query("SELECT id, name, description FROM groups WHERE workspace_id = $1 ORDER BY is_default DESC, id")
        .bind(ws)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok(GroupInfo { id: col(r, "id")?, name: col(r, "name")?, description: col(r, "description")? }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let visible: std::collections::HashSet<Id> = snapshot
        .workspaces
        .iter()
        .filter(|x| x.id == ws)
        .flat_map(|x| x.resources.iter().map(|r| r.id))
        .collect();
    let resources =
        sqlx::query("SELECT id, kind, name FROM resources WHERE workspace_id = $1 ORDER BY id")
            .bind(ws)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| {
                Ok(ResourceInfo { id: col(r, "id")?, kind: col(r, "kind")?, name: col(r, "name")? })
            })
            .collect::<Result<Vec<_>, AppError>>()?
            .into_iter()
            .filter(|r| visible.contains(&r.id))
            .collect();
    let ids: Vec<Id> = snapshot.companies.iter().map(|c| c.id).collect();
    let mut company_names = db::names(&mut tx, "companies", &ids).await?;
    let companies = snapshot
        .companies
        .iter()
        .map(|c| NamedCompany { id: c.id, name: company_names.remove(&c.id).unwrap_or_default() })
        .collect();
    tx.commit().await?;
    Ok(Json(WorkspaceSnapshot {
        workspace: WorkspaceInfo {
            id: ws,
            name: col(&w, "name")?,
            company: col(&w, "company_id")?,
            company_name: col(&w, "company_name")?,
            data_studio: col::<i64>(&w, "data_studio")? != 0,
        },
        snapshot,
        people,
        groups,
        resources,
        companies,
        now: st.now(),
    }))
}

/// Turn Data Studio on or off (Owner and Admins).
#[utoipa::path(patch, path = "/api/workspaces/{ws}", request_body = UpdateWorkspace, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Body(req): Body<UpdateWorkspace>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) =
        change(&st, &user, &[ws], &[], &Action::SetDataStudio { workspace: ws }).await?;
    let before = facts.snapshot().workspaces.first().map(|w| w.data_studio);
    sqlx::query("UPDATE workspaces SET data_studio = $1 WHERE id = $2")
        .bind(i64::from(req.data_studio))
        .bind(ws)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "workspace.data_studio",
        "Data Studio",
        json!(before),
        json!(req.data_studio),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Delete the workspace (Owner).
#[utoipa::path(delete, path = "/api/workspaces/{ws}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) =
        change(&st, &user, &[ws], &[], &Action::DeleteWorkspace { workspace: ws }).await?;
    let company = facts.snapshot().workspaces.first().map(|w| w.company);
    sqlx::query("DELETE FROM workspaces WHERE id = $1").bind(ws).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        None,
        company,
        user.id,
        st.now(),
        "workspace.delete",
        &ws.to_string(),
        json!({"workspace": ws}),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Transfer ownership to an Active Admin; the old owner becomes Admin.
#[utoipa::path(post, path = "/api/workspaces/{ws}/transfer", request_body = Transfer, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn transfer(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Body(req): Body<Transfer>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::TransferOwnership { workspace: ws, target: req.target },
    )
    .await?;
    for (account, role) in [(user.id, Role::Admin), (req.target, Role::Owner)] {
        sqlx::query("UPDATE members SET role = $1 WHERE workspace_id = $2 AND account_id = $3")
            .bind(enum_text(&role))
            .bind(ws)
            .bind(account)
            .execute(&mut *tx)
            .await?;
    }
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "ownership.transfer",
        &req.target.to_string(),
        json!({"owner": user.id}),
        json!({"owner": req.target}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// The Users list: members and open invitations, searchable.
#[utoipa::path(get, path = "/api/workspaces/{ws}/members", params(MemberSearch), responses((status = 200, body = Vec<MemberRow>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn members(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Query(search): Query<MemberSearch>,
) -> ApiResult<Json<Vec<MemberRow>>> {
    let mut tx = st.db.begin().await?;
    let facts = decide(&mut tx, &user, &[ws], &[], &Action::ViewUsers { workspace: ws }).await?;
    let needle = search.q.trim().to_lowercase();
    let now = st.now();
    let mut rows = Vec::new();
    for r in sqlx::query(
        "SELECT a.id, a.name, a.email, m.role, p.name AS partner FROM members m JOIN accounts a ON a.id = m.account_id \
         LEFT JOIN companies p ON p.id = m.partner_company_id WHERE m.workspace_id = $1 ORDER BY a.name, a.id",
    )
    .bind(ws)
    .fetch_all(&mut *tx)
    .await?
    {
        rows.push(MemberRow {
            id: col(&r, "id")?,
            name: col(&r, "name")?,
            email: col(&r, "email")?,
            role: col(&r, "role")?,
            status: "active".into(),
            partner: col(&r, "partner")?,
            invitation: None,
        });
    }
    // Open invitations come with the facts already loaded.
    for inv in
        facts.snapshot().workspaces.iter().filter(|w| w.id == ws).flat_map(|w| &w.invitations)
    {
        rows.push(MemberRow {
            id: 0,
            name: String::new(),
            email: inv.email.clone(),
            role: enum_text(&inv.role),
            status: if inv.is_expired(now) { "expired" } else { "waiting" }.into(),
            partner: None,
            invitation: Some(inv.id),
        });
    }
    tx.commit().await?;
    rows.retain(|m| {
        needle.is_empty() || m.name.to_lowercase().contains(&needle) || m.email.contains(&needle)
    });
    Ok(Json(rows))
}

/// The audit log of a workspace (Owner and Admins), newest first.
#[utoipa::path(get, path = "/api/workspaces/{ws}/audit", params(AuditFilter), responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn audit_log(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let mut tx = st.db.begin().await?;
    decide(&mut tx, &user, &[ws], &[], &Action::ViewAudit { workspace: ws }).await?;
    let rows = sqlx::query(
        "SELECT e.id, e.actor_id, COALESCE(a.name, '') AS actor_name, e.at, e.kind, e.subject, e.before, e.after \
         FROM audit e LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.workspace_id = $1 \
         AND ($2 = 0 OR e.actor_id = $3) AND e.at >= $4 AND e.at < $5 ORDER BY e.id DESC LIMIT 500",
    )
    .bind(ws)
    .bind(i64::from(f.actor.is_some()))
    .bind(f.actor.unwrap_or(0))
    .bind(f.from.unwrap_or(i64::MIN))
    .bind(f.to.unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let kind = f.kind.unwrap_or_default();
    rows.iter()
        .filter(|r| col::<String>(r, "kind").is_ok_and(|k| k.starts_with(&kind)))
        .map(|r| {
            Ok(AuditEntry {
                id: col(r, "id")?,
                actor: col(r, "actor_id")?,
                actor_name: col(r, "actor_name")?,
                at: col(r, "at")?,
                kind: col(r, "kind")?,
                subject: col(r, "subject")?,
                before: raw_json(col::<String>(r, "before")?),
                after: raw_json(col::<String>(r, "after")?),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()
        .map(Json)
}

/// A member's role as stored.
pub fn role_of(text: &str) -> Result<Role, AppError> {
    parse_enum(text)
}

/// Stored audit JSON passed through as is (`null` if it is not valid JSON).
fn raw_json(text: String) -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string(text).unwrap_or_else(|_| {
        serde_json::value::RawValue::from_string("null".to_owned()).unwrap_or_default()
    })
}
