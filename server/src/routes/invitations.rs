//! The ways into a workspace: invitations (invite, resend, delete, accept)
//! and the join link with its access requests (authorize, reject).

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use policy::{Action, Id, Reason, Role};
use serde_json::json;

use super::account::{NewAccount, Session, account_info, create_account};
use super::paths::{TokenPath, WsInvitationPath, WsPath, WsRequestPath};
use super::workspaces::insert_member;
use super::{DONE, Done};
use crate::auth::{self, CurrentUser, random_token, token_hash};
use crate::changes::Key;
use crate::db::{Tx, col};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::input::Path;
use crate::load::enum_text;
use crate::mail::Mail;
use crate::state::{AppState, INVITATION_TTL};
use crate::write::{Audit, AuditKind, Scope, Write};
pub use policy::api::{Accept, InvitationInfo, InvitationSent, JoinLink, NewInvitation};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/workspaces/{ws}/invitations", post(invite))
        .route("/api/workspaces/{ws}/invitations/{inv}/resend", post(resend))
        .route("/api/workspaces/{ws}/invitations/{inv}", delete(delete_invitation))
        .route("/api/invitations/{token}", get(invitation_info))
        .route("/api/invitations/{token}/accept", post(accept))
        .route("/api/workspaces/{ws}/join-link", post(join_link))
        .route("/api/join/{token}", post(request_access))
        .route("/api/workspaces/{ws}/requests/{req}/authorize", post(authorize_request))
        .route("/api/workspaces/{ws}/requests/{req}", delete(reject_request))
}

/// The invitation email (its link is a secret: it goes only to the
/// invitee, never to a log).
async fn invitation_mail(
    st: &AppState,
    tx: &mut Tx,
    ws: Id,
    email: &str,
    token: &str,
) -> Result<Mail, AppError> {
    let r = sqlx::query("SELECT w.name, c.name AS company FROM workspaces w JOIN companies c ON c.id = w.company_id WHERE w.id = $1")
        .bind(ws)
        .fetch_one(&mut **tx)
        .await?;
    let name: String = col(&r, "name")?;
    let link = format!("{}/invite/{token}", st.public_url);
    Mail::new(
        email,
        format!("You are invited to {name} on Gatehouse"),
        format!(
            "You have been invited to the workspace \"{name}\" of {}.\n\nOpen this link to accept (valid for 7 days, once):\n{link}\n",
            col::<String>(&r, "company")?
        ),
    )
}

/// Invite someone by email; an open invitation to the same email is renewed
/// and resent instead of duplicated.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/invitations",
    params(WsPath),
    request_body = NewInvitation,
    responses((status = 200, description = "OK", body = InvitationSent))
)]
pub async fn invite(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
    Body(req): Body<NewInvitation>,
) -> ApiResult<Json<InvitationSent>> {
    let email = crate::email::normalize(&req.email)?;
    let action = Action::Invite { workspace: ws, email: email.clone(), role: req.role };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let token = random_token();
    let expires = w.now + INVITATION_TTL;
    let existing =
        sqlx::query("SELECT id, role FROM invitations WHERE workspace_id = $1 AND email = $2")
            .bind(ws)
            .bind(&email)
            .fetch_optional(&mut *w.tx)
            .await?;
    let (id, resent) = match existing {
        Some(r) => {
            // The policy allowed it: the same role. Renewed and resent.
            let id: i64 = col(&r, "id")?;
            sqlx::query("UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE id = $3")
                .bind(token_hash(&token))
                .bind(expires)
                .bind(id)
                .execute(&mut *w.tx)
                .await?;
            w.audit(Audit::workspace(
                ws,
                AuditKind::InvitationResend,
                &email,
                json!({"role": col::<String>(&r, "role")?}),
                json!({"role": req.role, "expires_at": expires}),
            ));
            (id, true)
        }
        None => {
            let r = sqlx::query(
                "INSERT INTO invitations (workspace_id, email, role, token_hash, expires_at, invited_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(ws)
            .bind(&email)
            .bind(enum_text(&req.role))
            .bind(token_hash(&token))
            .bind(expires)
            .bind(user.id)
            .bind(w.now)
            .fetch_one(&mut *w.tx)
            .await?;
            w.audit(Audit::workspace(
                ws,
                AuditKind::InvitationCreate,
                &email,
                json!(null),
                json!({"role": req.role}),
            ));
            (col(&r, "id")?, false)
        }
    };
    w.changed(Key::Invitation(id));
    let mail = invitation_mail(&st, &mut w.tx, ws, &email, &token).await?;
    w.mail(mail);
    w.commit().await?;
    Ok(Json(InvitationSent { id, resent, expires_at: expires }))
}

/// Resend an invitation: renews its expiry; the previous link stops working.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/invitations/{inv}/resend",
    params(WsInvitationPath),
    responses((status = 200, description = "OK", body = InvitationSent))
)]
pub async fn resend(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsInvitationPath { ws, inv }): Path<WsInvitationPath>,
) -> ApiResult<Json<InvitationSent>> {
    let action = Action::ResendInvitation { workspace: ws, invitation: inv };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let email = invitation_email(&w, ws, inv);
    let token = random_token();
    let expires = w.now + INVITATION_TTL;
    sqlx::query("UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE id = $3")
        .bind(token_hash(&token))
        .bind(expires)
        .bind(inv)
        .execute(&mut *w.tx)
        .await?;
    w.changed(Key::Invitation(inv));
    w.audit(Audit::workspace(
        ws,
        AuditKind::InvitationResend,
        &email,
        json!(null),
        json!({"expires_at": expires}),
    ));
    let mail = invitation_mail(&st, &mut w.tx, ws, &email, &token).await?;
    w.mail(mail);
    w.commit().await?;
    Ok(Json(InvitationSent { id: inv, resent: true, expires_at: expires }))
}

/// The email of an open invitation in the write's facts.
fn invitation_email(w: &Write, ws: Id, inv: Id) -> String {
    w.facts()
        .workspace(ws)
        .and_then(|v| v.invitation(inv))
        .map(|i| i.email.clone())
        .unwrap_or_default()
}

/// Delete a waiting invitation; its link stops working.
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/invitations/{inv}",
    params(WsInvitationPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn delete_invitation(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsInvitationPath { ws, inv }): Path<WsInvitationPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::DeleteInvitation { workspace: ws, invitation: inv };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let email = invitation_email(&w, ws, inv);
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(inv).execute(&mut *w.tx).await?;
    w.changed(Key::Invitation(inv));
    w.audit(Audit::workspace(
        ws,
        AuditKind::InvitationDelete,
        email,
        json!({"invitation": inv}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// The open invitation a link's token names, and its workspace.
async fn invitation_by_token(
    tx: &mut Tx,
    token: &str,
) -> Result<(Id, policy::Invitation), AppError> {
    let r = sqlx::query("SELECT i.id, i.workspace_id, i.email, i.role, i.expires_at FROM invitations i WHERE i.token_hash = $1")
        .bind(token_hash(token))
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            AppError::denied(
                Reason::UnknownInvitation,
                "This invitation link is not valid: it was used, replaced by a newer one, or deleted.",
            )
        })?;
    Ok((col(&r, "workspace_id")?, crate::load::invitation_row(&r)?))
}

/// What an invitation link is for (no sign-in needed).
#[utoipa::path(
    get,
    path = "/api/invitations/{token}",
    params(TokenPath),
    security(()),
    responses((status = 200, description = "OK", body = InvitationInfo))
)]
pub async fn invitation_info(
    State(st): State<AppState>,
    Path(TokenPath { token }): Path<TokenPath>,
) -> ApiResult<Json<InvitationInfo>> {
    let mut tx = st.db.begin_read().await?;
    let (ws, inv) = invitation_by_token(&mut tx, &token).await?;
    let name: String = col(
        &sqlx::query("SELECT name FROM workspaces WHERE id = $1")
            .bind(ws)
            .fetch_one(&mut *tx)
            .await?,
        "name",
    )?;
    let has_account = sqlx::query("SELECT id FROM accounts WHERE email = $1")
        .bind(&inv.email)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    Ok(Json(InvitationInfo {
        workspace: ws,
        workspace_name: name,
        expired: inv.is_expired(st.now()),
        role: inv.role,
        email: inv.email,
        has_account,
    }))
}

/// Accept an invitation: as the signed-in account (same email), or by
/// creating the account. The link works once.
#[utoipa::path(
    post,
    path = "/api/invitations/{token}/accept",
    params(TokenPath),
    request_body = Accept,
    security((), ("session" = [])),
    responses((status = 200, description = "OK", body = Session), (status = 409, description = "`conflict`: signed out, and an account with the invitation's email exists; sign in first."))
)]
pub async fn accept(
    State(st): State<AppState>,
    user: Option<CurrentUser>,
    jar: CookieJar,
    Path(TokenPath { token }): Path<TokenPath>,
    Body(req): Body<Accept>,
) -> ApiResult<(CookieJar, Json<Session>)> {
    let (ws, invitation) = invitation_by_token(&mut st.db.begin_read().await?, &token).await?;
    // A new account's password is hashed before anything is locked.
    let new = match &user {
        Some(_) => None,
        None => {
            let (Some(name), Some(password)) = (&req.name, &req.password) else {
                return Err(AppError::invalid(
                    "password",
                    "Choose a name and a password to create your account, or sign in first.",
                ));
            };
            Some(NewAccount::check(&invitation.email, name, password).await?)
        }
    };
    let mut w = Write::lock(&st, user.as_ref().map_or(0, |u| u.id), Scope::Workspace(ws)).await?;
    // Read again under the lock: the link may have been used meanwhile.
    let (ws, invitation) = invitation_by_token(&mut w.tx, &token).await?;
    let (inv, email, role) = (invitation.id, invitation.email, invitation.role);
    let new_session = match &new {
        Some(new) => {
            // Invited people join the workspace, not a company.
            let id = create_account(&mut w.tx, new, None, w.now).await?;
            w.actor = id;
            Some(auth::start_session(&st, &mut w.tx, id, w.now).await?)
        }
        None => None,
    };
    let account = w.actor;
    w.with_account(account).await?;
    w.decide(&Action::AcceptInvitation { workspace: ws, invitation: inv })?;
    // The invitation reached this address: it is verified.
    super::verification::mark_verified(&mut w.tx, account, w.now).await?;
    insert_member(&mut w.tx, ws, account, role, None, w.now).await?;
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(inv).execute(&mut *w.tx).await?;
    let requests: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM access_requests WHERE workspace_id = $1 AND account_id = $2 RETURNING id",
    )
    .bind(ws)
    .bind(account)
    .fetch_all(&mut *w.tx)
    .await?;
    w.changed(Key::Member(account));
    w.changed(Key::Invitation(inv));
    for r in requests {
        w.changed(Key::Request(r));
    }
    w.audit(Audit::workspace(
        ws,
        AuditKind::InvitationAccept,
        email,
        json!({"status": "waiting"}),
        json!({"status": "active", "role": enum_text(&role)}),
    ));
    let info = account_info(&mut w.tx, account).await?;
    w.commit().await?;
    Ok(match (new_session, user) {
        (Some((cookie, csrf)), _) => {
            (jar.add(cookie), Json(Session { account: info, csrf_token: csrf }))
        }
        (None, Some(u)) => (jar, Json(Session { account: info, csrf_token: u.csrf })),
        (None, None) => return Err(AppError::Unauthorized),
    })
}

/// Create or rotate the workspace's join link.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/join-link",
    params(WsPath),
    responses((status = 200, description = "OK", body = JoinLink))
)]
pub async fn join_link(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsPath { ws }): Path<WsPath>,
) -> ApiResult<Json<JoinLink>> {
    let action = Action::ManageJoinLink { workspace: ws };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let token = random_token();
    sqlx::query("UPDATE workspaces SET join_token_hash = $1 WHERE id = $2")
        .bind(token_hash(&token))
        .bind(ws)
        .execute(&mut *w.tx)
        .await?;
    // The join token is no fact of the policy's: no version change.
    w.audit(Audit::workspace(ws, AuditKind::JoinLinkRotate, "join link", json!(null), json!(null)));
    w.commit().await?;
    Ok(Json(JoinLink { link: format!("{}/join/{token}", st.public_url) }))
}

/// The workspace a join link names.
async fn workspace_of_join_token(tx: &mut Tx, token: &str) -> Result<Id, AppError> {
    col(
        &sqlx::query("SELECT id FROM workspaces WHERE join_token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| {
                AppError::denied(Reason::UnknownWorkspace, "This join link is not valid any more.")
            })?,
        "id",
    )
}

/// Ask to join through a join link; an admin must authorize.
#[utoipa::path(
    post,
    path = "/api/join/{token}",
    params(TokenPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn request_access(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(TokenPath { token }): Path<TokenPath>,
) -> ApiResult<Json<Done>> {
    let ws = workspace_of_join_token(&mut st.db.begin_read().await?, &token).await?;
    let mut w = Write::lock(&st, user.id, Scope::Workspace(ws)).await?;
    // Read again under the lock: the link may have been rotated meanwhile.
    let ws = workspace_of_join_token(&mut w.tx, &token).await?;
    w.with_account(user.id).await?;
    w.decide(&Action::RequestAccess { workspace: ws })?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO access_requests (workspace_id, account_id, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(ws)
    .bind(user.id)
    .bind(w.now)
    .fetch_one(&mut *w.tx)
    .await?;
    w.changed(Key::Request(id));
    w.audit(Audit::workspace(
        ws,
        AuditKind::RequestCreate,
        &user.email,
        json!(null),
        json!({"status": "waiting"}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Authorize an access request: the account becomes an Active Developer.
#[utoipa::path(
    post,
    path = "/api/workspaces/{ws}/requests/{req}/authorize",
    params(WsRequestPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn authorize_request(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsRequestPath { ws, req }): Path<WsRequestPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::AuthorizeRequest { workspace: ws, request: req };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    let account =
        w.facts().workspace(ws).and_then(|v| v.request(req)).map(|r| r.account).unwrap_or_default();
    insert_member(&mut w.tx, ws, account, Role::Developer, None, w.now).await?;
    sqlx::query("DELETE FROM access_requests WHERE id = $1").bind(req).execute(&mut *w.tx).await?;
    w.changed(Key::Member(account));
    w.changed(Key::Request(req));
    w.audit(Audit::workspace(
        ws,
        AuditKind::RequestAuthorize,
        account.to_string(),
        json!({"status": "waiting"}),
        json!({"status": "active", "role": "developer"}),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Reject an access request.
#[utoipa::path(
    delete,
    path = "/api/workspaces/{ws}/requests/{req}",
    params(WsRequestPath),
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn reject_request(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(WsRequestPath { ws, req }): Path<WsRequestPath>,
) -> ApiResult<Json<Done>> {
    let action = Action::RejectRequest { workspace: ws, request: req };
    let mut w = Write::begin(&st, &user, Scope::Workspace(ws), &action).await?;
    sqlx::query("DELETE FROM access_requests WHERE id = $1").bind(req).execute(&mut *w.tx).await?;
    w.changed(Key::Request(req));
    w.audit(Audit::workspace(
        ws,
        AuditKind::RequestReject,
        req.to_string(),
        json!({"status": "waiting"}),
        json!(null),
    ));
    w.commit().await?;
    Ok(Json(DONE))
}
