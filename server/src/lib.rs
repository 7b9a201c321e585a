//! Gatehouse's backend: the one authority. Every request is authenticated,
//! the facts are read at the workspace's current version (from the facts
//! cache, kept current by the change log), the `policy` crate decides, and
//! only then does the handler write, through the one write path
//! (`write::Write`): lock, decide, write, change log, audit, commit, then
//! after-commit effects.

pub mod auth;
pub mod bench_seed;
pub mod changes;
pub mod db;
pub mod demo;
pub mod email;
pub mod error;
pub mod etag;
pub mod facts_cache;
pub mod headers;
pub mod input;
pub mod live;
pub mod load;
pub mod mail;
pub mod maintenance;
pub mod page;
pub mod routes;
pub mod state;
pub mod test_clock;
pub mod throttle;
pub mod write;

use std::path::Path;

use axum::Router;
use axum::http::StatusCode;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use state::AppState;

/// Largest request body accepted (bigger gets 413, nothing changed).
pub const MAX_BODY: usize = 64 * 1024;

/// The API, and the SPA from `dist` (with fallback to `index.html` for
/// client-side routes) when that folder exists.
pub fn app(state: AppState, dist: Option<&Path>) -> Router {
    let router = routes::api()
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { error::AppError::NotFound("No such API route.") }),
        )
        .layer(axum::middleware::from_fn(etag::etag))
        .layer(axum::middleware::from_fn_with_state(state.clone(), etag::server_time))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(headers::api_layer())
        .with_state(state);
    let router = match dist {
        Some(dir) if dir.join("index.html").exists() => router
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        _ => router
            .fallback(|| async { (StatusCode::NOT_FOUND, "The single-page app is not built.") }),
    };
    let csp = headers::content_security_policy(dist);
    let [csp, nosniff, frames, referrer] = headers::layers(&csp);
    router
        .layer(CompressionLayer::new())
        .layer(csp)
        .layer(nosniff)
        .layer(frames)
        .layer(referrer)
        .layer(TraceLayer::new_for_http())
}
