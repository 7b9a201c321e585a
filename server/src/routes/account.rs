//! Sign up, sign in, sign out, current user.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::cookie::CookieJar;

use super::{DONE, Done};
use crate::auth::{self, CurrentUser};
use crate::db::{Tx, col};
use crate::error::{ApiResult, AppError};
use crate::input::Body;
use crate::state::AppState;
use crate::throttle::ClientAddr;
pub use policy::api::{AccountInfo, CompanyRef, Me, Session, SignIn, SignUp, WorkspaceRef};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/signup", post(signup))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me))
}

/// Validates a display name: 1 to 100 characters after trimming.
pub fn check_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "Names need 1 to 100 characters."));
    }
    Ok(name.to_owned())
}

/// A new account's checked email, name and hashed password.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

impl NewAccount {
    /// Checks the fields, then hashes the password on a blocking thread
    /// (before any transaction begins: hashing is slow on purpose).
    pub async fn check(email: &str, name: &str, password: &str) -> Result<NewAccount, AppError> {
        let email = crate::email::normalize(email)?;
        let name = check_name(name)?;
        auth::check_password(password)?;
        let password_hash = auth::hash_password_blocking(password.to_owned()).await?;
        Ok(NewAccount { email, name, password_hash })
    }
}

/// Creates an account (and, unless `company` is `None`, a company of its
/// own with the person as first company admin).
pub async fn create_account(
    tx: &mut Tx,
    new: &NewAccount,
    company: Option<&str>,
    now: i64,
) -> Result<i64, AppError> {
    let NewAccount { email, name, password_hash: hash } = new;
    let taken = sqlx::query("SELECT id FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(
            "An account with that email already exists; sign in instead.".into(),
        ));
    }
    let row = sqlx::query(
        "INSERT INTO accounts (email, name, password_hash, support, created_at) VALUES ($1, $2, $3, 0, $4) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = col(&row, "id")?;
    if let Some(company) = company {
        let company_name = if company.trim().is_empty() {
            format!("{name}'s company")
        } else {
            company.trim().to_owned()
        };
        let c = sqlx::query("INSERT INTO companies (name) VALUES ($1) RETURNING id")
            .bind(company_name)
            .fetch_one(&mut **tx)
            .await?;
        let cid: i64 = col(&c, "id")?;
        sqlx::query(
            "INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, 1)",
        )
        .bind(cid)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}

pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Create an account and its own company, and sign in.
#[utoipa::path(
    post,
    path = "/api/auth/signup",
    request_body = SignUp,
    security(()),
    responses((status = 200, description = "OK", body = Session), (status = 409, description = "`conflict`: an account with that email exists; sign in instead."), (status = 429, description = "`too_many_attempts`: too many sign-ins or sign-ups from this address; see `Retry-After`."))
)]
pub async fn signup(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Body(req): Body<SignUp>,
) -> ApiResult<(CookieJar, Json<Session>)> {
    st.throttle.address(client)?;
    let new = NewAccount::check(&req.email, &req.name, &req.password).await?;
    let now = st.now();
    let mut tx = st.db.begin_write().await?;
    let id = create_account(&mut tx, &new, Some(req.company.as_deref().unwrap_or("")), now).await?;
    let (cookie, csrf) = auth::start_session(&st, &mut tx, id, now).await?;
    let account = account_info(&mut tx, id).await?;
    let outbox = super::verification::start(&st, &mut tx, id, &new.email, now).await?;
    tx.commit().await?;
    crate::mail::send_stored(&st, outbox).await;
    Ok((jar.add(cookie), Json(Session { account, csrf_token: csrf })))
}

pub async fn account_info(tx: &mut Tx, id: i64) -> Result<AccountInfo, AppError> {
    let r = sqlx::query(
        "SELECT id, email, name, support, \
         CAST(CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS verified \
         FROM accounts WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(AccountInfo {
        id: col(&r, "id")?,
        email: col(&r, "email")?,
        name: col(&r, "name")?,
        support: col::<i64>(&r, "support")? != 0,
        verified: col::<i64>(&r, "verified")? != 0,
    })
}

/// The longest email address (RFC 5321) and password accepted.
const MAX_EMAIL: usize = 254;
const MAX_PASSWORD: usize = 256;

/// Sign in with email and password. Limited per client address and slowed
/// per account (`throttle`); an unknown email costs what a wrong password
/// costs.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    request_body = SignIn,
    security(()),
    responses((status = 200, description = "OK", body = Session), (status = 401, description = "`invalid_input`: that email and password match no account."), (status = 429, description = "`too_many_attempts`: too many attempts from this address or for this account; see `Retry-After`."))
)]
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Body(req): Body<SignIn>,
) -> ApiResult<(CookieJar, Json<Session>)> {
    let now = st.now();
    st.throttle.address(client)?;
    // Bounded input: nothing longer is an address or a password we made.
    if req.email.chars().count() > MAX_EMAIL {
        return Err(AppError::invalid("email", "Email addresses have at most 254 characters."));
    }
    if req.password.chars().count() > MAX_PASSWORD {
        return Err(AppError::invalid("password", "Passwords have at most 256 characters."));
    }
    let email = crate::email::lookup_form(&req.email);
    st.throttle.account(&email, now)?;
    let row = sqlx::query("SELECT id, password_hash FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_optional(&st.db.pool)
        .await?;
    let (id, hash) = match &row {
        Some(r) => (Some(col::<i64>(r, "id")?), col::<String>(r, "password_hash")?),
        None => (None, String::new()),
    };
    let matches = auth::verify_password_blocking(req.password, hash).await?;
    let Some(id) = id.filter(|_| matches) else {
        st.throttle.failed(&email, now);
        return Err(AppError::BadRequest {
            status: axum::http::StatusCode::UNAUTHORIZED,
            field: None,
            message: "That email and password do not match an account.".into(),
        });
    };
    st.throttle.succeeded(&email);
    let mut tx = st.db.begin_write().await?;
    let (cookie, csrf) = auth::start_session(&st, &mut tx, id, now).await?;
    let account = account_info(&mut tx, id).await?;
    tx.commit().await?;
    Ok((jar.add(cookie), Json(Session { account, csrf_token: csrf })))
}

/// Sign out: the session is deleted server-side.
#[utoipa::path(
    post,
    path = "/api/auth/logout",
    responses((status = 200, description = "OK", body = Done))
)]
pub async fn logout(
    State(st): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
) -> ApiResult<(CookieJar, Json<Done>)> {
    let mut tx = st.db.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&user.session_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((jar.add(auth::cleared_cookie(&st)), Json(DONE)))
}

/// The signed-in account, its companies and workspaces.
#[utoipa::path(
    get,
    path = "/api/me",
    responses((status = 200, description = "OK", body = Me))
)]
pub async fn me(State(st): State<AppState>, user: CurrentUser) -> ApiResult<Json<Me>> {
    let mut tx = st.db.begin_read().await?;
    let companies = sqlx::query(
        "SELECT c.id, c.name, m.admin, c.partner_enabled, c.client_enabled FROM company_members m \
         JOIN companies c ON c.id = m.company_id WHERE m.account_id = $1 ORDER BY c.id",
    )
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        Ok(CompanyRef {
            id: col(r, "id")?,
            name: col(r, "name")?,
            admin: col::<i64>(r, "admin")? != 0,
            partner_enabled: col::<i64>(r, "partner_enabled")? != 0,
            client_enabled: col::<i64>(r, "client_enabled")? != 0,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let workspaces = sqlx::query(
        "SELECT w.id, w.name, w.company_id, c.name AS company_name, m.role, p.name AS partner_name \
         FROM members m JOIN workspaces w ON w.id = m.workspace_id JOIN companies c ON c.id = w.company_id \
         LEFT JOIN companies p ON p.id = m.partner_company_id WHERE m.account_id = $1 ORDER BY w.id",
    )
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| {
        Ok(WorkspaceRef {
            id: col(r, "id")?,
            name: col(r, "name")?,
            company: col(r, "company_id")?,
            company_name: col(r, "company_name")?,
            role: super::workspaces::role_of(&col::<String>(r, "role")?)?,
            via_partner: col(r, "partner_name")?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    tx.commit().await?;
    Ok(Json(Me {
        account: AccountInfo {
            id: user.id,
            email: user.email,
            name: user.name,
            support: user.support,
            verified: user.verified,
        },
        csrf_token: user.csrf,
        companies,
        workspaces,
    }))
}
