//! What a request says, checked before a handler sees it (SPEC 12): path
//! parameters, query strings and JSON bodies that cannot be parsed are 400;
//! text with NUL or other control characters is 422 naming the field, on
//! every database (PostgreSQL refuses NUL in text; SQLite would store it).
//! Every rejection is our JSON error.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

/// Whether `c` may appear in text we store: no C0 control but tab and line
/// breaks, no DEL, no C1 control.
fn allowed(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// The first string in `value` with a control character, by its path.
fn control_at(value: &Value, path: &mut Vec<String>) -> Option<String> {
    match value {
        Value::String(s) if !s.chars().all(allowed) => Some(path.join(".")),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(i.to_string());
            let found = control_at(v, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            path.push(k.clone());
            let found = control_at(v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

fn control_characters(field: &str) -> AppError {
    AppError::invalid(field, "Text cannot contain control characters (such as NUL).")
}

/// Deserializes `value` as `T`, naming the path of the first bad field (422).
fn shaped<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let field = (path != ".").then_some(path);
        AppError::BadRequest { status: StatusCode::UNPROCESSABLE_ENTITY, field, message: inner }
    })
}

/// A JSON body: 415 without `application/json`, 400 when it is not JSON,
/// 422 naming the field when a value has the wrong shape or a control
/// character.
#[derive(Debug, Clone, Copy, Default)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(AppError::BadRequest {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                field: None,
                message: "Send the body as application/json.".into(),
            });
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            AppError::BadRequest { status: e.status(), field: None, message: e.body_text() }
        })?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| AppError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            field: None,
            message: "The request body is not valid JSON.".into(),
        })?;
        if let Some(field) = control_at(&value, &mut Vec::new()) {
            return Err(control_characters(&field));
        }
        shaped(value).map(Body)
    }
}

/// Path parameters: 400 when one cannot be parsed (`/api/workspaces/abc`),
/// 422 when text holds a control character.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(path_rejection)?;
        if let Some((name, _)) = raw.0.iter().find(|(_, v)| !v.chars().all(allowed)) {
            return Err(control_characters(name));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(path_rejection)
    }
}

fn path_rejection(e: PathRejection) -> AppError {
    AppError::BadRequest {
        status: StatusCode::BAD_REQUEST,
        field: None,
        message: format!("A path parameter is not valid: {}.", e.body_text()),
    }
}

/// A query string: 400 when it cannot be parsed, 422 naming the parameter
/// when a value holds a control character.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(query_rejection)?;
        if let Some((name, _)) =
            raw.0.iter().find(|(k, v)| !(k.chars().all(allowed) && v.chars().all(allowed)))
        {
            return Err(control_characters(name));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(query_rejection)
    }
}

fn query_rejection(e: QueryRejection) -> AppError {
    let message = e.body_text();
    // "Failed to deserialize query string: limit: invalid digit found in string"
    let field = message
        .rsplit_once(": ")
        .and_then(|(head, _)| head.rsplit_once(": ").map(|(_, f)| f.to_owned()))
        .filter(|f| !f.contains(' '));
    AppError::BadRequest { status: StatusCode::BAD_REQUEST, field, message }
}
