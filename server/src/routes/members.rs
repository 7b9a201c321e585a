//! The Users list (paged), role changes and removals.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use policy::{Action, Id};
use serde_json::json;

use super::paths::{WsAccountPath, WsPath};
use super::{DONE, Done, read};
use crate::auth::CurrentUser;
use crate::changes::Key;
use crate::db::{Tx, col};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::{Path, Query};
use crate::load::enum_text;
use crate::page;
use crate::state::AppState;
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{MemberPage, MemberRow, MemberSearch, MemberStatus, NewRole};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/workspaces/{ws}/members", get(list)).route(
        "/api/workspaces/{ws}/members/{account}",
        axum::routing::patch(change_role).delete(remove_member),
    )
}

/// Where a Users page ends: in the invitations (by email, id) or in the
/// members (by name key, account id).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
enum UsersCursor {
    Invitation(String, Id),
    Member(String, Id),
}

/// The Users list: waiting invitations, then Active members, searchable
/// (or only the members holding one role), paged by keyset (each part an
/// index range: a page costs the same at any size), with the slice the
/// rows' controls decide on.
#[utoipa::path(
    get,
    path = "/api/workspaces/{ws}/members",
    params(WsPath, MemberSearch),
    responses((status = 200, description = "OK", body = MemberPage))
)]
pub async fn list(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Query(search): Query<MemberSearch>,
) -> ApiResult<Json<MemberPage>> {
    let mut r = read(&st, &user, ws, &Action::ViewUsers { workspace: ws }).await?;
    let limit = page::limit(search.limit);
    let pattern = page::contains_pattern(&search.q);
    let cursor = page::after::<UsersCursor>(search.after.as_deref())?;
    let now = st.now();
    let mut rows = Vec::new();
    let mut next = None;
    let with_invitations = search.role.is_none();
    if with_invitations && !matches!(cursor, Some(UsersCursor::Member(..))) {
        let (email, id) = match &cursor {
            Some(UsersCursor::Invitation(e, i)) => (e.clone(), *i),
            _ => (String::new(), 0),
        };
        let invitations = sqlx::query(
            "SELECT id, email, role, expires_at FROM invitations WHERE workspace_id = $1 \
             AND (email, id) > ($2, $3) AND email LIKE $4 ESCAPE '\\' \
             ORDER BY email, id LIMIT $5",
        )
        .bind(ws)
        .bind(&email)
        .bind(id)
        .bind(&pattern)
        .bind(limit)
        .fetch_all(&mut *r.tx)
        .await?;
        for i in &invitations {
            let inv = crate::load::invitation_row(i)?;
            next = Some(UsersCursor::Invitation(inv.email.clone(), inv.id));
            rows.push(MemberRow {
                id: 0,
                name: String::new(),
                email: inv.email.clone(),
                role: inv.role,
                status: if inv.is_expired(now) {
                    MemberStatus::Expired
                } else {
                    MemberStatus::Waiting
                },
                partner: None,
                invitation: Some(inv.id),
            });
        }
    }
    let room = limit - i64::try_from(rows.len()).unwrap_or(limit);
    if room > 0 {
        let (key, id) = match &cursor {
            Some(UsersCursor::Member(k, i)) => (k.clone(), *i),
            _ => (String::new(), 0),
        };
        next = None;
        let members = sqlx::query(
            "SELECT a.id, a.name, a.email, m.role, m.name_key, p.name AS partner FROM members m \
             JOIN accounts a ON a.id = m.account_id LEFT JOIN companies p ON p.id = m.partner_company_id \
             WHERE m.workspace_id = $1 AND (m.name_key, m.account_id) > ($2, $3) \
             AND (m.name_key LIKE $4 ESCAPE '\\' OR a.email LIKE $4 ESCAPE '\\') \
             AND ($5 = '' OR m.role = $5) ORDER BY m.name_key, m.account_id LIMIT $6",
        )
        .bind(ws)
        .bind(&key)
        .bind(id)
        .bind(&pattern)
        .bind(search.role.map(|x| enum_text(&x)).unwrap_or_default())
        .bind(room)
        .fetch_all(&mut *r.tx)
        .await?;
        for m in &members {
            let id: Id = col(m, "id")?;
            next = Some(UsersCursor::Member(col(m, "name_key")?, id));
            rows.push(MemberRow {
                id,
                name: col(m, "name")?,
                email: col(m, "email")?,
                role: super::workspaces::role_of(&col::<String>(m, "role")?)?,
                status: MemberStatus::Active,
                partner: col(m, "partner")?,
                invitation: None,
            });
        }
        if i64::try_from(members.len()).unwrap_or(0) < room {
            next = None;
        }
    }
    // The policy decides what of these rows the viewer is sent.
    let accounts: Vec<Id> = rows.iter().filter(|x| x.invitation.is_none()).map(|x| x.id).collect();
    let invitations: Vec<Id> = rows.iter().filter_map(|x| x.invitation).collect();
    let slice = r.facts().members_slice(user.id, ws, &accounts, &invitations, r.now);
    let slice = slice.map_err(AppError::Denied)?;
    let sent = slice.workspaces.first();
    rows.retain(|x| match x.invitation {
        Some(i) => sent.is_some_and(|w| w.invitations.iter().any(|s| s.id == i)),
        None => sent.is_some_and(|w| w.members.iter().any(|m| m.account == x.id)),
    });
    let next = next.map(|c| page::cursor(&c));
    Ok(Json(MemberPage { rows, next, slice, now: r.now, version: r.facts.version }))
}

/// Change an Active member's permission.
#[utoipa::path(
    patch,
    path = "/api/workspaces/{ws}/members/{account}",
    params(WsAccountPath),
    request_body = NewRole,
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn change_role(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsAccountPath { ws, account: target }): Path<WsAccountPath>,
    Body(req): Body<NewRole>,
) -> ApiResult<Json<Done>> {
    let action = Action::ChangeRole { workspace: ws, target, role: req.role };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let before = w.facts().workspace(ws).and_then(|v| v.member(target)).map(|m| m.role);
    sqlx::query("UPDATE members SET role = $1 WHERE workspace_id = $2 AND account_id = $3")
        .bind(enum_text(&req.role))
        .bind(ws)
        .bind(target)
        .execute(&mut *w.tx)
        .await?;
    w.changed(Key::Member(target));
    w.audit(Audit::workspace(
        ws,
        AuditKind::MemberRole,
        target.to_string(),
        json!({"role": before}),
        json!({"role": req.role}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Removes a member and their group memberships inside a write (removals,
/// analysts removed by their partner or by a revocation).
pub async fn remove_member_in(
    w: &mut Write,
    ws: Id,
    target: Id,
    kind: AuditKind,
) -> Result<(), AppError> {
    delete_member(&mut w.tx, ws, target).await?;
    // Leaving the workspace leaves its groups (the facts cascade the same).
    w.changed_in(ws, Key::Member(target));
    w.audit(Audit::workspace(ws, kind, target.to_string(), json!({"member": target}), json!(null)));
    Ok(())
}

async fn delete_member(tx: &mut Tx, ws: Id, target: Id) -> Result<(), AppError> {
    sqlx::query("DELETE FROM group_members WHERE account_id = $1 AND group_id IN (SELECT id FROM groups WHERE workspace_id = $2)").bind(target).bind(ws).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM members WHERE workspace_id = $1 AND account_id = $2")
        .bind(ws)
        .bind(target)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Remove a member's access (irreversible; they must be invited again).
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/members/{account}",
    params(WsAccountPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsAccountPath { ws, account: target }): Path<WsAccountPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::RemoveMember { workspace: ws, target };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    remove_member_in(&mut w, ws, target, AuditKind::MemberRemove).await?;
    w.commit().await?;
    Ok(Json(DONE))
}
