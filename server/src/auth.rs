//! Accounts, passwords (argon2), server-side sessions in the database with
//! an HttpOnly SameSite=Strict cookie, CSRF tokens. (Sign-in limits:
//! `throttle`.)

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{Tx, col};
use crate::error::AppError;
use crate::state::{AppState, SESSION_TTL};

/// The session cookie's name.
pub const COOKIE: &str = "gatehouse_session";
/// The header every state-changing request must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// 128 random bits, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// [`hash_password`] on a blocking thread, off the async runtime.
pub async fn hash_password_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))?
}

/// [`verify_password`] on a blocking thread. An empty `hash` (no such
/// account) still costs one verification against a dummy hash, so an
/// unknown email takes as long as a wrong password.
pub async fn verify_password_blocking(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        if hash.is_empty() {
            let _ = verify_password(&password, dummy_hash());
            false
        } else {
            verify_password(&password, &hash)
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

/// A valid argon2 hash of nothing anyone knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Checks a new password: 8 to 256 characters.
pub fn check_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if !(8..=256).contains(&n) {
        return Err(AppError::invalid("password", "Passwords need 8 to 256 characters."));
    }
    Ok(())
}

/// Creates a session; returns the cookie to set and the CSRF token.
pub async fn start_session(
    st: &AppState,
    tx: &mut Tx,
    account: i64,
    now: i64,
) -> Result<(Cookie<'static>, String), AppError> {
    let token = random_token();
    let csrf = random_token();
    sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(account)
        .bind(&csrf)
        .bind(now + SESSION_TTL)
        .execute(&mut **tx)
        .await?;
    Ok((session_cookie(st, token), csrf))
}

/// The session cookie: HttpOnly, SameSite=Strict, and Secure whenever the
/// server's public URL is https (then browsers never send it in clear).
fn session_cookie(st: &AppState, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(COOKIE, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_secure(st.public_url.starts_with("https://"));
    c.set_path("/");
    c
}

/// A cookie that removes the session cookie.
pub fn cleared_cookie(st: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(st, String::new());
    c.make_removal();
    c
}

/// The signed-in account, from the session cookie. On state-changing
/// methods it also requires the session's CSRF token in `x-csrf-token`.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub support: bool,
    pub verified: bool,
    pub csrf: String,
    pub session_hash: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(COOKIE).map(|c| c.value().to_owned()).ok_or(AppError::Unauthorized)?;
        let hash = token_hash(&token);
        let row = sqlx::query(
            "SELECT a.id, a.email, a.name, a.support, \
             CAST(CASE WHEN a.verified_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS verified, \
             s.csrf_token FROM sessions s \
             JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(&hash)
        .bind(state.now())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::Unauthorized)?;
        let user = CurrentUser {
            id: col(&row, "id")?,
            email: col(&row, "email")?,
            name: col(&row, "name")?,
            support: col::<i64>(&row, "support")? != 0,
            verified: col::<i64>(&row, "verified")? != 0,
            csrf: col(&row, "csrf_token")?,
            session_hash: hash,
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), user.csrf.as_bytes()) {
                return Err(AppError::Csrf);
            }
        }
        Ok(user)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `Option<CurrentUser>`: `None` when nobody is signed in; a signed-in
/// request still needs its CSRF token.
impl axum::extract::OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(user) => Ok(Some(user)),
            Err(AppError::Unauthorized) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unknown email costs one argon2 verification like a known one: the
    /// dummy hash is a real hash with the same parameters, so the work (not
    /// only the answer) is the same.
    #[test]
    fn an_unknown_email_costs_a_real_verification() {
        let real = hash_password("some password").unwrap_or_default();
        let dummy = dummy_hash();
        let params = |h: &str| {
            let p = PasswordHash::new(h).ok()?;
            Some((p.algorithm.to_string(), p.version, p.params.to_string()))
        };
        assert!(params(dummy).is_some(), "a valid PHC string: {dummy}");
        assert_eq!(params(dummy), params(&real));
        assert!(!verify_password("some password", dummy));
    }
}
