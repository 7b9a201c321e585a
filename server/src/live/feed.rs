//! One workspace's feed in this process: one task that turns new versions
//! of the change log into messages for the workspace's listeners, deciding
//! on every change whether each listener may still view the workspace.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use policy::{Action, Decision, Id};
use tokio::sync::{Notify, mpsc};

use super::{Live, QUEUE};
use crate::db::{Tx, col, placeholders};
use crate::error::AppError;
use crate::state::AppState;

/// Kinds of change an event names (a bit each).
pub(super) mod kind {
    /// The workspace's own settings: role toggles, Data Studio.
    pub(crate) const SETTINGS: u8 = 1;
    /// Members, invitations, access requests.
    pub(crate) const PEOPLE: u8 = 2;
    /// Groups and their members.
    pub(crate) const GROUPS: u8 = 4;
    /// Resources.
    pub(crate) const RESOURCES: u8 = 8;
    /// Companies, their members, partner grants, accounts.
    pub(crate) const ACCESS: u8 = 16;
    /// Something the viewer is not shown the kind of.
    pub(crate) const OTHER: u8 = 32;

    pub(crate) const NAMES: [(u8, &str); 6] = [
        (SETTINGS, "settings"),
        (PEOPLE, "people"),
        (GROUPS, "groups"),
        (RESOURCES, "resources"),
        (ACCESS, "access"),
        (OTHER, "other"),
    ];

    /// The kind of a change-log row (`changes.kind`).
    pub(crate) fn of(logged: &str) -> u8 {
        match logged {
            "workspace" => SETTINGS,
            "member" | "invitation" | "request" => PEOPLE,
            "group" | "group_member" => GROUPS,
            "resource" => RESOURCES,
            "company" | "company_member" | "grant" | "account" => ACCESS,
            _ => OTHER,
        }
    }
}

/// What a stream is sent, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Msg {
    /// Version `version` changed things of `kinds`.
    Change { version: i64, kinds: u8 },
    /// Reload everything; the stream continues after `version`.
    Resync { version: i64, why: &'static str },
}

impl Msg {
    fn version(self) -> i64 {
        match self {
            Msg::Change { version, .. } | Msg::Resync { version, .. } => version,
        }
    }
}

/// The last event of a stream whose viewer lost access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct End {
    pub(super) version: i64,
    /// The policy's reason code (or `signed_out`, `unknown_workspace`).
    pub(super) code: &'static str,
}

/// What the feed and a stream share about it.
#[derive(Debug, Default)]
pub(super) struct Slot {
    /// The queue overflowed: the stream says `resync` at this version
    /// once it has sent what is queued, and nothing is queued meanwhile.
    pub(super) resync: Option<i64>,
    /// Access ended: the last event, after what is queued.
    pub(super) end: Option<End>,
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) viewer: Id,
    session: String,
    slot: Mutex<Slot>,
    /// The stream went away.
    gone: AtomicBool,
}

impl Shared {
    pub(super) fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn leave(&self) {
        self.gone.store(true, Ordering::Relaxed);
    }
}

/// A listener as the feed holds it: dropping it closes the stream's queue.
#[derive(Debug)]
pub(super) struct Member {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Msg>,
    /// The last version the client has (its `Last-Event-ID`).
    cursor: i64,
}

impl Member {
    pub(super) fn new(
        viewer: Id,
        session: String,
        cursor: i64,
    ) -> (Member, Arc<Shared>, mpsc::Receiver<Msg>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let shared = Arc::new(Shared {
            viewer,
            session,
            slot: Mutex::new(Slot::default()),
            gone: AtomicBool::new(false),
        });
        (Member { shared: shared.clone(), tx, cursor }, shared, rx)
    }

    /// Queues `msg`; a full queue turns into a pending `resync`. False when
    /// the stream is gone.
    fn deliver(&self, msg: Msg) -> bool {
        let mut slot = self.shared.slot();
        if let Some(v) = &mut slot.resync {
            *v = (*v).max(msg.version());
            return true;
        }
        match self.tx.try_send(msg) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(m)) => {
                slot.resync = Some(m.version());
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// The final event; the stream closes after it (this drops the queue).
    fn end(self, end: End) {
        self.shared.slot().end = Some(end);
    }

    fn gone(&self) -> bool {
        self.shared.gone.load(Ordering::Relaxed) || self.tx.is_closed()
    }
}

#[derive(Debug, Default)]
struct State {
    listeners: Vec<Member>,
    joining: Vec<Member>,
    /// Retired: a new feed takes over.
    closed: bool,
}

/// One followed workspace.
#[derive(Debug)]
pub(super) struct Feed {
    pub(super) ws: Id,
    /// The highest version heard of.
    target: AtomicI64,
    /// The version dispatched to every listener.
    sent: AtomicI64,
    /// Read the database even without a newer version heard of.
    recheck: AtomicBool,
    /// Decide every listener again (time passed).
    redecide: AtomicBool,
    wake: Notify,
    state: Mutex<State>,
}

impl Feed {
    pub(super) fn new(ws: Id, at: i64) -> Arc<Feed> {
        Arc::new(Feed {
            ws,
            target: AtomicI64::new(at),
            sent: AtomicI64::new(at),
            // A write may have committed before this feed existed.
            recheck: AtomicBool::new(true),
            redecide: AtomicBool::new(false),
            wake: Notify::new(),
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether new listeners may join (not retired).
    pub(super) fn accepts(&self) -> bool {
        !self.state().closed
    }

    pub(super) fn listeners(&self) -> usize {
        let s = self.state();
        s.listeners.len() + s.joining.len()
    }

    pub(super) fn join(&self, member: Member, at: i64) {
        self.state().joining.push(member);
        self.target.fetch_max(at, Ordering::AcqRel);
        self.wake.notify_one();
    }

    /// Version `version` exists (0: something happened, look again).
    pub(super) fn nudge(&self, version: i64) {
        if version <= 0 {
            self.recheck.store(true, Ordering::Release);
            self.wake.notify_one();
        } else if self.target.fetch_max(version, Ordering::AcqRel) < version
            && version > self.sent.load(Ordering::Acquire)
        {
            self.wake.notify_one();
        }
    }

    /// Time passed: decide every listener again.
    pub(super) fn redecide(&self, version: i64) {
        self.target.fetch_max(version, Ordering::AcqRel);
        self.redecide.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// A stream went away: let the feed tidy up.
    pub(super) fn left(&self) {
        self.recheck.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    /// Retires the feed if nobody listens or joins.
    pub(super) fn close_if_idle(&self) -> bool {
        let mut s = self.state();
        if s.listeners.is_empty() && s.joining.is_empty() {
            s.closed = true;
            true
        } else {
            false
        }
    }
}

/// The feed's task: waits for a nudge, dispatches, retires when idle.
pub(super) async fn run(st: AppState, live: Live, feed: Arc<Feed>) {
    loop {
        let joining = {
            let mut s = feed.state();
            s.listeners.retain(|m| !m.gone());
            s.joining.retain(|m| !m.gone());
            std::mem::take(&mut s.joining)
        };
        let has_listeners = !feed.state().listeners.is_empty();
        if !has_listeners && joining.is_empty() {
            if live.retire(&feed) {
                return;
            }
            continue;
        }
        let sent = feed.sent.load(Ordering::Acquire);
        let recheck = feed.recheck.swap(false, Ordering::AcqRel);
        let redecide = feed.redecide.swap(false, Ordering::AcqRel);
        if feed.target.load(Ordering::Acquire) <= sent
            && !recheck
            && !redecide
            && joining.is_empty()
        {
            feed.wake.notified().await;
            continue;
        }
        if let Err((e, joining)) = step(&st, &feed, sent, joining, redecide).await {
            tracing::warn!(error = %e, ws = feed.ws, "live: feed step failed; retrying");
            feed.state().joining.extend(joining);
            feed.recheck.store(true, Ordering::Release);
            feed.redecide.fetch_or(redecide, Ordering::AcqRel);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// What a viewer is allowed, decided once per step.
#[derive(Debug, Clone, Copy)]
struct Seen {
    ended: Option<&'static str>,
    /// The kinds it is told (the others are `other`).
    visible: u8,
}

impl Seen {
    fn mask(self, kinds: u8) -> u8 {
        let shown = kinds & self.visible;
        if shown == kinds { kinds } else { shown | kind::OTHER }
    }
}

/// One dispatch: the log since the oldest version anyone needs, the facts
/// at the current version, a decision per viewer, the messages.
async fn step(
    st: &AppState,
    feed: &Feed,
    sent: i64,
    joining: Vec<Member>,
    redecide: bool,
) -> Result<(), (AppError, Vec<Member>)> {
    let mut tx = match st.db.begin_read().await {
        Ok(tx) => tx,
        Err(e) => return Err((e, joining)),
    };
    let read = read(st, feed, &mut tx, sent, &joining, redecide).await;
    drop(tx);
    let Read { current, versions, seen, signed_out } = match read {
        Ok(r) => r,
        Err(e) => return Err((e, joining)),
    };
    let mut s = feed.state();
    let Some(current) = current else {
        // The workspace is gone: everyone's access ended.
        let end = End { version: sent + 1, code: "unknown_workspace" };
        let mut all = std::mem::take(&mut s.listeners);
        all.append(&mut s.joining);
        for m in all.into_iter().chain(joining) {
            m.end(end);
        }
        feed.sent.store(sent + 1, Ordering::Release);
        return Ok(());
    };
    let ended = |seen: &HashMap<Id, Seen>, m: &Member| {
        let code = if signed_out.contains(&m.shared.session) {
            Some("signed_out")
        } else {
            seen.get(&m.shared.viewer).and_then(|s| s.ended)
        };
        code.map(|code| End { version: current, code })
    };
    // Existing listeners: the versions after `sent`.
    let since_sent = span(&versions, sent, current);
    let listeners = std::mem::take(&mut s.listeners);
    for m in listeners {
        if let Some(end) = ended(&seen, &m) {
            m.end(end);
            continue;
        }
        let view = seen.get(&m.shared.viewer).copied();
        if deliver_span(&m, since_sent.as_deref(), current, view) {
            s.listeners.push(m);
        }
    }
    // Joining listeners: the versions after their cursor.
    for m in joining {
        if let Some(end) = ended(&seen, &m) {
            m.end(end);
            continue;
        }
        let view = seen.get(&m.shared.viewer).copied();
        let backlog = if m.cursor > current || current - m.cursor > BACKLOG {
            None
        } else {
            span(&versions, m.cursor, current)
        };
        if deliver_span(&m, backlog.as_deref(), current, view) {
            s.listeners.push(m);
        }
    }
    feed.sent.store(current, Ordering::Release);
    Ok(())
}

/// Queues `span` (versions and their kinds) or, when the log does not hold
/// it, one `resync` at `current`. False when the stream is gone.
fn deliver_span(m: &Member, span: Option<&[(i64, u8)]>, current: i64, view: Option<Seen>) -> bool {
    let Some(view) = view else { return !m.gone() };
    match span {
        Some(versions) => versions.iter().all(|&(version, kinds)| {
            version <= m.cursor || m.deliver(Msg::Change { version, kinds: view.mask(kinds) })
        }),
        None => {
            let why = if m.cursor > current { "unknown_version" } else { "behind" };
            m.deliver(Msg::Resync { version: current, why })
        }
    }
}

/// Larger gaps than this are a `resync`, not a replay.
const BACKLOG: i64 = (QUEUE as i64) - 8;

/// Versions in `(from, to]` with their kinds, or `None` if the log misses
/// one (pruned).
fn span(versions: &BTreeMap<i64, u8>, from: i64, to: i64) -> Option<Vec<(i64, u8)>> {
    if from >= to {
        return Some(Vec::new());
    }
    let out: Vec<(i64, u8)> = versions.range(from + 1..=to).map(|(v, k)| (*v, *k)).collect();
    (i64::try_from(out.len()).ok() == Some(to - from)).then_some(out)
}

struct Read {
    /// The workspace's version, `None` if it was deleted.
    current: Option<i64>,
    versions: BTreeMap<i64, u8>,
    seen: HashMap<Id, Seen>,
    /// Sessions that ended (checked when deciding again).
    signed_out: HashSet<String>,
}

/// Reads, in one snapshot, the version, the log since the oldest version
/// anyone needs, and decides every viewer on the facts at that version.
async fn read(
    st: &AppState,
    feed: &Feed,
    tx: &mut Tx,
    sent: i64,
    joining: &[Member],
    redecide: bool,
) -> Result<Read, AppError> {
    let row = sqlx::query("SELECT version FROM workspaces WHERE id = $1")
        .bind(feed.ws)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(Read {
            current: None,
            versions: BTreeMap::new(),
            seen: HashMap::new(),
            signed_out: HashSet::new(),
        });
    };
    let current: i64 = col(&row, "version")?;
    let oldest = joining
        .iter()
        .map(|m| m.cursor)
        .filter(|&c| c < current && current - c <= BACKLOG)
        .chain([sent.max(current - BACKLOG)])
        .min()
        .unwrap_or(sent);
    let mut versions = BTreeMap::new();
    if oldest < current {
        let rows = sqlx::query(
            "SELECT DISTINCT version, kind FROM changes \
             WHERE workspace_id = $1 AND version > $2 AND version <= $3",
        )
        .bind(feed.ws)
        .bind(oldest)
        .bind(current)
        .fetch_all(&mut **tx)
        .await?;
        for r in &rows {
            let k = kind::of(&col::<String>(r, "kind")?);
            *versions.entry(col::<i64>(r, "version")?).or_insert(0) |= k;
        }
    }
    let mut seen = HashMap::new();
    let mut signed_out = HashSet::new();
    if current > sent || !joining.is_empty() || redecide {
        let viewers: Vec<(Id, String)> = {
            let s = feed.state();
            s.listeners
                .iter()
                .chain(joining)
                .map(|m| (m.shared.viewer, m.shared.session.clone()))
                .collect()
        };
        if redecide {
            signed_out = ended_sessions(tx, &viewers, st.now()).await?;
        }
        let facts = st.cache.at(tx, feed.ws, current).await?;
        let now = st.now();
        let ws = feed.ws;
        for (viewer, _) in &viewers {
            seen.entry(*viewer).or_insert_with(|| {
                let may = |a: Action| facts.facts.decide(*viewer, &a, now);
                let ended = match may(Action::ViewWorkspace { workspace: ws }) {
                    Decision::Allowed => None,
                    Decision::Denied(d) => Some(d.code.code()),
                };
                let mut visible = kind::SETTINGS | kind::RESOURCES | kind::OTHER;
                if ended.is_none() && may(Action::ViewUsers { workspace: ws }).is_allowed() {
                    visible |= kind::PEOPLE | kind::ACCESS;
                }
                if ended.is_none() && may(Action::ViewGroups { workspace: ws }).is_allowed() {
                    visible |= kind::GROUPS;
                }
                Seen { ended, visible }
            });
        }
    }
    Ok(Read { current: Some(current), versions, seen, signed_out })
}

/// The sessions among `viewers` that ended (signed out, expired).
async fn ended_sessions(
    tx: &mut Tx,
    viewers: &[(Id, String)],
    now: i64,
) -> Result<HashSet<String>, AppError> {
    let mut sessions: Vec<&String> = viewers.iter().map(|(_, s)| s).collect();
    sessions.sort();
    sessions.dedup();
    let mut live = HashSet::new();
    for chunk in sessions.chunks(500) {
        let sql = format!(
            "SELECT token_hash FROM sessions WHERE expires_at > $1 AND token_hash IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(now);
        for s in chunk {
            q = q.bind(s.as_str());
        }
        for r in q.fetch_all(&mut **tx).await? {
            live.insert(col::<String>(&r, "token_hash")?);
        }
    }
    Ok(sessions.into_iter().filter(|s| !live.contains(*s)).cloned().collect())
}
