//! Live access (SPEC 13): `GET /api/workspaces/{ws}/events`, a
//! `text/event-stream` per viewer of a workspace, fed by the change log.
//!
//! The change log is the truth; everything else only says "look again":
//!
//! - on PostgreSQL a write sends one `NOTIFY` inside its transaction
//!   ([`notify_in`], delivered at commit) so the other processes wake their
//!   feeds; after it commits, [`Live::published`] wakes this process's feed
//!   of each workspace it bumped;
//! - [`run`] (started by `main`) listens for those notifications and, as a
//!   safety net, reads every followed workspace's version once a second, so
//!   a lost notification delays an event, never loses it; every tenth tick
//!   it also re-decides every listener at the current time (a grant that
//!   expired, a session that ended) without waiting for a write.
//!
//! Each workspace followed in this process has one [`feed`] task. It reads
//! the versions since the last it dispatched from the log (one query),
//! brings the cached facts up to date, asks the policy once per viewer
//! whether it may still view the workspace, and puts one small message per
//! version into each listener's bounded queue. A viewer who may no longer
//! view it gets one final `access_ended` event and its stream closes; a
//! queue that overflows becomes one `resync` event, never a silent drop
//! ([`stream`]). Every listener of a workspace gets every version, so the
//! ids a client sees are consecutive and a gap is always visible to it.

mod feed;
mod stream;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use policy::Id;

use crate::db::{Backend, Tx, col, placeholders};
use crate::error::AppError;
use crate::state::AppState;

pub use stream::Stream;

/// The PostgreSQL channel the processes nudge each other on.
pub const CHANNEL: &str = "gatehouse_live";
/// Messages a stream may have waiting before it gets `resync` instead.
pub const QUEUE: usize = 64;
/// How often every followed workspace's version is read (safety net).
pub const POLL: Duration = Duration::from_secs(1);
/// Every this many polls, every listener is decided again at the current
/// time (expiries, ended sessions).
const REDECIDE_EVERY: u32 = 10;
/// Idle streams send a comment this often (proxies drop silent streams).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Largest `NOTIFY` payload we send (PostgreSQL's limit is 8000 bytes).
const PAYLOAD: usize = 7000;

/// The live-access hub of one server process. Cloning shares it.
#[derive(Clone, Default)]
pub struct Live {
    hub: Arc<Hub>,
}

#[derive(Default)]
struct Hub {
    feeds: Mutex<HashMap<Id, Arc<feed::Feed>>>,
    /// Milliseconds between keep-alive comments (0: [`KEEP_ALIVE`]).
    keep_alive_ms: AtomicU64,
    /// Set on shutdown: streams end so connections can close.
    closing: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").field("feeds", &self.feeds().len()).finish()
    }
}

impl Live {
    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Arc<feed::Feed>>> {
        self.hub.feeds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn followed(&self) -> Vec<Arc<feed::Feed>> {
        self.feeds().values().cloned().collect()
    }

    /// After a write committed (`write::Write::commit`): `versions` are the
    /// workspaces it bumped and their new versions, `deleted` the
    /// workspaces it deleted. Wakes the feeds of this process (the other
    /// processes heard of it through [`notify_in`], at the commit).
    pub fn published(&self, versions: &[(Id, i64)], deleted: &[Id]) {
        let feeds = self.feeds();
        for (ws, version) in versions.iter().copied().chain(deleted.iter().map(|&ws| (ws, 0))) {
            if let Some(f) = feeds.get(&ws) {
                f.nudge(version);
            }
        }
    }

    /// Opens a stream of workspace `ws` for `viewer` (whose access the
    /// handler decided at version `at`), resuming after `cursor`.
    pub(crate) fn open(
        &self,
        st: &AppState,
        ws: Id,
        viewer: Id,
        session: String,
        cursor: i64,
        at: i64,
    ) -> Stream {
        let (member, shared, rx) = feed::Member::new(viewer, session, cursor);
        // Joined under the map's lock, so the feed cannot retire meanwhile.
        let feed = {
            let mut feeds = self.feeds();
            let existing = feeds.get(&ws).filter(|f| f.accepts()).cloned();
            let f = match existing {
                Some(f) => f,
                None => {
                    let f = feed::Feed::new(ws, at);
                    feeds.insert(ws, f.clone());
                    tokio::spawn(feed::run(st.clone(), self.clone(), f.clone()));
                    f
                }
            };
            f.join(member, at);
            f
        };
        let keep_alive = match self.hub.keep_alive_ms.load(Ordering::Relaxed) {
            0 => KEEP_ALIVE,
            ms => Duration::from_millis(ms),
        };
        stream::new(rx, shared, feed, self.hub.closing.subscribe(), cursor, keep_alive)
    }

    /// A feed retires (no listeners left): it leaves the map if it is still
    /// the one there and nobody joined meanwhile.
    fn retire(&self, f: &Arc<feed::Feed>) -> bool {
        let mut feeds = self.feeds();
        if !f.close_if_idle() {
            return false;
        }
        if feeds.get(&f.ws).is_some_and(|g| Arc::ptr_eq(g, f)) {
            feeds.remove(&f.ws);
        }
        true
    }

    /// How often idle streams send a keep-alive comment (default
    /// [`KEEP_ALIVE`]; tests use less).
    pub fn set_keep_alive(&self, every: Duration) {
        let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
        self.hub.keep_alive_ms.store(ms, Ordering::Relaxed);
    }

    /// Ends every stream (server shutdown): clients reconnect elsewhere or
    /// later with `Last-Event-ID`.
    pub fn close(&self) {
        self.hub.closing.send_replace(true);
    }

    /// Streams open in this process.
    pub fn listeners(&self) -> usize {
        self.followed().iter().map(|f| f.listeners()).sum()
    }
}

/// Tells the other processes, inside a write's transaction, which
/// workspaces got which version (`0`: deleted). PostgreSQL delivers a
/// `NOTIFY` when, and only if, the transaction commits, sent on the write's
/// own connection, so nothing waits for another pool connection after the
/// commit. A lost notification is still caught by [`run`]'s poll. Nothing
/// on SQLite (one process).
pub async fn notify_in(
    tx: &mut Tx,
    backend: Backend,
    versions: &[(Id, i64)],
    deleted: &[Id],
) -> Result<(), AppError> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    let mut payloads: Vec<String> = Vec::new();
    for (ws, version) in versions.iter().copied().chain(deleted.iter().map(|&ws| (ws, 0))) {
        let entry = format!("{ws}:{version}");
        match payloads.last_mut().filter(|p| p.len() + 1 + entry.len() <= PAYLOAD) {
            Some(p) => {
                p.push(',');
                p.push_str(&entry);
            }
            None => payloads.push(entry),
        }
    }
    for payload in payloads {
        sqlx::query("SELECT COUNT(*) AS n FROM (SELECT pg_notify($1, $2)) AS n")
            .bind(CHANNEL)
            .bind(&payload)
            .fetch_one(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The safety net and, on PostgreSQL, the listener for other processes'
/// notifications. Runs for the life of the server.
pub async fn run(st: AppState, database_url: Option<String>) {
    if st.db.backend == Backend::Postgres
        && let Some(url) = database_url
    {
        tokio::spawn(listen(st.live.clone(), url));
    }
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n: u32 = 0;
    loop {
        tick.tick().await;
        n = n.wrapping_add(1);
        let redecide = n.is_multiple_of(REDECIDE_EVERY);
        if let Err(e) = poll(&st, redecide).await {
            tracing::warn!(error = %e, "live: reading workspace versions failed");
        }
    }
}

/// Reads the version of every followed workspace (one query per 500) and
/// wakes the feeds that are behind, or all of them to decide again.
async fn poll(st: &AppState, redecide: bool) -> Result<(), crate::error::AppError> {
    let feeds = st.live.followed();
    for chunk in feeds.chunks(500) {
        let sql = format!(
            "SELECT id, version FROM workspaces WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for f in chunk {
            q = q.bind(f.ws);
        }
        let rows = q.fetch_all(&st.db.pool).await?;
        let mut versions = HashMap::with_capacity(rows.len());
        for r in &rows {
            versions.insert(col::<i64>(r, "id")?, col::<i64>(r, "version")?);
        }
        for f in chunk {
            match versions.get(&f.ws) {
                Some(&v) if redecide => f.redecide(v),
                Some(&v) => f.nudge(v),
                // Deleted: the feed finds out and ends its streams.
                None => f.nudge(0),
            }
        }
    }
    Ok(())
}

/// PostgreSQL: `LISTEN` for other processes' writes. A notification only
/// wakes a feed, which reads the log; after a reconnection (notifications
/// may have been lost) every feed looks again.
async fn listen(live: Live, url: String) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live: cannot connect to LISTEN; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live: LISTEN failed; retrying");
            tokio::time::sleep(POLL).await;
            continue;
        }
        // Anything committed before LISTEN took effect: look again.
        live.followed().iter().for_each(|f| f.nudge(0));
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => live.notified(n.payload()),
                Ok(None) => live.followed().iter().for_each(|f| f.nudge(0)),
                Err(e) => {
                    tracing::warn!(error = %e, "live: LISTEN connection lost; reconnecting");
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Live {
    /// A notification's payload: `ws:version` entries, comma-separated.
    fn notified(&self, payload: &str) {
        let feeds = self.feeds();
        for entry in payload.split(',') {
            let Some((ws, version)) = entry.split_once(':') else { continue };
            if let (Ok(ws), Ok(version)) = (ws.parse::<Id>(), version.parse::<i64>())
                && let Some(f) = feeds.get(&ws)
            {
                f.nudge(version);
            }
        }
    }
}
