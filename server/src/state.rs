//! Shared state: database, mail, the write lock, the clock, settings.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use policy::{Action, Facts, Id, Snapshot};
use tokio::sync::{Mutex, MutexGuard};

use crate::auth::Throttle;
use crate::db::Db;
use crate::error::AppError;
use crate::mail::Mailer;

/// How long an invitation link stays valid (SPEC: default 7 days).
pub const INVITATION_TTL: i64 = 7 * 24 * 3600;
/// How long a session lasts.
pub const SESSION_TTL: i64 = 14 * 24 * 3600;

/// Everything handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    /// Writes run one at a time: decide-then-write is atomic with respect to
    /// other writes of this process (see ARCHITECTURE.md).
    write_lock: Arc<Mutex<()>>,
    pub throttle: Arc<Throttle>,
    /// Base URL for links in emails, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Added to the system clock; tests move time forward with it.
    clock_offset: Arc<AtomicI64>,
}

impl AppState {
    pub fn new(db: Db, mailer: Mailer, public_url: String) -> AppState {
        AppState {
            db,
            mailer: Arc::new(mailer),
            write_lock: Arc::new(Mutex::new(())),
            throttle: Arc::new(Throttle::default()),
            public_url,
            clock_offset: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Seconds since the epoch: the time the policy is given.
    pub fn now(&self) -> i64 {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        i64::try_from(secs).unwrap_or(i64::MAX) + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Moves this server's clock (tests: expiry).
    pub fn advance_clock(&self, seconds: i64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Serializes writers.
    pub async fn write(&self) -> MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }
}

/// Indexes the facts and asks the policy; a refusal becomes the matching
/// HTTP error. The indexed facts are returned for the write that follows.
pub fn authorize(snapshot: Snapshot, actor: Id, action: &Action) -> Result<Facts, AppError> {
    let facts = Facts::new(snapshot);
    match facts.decide(actor, action) {
        policy::Decision::Allowed => Ok(facts),
        policy::Decision::Denied(d) => Err(AppError::Denied(d)),
    }
}
