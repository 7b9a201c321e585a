//! Background upkeep of a running server: retrying unsent mail, recording
//! grant expiries in the audit log, pruning the change log beyond its
//! retention.

use std::time::Duration;

use crate::state::AppState;

/// How long the change log keeps entries (a client offline longer than
/// this reloads in full).
pub const CHANGE_LOG_RETENTION: i64 = 8 * 24 * 3600;

/// Deletes change-log entries older than the retention; returns how many.
pub async fn prune_change_log(st: &AppState) -> Result<u64, crate::error::AppError> {
    let done = sqlx::query("DELETE FROM changes WHERE at < $1")
        .bind(st.now() - CHANGE_LOG_RETENTION)
        .execute(&st.db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Runs forever: every 30 s the outbox sweep and the expiries, every hour
/// the pruning.
pub async fn run(st: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        if let Err(e) = crate::mail::sweep(&st).await {
            tracing::warn!(error = %e, "outbox sweep failed");
        }
        if let Err(e) = crate::routes::partners::record_expiries(&st).await {
            tracing::warn!(error = %e, "recording grant expiries failed");
        }
        if n.is_multiple_of(120)
            && let Err(e) = prune_change_log(&st).await
        {
            tracing::warn!(error = %e, "change log pruning failed");
        }
        n += 1;
    }
}
