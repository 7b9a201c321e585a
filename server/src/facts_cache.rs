//! The facts cache (SPEC 11): each workspace's indexed `Facts` kept in
//! memory, stamped with the workspace version they reflect.
//!
//! A request reads the workspace's version in its own transaction and asks
//! [`FactsCache::at`] for facts at least that new. Older cached facts catch
//! up from the change log (the records changed since are read again and
//! applied in place); a full reload happens only on a miss, when the log no
//! longer reaches back, or when more changed than is worth applying. So
//! nothing is decided on facts older than the version the request read,
//! whichever process wrote it. Memory is bounded by a size-aware LRU.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use policy::{Facts, Id, Snapshot};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use crate::changes;
use crate::db::Tx;
use crate::error::AppError;
use crate::load;

/// Cached facts and the version they are at.
#[derive(Debug)]
pub struct Cached {
    pub version: i64,
    pub facts: Facts,
}

/// Facts a request decides on: a shared read lock on a cache entry.
pub type FactsGuard = OwnedRwLockReadGuard<Cached>;

#[derive(Debug)]
struct Slot {
    /// Estimated size in KiB, for the weigher (updated as changes apply).
    kib: AtomicU32,
    facts: Arc<RwLock<Cached>>,
}

/// More changed records than this since the cached version: reload instead.
const MAX_CATCH_UP: usize = 2_000;

/// The cache. Cloning shares it.
#[derive(Clone)]
pub struct FactsCache {
    slots: moka::sync::Cache<Id, Arc<Slot>>,
    /// Tests: compare every cached answer with a fresh load.
    verify: bool,
}

impl std::fmt::Debug for FactsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsCache")
            .field("entries", &self.slots.entry_count())
            .field("kib", &self.slots.weighted_size())
            .finish()
    }
}

/// A rough size of indexed facts in KiB (data plus indexes), from the
/// lengths of the lists: cheap enough to take after every applied change.
fn estimate_kib(s: &Snapshot) -> u32 {
    let mut bytes: usize = 0;
    bytes += s.accounts.len() * 160;
    bytes += s.companies.iter().map(|c| 96 + c.members.len() * 40).sum::<usize>();
    bytes += s.grants.len() * 200;
    for w in &s.workspaces {
        bytes += 512 + w.members.len() * 64 + w.invitations.len() * 160 + w.requests.len() * 48;
        bytes += w.groups.iter().map(|g| 160 + g.members.len() * 40).sum::<usize>();
        // A resource with a group or two and its index entry.
        bytes += w.resources.len() * 136;
    }
    u32::try_from(bytes / 1024 + 1).unwrap_or(u32::MAX)
}

impl FactsCache {
    /// A cache holding at most about `max_mib` MiB of facts.
    pub fn new(max_mib: u64, verify: bool) -> FactsCache {
        let slots = moka::sync::Cache::builder()
            .max_capacity(max_mib.saturating_mul(1024))
            .weigher(|_: &Id, slot: &Arc<Slot>| slot.kib.load(Ordering::Relaxed))
            .build();
        FactsCache { slots, verify }
    }

    /// Forgets a workspace (deleted).
    pub fn forget(&self, ws: Id) {
        self.slots.invalidate(&ws);
    }

    /// The facts of workspace `ws` at `version` or newer, as read in `tx`
    /// (whose snapshot saw `version`).
    pub async fn at(&self, tx: &mut Tx, ws: Id, version: i64) -> Result<FactsGuard, AppError> {
        let guard = match self.slots.get(&ws) {
            None => self.reload(tx, ws, version).await?,
            Some(slot) => {
                let read = slot.facts.clone().read_owned().await;
                if read.version >= version {
                    read
                } else {
                    let from = read.version;
                    drop(read);
                    self.catch_up(tx, ws, &slot, from, version).await?
                }
            }
        };
        if self.verify {
            self.check(tx, ws, &guard).await?;
        }
        Ok(guard)
    }

    /// Loads a workspace in full and caches it.
    async fn reload(&self, tx: &mut Tx, ws: Id, version: i64) -> Result<FactsGuard, AppError> {
        let snapshot = load::workspace_facts(tx, ws)
            .await?
            .ok_or(AppError::Internal(format!("workspace {ws} vanished inside a snapshot")))?;
        let kib = estimate_kib(&snapshot);
        let cached = Cached { version, facts: Facts::new(snapshot) };
        let slot =
            Arc::new(Slot { kib: AtomicU32::new(kib), facts: Arc::new(RwLock::new(cached)) });
        let guard = slot.facts.clone().read_owned().await;
        // A concurrent reload of a newer version wins; an older one loses.
        let keep = match self.slots.get(&ws) {
            Some(old) => old.facts.try_read().map_or(true, |c| c.version < version),
            None => true,
        };
        if keep {
            self.slots.insert(ws, slot);
        }
        Ok(guard)
    }

    /// Brings cached facts at `from` up to `to` from the change log.
    async fn catch_up(
        &self,
        tx: &mut Tx,
        ws: Id,
        slot: &Arc<Slot>,
        from: i64,
        to: i64,
    ) -> Result<FactsGuard, AppError> {
        let keys = match changes::since(tx, ws, from, to).await? {
            Some(keys) if keys.len() <= MAX_CATCH_UP => keys,
            _ => return self.reload(tx, ws, to).await,
        };
        let resolved = changes::resolve(tx, ws, &keys).await?;
        let mut write = slot.facts.clone().write_owned().await;
        // Another request may have caught up meanwhile. The resolved records
        // stand as of `to`, and every record changed after `from` is among
        // them, so applying them to facts anywhere in [from, to) gives `to`.
        if write.version < to && write.version >= from {
            write.facts.apply(resolved);
            write.version = to;
        } else if write.version < from {
            drop(write);
            return self.reload(tx, ws, to).await;
        }
        Ok(write.downgrade())
    }

    /// After a write committed: applies its own changes to cached facts
    /// that were at `before`, making them `after`. Facts at any other
    /// version are left to catch up from the log.
    pub async fn apply_committed(
        &self,
        ws: Id,
        before: i64,
        after: i64,
        changes: Vec<policy::Change>,
    ) {
        let Some(slot) = self.slots.get(&ws) else { return };
        let mut write = slot.facts.clone().write_owned().await;
        if write.version == before {
            write.facts.apply(changes);
            write.version = after;
            slot.kib.store(estimate_kib(write.facts.snapshot()), Ordering::Relaxed);
        }
    }

    /// Adds a record that is already true at the cached version (an
    /// account a decision needs), without changing the version.
    pub async fn add(&self, ws: Id, change: policy::Change) {
        if let Some(slot) = self.slots.get(&ws) {
            slot.facts.write().await.facts.apply([change]);
        }
    }

    /// Whether workspace `ws` is cached.
    pub fn contains(&self, ws: Id) -> bool {
        self.slots.contains_key(&ws)
    }

    /// Tests only: cached facts must equal a fresh load in every record
    /// (cached facts may know extra accounts, never miss or differ on one).
    async fn check(&self, tx: &mut Tx, ws: Id, guard: &FactsGuard) -> Result<(), AppError> {
        let fresh = load::workspace_facts(tx, ws).await?.unwrap_or_default();
        let cached = normalized(guard.facts.snapshot().clone());
        let mut fresh = normalized(fresh);
        let extra: Vec<_> =
            cached.accounts.iter().filter(|a| !fresh.accounts.contains(a)).cloned().collect();
        fresh.accounts.extend(extra);
        let fresh = normalized(fresh);
        if cached != fresh {
            self.forget(ws);
            return Err(AppError::Internal(format!(
                "facts cache diverged for workspace {ws} at version {}:\ncached {cached:?}\nfresh  {fresh:?}",
                guard.version
            )));
        }
        Ok(())
    }
}

/// Every list sorted by its key, so snapshots compare as sets.
fn normalized(mut s: Snapshot) -> Snapshot {
    s.accounts.sort_by_key(|a| a.id);
    s.companies.sort_by_key(|c| c.id);
    for c in &mut s.companies {
        c.members.sort_by_key(|m| m.account);
    }
    s.grants.sort_by_key(|g| g.id);
    for g in &mut s.grants {
        g.workspaces.sort_unstable();
    }
    s.workspaces.sort_by_key(|w| w.id);
    for w in &mut s.workspaces {
        w.members.sort_by_key(|m| m.account);
        w.invitations.sort_by_key(|i| i.id);
        w.requests.sort_by_key(|r| r.id);
        w.groups.sort_by_key(|g| g.id);
        for g in &mut w.groups {
            g.members.sort_unstable();
        }
        w.resources.sort_by_key(|r| r.id);
        for r in &mut w.resources {
            r.groups.sort_unstable();
        }
    }
    s
}
