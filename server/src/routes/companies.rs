//! Companies: the directory (paged), the company page, the partner
//! directory, support's capability switches, company members.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use policy::{Action, Facts, Id, Reason, Snapshot};
use serde_json::json;

use super::paths::{CompanyAccountPath, CompanyPath};
use super::{DONE, Done, read_companies};
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::db::{Tx, col, placeholders};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::{Path, Query};
use crate::load;
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{
    Analyst, AuditFilter, AuditPage, Capabilities, CompanyAdmin, CompanyDetail, CompanyPage,
    CompanyPerson, CompanyRow, GrantInfo, Named, NewCompanyMember, PageQuery,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/companies", get(list_companies))
        .route("/api/partners", get(partner_directory))
        .route("/api/companies/{company}", get(company))
        .route("/api/companies/{company}/capabilities", post(capabilities))
        .route("/api/companies/{company}/members", post(add_member))
        .route("/api/companies/{company}/members/{account}", delete(remove_member).patch(set_admin))
        .route("/api/companies/{company}/audit", get(audit_log))
}

/// `id -> name` of `table` for `ids`, in one query.
async fn names(
    tx: &mut Tx,
    table: &str,
    ids: &BTreeSet<Id>,
) -> Result<BTreeMap<Id, String>, AppError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let sql = format!("SELECT id, name FROM {table} WHERE id IN ({})", placeholders(1, ids.len()));
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut **tx).await?.iter().map(|r| Ok((col(r, "id")?, col(r, "name")?))).collect()
}

/// The company page's display data: a fixed number of queries.
async fn detail(tx: &mut Tx, id: Id, snap: Snapshot, now: i64) -> Result<CompanyDetail, AppError> {
    let c =
        sqlx::query("SELECT name, partner_enabled, client_enabled FROM companies WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let members = sqlx::query("SELECT a.id, a.name, a.email, m.admin FROM company_members m JOIN accounts a ON a.id = m.account_id WHERE m.company_id = $1 ORDER BY a.name")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok(CompanyPerson { id: col(r, "id")?, name: col(r, "name")?, email: col(r, "email")?, admin: col::<i64>(r, "admin")? != 0 }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let workspaces =
        sqlx::query("SELECT id, name FROM workspaces WHERE company_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok(Named { id: col(r, "id")?, name: col(r, "name")? }))
            .collect::<Result<Vec<_>, AppError>>()?;
    let grants: Vec<&policy::Grant> =
        snap.grants.iter().filter(|g| g.client == id || g.partner == id).collect();
    let workspace_names = names(
        tx,
        "workspaces",
        &grants.iter().flat_map(|g| g.workspaces.iter().copied()).collect(),
    )
    .await?;
    let company_names =
        names(tx, "companies", &grants.iter().flat_map(|g| [g.client, g.partner]).collect())
            .await?;
    // Every analyst of every grant here, in one query.
    let mut analysts: BTreeMap<(Id, Id), Vec<Analyst>> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT m.workspace_id, m.partner_company_id, w.company_id, a.id, a.name, a.email FROM members m \
         JOIN accounts a ON a.id = m.account_id JOIN workspaces w ON w.id = m.workspace_id \
         WHERE m.partner_company_id IS NOT NULL AND (w.company_id = $1 OR m.partner_company_id = $1) \
         ORDER BY a.name",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    {
        analysts.entry((col(&r, "company_id")?, col(&r, "partner_company_id")?)).or_default().push(
            Analyst {
                workspace: col(&r, "workspace_id")?,
                account: col(&r, "id")?,
                name: col(&r, "name")?,
                email: col(&r, "email")?,
            },
        );
    }
    let named = |names: &BTreeMap<Id, String>, id: Id| Named {
        id,
        name: names.get(&id).cloned().unwrap_or_default(),
    };
    let grants = grants
        .iter()
        .map(|g| GrantInfo {
            id: g.id,
            client: named(&company_names, g.client),
            partner: named(&company_names, g.partner),
            workspaces: g.workspaces.iter().map(|&w| named(&workspace_names, w)).collect(),
            role: g.role,
            sections: g.sections.clone(),
            redeemed: g.redeemed,
            revoked: g.revoked,
            expires_at: g.expires_at,
            analysts: analysts.get(&(g.client, g.partner)).cloned().unwrap_or_default(),
        })
        .collect();
    Ok(CompanyDetail {
        id,
        name: col(&c, "name")?,
        partner_enabled: col::<i64>(&c, "partner_enabled")? != 0,
        client_enabled: col::<i64>(&c, "client_enabled")? != 0,
        members,
        workspaces,
        grants,
        snapshot: snap,
        now,
    })
}

/// The facts a company page is sliced from: the company facts, plus, for a
/// partner, the client workspaces its live grants open with its own
/// people's memberships, and the partner directory (every Partner company's
/// flags). A fixed number of queries; the policy decides what is sent
/// (`Facts::company_slice`).
async fn company_page_facts(tx: &mut Tx, company: Id, facts: Facts) -> Result<Facts, AppError> {
    let mut snap = facts.into_snapshot();
    let clients: BTreeMap<Id, Id> = snap
        .grants
        .iter()
        .filter(|g| g.partner == company && g.is_live())
        .flat_map(|g| g.workspaces.iter().map(move |&w| (w, g.client)))
        .collect();
    if !clients.is_empty() {
        let mut own: BTreeMap<Id, Vec<policy::Member>> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT m.workspace_id, m.account_id, m.role, m.partner_company_id FROM members m \
             WHERE m.account_id IN (SELECT account_id FROM company_members WHERE company_id = $1) \
             AND m.workspace_id IN (SELECT gw.workspace_id FROM grant_workspaces gw \
               JOIN grants g ON g.id = gw.grant_id WHERE g.partner_company_id = $1 AND g.revoked = 0)",
        )
        .bind(company)
        .fetch_all(&mut **tx)
        .await?
        {
            own.entry(col(&r, "workspace_id")?).or_default().push(load::member_row(&r)?);
        }
        for (&ws, &client) in &clients {
            let mut stub = load::stub(ws, client);
            stub.members = own.remove(&ws).unwrap_or_default();
            snap.workspaces.push(stub);
        }
    }
    let rows = sqlx::query(
        "SELECT id, client_enabled FROM companies WHERE partner_enabled <> 0 ORDER BY id",
    )
    .fetch_all(&mut **tx)
    .await?;
    for r in rows {
        let id: Id = col(&r, "id")?;
        if !snap.companies.iter().any(|c| c.id == id) {
            snap.companies.push(policy::Company {
                id,
                partner_enabled: true,
                client_enabled: col::<i64>(&r, "client_enabled")? != 0,
                members: Vec::new(),
            });
        }
    }
    Ok(Facts::new(snap))
}

/// A company: members, workspaces, grants (members and support).
#[utoipa::path(
    get,
    path = "/api/companies/{company}",
    params(CompanyPath),
    responses((status = 200, description = "OK", body = CompanyDetail))
)]
pub async fn company(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company }): Path<CompanyPath>,
) -> ApiResult<Json<CompanyDetail>> {
    let super::CompanyRead { mut tx, facts, now } =
        read_companies(&st, &user, &[company], &Action::ViewCompany { company }).await?;
    let facts = company_page_facts(&mut tx, company, facts).await?;
    let snap = facts.company_slice(user.id, company).map_err(AppError::Denied)?;
    Ok(Json(detail(&mut tx, company, snap, now).await?))
}

/// The partner directory: every company support has enabled as a Partner,
/// so a client's admins can choose whom to grant access (names only).
#[utoipa::path(
    get,
    path = "/api/partners",
    responses((status = 200, description = "OK", body = Vec<Named>))
)]
pub async fn partner_directory(
    State(st): State<AppState>,
    _user: CurrentUser,
) -> ApiResult<Json<Vec<Named>>> {
    let rows =
        sqlx::query("SELECT id, name FROM companies WHERE partner_enabled <> 0 ORDER BY name")
            .fetch_all(&st.db.pool)
            .await?;
    rows.iter()
        .map(|r| Ok(Named { id: col(r, "id")?, name: col(r, "name")? }))
        .collect::<Result<Vec<_>, AppError>>()
        .map(Json)
}

/// The companies the user may see, by name, paged: every company for
/// platform support, otherwise those the user is a member of. The policy
/// decides each row (`view_company`) on facts loaded for the page only.
#[utoipa::path(
    get,
    path = "/api/companies",
    params(PageQuery),
    responses((status = 200, description = "OK", body = CompanyPage))
)]
pub async fn list_companies(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<CompanyPage>> {
    let limit = page::limit(q.limit);
    let (name, id): (String, Id) = page::after(q.after.as_deref())?.unwrap_or_default();
    let mut tx = st.db.begin_read().await?;
    let rows = sqlx::query(
        "SELECT id, name, partner_enabled, client_enabled FROM companies \
         WHERE (name, id) > ($1, $2) AND ($3 <> 0 OR id IN (SELECT company_id FROM company_members WHERE account_id = $4)) \
         ORDER BY name, id LIMIT $5",
    )
    .bind(&name)
    .bind(id)
    .bind(i64::from(user.support))
    .bind(user.id)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<Id> = rows.iter().map(|r| col(r, "id")).collect::<Result<_, _>>()?;
    let facts = Facts::new(load::company_facts(&mut tx, user.id, &ids).await?);
    let now = st.now();
    let companies = rows
        .iter()
        .map(|r| {
            Ok(CompanyRow {
                id: col(r, "id")?,
                name: col(r, "name")?,
                partner_enabled: col::<i64>(r, "partner_enabled")? != 0,
                client_enabled: col::<i64>(r, "client_enabled")? != 0,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let next = (i64::try_from(companies.len()).ok() == Some(limit))
        .then(|| companies.last().map(|c| page::cursor(&(c.name.clone(), c.id))))
        .flatten();
    let companies = companies
        .into_iter()
        .filter(|c| facts.decide(user.id, &Action::ViewCompany { company: c.id }, now).is_allowed())
        .collect();
    Ok(Json(CompanyPage { companies, next }))
}

/// Turn a company's Partner / Client capabilities on or off (support).
#[utoipa::path(
    post,
    path = "/api/companies/{company}/capabilities",
    params(CompanyPath),
    request_body = Capabilities,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn capabilities(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company }): Path<CompanyPath>,
    Body(req): Body<Capabilities>,
) -> ApiResult<Json<Done>> {
    let action = Action::SetCompanyCapabilities { company };
    let mut w = Write::begin(&st, &user, Scope::Companies(vec![company]), &action).await?;
    let before = w
        .facts()
        .company(company)
        .map(|c| json!({"partner": c.data().partner_enabled, "client": c.data().client_enabled}));
    sqlx::query("UPDATE companies SET partner_enabled = $1, client_enabled = $2 WHERE id = $3")
        .bind(i64::from(req.partner_enabled))
        .bind(i64::from(req.client_enabled))
        .bind(company)
        .execute(&mut *w.tx)
        .await?;
    w.changed_company(Key::Company(company));
    w.audit(Audit::company(
        company,
        AuditKind::CompanyCapabilities,
        company.to_string(),
        json!(before),
        json!({"partner": req.partner_enabled, "client": req.client_enabled}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Add an existing account to the company, as member or admin: a verified
/// account, found by its email.
#[utoipa::path(
    post,
    path = "/api/companies/{company}/members",
    params(CompanyPath),
    request_body = NewCompanyMember,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn add_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company }): Path<CompanyPath>,
    Body(req): Body<NewCompanyMember>,
) -> ApiResult<Json<Done>> {
    let email = crate::email::normalize(&req.email)?;
    let gate = Action::AddCompanyMember { company, account: None };
    let mut w = Write::begin(&st, &user, Scope::Companies(vec![company]), &gate).await?;
    let account: i64 = col(
        &sqlx::query("SELECT id FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or_else(|| {
                AppError::denied(
                    Reason::UnknownAccount,
                    "No account has that email; they need to sign up first.",
                )
            })?,
        "id",
    )?;
    w.with_account(account).await?;
    w.decide(&Action::AddCompanyMember { company, account: Some(account) })?;
    sqlx::query("INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, $3)")
        .bind(company)
        .bind(account)
        .bind(i64::from(req.admin))
        .execute(&mut *w.tx)
        .await?;
    w.changed_company(Key::CompanyMember(company, account));
    w.audit(Audit::company(
        company,
        AuditKind::CompanyMemberAdd,
        &email,
        json!(null),
        json!({"admin": req.admin}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Remove someone from the company (never its last admin). They lose every
/// company right at once, and as a partner's analyst every client
/// workspace, on their next request.
#[utoipa::path(
    delete,
    path = "/api/companies/{company}/members/{account}",
    params(CompanyAccountPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyAccountPath { company, account }): Path<CompanyAccountPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::RemoveCompanyMember { company, account };
    let mut w = Write::begin(&st, &user, Scope::Companies(vec![company]), &action).await?;
    let was_admin = w.facts().company(company).is_some_and(|c| c.is_admin(account));
    sqlx::query("DELETE FROM company_members WHERE company_id = $1 AND account_id = $2")
        .bind(company)
        .bind(account)
        .execute(&mut *w.tx)
        .await?;
    w.changed_company(Key::CompanyMember(company, account));
    w.audit(Audit::company(
        company,
        AuditKind::CompanyMemberRemove,
        account.to_string(),
        json!({"member": account, "admin": was_admin}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Make a member an admin, or an admin a member (never the last admin).
#[utoipa::path(
    patch,
    path = "/api/companies/{company}/members/{account}",
    params(CompanyAccountPath),
    request_body = CompanyAdmin,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn set_admin(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyAccountPath { company, account }): Path<CompanyAccountPath>,
    Body(req): Body<CompanyAdmin>,
) -> ApiResult<Json<Done>> {
    let action = Action::SetCompanyAdmin { company, account, admin: req.admin };
    let mut w = Write::begin(&st, &user, Scope::Companies(vec![company]), &action).await?;
    let before = w.facts().company(company).is_some_and(|c| c.is_admin(account));
    sqlx::query("UPDATE company_members SET admin = $1 WHERE company_id = $2 AND account_id = $3")
        .bind(i64::from(req.admin))
        .bind(company)
        .bind(account)
        .execute(&mut *w.tx)
        .await?;
    w.changed_company(Key::CompanyMember(company, account));
    w.audit(Audit::company(
        company,
        AuditKind::CompanyMemberAdmin,
        account.to_string(),
        json!({"admin": before}),
        json!({"admin": req.admin}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// A company's own audit log (its admins): capabilities, members, grants
/// (those it gave and those it received), workspace deletions; newest
/// first, paged, filters applied before the page is cut.
#[utoipa::path(
    get,
    path = "/api/companies/{company}/audit",
    params(CompanyPath, AuditFilter),
    responses((status = 200, description = "OK", body = AuditPage))
)]
pub async fn audit_log(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company }): Path<CompanyPath>,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<AuditPage>> {
    let super::CompanyRead { mut tx, .. } =
        read_companies(&st, &user, &[company], &Action::ViewCompanyAudit { company }).await?;
    super::workspaces::audit_page(
        &mut tx,
        "(e.company_id = $1 OR e.other_company_id = $1)",
        company,
        f,
    )
    .await
    .map(Json)
}
