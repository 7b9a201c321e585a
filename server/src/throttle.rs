//! Sign-in abuse (SPEC 11): attempts are limited per client address and
//! slowed per account, in bounded memory, without ever locking the real
//! owner out.
//!
//! - Per client address (sign-in and sign-up): a GCRA rate limit
//!   (`governor`), by default 20 attempts a minute after a burst of 20
//!   (`--sign-ins-per-minute`); beyond it, 429 with the wait. Trying many
//!   emails is slowed like trying one.
//! - Per account: after a few failures in a row, each next attempt must
//!   wait a growing delay since the last failure (2 s, 4 s, ... capped at
//!   60 s); earlier attempts get 429 without a password check. The cap
//!   means an attempt from a fresh window is always possible within a
//!   minute; a success clears the account's record.
//! - Memory: the per-account records live in a size-bounded cache that
//!   forgets a record 15 minutes after its last failure; the address
//!   limiter's state is purged of idle keys periodically.
//!
//! The limits are per server process: with N processes an attacker gets N
//! times the attempts (the README says so). The client address is the
//! connection's peer, or, when the peer is a trusted proxy, the last
//! address in its `X-Forwarded-For` that is not itself a trusted proxy.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;
use crate::state::AppState;

/// Failures before delays start, and the longest delay.
const FREE_FAILURES: u32 = 3;
const MAX_DELAY: i64 = 60;
/// How long an account's failures are remembered after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Accounts remembered at most (the least recently failed go first).
const MAX_ACCOUNTS: u64 = 100_000;

/// An account's recent failures: how many in a row, and when the last was.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
}

/// The sign-in limits of one server process.
pub struct Throttle {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: moka::sync::Cache<String, Failures>,
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("addresses", &self.by_address.len())
            .field("accounts", &self.by_account.entry_count())
            .finish()
    }
}

/// Sign-in attempts per client address per minute, unless configured.
pub const DEFAULT_PER_MINUTE: u32 = 20;

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new(Vec::new(), DEFAULT_PER_MINUTE)
    }
}

impl Throttle {
    /// `per_minute` attempts per client address; `X-Forwarded-For` trusted
    /// only from `trusted_proxies`.
    pub fn new(trusted_proxies: Vec<IpAddr>, per_minute: u32) -> Throttle {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Throttle {
            by_address: RateLimiter::keyed(Quota::per_minute(per_minute)),
            by_account: moka::sync::Cache::builder()
                .max_capacity(MAX_ACCOUNTS)
                .time_to_idle(FORGET_AFTER)
                .build(),
            trusted_proxies,
        }
    }

    /// One attempt from `client`: 429 with the wait when it has used its
    /// share.
    pub fn address(&self, client: IpAddr) -> Result<(), AppError> {
        self.by_address.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests { retry_after: wait.as_secs().max(1) }
        })
    }

    /// Whether `account` may try now (its delay since the last failure has
    /// passed); 429 with the wait otherwise.
    pub fn account(&self, account: &str, now: i64) -> Result<(), AppError> {
        let Some(f) = self.by_account.get(account) else { return Ok(()) };
        let wait = f.last + delay(f.count) - now;
        if wait > 0 {
            return Err(AppError::TooManyRequests {
                retry_after: u64::try_from(wait).unwrap_or(1),
            });
        }
        Ok(())
    }

    pub fn failed(&self, account: &str, now: i64) {
        let count = self.by_account.get(account).map_or(0, |f| f.count).saturating_add(1);
        self.by_account.insert(account.to_owned(), Failures { count, last: now });
    }

    pub fn succeeded(&self, account: &str) {
        self.by_account.invalidate(account);
    }

    /// Forgets idle address state (the limiter's memory stays bounded by
    /// the addresses seen in the last minute).
    pub fn purge(&self) {
        self.by_address.retain_recent();
        self.by_address.shrink_to_fit();
        self.by_account.run_pending_tasks();
    }

    /// The client behind a request: the peer, or what a trusted proxy says.
    pub fn client(&self, peer: IpAddr, forwarded: Option<&str>) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        forwarded
            .into_iter()
            .flat_map(|h| h.rsplit(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .find(|a| !self.trusted_proxies.contains(a))
            .unwrap_or(peer)
    }
}

/// The wait after `failures` failures in a row: none for the first few,
/// then doubling from 2 s, never more than a minute.
fn delay(failures: u32) -> i64 {
    match failures.checked_sub(FREE_FAILURES) {
        None | Some(0) => 0,
        Some(n) => 1i64.checked_shl(n.min(6)).unwrap_or(MAX_DELAY).min(MAX_DELAY),
    }
}

/// The client address of a request (see [`Throttle::client`]). Requests
/// without a connection (in-process tests) count as one local client.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let forwarded = parts.headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
        Ok(ClientAddr(st.throttle.client(peer, forwarded)))
    }
}

/// Purges the throttle's idle state every minute, forever.
pub async fn upkeep(throttle: Arc<Throttle>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        throttle.purge();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_a_minute() {
        let waits: Vec<i64> = (0..12).map(delay).collect();
        assert_eq!(waits, vec![0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn the_owner_can_sign_in_within_a_minute_whatever_came_before() {
        let t = Throttle::default();
        for i in 0..1000 {
            t.failed("owner@x.io", i);
        }
        assert!(t.account("owner@x.io", 1000).is_err(), "right after a failure: wait");
        assert!(t.account("owner@x.io", 999 + MAX_DELAY).is_ok(), "a minute later: try");
        t.succeeded("owner@x.io");
        assert!(t.account("owner@x.io", 1000).is_ok());
    }

    #[test]
    fn a_forged_forwarding_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let client: IpAddr = "203.0.113.9".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let plain = Throttle::default();
        assert_eq!(plain.client(client, Some("198.51.100.1")), client);
        let behind = Throttle::new(vec![proxy], DEFAULT_PER_MINUTE);
        assert_eq!(behind.client(proxy, Some("198.51.100.1, 203.0.113.9")), client);
        assert_eq!(behind.client(proxy, Some("garbage")), proxy);
        assert_eq!(behind.client(client, Some("198.51.100.1")), client, "only a trusted peer");
    }

    #[test]
    fn an_address_gets_its_share_then_waits() {
        let t = Throttle::new(Vec::new(), 5);
        let a: IpAddr = IpAddr::from([203, 0, 113, 7]);
        for _ in 0..5 {
            assert!(t.address(a).is_ok());
        }
        assert!(
            matches!(t.address(a), Err(AppError::TooManyRequests { retry_after }) if retry_after >= 1)
        );
        assert!(t.address(IpAddr::from([203, 0, 113, 8])).is_ok(), "another client is not held up");
    }
}
