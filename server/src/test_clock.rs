//! For end-to-end tests only, enabled by `--test-clock`: moves this
//! server's clock forward (`POST /api/test/clock {"advance_seconds": n}`),
//! so a test can pass a grant's or an invitation's expiry. Not part of the
//! API (absent from the OpenAPI document) and off unless asked for.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_seconds: i64,
}

#[derive(Debug, Serialize)]
struct Now {
    now: i64,
}

async fn advance(State(st): State<AppState>, Json(a): Json<Advance>) -> Json<Now> {
    st.advance_clock(a.advance_seconds.max(0));
    tracing::warn!(seconds = a.advance_seconds, "test clock moved forward");
    Json(Now { now: st.now() })
}

/// The test-only route, with its state.
pub fn router(state: AppState) -> Router {
    Router::new().route("/api/test/clock", post(advance)).with_state(state)
}
