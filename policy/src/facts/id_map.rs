//! [`IdMap`]: index entries by id, as positions in a vector while the ids
//! allow (database ids of one kind in one workspace are mostly dense), so a
//! lookup is one read; a hash map otherwise.

use super::{HashMap, Id};

/// Slots a dense map may have beyond twice its entries.
const SLACK: i128 = 64;

/// Entries by id: `slots[id - base]` while at most `2 * len + SLACK` slots
/// cover every id; once an insert would need more, a hash map for good (a
/// rebuild of the facts starts dense again).
#[derive(Debug, Clone)]
pub(crate) enum IdMap<E> {
    Dense { base: Id, slots: Vec<Option<E>>, len: usize },
    Sparse(HashMap<Id, E>),
}

impl<E> Default for IdMap<E> {
    fn default() -> Self {
        IdMap::Dense { base: 0, slots: Vec::new(), len: 0 }
    }
}

/// Whether `span` slots are few enough for `len` entries.
fn dense_enough(span: i128, len: usize) -> bool {
    span <= 2 * len as i128 + SLACK
}

impl<E> IdMap<E> {
    /// Entries made by `entry` from each item's position and the item,
    /// keyed by `key`, keeping the first of items with the same key.
    pub(crate) fn first_by_id<T>(
        items: &[T],
        key: impl Fn(&T) -> Id,
        entry: impl Fn(usize, &T) -> E,
    ) -> IdMap<E> {
        let mut map = match (items.iter().map(&key).min(), items.iter().map(&key).max()) {
            (Some(min), Some(max))
                if dense_enough(i128::from(max) - i128::from(min) + 1, items.len()) =>
            {
                let span = (i128::from(max) - i128::from(min) + 1) as usize;
                IdMap::Dense { base: min, slots: (0..span).map(|_| None).collect(), len: 0 }
            }
            (Some(_), _) => {
                IdMap::Sparse(HashMap::with_capacity_and_hasher(items.len(), Default::default()))
            }
            _ => IdMap::default(),
        };
        for (i, item) in items.iter().enumerate() {
            map.get_or_insert_with(key(item), || entry(i, item));
        }
        map
    }

    /// The slot of `id` in a dense map, if at or above the base.
    fn slot(base: Id, id: Id) -> Option<usize> {
        usize::try_from(i128::from(id) - i128::from(base)).ok()
    }

    /// The entry of `id`.
    pub(crate) fn get(&self, id: Id) -> Option<&E> {
        match self {
            IdMap::Dense { base, slots, .. } => slots.get(Self::slot(*base, id)?)?.as_ref(),
            IdMap::Sparse(map) => map.get(&id),
        }
    }

    /// The entry of `id`, to change.
    pub(crate) fn get_mut(&mut self, id: Id) -> Option<&mut E> {
        match self {
            IdMap::Dense { base, slots, .. } => slots.get_mut(Self::slot(*base, id)?)?.as_mut(),
            IdMap::Sparse(map) => map.get_mut(&id),
        }
    }

    /// Inserts or replaces the entry of `id`; gives back the one replaced.
    pub(crate) fn insert(&mut self, id: Id, entry: E) -> Option<E> {
        self.widen(id);
        match self {
            IdMap::Dense { base, slots, len } => {
                let old = slots[covered(*base, id)].replace(entry);
                if old.is_none() {
                    *len += 1;
                }
                old
            }
            IdMap::Sparse(map) => map.insert(id, entry),
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
            IdMap::Sparse(map) => map.entry(id).or_insert_with(make),
        }
    }

    /// Takes the entry of `id` out.
    pub(crate) fn remove(&mut self, id: Id) -> Option<E> {
        match self {
            IdMap::Dense { base, slots, len } => {
                let old = slots.get_mut(Self::slot(*base, id)?)?.take();
                if old.is_some() {
                    *len -= 1;
                }
                old
            }
            IdMap::Sparse(map) => map.remove(&id),
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
        let (lo, end) = (i128::from(*base), i128::from(*base) + slots.len() as i128);
        let at = i128::from(id);
        if (lo..end).contains(&at) {
            return;
        }
        let room = if at < lo { slots.len() as i128 / 2 } else { 0 };
        let new_lo = (at.min(lo) - room).max(i128::from(Id::MIN));
        if !dense_enough(end.max(at + 1) - new_lo, *len + 1) {
            let map = std::mem::take(slots)
                .into_iter()
                .enumerate()
                .filter_map(|(i, e)| Some((*base + i as Id, e?)))
                .collect();
            *self = IdMap::Sparse(map);
        } else if at >= end {
            slots.resize_with((at - lo + 1) as usize, || None);
        } else {
            let mut grown: Vec<Option<E>> = (0..lo - new_lo).map(|_| None).collect();
            grown.append(slots);
            *slots = grown;
            *base = new_lo as Id;
        }
    }
}

/// The slot of `id` in a dense map that [`IdMap::widen`] made cover it.
fn covered(base: Id, id: Id) -> usize {
    (i128::from(id) - i128::from(base)) as usize
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
        assert!(matches!(map, IdMap::Sparse(_)));
        assert_eq!(map.get(150_000), Some(&49_999));
    }
}
