//! Invitations, join links and access requests, role changes, removals,
//! and the role toggles.

use axum::extract::{Path, State};
use axum::routing::{delete, get, patch, post, put};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;
use policy::{Action, Id, Role, Toggle};
use serde_json::json;

use super::account::{Session, account_info, create_account};
use super::{DONE, Done, change, decide};
use crate::auth::{self, CurrentUser, random_token, token_hash};
use crate::body::Body;
use crate::db::{self, Tx, col};
use crate::error::{ApiResult, AppError};
use crate::load::enum_text;
use crate::state::{AppState, INVITATION_TTL};
pub use policy::api::{
    Accept, InvitationInfo, InvitationSent, JoinLink, NewInvitation, NewRole, RoleCounts,
    SaveToggles, Saved, Toggles,
};

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
        .route("/api/workspaces/{ws}/members/{account}", patch(change_role).delete(remove_member))
        .route("/api/workspaces/{ws}/toggles", get(toggles))
        .route("/api/workspaces/{ws}/toggles/{role}", put(save_toggles))
}

async fn send_invitation(
    st: &AppState,
    tx: &mut Tx,
    ws: Id,
    email: &str,
    token: &str,
) -> Result<(), AppError> {
    let r = sqlx::query("SELECT w.name, c.name AS company FROM workspaces w JOIN companies c ON c.id = w.company_id WHERE w.id = $1")
        .bind(ws)
        .fetch_one(&mut **tx)
        .await?;
    let name: String = col(&r, "name")?;
    let link = format!("{}/invite/{token}", st.public_url);
    tracing::info!(%email, %link, "invitation link");
    st.mailer
        .send(
            email,
            &format!("You are invited to {name} on Gatehouse"),
            format!(
                "You have been invited to the workspace \"{name}\" of {}.\n\nOpen this link to accept (valid for 7 days, once):\n{link}\n",
                col::<String>(&r, "company")?
            ),
        )
        .await
}

/// Invite someone by email; an open invitation to the same email is renewed
/// and resent instead of duplicated.
#[utoipa::path(post, path = "/api/workspaces/{ws}/invitations", request_body = NewInvitation,
    responses((status = 200, body = InvitationSent), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn invite(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Body(req): Body<NewInvitation>,
) -> ApiResult<Json<InvitationSent>> {
    let now = st.now();
    let (_w, mut tx, _) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::Invite { workspace: ws, email: req.email.clone(), role: req.role },
    )
    .await?;
    let email = policy::validate::normalize_email(&req.email)
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
    let token = random_token();
    let expires = now + INVITATION_TTL;
    let existing =
        sqlx::query("SELECT id, role FROM invitations WHERE workspace_id = $1 AND email = $2")
            .bind(ws)
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
    let (id, resent) = match existing {
        Some(r) => {
            let id: i64 = col(&r, "id")?;
            sqlx::query(
                "UPDATE invitations SET role = $1, token_hash = $2, expires_at = $3 WHERE id = $4",
            )
            .bind(enum_text(&req.role))
            .bind(token_hash(&token))
            .bind(expires)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            db::audit(
                &mut tx,
                Some(ws),
                None,
                user.id,
                now,
                "invitation.resend",
                &email,
                json!({"role": col::<String>(&r, "role")?}),
                json!({"role": req.role}),
            )
            .await?;
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
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            db::audit(
                &mut tx,
                Some(ws),
                None,
                user.id,
                now,
                "invitation.create",
                &email,
                json!(null),
                json!({"role": req.role}),
            )
            .await?;
            (col(&r, "id")?, false)
        }
    };
    send_invitation(&st, &mut tx, ws, &email, &token).await?;
    tx.commit().await?;
    Ok(Json(InvitationSent { id, resent, expires_at: expires }))
}

/// Resend an invitation: renews its expiry; the previous link stops working.
#[utoipa::path(post, path = "/api/workspaces/{ws}/invitations/{inv}/resend", responses((status = 200, body = InvitationSent), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn resend(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, inv)): Path<(Id, Id)>,
) -> ApiResult<Json<InvitationSent>> {
    let now = st.now();
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::ResendInvitation { workspace: ws, invitation: inv },
    )
    .await?;
    let email = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.invitations)
        .find(|i| i.id == inv)
        .map(|i| i.email.clone())
        .unwrap_or_default();
    let token = random_token();
    let expires = now + INVITATION_TTL;
    sqlx::query("UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE id = $3")
        .bind(token_hash(&token))
        .bind(expires)
        .bind(inv)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        now,
        "invitation.resend",
        &email,
        json!(null),
        json!({"expires_at": expires}),
    )
    .await?;
    send_invitation(&st, &mut tx, ws, &email, &token).await?;
    tx.commit().await?;
    Ok(Json(InvitationSent { id: inv, resent: true, expires_at: expires }))
}

/// Delete a waiting invitation; its link stops working.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/invitations/{inv}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete_invitation(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, inv)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::DeleteInvitation { workspace: ws, invitation: inv },
    )
    .await?;
    let email = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.invitations)
        .find(|i| i.id == inv)
        .map(|i| i.email.clone())
        .unwrap_or_default();
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(inv).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "invitation.delete",
        &email,
        json!({"invitation": inv}),
        json!(null),
    )
    .await?;
    tx.commit().await?;
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
        .ok_or(AppError::NotFound("This invitation link is not valid: it was used, replaced by a newer one, or deleted."))?;
    let invitation = policy::Invitation {
        id: col(&r, "id")?,
        email: col(&r, "email")?,
        role: crate::load::parse_enum(&col::<String>(&r, "role")?)?,
        expires_at: col(&r, "expires_at")?,
    };
    Ok((col(&r, "workspace_id")?, invitation))
}

/// What an invitation link is for (no sign-in needed).
#[utoipa::path(get, path = "/api/invitations/{token}", responses((status = 200, body = InvitationInfo), (status = 404, body = crate::error::ErrorBody)))]
pub async fn invitation_info(
    State(st): State<AppState>,
    Path(token): Path<String>,
) -> ApiResult<Json<InvitationInfo>> {
    let mut tx = st.db.begin().await?;
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
    tx.commit().await?;
    Ok(Json(InvitationInfo {
        workspace: ws,
        workspace_name: name,
        expired: inv.is_expired(st.now()),
        role: enum_text(&inv.role),
        email: inv.email,
        has_account,
    }))
}

/// Accept an invitation: as the signed-in account (same email), or by
/// creating the account. The link works once.
#[utoipa::path(post, path = "/api/invitations/{token}/accept", request_body = Accept, responses((status = 200, body = Session), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 410, body = crate::error::ErrorBody)))]
pub async fn accept(
    State(st): State<AppState>,
    user: Option<CurrentUser>,
    jar: CookieJar,
    Path(token): Path<String>,
    Body(req): Body<Accept>,
) -> ApiResult<(CookieJar, Json<Session>)> {
    let _w = st.write().await;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let (ws, invitation) = invitation_by_token(&mut tx, &token).await?;
    let (inv, email, role) = (invitation.id, invitation.email, enum_text(&invitation.role));
    let (account, new_session) = match &user {
        Some(u) => (u.id, None),
        None => {
            let (Some(name), Some(password)) = (&req.name, &req.password) else {
                return Err(AppError::invalid(
                    "password",
                    "Choose a name and a password to create your account, or sign in first.",
                ));
            };
            // Invited people join the workspace, not a company.
            let id = create_account(&mut tx, &email, name, password, None, now).await?;
            (id, Some(auth::start_session(&mut tx, id, now).await?))
        }
    };
    let snap = crate::load::facts(&mut tx, account, &[ws], &[]).await?;
    crate::state::authorize(
        snap,
        account,
        &Action::AcceptInvitation { workspace: ws, invitation: inv, now },
    )?;
    sqlx::query(
        "INSERT INTO members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(ws)
    .bind(account)
    .bind(&role)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM invitations WHERE id = $1").bind(inv).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM access_requests WHERE workspace_id = $1 AND account_id = $2")
        .bind(ws)
        .bind(account)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        account,
        now,
        "invitation.accept",
        &email,
        json!({"status": "waiting"}),
        json!({"status": "active", "role": role}),
    )
    .await?;
    let info = account_info(&mut tx, account).await?;
    tx.commit().await?;
    Ok(match (new_session, user) {
        (Some((cookie, csrf)), _) => {
            (jar.add(cookie), Json(Session { account: info, csrf_token: csrf }))
        }
        (None, Some(u)) => (jar, Json(Session { account: info, csrf_token: u.csrf })),
        (None, None) => return Err(AppError::Unauthorized),
    })
}

/// Create or rotate the workspace's join link.
#[utoipa::path(post, path = "/api/workspaces/{ws}/join-link", responses((status = 200, body = JoinLink), (status = 403, body = crate::error::ErrorBody)))]
pub async fn join_link(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
) -> ApiResult<Json<JoinLink>> {
    let (_w, mut tx, _) =
        change(&st, &user, &[ws], &[], &Action::ManageJoinLink { workspace: ws }).await?;
    let token = random_token();
    sqlx::query("UPDATE workspaces SET join_token_hash = $1 WHERE id = $2")
        .bind(token_hash(&token))
        .bind(ws)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "join_link.rotate",
        "join link",
        json!(null),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(JoinLink { link: format!("{}/join/{token}", st.public_url) }))
}

/// Ask to join through a join link; an admin must authorize.
#[utoipa::path(post, path = "/api/join/{token}", responses((status = 200, body = Done), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn request_access(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(token): Path<String>,
) -> ApiResult<Json<Done>> {
    let _w = st.write().await;
    let now = st.now();
    let mut tx = st.db.begin().await?;
    let ws: Id = col(
        &sqlx::query("SELECT id FROM workspaces WHERE join_token_hash = $1")
            .bind(token_hash(&token))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound("This join link is not valid any more."))?,
        "id",
    )?;
    decide(&mut tx, &user, &[ws], &[], &Action::RequestAccess { workspace: ws }).await?;
    sqlx::query(
        "INSERT INTO access_requests (workspace_id, account_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(ws)
    .bind(user.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        now,
        "request.create",
        &user.email,
        json!(null),
        json!({"status": "waiting"}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Authorize an access request: the account becomes an Active Developer.
#[utoipa::path(post, path = "/api/workspaces/{ws}/requests/{req}/authorize", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn authorize_request(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, req)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let now = st.now();
    let (_w, mut tx, facts) =
        change(&st, &user, &[ws], &[], &Action::AuthorizeRequest { workspace: ws, request: req })
            .await?;
    let account = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.requests)
        .find(|r| r.id == req)
        .map(|r| r.account)
        .unwrap_or_default();
    sqlx::query("INSERT INTO members (workspace_id, account_id, role, joined_at) VALUES ($1, $2, 'developer', $3)").bind(ws).bind(account).bind(now).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM access_requests WHERE id = $1").bind(req).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        now,
        "request.authorize",
        &account.to_string(),
        json!({"status": "waiting"}),
        json!({"status": "active", "role": "developer"}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Reject an access request.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/requests/{req}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reject_request(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, req)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) =
        change(&st, &user, &[ws], &[], &Action::RejectRequest { workspace: ws, request: req })
            .await?;
    sqlx::query("DELETE FROM access_requests WHERE id = $1").bind(req).execute(&mut *tx).await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "request.reject",
        &req.to_string(),
        json!({"status": "waiting"}),
        json!(null),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Change an Active member's permission.
#[utoipa::path(patch, path = "/api/workspaces/{ws}/members/{account}", request_body = NewRole, responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn change_role(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, target)): Path<(Id, Id)>,
    Body(req): Body<NewRole>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, facts) = change(
        &st,
        &user,
        &[ws],
        &[],
        &Action::ChangeRole { workspace: ws, target, role: req.role },
    )
    .await?;
    let before = facts
        .snapshot()
        .workspaces
        .iter()
        .flat_map(|w| &w.members)
        .find(|m| m.account == target)
        .map(|m| m.role);
    sqlx::query("UPDATE members SET role = $1 WHERE workspace_id = $2 AND account_id = $3")
        .bind(enum_text(&req.role))
        .bind(ws)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "member.role",
        &target.to_string(),
        json!({"role": before}),
        json!({"role": req.role}),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// Remove a member's access (irreversible; they must be invited again).
pub async fn remove_member_in(
    st: &AppState,
    tx: &mut Tx,
    ws: Id,
    target: Id,
    actor: Id,
    kind: &str,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM group_members WHERE account_id = $1 AND group_id IN (SELECT id FROM groups WHERE workspace_id = $2)").bind(target).bind(ws).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM members WHERE workspace_id = $1 AND account_id = $2")
        .bind(ws)
        .bind(target)
        .execute(&mut **tx)
        .await?;
    db::audit(
        tx,
        Some(ws),
        None,
        actor,
        st.now(),
        kind,
        &target.to_string(),
        json!({"member": target}),
        json!(null),
    )
    .await
}

/// Remove a member's access.
#[utoipa::path(delete, path = "/api/workspaces/{ws}/members/{account}", responses((status = 200, body = Done), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn remove_member(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, target)): Path<(Id, Id)>,
) -> ApiResult<Json<Done>> {
    let (_w, mut tx, _) =
        change(&st, &user, &[ws], &[], &Action::RemoveMember { workspace: ws, target }).await?;
    remove_member_in(&st, &mut tx, ws, target, user.id, "member.remove").await?;
    tx.commit().await?;
    Ok(Json(DONE))
}

/// The Admin and Developer toggles with their version and user counts.
#[utoipa::path(get, path = "/api/workspaces/{ws}/toggles", responses((status = 200, body = Toggles), (status = 403, body = crate::error::ErrorBody)))]
pub async fn toggles(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
) -> ApiResult<Json<Toggles>> {
    let mut tx = st.db.begin().await?;
    let facts =
        decide(&mut tx, &user, &[ws], &[], &Action::ViewPermissions { workspace: ws }).await?;
    tx.commit().await?;
    let w = facts
        .into_snapshot()
        .workspaces
        .into_iter()
        .find(|w| w.id == ws)
        .ok_or(AppError::NotFound("That workspace does not exist."))?;
    let count = |r: Role| w.members.iter().filter(|m| m.role == r).count();
    Ok(Json(Toggles {
        counts: RoleCounts {
            owner: count(Role::Owner),
            admin: count(Role::Admin),
            developer: count(Role::Developer),
        },
        admin: w.toggles.admin,
        developer: w.toggles.developer,
        version: w.toggles.version,
    }))
}

/// Save a role's toggles as one batch, based on a version.
#[utoipa::path(put, path = "/api/workspaces/{ws}/toggles/{role}", request_body = SaveToggles, responses((status = 200, body = Saved), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn save_toggles(
    State(st): State<AppState>,
    user: CurrentUser,
    Path((ws, role)): Path<(Id, String)>,
    Body(req): Body<SaveToggles>,
) -> ApiResult<Json<Saved>> {
    let role: Role = crate::load::parse_enum(&role)
        .map_err(|_| AppError::invalid("role", "The role must be `admin` or `developer`."))?;
    let action = Action::SaveToggles {
        workspace: ws,
        role,
        toggles: req.toggles.clone(),
        base_version: req.base_version,
    };
    let (_w, mut tx, facts) = change(&st, &user, &[ws], &[], &action).await?;
    let before = facts.snapshot().workspaces.iter().find(|w| w.id == ws).map(|w| {
        if role == Role::Admin { w.toggles.admin.clone() } else { w.toggles.developer.clone() }
    });
    let next: Vec<Toggle> =
        req.toggles.iter().copied().collect::<policy::ToggleSet>().iter().collect();
    let column = if role == Role::Admin { "toggles_admin" } else { "toggles_developer" };
    // The version guard makes a concurrent save lose cleanly (409), never merge.
    let done = sqlx::query(&format!("UPDATE workspaces SET {column} = $1, toggles_version = toggles_version + 1 WHERE id = $2 AND toggles_version = $3"))
        .bind(serde_json::to_string(&next).unwrap_or_default())
        .bind(ws)
        .bind(req.base_version)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(AppError::Denied(policy::Denial {
            code: policy::Reason::StaleVersion,
            message: policy::Reason::StaleVersion.default_message().into(),
        }));
    }
    db::audit(
        &mut tx,
        Some(ws),
        None,
        user.id,
        st.now(),
        "toggles.save",
        &enum_text(&role),
        json!(before),
        json!(next),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(Saved { version: req.base_version + 1 }))
}
