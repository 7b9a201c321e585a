//! Shared state: database, facts cache, mail, the clock, settings.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::db::Db;
use crate::facts_cache::FactsCache;
use crate::mail::Mailer;
use crate::throttle::Throttle;

/// How long an invitation link stays valid (SPEC: default 7 days).
pub const INVITATION_TTL: i64 = 7 * 24 * 3600;
/// How long a session lasts.
pub const SESSION_TTL: i64 = 14 * 24 * 3600;

/// Everything handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub mailer: Arc<Mailer>,
    /// Each workspace's facts, kept current from the change log.
    pub cache: FactsCache,
    pub throttle: Arc<Throttle>,
    /// Live access: this process's event streams (SPEC 13).
    pub live: crate::live::Live,
    /// Base URL for links in emails, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Added to the system clock; tests move time forward with it.
    clock_offset: Arc<AtomicI64>,
}

impl AppState {
    pub fn new(db: Db, mailer: Mailer, public_url: String, cache: FactsCache) -> AppState {
        AppState {
            db,
            mailer: Arc::new(mailer),
            cache,
            throttle: Arc::new(Throttle::default()),
            live: crate::live::Live::default(),
            public_url,
            clock_offset: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Seconds since the epoch: the time the policy is given.
    pub fn now(&self) -> i64 {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        i64::try_from(secs).unwrap_or(i64::MAX) + self.clock_offset.load(Ordering::Relaxed)
    }

    /// Sign-in limits: `per_minute` attempts per client address, trusting
    /// `X-Forwarded-For` from `proxies` only.
    pub fn with_sign_in_limits(
        mut self,
        proxies: Vec<std::net::IpAddr>,
        per_minute: u32,
    ) -> AppState {
        self.throttle = Arc::new(Throttle::new(proxies, per_minute));
        self
    }

    /// Moves this server's clock (tests: expiry).
    pub fn advance_clock(&self, seconds: i64) {
        self.clock_offset.fetch_add(seconds, Ordering::Relaxed);
    }
}
