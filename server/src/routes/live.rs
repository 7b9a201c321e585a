//! Live access (SPEC 13): a workspace's changes as server-sent events, for
//! its viewers only (see [`crate::live`]).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response, Sse};
use axum::routing::get;
use policy::{Action, Id};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, AppError};
use crate::input::{Path, Query};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/workspaces/{ws}/events", get(events))
}

/// Where a new stream starts.
/// One event of the stream as a client parses it (OpenAPI 3.1: the
/// `text/event-stream` schema is each event's; `crate::live` writes them).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StreamEvent {
    pub event: StreamEventKind,
    /// The workspace version the event brings the client to.
    pub id: Option<String>,
    /// A small JSON object: `{"kinds": [...]}`, `{"why": ...}` or
    /// `{"code": ...}` by kind.
    pub data: String,
    /// Milliseconds before a client reconnects.
    pub retry: Option<i64>,
}

/// What an event says: a new version, reload everything, or the viewer's
/// access ended (the last event).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamEventKind {
    Change,
    Resync,
    AccessEnded,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct Resume {
    /// The version the client already has (the `version` of the workspace
    /// it loaded): the stream starts with every change after it. A
    /// `Last-Event-ID` header takes precedence (reconnections).
    pub after: Option<i64>,
}

/// The `Last-Event-ID` header: the version a reconnecting client has.
fn last_event_id(headers: &HeaderMap) -> Result<Option<i64>, AppError> {
    let Some(value) = headers.get("last-event-id") else { return Ok(None) };
    let text = value.to_str().unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        AppError::unparseable("Last-Event-ID", "Last-Event-ID must be a version number.")
    })
}

/// The workspace's changes as they happen, for as long as the signed-in
/// account may view it.
///
/// Server-sent events, one per new version of the workspace (the event's
/// `id`): `change` with `{"kinds": [...]}` (`settings`, `people`,
/// `groups`, `resources`, `access`, or `other` for what this viewer is not
/// shown the kind of) — then revalidate what you show; `resync` with
/// `{"why": ...}` — reload everything (the log no longer reaches back to
/// your version, or you read too slowly); `access_ended` with
/// `{"code": ...}` — the viewer lost access; the stream closes after it.
/// Ids are consecutive: a gap means events were lost in between. Resume
/// with `Last-Event-ID` (browsers send it when they reconnect) or `after`.
/// Idle streams send a comment (`:v<version>`) every 15 seconds.
#[utoipa::path(get, path = "/api/workspaces/{ws}/events",
    params(("ws" = i64, Path, description = "The workspace"),
        ("Last-Event-ID" = Option<i64>, Header, description = "The last version the client has (reconnections)"),
        Resume),
    responses(
        (status = 200, description = "The stream of changes; the schema is each event's", content_type = "text/event-stream", body = StreamEvent),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn events(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(ws): Path<Id>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let cursor = last_event_id(&headers)?.or(resume.after);
    // Refused as any read of the workspace is; the stream starts at the
    // version the facts it was allowed on stand at.
    let read = super::read(&st, &user, ws, &Action::ViewWorkspace { workspace: ws }).await?;
    let version = read.facts.version;
    drop(read);
    let stream =
        st.live.open(&st, ws, user.id, user.session_hash, cursor.unwrap_or(version), version);
    let mut res = Sse::new(stream).into_response();
    // Reverse proxies must pass events on at once.
    res.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
