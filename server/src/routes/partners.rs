//! Partner grants: create (access key shown once, stored hashed, with an
//! expiry), renew or shorten, redeem, register and remove analysts, revoke;
//! and the once-only audit of an expiry, with the system as its actor.

use axum::extract::State;
use axum::routing::{delete, post};
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::members::remove_member_in;
use super::paths::{CompanyPath, GrantAnalystPath, GrantPath};
use super::workspaces::insert_member;
use super::{DONE, Done};
use crate::auth::{CurrentUser, random_token, token_hash};
use crate::changes::Key;
use crate::db::col;
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::Path;
use crate::load::{self, enum_text};
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{GrantCreated, NewAnalyst, NewGrant, Redeem, Redeemed, Renewal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/companies/{company}/grants", post(create_grant))
        .route("/api/grants/redeem", post(redeem))
        .route("/api/grants/{grant}", delete(revoke).patch(renew))
        .route("/api/grants/{grant}/analysts", post(add_analyst))
        .route("/api/grants/{grant}/analysts/{ws}/{account}", delete(remove_analyst))
}

/// A client grants a partner access; returns the access key once.
#[utoipa::path(
    post,
    path = "/api/companies/{company}/grants",
    params(CompanyPath),
    request_body = NewGrant,
    responses((status = 200, description = "OK", body = GrantCreated))
)]
pub async fn create_grant(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(CompanyPath { company: client }): Path<CompanyPath>,
    Body(req): Body<NewGrant>,
) -> ApiResult<Json<GrantCreated>> {
    let scope = Scope::Companies(vec![client, req.partner]);
    let mut w = Write::lock(&st, user.id, scope).await?;
    let expires_at = req.expires_at.unwrap_or(w.now + policy::GRANT_DEFAULT_SECONDS);
    w.decide(&Action::CreateGrant {
        client,
        partner: req.partner,
        workspaces: req.workspaces.clone(),
        role: req.role,
        sections: req.sections.clone(),
        expires_at,
    })?;
    let key = format!("ghk_{}", random_token());
    let mut sections = req.sections.clone();
    sections.sort_unstable();
    sections.dedup();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO grants (client_company_id, partner_company_id, role, sections, key_hash, redeemed, revoked, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7) RETURNING id",
    )
    .bind(client)
    .bind(req.partner)
    .bind(enum_text(&req.role))
    .bind(serde_json::to_string(&sections).unwrap_or_default())
    .bind(token_hash(&key))
    .bind(w.now)
    .bind(expires_at)
    .fetch_one(&mut *w.tx)
    .await?;
    let mut workspaces = req.workspaces.clone();
    workspaces.sort_unstable();
    workspaces.dedup();
    for ws in &workspaces {
        sqlx::query("INSERT INTO grant_workspaces (grant_id, workspace_id) VALUES ($1, $2)")
            .bind(id)
            .bind(ws)
            .execute(&mut *w.tx)
            .await?;
    }
    w.changed_grant(id, client, req.partner);
    w.audit(Audit {
        other_company: Some(req.partner),
        ..Audit::company(
            client,
            AuditKind::GrantCreate,
            req.partner.to_string(),
            json!(null),
            json!({"partner": req.partner, "workspaces": workspaces, "role": req.role, "sections": sections, "expires_at": expires_at}),
        )
    });
    w.commit().await?;
    Ok(Json(GrantCreated { id, access_key: key }))
}

/// The grant an access key names: (grant, client, partner).
async fn grant_of_key(tx: &mut crate::db::Tx, key: &str) -> Result<(Id, Id, Id), AppError> {
    let r = sqlx::query(
        "SELECT id, client_company_id, partner_company_id FROM grants WHERE key_hash = $1",
    )
    .bind(token_hash(key.trim()))
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::policy(policy::Reason::UnknownGrant))?;
    Ok((col(&r, "id")?, col(&r, "client_company_id")?, col(&r, "partner_company_id")?))
}

/// The partner's company admin redeems an access key.
#[utoipa::path(
    post,
    path = "/api/grants/redeem",
    request_body = Redeem,
    responses((status = 200, description = "OK", body = Redeemed))
)]
pub async fn redeem(
    State(st): State<AppState>,
    user: CurrentUser,
    Body(req): Body<Redeem>,
) -> ApiResult<Json<Redeemed>> {
    let (_, client, partner) =
        grant_of_key(&mut st.db.begin_read().await?, &req.access_key).await?;
    let mut w = Write::lock(&st, user.id, Scope::Companies(vec![client, partner])).await?;
    let (grant, client, partner) = grant_of_key(&mut w.tx, &req.access_key).await?;
    w.decide(&Action::RedeemGrant { grant })?;
    sqlx::query("UPDATE grants SET redeemed = 1 WHERE id = $1")
        .bind(grant)
        .execute(&mut *w.tx)
        .await?;
    w.changed_grant(grant, client, partner);
    w.audit(Audit {
        other_company: Some(partner),
        ..Audit::company(
            client,
            AuditKind::GrantRedeem,
            grant.to_string(),
            json!({"redeemed": false}),
            json!({"redeemed": true}),
        )
    });
    w.commit().await?;
    Ok(Json(Redeemed { grant, client }))
}

/// A grant that must exist (read before the write it scopes).
async fn existing_grant(st: &AppState, grant: Id) -> Result<policy::Grant, AppError> {
    load::grant_by_id(&mut st.db.begin_read().await?, grant)
        .await?
        .ok_or(AppError::policy(policy::Reason::UnknownGrant))
}

/// The partner registers one of its members as an analyst in a workspace.
#[utoipa::path(
    post,
    path = "/api/grants/{grant}/analysts",
    params(GrantPath),
    request_body = NewAnalyst,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn add_analyst(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(GrantPath { grant }): Path<GrantPath>,
    Body(req): Body<NewAnalyst>,
) -> ApiResult<Json<Done>> {
    let g = existing_grant(&st, grant).await?;
    // The workspace's facts hold the grant and the partner's people.
    let action = Action::RegisterAnalyst { grant, workspace: req.workspace, analyst: req.account };
    let mut w = Write::begin(&st, &user, Scope::Workspace(req.workspace), &action).await?;
    insert_member(&mut w.tx, req.workspace, req.account, g.role, Some(g.partner), w.now).await?;
    w.changed(Key::Member(req.account));
    w.audit(Audit {
        company: Some(g.client),
        ..Audit::workspace(
            req.workspace,
            AuditKind::AnalystAdd,
            req.account.to_string(),
            json!(null),
            json!({"partner": g.partner, "role": g.role}),
        )
    });
    w.commit().await?;
    Ok(Json(DONE))
}

/// The partner removes one of its analysts from a workspace.
#[utoipa::path(
    delete,
    path = "/api/grants/{grant}/analysts/{ws}/{account}",
    params(GrantAnalystPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove_analyst(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(GrantAnalystPath { grant, ws, account }): Path<GrantAnalystPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::RemoveAnalyst { grant, workspace: ws, analyst: account };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    remove_member_in(&mut w, ws, account, AuditKind::AnalystRemove).await?;
    w.commit().await?;
    Ok(Json(DONE))
}

/// The client deletes the access key: every analyst of that partner loses
/// all access to the client at once.
#[utoipa::path(
    delete,
    path = "/api/grants/{grant}",
    params(GrantPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn revoke(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(GrantPath { grant }): Path<GrantPath>,
) -> ApiResult<Json<Done>> {
    let g = existing_grant(&st, grant).await?;
    let scope = Scope::Companies(vec![g.client, g.partner]);
    let mut w = Write::begin(&st, &user, scope, &Action::RevokeGrant { grant }).await?;
    sqlx::query("UPDATE grants SET revoked = 1 WHERE id = $1")
        .bind(grant)
        .execute(&mut *w.tx)
        .await?;
    w.changed_grant(grant, g.client, g.partner);
    // Their memberships go too; the policy alone would already refuse them.
    let analysts = sqlx::query("SELECT m.workspace_id, m.account_id FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.partner_company_id = $1 AND w.company_id = $2")
        .bind(g.partner)
        .bind(g.client)
        .fetch_all(&mut *w.tx)
        .await?;
    for a in &analysts {
        remove_member_in(
            &mut w,
            col(a, "workspace_id")?,
            col(a, "account_id")?,
            AuditKind::AnalystRevoked,
        )
        .await?;
    }
    w.audit(Audit {
        other_company: Some(g.partner),
        ..Audit::company(
            g.client,
            AuditKind::GrantRevoke,
            grant.to_string(),
            json!({"revoked": false}),
            json!({"revoked": true, "analysts_removed": analysts.len()}),
        )
    });
    w.commit().await?;
    Ok(Json(DONE))
}

/// The client renews or shortens a grant: a new expiry, at most two years
/// on. An expired grant's analysts still registered get their access back.
#[utoipa::path(
    patch,
    path = "/api/grants/{grant}",
    params(GrantPath),
    request_body = Renewal,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn renew(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(GrantPath { grant }): Path<GrantPath>,
    Body(req): Body<Renewal>,
) -> ApiResult<Json<Done>> {
    let g = existing_grant(&st, grant).await?;
    let scope = Scope::Companies(vec![g.client, g.partner]);
    let action = Action::RenewGrant { grant, expires_at: req.expires_at };
    let mut w = Write::begin(&st, &user, scope, &action).await?;
    // A later expiry is audited again.
    sqlx::query("UPDATE grants SET expires_at = $1, expiry_recorded_at = NULL WHERE id = $2")
        .bind(req.expires_at)
        .bind(grant)
        .execute(&mut *w.tx)
        .await?;
    w.changed_grant(grant, g.client, g.partner);
    w.audit(Audit {
        other_company: Some(g.partner),
        ..Audit::company(
            g.client,
            AuditKind::GrantRenew,
            grant.to_string(),
            json!({"expires_at": g.expires_at}),
            json!({"expires_at": req.expires_at}),
        )
    });
    w.commit().await?;
    Ok(Json(DONE))
}

/// The account id the audit log shows as "System": expiries, which no
/// request writes.
pub const SYSTEM_ACTOR: Id = 0;

/// Writes each expiry not yet in the audit log, once (across processes:
/// the row is claimed under the companies' lock), with the system as actor.
/// Returns how many were recorded.
pub async fn record_expiries(st: &AppState) -> Result<usize, AppError> {
    let due = sqlx::query(
        "SELECT id, client_company_id, partner_company_id FROM grants \
         WHERE revoked = 0 AND expiry_recorded_at IS NULL AND expires_at <= $1 ORDER BY id LIMIT 100",
    )
    .bind(st.now())
    .fetch_all(&st.db.pool)
    .await?;
    let mut recorded = 0;
    for r in &due {
        let (grant, client, partner): (Id, Id, Id) =
            (col(r, "id")?, col(r, "client_company_id")?, col(r, "partner_company_id")?);
        let mut w = Write::lock(st, SYSTEM_ACTOR, Scope::Companies(vec![client, partner])).await?;
        let claimed = sqlx::query(
            "UPDATE grants SET expiry_recorded_at = $1 WHERE id = $2 AND revoked = 0 \
             AND expiry_recorded_at IS NULL AND expires_at <= $1",
        )
        .bind(w.now)
        .bind(grant)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            continue; // renewed, deleted or recorded meanwhile
        }
        let expired_at = w.facts().grant(grant).map_or(w.now, |g| g.expires_at);
        w.changed_grant(grant, client, partner);
        w.audit(Audit {
            other_company: Some(partner),
            ..Audit::company(
                client,
                AuditKind::GrantExpire,
                grant.to_string(),
                json!({"expires_at": expired_at, "expired": false}),
                json!({"expires_at": expired_at, "expired": true}),
            )
        });
        w.commit().await?;
        recorded += 1;
    }
    Ok(recorded)
}
