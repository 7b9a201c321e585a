//! Email verification (SPEC 1): a single-use link mailed when an account is
//! made (and again on request) proves the address; until then the account
//! is not added to companies nor registered as an analyst. Accepting an
//! invitation proves the address it was sent to.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use policy::Id;

use super::{DONE, Done};
use crate::auth::{CurrentUser, random_token, token_hash};
use crate::changes::Key;
use crate::db::{Tx, col};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::mail::Mail;
use crate::state::AppState;
use crate::write::{Scope, Write};
pub use policy::api::VerifyEmail;

/// How long a verification link stays valid.
pub const VERIFICATION_TTL: i64 = 3 * 24 * 3600;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/verify", post(verify))
        .route("/api/auth/verification", post(resend))
}

/// Stores a new verification link for `account` (older ones stop working)
/// and its mail, in `tx`; the caller sends the mail after commit.
pub async fn start(
    st: &AppState,
    tx: &mut Tx,
    account: Id,
    email: &str,
    now: i64,
) -> Result<Vec<(i64, Mail)>, AppError> {
    let token = random_token();
    sqlx::query("DELETE FROM email_verifications WHERE account_id = $1")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, account_id, email, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash(&token))
    .bind(account)
    .bind(email)
    .bind(now + VERIFICATION_TTL)
    .execute(&mut **tx)
    .await?;
    let mail = Mail::new(
        email,
        "Verify your email address for Gatehouse".into(),
        format!(
            "Open this link to verify your address (valid for 3 days, once):\n{}/verify/{token}\n",
            st.public_url
        ),
    )?;
    crate::mail::store(tx, &[mail], now).await
}

/// Marks `account` verified (the address a link or an invitation proved).
pub async fn mark_verified(tx: &mut Tx, account: Id, now: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE accounts SET verified_at = $1 WHERE id = $2 AND verified_at IS NULL")
        .bind(now)
        .bind(account)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM email_verifications WHERE account_id = $1")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Verify an address with the link's token (no sign-in needed). Works once;
/// a used, replaced or expired link is 410.
#[utoipa::path(
    post,
    path = "/api/auth/verify",
    request_body = VerifyEmail,
    security(()),
    responses((status = 200, description = "OK", body = Done), (status = 410, description = "`gone`: the link was used, replaced by a newer one, or has expired."))
)]
pub async fn verify(
    State(st): State<AppState>,
    Body(req): Body<VerifyEmail>,
) -> ApiResult<Json<Done>> {
    let token = token_hash(req.token.trim());
    let find = "SELECT v.account_id, v.expires_at FROM email_verifications v JOIN accounts a \
                ON a.id = v.account_id AND a.email = v.email WHERE v.token_hash = $1";
    let gone = || {
        AppError::Gone("This verification link was used, replaced by a newer one, or has expired.")
    };
    let account: Id = match sqlx::query(find).bind(&token).fetch_optional(&st.db.pool).await? {
        Some(r) => col(&r, "account_id")?,
        None => return Err(gone()),
    };
    // Being verified lets the account be added to companies and registered
    // as an analyst: the workspaces whose facts hold it get a new version.
    let mut w = Write::lock(&st, account, Scope::Account(account)).await?;
    let row = sqlx::query(find).bind(&token).fetch_optional(&mut *w.tx).await?.ok_or_else(gone)?;
    if col::<i64>(&row, "expires_at")? <= w.now {
        return Err(gone());
    }
    mark_verified(&mut w.tx, account, w.now).await?;
    w.changed_company(Key::Account(account));
    w.commit().await?;
    Ok(Json(DONE))
}

/// Mail the signed-in account a new verification link.
#[utoipa::path(
    post,
    path = "/api/auth/verification",
    responses((status = 200, description = "OK", body = Done), (status = 409, description = "`conflict`: the address is already verified."))
)]
pub async fn resend(State(st): State<AppState>, user: CurrentUser) -> ApiResult<Json<Done>> {
    if user.verified {
        return Err(AppError::Conflict("Your address is already verified.".into()));
    }
    let now = st.now();
    let mut tx = st.db.begin_write().await?;
    let outbox = start(&st, &mut tx, user.id, &user.email, now).await?;
    tx.commit().await?;
    crate::mail::send_stored(&st, outbox).await;
    Ok(Json(DONE))
}
