//! Companies (support flags, members) and partner grants: create (access
//! key shown once, stored hashed), redeem, analysts, revoke.

use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::people::remove_member_in;
use super::{DONE, Done, change, decide};
use crate::auth::{CurrentUser, random_token, token_hash};
use crate::body::Body;
use crate::db::{self, Tx, col};
use crate::error::{ApiResult, AppError};
use crate::load::{self, enum_text};
use crate::state::AppState;
pub use policy::api::{
    Analyst, Capabilities, CompanyDetail, CompanyPerson, CompanyRow, GrantCreated, GrantInfo,
    Named, NewAnalyst, NewCompanyMember, NewGrant, Redeem, Redeemed,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/companies", get(list_companies))
        .route("/api/partners", get(partner_directory))
        .route("/api/companies/{company}", get(company))
        .route("/api/companies/{company}/capabilities", post(capabilities))
        .route("/api/companies/{company}/members", post(add_member))
        .route("/api/companies/{company}/grants", post(create_grant))
        .route("/api/grants/redeem", post(redeem))
        .route("/api/grants/{grant}", delete(revoke))
        .route("/api/grants/{grant}/analysts", post(add_analyst))
        .route("/api/grants/{grant}/analysts/{ws}/{account}", delete(remove_analyst))
}

async fn name_of(tx: &mut Tx, table: &str, id: Id) -> Result<Named, AppError> {
    let r = sqlx::query(&format!("SELECT name FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(Named { id, name: r.map(|r| col(&r, "name")).transpose()?.unwrap_or_default() })
}

async fn detail(tx: &mut Tx, id: Id, snap: policy::Snapshot) -> Result<CompanyDetail, AppError> {
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
    let mut grants = Vec::new();
    for g in snap.grants.iter().filter(|g| g.client == id || g.partner == id) {
        let mut ws = Vec::new();
        for &w in &g.workspaces {
            ws.push(name_of(tx, "workspaces", w).await?);
        }
        let analysts = sqlx::query(
            "SELECT m.workspace_id, a.id, a.name, a.email FROM members m JOIN accounts a ON a.id = m.account_id \
             JOIN workspaces w ON w.id = m.workspace_id WHERE m.partner_company_id = $1 AND w.company_id = $2 ORDER BY a.name",
        )
        .bind(g.partner)
        .bind(g.client)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok(Analyst { workspace: col(r, "workspace_id")?, account: col(r, "id")?, name: col(r, "name")?, email: col(r, "email")? }))
        .collect::<Result<Vec<_>, AppError>>()?;
        grants.push(GrantInfo {
            id: g.id,
            client: name_of(tx, "companies", g.client).await?,
            partner: name_of(tx, "companies", g.partner).await?,
            workspaces: ws,
            role: enum_text(&g.role),
            sections: g.sections.clone(),
            redeemed: g.redeemed,
            revoked: g.revoked,
            analysts,
        });
    }
    Ok(CompanyDetail {
        id,
        name: col(&c, "name")?,
        partner_enabled: col::<i64>(&c, "partner_enabled")? != 0,
        client_enabled: col::<i64>(&c, "client_enabled")? != 0,
        members,
        workspaces,
        grants,
        snapshot: snap,
    })
}

/// The company page's facts: enough for the app to decide every control on
/// it (create workspace, add member, grant, redeem, register or remove an
/// analyst, revoke) and nothing the viewer does not already know. Workspace
/// contents are reduced to memberships: the company's own workspaces in full
/// only for its admins and support, and a client's granted workspaces only
/// as far as they concern the partner's own people.
async fn company_facts(
    tx: &mut Tx,
    user: &CurrentUser,
    company: Id,
    facts: policy::Facts,
) -> Result<policy::Snapshot, AppError> {
    let viewer_admin = user.support || facts.company(company).is_some_and(|c| c.is_admin(user.id));
    let granted: Vec<Id> = facts
        .grants()
        .iter()
        .filter(|g| g.partner == company && g.is_live())
        .flat_map(|g| g.workspaces.iter().copied())
        .collect();
    let mut snap = if granted.is_empty() {
        facts.into_snapshot()
    } else {
        load::facts(tx, user.id, &granted, &[company]).await?
    };
    let own_people: std::collections::BTreeSet<Id> = snap
        .companies
        .iter()
        .filter(|c| c.id == company)
        .flat_map(|c| c.members.iter().map(|m| m.account))
        .collect();
    for w in &mut snap.workspaces {
        w.invitations.clear();
        w.requests.clear();
        w.groups.clear();
        w.resources.clear();
        if w.company != company {
            w.members.retain(|m| own_people.contains(&m.account));
        } else if !viewer_admin {
            w.members.retain(|m| m.account == user.id);
        }
    }
    for c in snap.companies.iter_mut().filter(|c| c.id != company) {
        c.members.retain(|m| m.account == user.id);
    }
    // The partner directory (public: names and the Partner flag), so a
    // client's admins can be told whether granting to each would be allowed.
    if viewer_admin {
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
    }
    let known: std::collections::BTreeSet<Id> = snap
        .companies
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.account))
        .chain(snap.workspaces.iter().flat_map(|w| w.members.iter().map(|m| m.account)))
        .chain([user.id])
        .collect();
    snap.accounts.retain(|a| known.contains(&a.id));
    Ok(snap)
}

/// A company: members, workspaces, grants (members and support).
#[utoipa::path(get, path = "/api/companies/{company}", responses((status = 200, body = CompanyDetail), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn company(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(company): Path<Id>,
) -> ApiResult<Json<CompanyDetail>> {
    let mut tx = st.db.begin().await?;
    let facts = decide(&mut tx, &user, &[], &[company], &Action::ViewCompany { company }).await?;
    let snap = company_facts(&mut tx, &user, company, facts).await?;
    let d = detail(&mut tx, company, snap).await?;
    tx.commit().await?;
    Ok(Json(d))
}

/// The partner directory: every company support has enabled as a Partner,
/// so a client's admins can choose whom to grant access (names only).
#[utoipa::path(get, path = "/api/partners", responses((status = 200, body = Vec<Named>)))]
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

/// Every company the user may see (all of them, for platform support).
#[utoipa::path(get, path = "/api/companies", responses((status = 200, body = Vec<CompanyRow>)))]
pub async fn list_companies(
    State(st): State<AppState>,
    user: CurrentUser,
) -> ApiResult<Json<Vec<CompanyRow>>> {
    let mut tx = st.db.begin().await?;
    let all = sqlx::query(
        "SELECT id, name, partner_enabled, client_enabled FROM companies ORDER BY name",
    )
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<Id> = all.iter().map(|r| col(r, "id")).collect::<Result<_, _>>()?;
    let snap = load::facts(&mut tx, user.id, &[], &ids).await?;
    tx.commit().await?;
    let facts = policy::Facts::new(snap);
    all.iter()
        .filter(|r| {
            col::<i64>(r, "id").is_ok_and(|id| {
                facts.decide(user.id, &Action::ViewCompany { company: id }).is_allowed()
            })
        })
        .map(|r| {
            Ok(CompanyRow {
                id: col(r, "id")?,
                name: col(r, "name")?,
                partner_enabled: col::<i64>(r, "partner_enabled")? != 0,
                client_enabled: col::<i64>(r, "client_enabled")? != 0,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()
        .map(Json)
}

/// Turn a company's Partner / Client capabilities on or off (support).
#[utoipa::path(post, path = "/api/companies/{company}/capabilities", request_body = Capabilities, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn capabilities(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(company): Path<Id>,
    Body(req): Body<Capabilities>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) =
        change(&st, &user, &[], &[company], &Action::SetCompanyCapabilities { company }).await?;
    let before = facts
        .snapshot()
        .companies
        .iter()
        .find(|c| c.id == company)
        .map(|c| json!({"partner": c.partner_enabled, "client": c.client_enabled}));
    sqlx::query("UPDATE companies SET partner_enabled = $1, client_enabled = $2 WHERE id = $3")
        .bind(i64::from(req.partner_enabled))
        .bind(i64::from(req.client_enabled))
        .bind(company)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        None,
        Some(company),
        user.id,
        st.now(),
        "company.capabilities",
        &company.to_string(),
        json!(before),
        json!({"partner": req.partner_enabled, "client": req.client_enabled}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Add an existing account to the company, as member or admin.
#[utoipa::path(post, path = "/api/companies/{company}/members", request_body = NewCompanyMember, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn add_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(company): Path<Id>,
    Body(req): Body<NewCompanyMember>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) =
        change(&st, &user, &[], &[company], &Action::AddCompanyMember { company }).await?;
    let email = policy::validate::normalize_email(&req.email)
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
    let account: i64 = col(
        &sqlx::query("SELECT id FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound("No account has that email; they need to sign up first."))?,
        "id",
    )?;
    sqlx::query("INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, $3)")
        .bind(company)
        .bind(account)
        .bind(i64::from(req.admin))
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        None,
        Some(company),
        user.id,
        st.now(),
        "company.member.add",
        &email,
        json!(null),
        json!({"admin": req.admin}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// A client grants a partner access; returns the access key once.
#[utoipa::path(post, path = "/api/companies/{company}/grants", request_body = NewGrant, responses((status = 200, body = GrantCreated), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_grant(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(client): Path<Id>,
    Body(req): Body<NewGrant>,
) -> ApiResult<Json<GrantCreated>> {
    let now = st.now();
    let action = Action::CreateGrant {
        client,
        partner: req.partner,
        workspaces: req.workspaces.clone(),
        role: req.role,
        sections: req.sections.clone(),
    };
    let (_w, mut tx, _) = change(&st, &user, &[], &[client, req.partner], &action).await?;
    let key = format!("ghk_{}", random_token());
    let mut sections = req.sections.clone();
    sections.sort_unstable();
    sections.dedup();
    let r = sqlx::query(
        "INSERT INTO grants (client_company_id, partner_company_id, role, sections, key_hash, redeemed, revoked, created_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6) RETURNING id",
    )
    .bind(client)
    .bind(req.partner)
    .bind(enum_text(&req.role))
    .bind(serde_json::to_string(&sections).unwrap_or_default())
    .bind(token_hash(&key))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = col(&r, "id")?;
    let mut workspaces = req.workspaces.clone();
    workspaces.sort_unstable();
    workspaces.dedup();
    for w in &workspaces {
        sqlx::query("INSERT INTO grant_workspaces (grant_id, workspace_id) VALUES ($1, $2)")
            .bind(id)
            .bind(w)
            .execute(&mut *tx)
            .await?;
    }
    db::audit(&mut tx, None, Some(client), user.id, now, "grant.create", &req.partner.to_string(), json!(null), json!({"partner": req.partner, "workspaces": workspaces, "role": req.role, "sections": sections})).await?;
    tx.commit().await?;
    Ok(Json(GrantCreated { id, access_key: key }))
}

/// The partner's company admin redeems an access key.
#[utoipa::path(post, path = "/api/grants/redeem", request_body = Redeem, responses((status = 200, body = Redeemed), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn redeem(
    State(st): State<AppState>,
    user: CurrentUser,
    Body(req): Body<Redeem>,
) -> ApiResult<Json<Redeemed>> {
    let _w = st.write().await;
    let mut tx = st.db.begin().await?;
    let r = sqlx::query(
        "SELECT id, client_company_id, partner_company_id FROM grants WHERE key_hash = $1",
    )
    .bind(token_hash(req.access_key.trim()))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound("That access key is not valid."))?;
    let (grant, client, partner): (i64, i64, i64) =
        (col(&r, "id")?, col(&r, "client_company_id")?, col(&r, "partner_company_id")?);
    decide(&mut tx, &user, &[], &[partner], &Action::RedeemGrant { grant }).await?;
    sqlx::query("UPDATE grants SET redeemed = 1 WHERE id = $1")
        .bind(grant)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        None,
        Some(client),
        user.id,
        st.now(),
        "grant.redeem",
        &grant.to_string(),
        json!({"redeemed": false}),
        json!({"redeemed": true}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Redeemed { grant, client }))
}

/// The partner registers one of its members as an analyst in a workspace.
#[utoipa::path(post, path = "/api/grants/{grant}/analysts", request_body = NewAnalyst, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn add_analyst(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(grant): Path<Id>,
    Body(req): Body<NewAnalyst>,
) -> ApiResult<Json<Done>> {
    let _w = st.write().await;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let g = load::grant_by_id(&mut tx, grant)
        .await?
        .ok_or(AppError::NotFound("That access key does not exist."))?;
    decide(
        &mut tx,
        &user,
        &[req.workspace],
        &[g.partner],
        &Action::RegisterAnalyst { grant, workspace: req.workspace, analyst: req.account },
    )
    .await?;
    sqlx::query("INSERT INTO members (workspace_id, account_id, role, partner_company_id, joined_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(req.workspace)
        .bind(req.account)
        .bind(enum_text(&g.role))
        .bind(g.partner)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(req.workspace),
        Some(g.client),
        user.id,
        now,
        "analyst.add",
        &req.account.to_string(),
        json!(null),
        json!({"partner": g.partner, "role": g.role}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// The partner removes one of its analysts from a workspace.
#[utoipa::path(delete, path = "/api/grants/{grant}/analysts/{ws}/{account}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody)))]
pub async fn remove_analyst(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((grant, ws, account)): Path<(Id, Id, Id)>,
) -> ApiResult<Json<Done>> {
    let _w = st.write().await;
    let mut tx = st.db.begin().await?;
    let g = load::grant_by_id(&mut tx, grant)
        .await?
        .ok_or(AppError::NotFound("That access key does not exist."))?;
    decide(
        &mut tx,
        &user,
        &[ws],
        &[g.partner],
        &Action::RemoveAnalyst { grant, workspace: ws, analyst: account },
    )
    .await?;
    remove_member_in(&st, &mut tx, ws, account, user.id, "analyst.remove").await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// The client deletes the access key: every analyst of that partner loses
/// all access to the client at once.
#[utoipa::path(delete, path = "/api/grants/{grant}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(grant): Path<Id>,
) -> ApiResult<Json<Done>> {
    let _w = st.write().await;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let g = load::grant_by_id(&mut tx, grant)
        .await?
        .ok_or(AppError::NotFound("That access key does not exist."))?;
    decide(&mut tx, &user, &[], &[g.client], &Action::RevokeGrant { grant }).await?;
    sqlx::query("UPDATE grants SET revoked = 1 WHERE id = $1")
        .bind(grant)
        .execute(&mut *tx)
        .await?;
    // Their memberships go too; the policy alone would already refuse them.
    let analysts = sqlx::query("SELECT m.workspace_id, m.account_id FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.partner_company_id = $1 AND w.company_id = $2")
        .bind(g.partner)
        .bind(g.client)
        .fetch_all(&mut *tx)
        .await?;
    for a in &analysts {
        remove_member_in(
            &st,
            &mut tx,
            col(a, "workspace_id")?,
            col(a, "account_id")?,
            user.id,
            "analyst.revoked",
        )
        .await?;
    }
    db::audit(
        &mut tx,
        None,
        Some(g.client),
        user.id,
        now,
        "grant.revoke",
        &grant.to_string(),
        json!({"revoked": false}),
        json!({"revoked": true, "analysts_removed": analysts.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}
