//! [`IdMap`]: index entries by id, as positions in a vector while the ids
//! allow (database ids of one kind in one workspace are mostly dense), so a
//! lookup is one read; through a hash map of positions otherwise.

use super::{HashMap, Id};

/// Slots a dense map may have beyond twice its entries.
const SLACK: u64 = 64;

/// Entries by id: `slots[id - base]` while at most `2 * len + SLACK` slots
/// cover every id; once an insert would need more, a hash map of positions
/// into `entries` for good (a rebuild of the facts starts dense again).
/// The hash map is `HashMap<Id, usize>`, the type of the index's other maps,
/// so the package carries no more hash-map code for it.
#[derive(Debug, Clone)]
pub(crate) enum IdMap<E> {
    Dense { base: Id, slots: Vec<Option<E>>, len: usize },
    Sparse { at: HashMap<Id, usize>, entries: Vec<(Id, E)> },
}

impl<E> Default for IdMap<E> {
    fn default() -> Self {
        IdMap::Dense { base: 0, slots: Vec::new(), len: 0 }
    }
}

/// How many slots cover `lo..=hi`, if that is few enough for `len` entries.
fn dense_span(lo: Id, hi: Id, len: usize) -> Option<usize> {
    let span = hi.abs_diff(lo).checked_add(1)?;
    let limit = (len as u64).saturating_mul(2).saturating_add(SLACK);
    if span <= limit { usize::try_from(span).ok() } else { None }
}

/// The slot of `id` in a dense map based at `base`, if at or above it.
fn slot(base: Id, id: Id) -> Option<usize> {
    if id < base { None } else { usize::try_from(id.abs_diff(base)).ok() }
}

impl<E> IdMap<E> {
    /// Entries made by `entry` from each item's position and the item,
    /// keyed by `key`, keeping the first of items with the same key.
    pub(crate) fn first_by_id<T>(
        items: &[T],
        key: impl Fn(&T) -> Id,
        entry: impl Fn(usize, &T) -> E,
    ) -> IdMap<E> {
        let lo = items.iter().map(&key).min().unwrap_or(0);
        let hi = items.iter().map(&key).max().unwrap_or(0);
        let mut map = match dense_span(lo, hi, items.len()) {
            Some(span) => IdMap::Dense { base: lo, slots: none(span), len: 0 },
            None => IdMap::Sparse {
                at: HashMap::with_capacity_and_hasher(items.len(), Default::default()),
                entries: Vec::with_capacity(items.len()),
            },
        };
        for (i, item) in items.iter().enumerate() {
            map.get_or_insert_with(key(item), || entry(i, item));
        }
        map
    }

    /// The entry of `id`.
    pub(crate) fn get(&self, id: Id) -> Option<&E> {
        match self {
            IdMap::Dense { base, slots, .. } => slots.get(slot(*base, id)?)?.as_ref(),
            IdMap::Sparse { at, entries } => entries.get(*at.get(&id)?).map(|(_, e)| e),
        }
    }

    /// The entry of `id`, to change.
    pub(crate) fn get_mut(&mut self, id: Id) -> Option<&mut E> {
        match self {
            IdMap::Dense { base, slots, .. } => slots.get_mut(slot(*base, id)?)?.as_mut(),
            IdMap::Sparse { at, entries } => entries.get_mut(*at.get(&id)?).map(|(_, e)| e),
        }
    }

    /// Inserts or replaces the entry of `id`; gives back the one replaced.
    pub(crate) fn insert(&mut self, id: Id, entry: E) -> Option<E> {
        match self.get_mut(id) {
            Some(old) => Some(std::mem::replace(old, entry)),
            None => {
                self.get_or_insert_with(id, || entry);
                None
            }
        }
    }

    /// The entry of `id`, made by `make` if there is none.
    pub(crate) fn get_or_insert_with(&mut self, id: Id, make: impl FnOnce() -> E) -> &mut E {
        self.widen(id);
        match self {
            IdMap::Dense { base, slots, len } => {
                let slot = &mut slots[covered(*base, id)];
                if slot.is_none() {
                    *len += 1;
                }
                slot.get_or_insert_with(make)
            }
            IdMap::Sparse { at, entries } => {
                let i = *at.entry(id).or_insert(entries.len());
                if i == entries.len() {
                    entries.push((id, make()));
                }
                &mut entries[i].1
            }
        }
    }

    /// Takes the entry of `id` out.
    pub(crate) fn remove(&mut self, id: Id) -> Option<E> {
        match self {
            IdMap::Dense { base, slots, len } => {
                let old = slots.get_mut(slot(*base, id)?)?.take();
                if old.is_some() {
                    *len -= 1;
                }
                old
            }
            IdMap::Sparse { at, entries } => {
                let i = at.remove(&id)?;
                if i >= entries.len() {
                    return None;
                }
                let (_, old) = entries.swap_remove(i);
                if let Some((moved, _)) = entries.get(i)
                    && let Some(p) = at.get_mut(moved)
                {
                    *p = i;
                }
                Some(old)
            }
        }
    }

    /// Makes room for `id`: a dense map grows to cover it (below its base
    /// with as much room again below, so ids arriving in descending order
    /// cost O(1) each on average), or becomes a hash map when that would be
    /// too sparse.
    fn widen(&mut self, id: Id) {
        let IdMap::Dense { base, slots, len } = self else { return };
        if *len == 0 {
            slots.clear();
            *base = id;
        }
        if slots.is_empty() {
            slots.push(None);
            return;
        }
        let Some(last) = base.checked_add_unsigned(slots.len() as u64) else {
            return self.make_sparse();
        };
        if *base <= id && id < last {
            return;
        }
        let room = if id < *base { slots.len() as u64 / 2 } else { 0 };
        let lo = (*base).min(id).saturating_sub_unsigned(room);
        let hi = (last - 1).max(id);
        if dense_span(lo, hi, *len + 1).is_none() {
            self.make_sparse();
        } else if id >= last {
            slots.resize_with(covered(*base, id) + 1, || None);
        } else {
            let mut grown = none(covered(lo, *base));
            grown.append(slots);
            *slots = grown;
            *base = lo;
        }
    }

    /// Turns a dense map into a hash map of positions.
    fn make_sparse(&mut self) {
        let IdMap::Dense { base, slots, len } = self else { return };
        let mut at = HashMap::with_capacity_and_hasher(*len, Default::default());
        let mut entries = Vec::with_capacity(*len);
        for (i, e) in std::mem::take(slots).into_iter().enumerate() {
            if let Some(e) = e {
                let id = base.wrapping_add_unsigned(i as u64);
                at.insert(id, entries.len());
                entries.push((id, e));
            }
        }
        *self = IdMap::Sparse { at, entries };
    }
}

/// `n` empty slots.
fn none<E>(n: usize) -> Vec<Option<E>> {
    let mut slots = Vec::new();
    slots.resize_with(n, || None);
    slots
}

/// The slot of `id` in a dense map that [`IdMap::widen`] made cover it.
fn covered(base: Id, id: Id) -> usize {
    id.abs_diff(base) as usize
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Id, u32),
        GetOrInsert(Id, u32),
        Remove(Id),
    }

    /// Ids near each other (dense), far apart, and at the extremes.
    fn id() -> impl Strategy<Value = Id> {
        prop_oneof![
            8 => 1_000i64..1_200,
            1 => any::<i64>(),
            1 => Just(Id::MIN),
            1 => Just(Id::MAX),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (id(), any::<u32>()).prop_map(|(i, v)| Op::Insert(i, v)),
            (id(), any::<u32>()).prop_map(|(i, v)| Op::GetOrInsert(i, v)),
            id().prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// An `IdMap`, however it is laid out, answers as a hash map does.
        #[test]
        fn behaves_as_a_hash_map(
            start in proptest::collection::vec((id(), any::<u32>()), 0..50),
            ops in proptest::collection::vec(op(), 0..300),
        ) {
            let mut map = IdMap::first_by_id(&start, |&(i, _)| i, |_, &(_, v)| v);
            let mut model: HashMap<Id, u32> = HashMap::default();
            for &(i, v) in &start {
                model.entry(i).or_insert(v);
            }
            for op in ops {
                match op {
                    Op::Insert(i, v) => prop_assert_eq!(map.insert(i, v), model.insert(i, v)),
                    Op::GetOrInsert(i, v) => prop_assert_eq!(
                        *map.get_or_insert_with(i, || v),
                        *model.entry(i).or_insert(v)
                    ),
                    Op::Remove(i) => prop_assert_eq!(map.remove(i), model.remove(&i)),
                }
                for (&i, v) in &model {
                    prop_assert_eq!(map.get(i), Some(v));
                }
                for i in [Id::MIN, -1, 0, 999, 1_000, 1_199, 1_200, Id::MAX] {
                    prop_assert_eq!(map.get(i), model.get(&i));
                }
            }
        }
    }

    #[test]
    fn dense_while_the_ids_allow() {
        let ids: Vec<Id> = (100_001..=200_000).collect();
        let mut map = IdMap::first_by_id(&ids, |&i| i, |pos, _| pos);
        assert!(matches!(map, IdMap::Dense { .. }));
        // Pages arriving in descending order stay dense.
        let mut paged = IdMap::default();
        for &i in ids.iter().rev() {
            paged.insert(i, i);
        }
        assert!(matches!(&paged, IdMap::Dense { slots, .. } if slots.len() < 2 * ids.len()));
        // One far id makes it a hash map; every entry stays.
        map.insert(1 << 40, 0);
        assert!(matches!(map, IdMap::Sparse { .. }));
        assert_eq!(map.get(150_000), Some(&49_999));
    }
}
