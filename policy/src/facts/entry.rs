//! The index's entries: what a decision reads about a person, a group or a
//! resource, kept in the entry itself so a question about a resource costs
//! a few dependent reads (the entry, the asker's entry) and never a walk
//! through the snapshot's records and their heap lists.

use super::{Group, Id, Member, Resource};
use crate::kind::{Grouping, ResourceKind};
use crate::role::Role;

/// Where a record sits in its workspace's vector.
pub(crate) type Pos = u32;

/// The position of an account that is in groups but not an Active member
/// (a slice's group lists can name people whose member record is not in
/// the slice).
pub(crate) const NOT_MEMBER: Pos = Pos::MAX;

/// `pos` as an index entry holds it (snapshots hold far fewer than
/// `u32::MAX` records of a kind).
pub(crate) fn pos_of(pos: usize) -> Pos {
    Pos::try_from(pos).unwrap_or(NOT_MEMBER - 1)
}

/// An account in one workspace: its member record's position, the role
/// and whether it is a partner analyst's (as the record says), and the
/// groups whose member lists name it, sorted.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) pos: Pos,
    role: Role,
    analyst: bool,
    groups: Box<[Id]>,
}

impl Person {
    /// Active member `member`, at `pos`, in no group yet.
    pub(crate) fn member(pos: usize, member: &Member) -> Person {
        let mut person = Person::outsider();
        person.set_member(pos, member);
        person
    }

    /// Someone in groups only.
    pub(crate) fn outsider() -> Person {
        Person { pos: NOT_MEMBER, role: Role::Developer, analyst: false, groups: Box::default() }
    }

    /// Makes them Active member `member`, at `pos`.
    pub(crate) fn set_member(&mut self, pos: usize, member: &Member) {
        self.pos = pos_of(pos);
        self.role = member.role;
        self.analyst = member.partner.is_some();
    }

    /// Whether they are an Active member.
    pub(crate) fn is_member(&self) -> bool {
        self.pos != NOT_MEMBER
    }

    /// An Active member's role, as their record says.
    pub(crate) fn role(&self) -> Role {
        self.role
    }

    /// Whether an Active member is a partner analyst (their record names
    /// the partner).
    pub(crate) fn is_analyst(&self) -> bool {
        self.analyst
    }

    /// The groups they are in (by id, sorted, each once).
    pub(crate) fn groups(&self) -> &[Id] {
        &self.groups
    }

    /// Whether they are in group `id`.
    pub(crate) fn in_group(&self, id: Id) -> bool {
        self.groups.binary_search(&id).is_ok()
    }

    /// Puts them in group `id`; false if they were already.
    pub(crate) fn join(&mut self, id: Id) -> bool {
        match self.groups.binary_search(&id) {
            Ok(_) => false,
            Err(at) => {
                let mut groups = std::mem::take(&mut self.groups).into_vec();
                groups.insert(at, id);
                self.groups = groups.into_boxed_slice();
                true
            }
        }
    }

    /// Takes them out of group `id`; false if they were not in it.
    pub(crate) fn leave(&mut self, id: Id) -> bool {
        match self.groups.binary_search(&id) {
            Ok(at) => {
                let mut groups = std::mem::take(&mut self.groups).into_vec();
                groups.remove(at);
                self.groups = groups.into_boxed_slice();
                true
            }
            Err(_) => false,
        }
    }

    /// Sets their groups from an unsorted list (building the index).
    pub(crate) fn set_groups(&mut self, mut groups: Vec<Id>) {
        groups.sort_unstable();
        groups.dedup();
        self.groups = groups.into_boxed_slice();
    }
}

/// A group's position and whether it is the default group (everyone in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupEntry {
    pub(crate) pos: Pos,
    pub(crate) is_default: bool,
}

impl GroupEntry {
    pub(crate) fn new(pos: usize, group: &Group) -> GroupEntry {
        GroupEntry { pos: pos_of(pos), is_default: group.is_default }
    }
}

/// How many governing ids a [`ResourceEntry`] holds in itself; a resource
/// with more is read from its record.
const INLINE: usize = 3;

/// A resource as decisions read it: its position, its kind and the ids
/// that govern it (its own groups, or a flow's integration), inline.
#[derive(Debug, Clone, Copy)]
#[repr(align(32))] // 32 bytes: two to a cache line, never across two
pub(crate) struct ResourceEntry {
    pub(crate) pos: Pos,
    pub(crate) kind: ResourceKind,
    /// How many governing ids; `INLINE + 1` for more than fit.
    len: u8,
    ids: [Id; INLINE],
}

// Two to a cache line, a dense map's empty slots too (on wasm32 as well).
const _: () = assert!(std::mem::size_of::<Option<ResourceEntry>>() == 32);

impl ResourceEntry {
    pub(crate) fn new(pos: usize, r: &Resource) -> ResourceEntry {
        let governing: &[Id] = match r.kind.grouping() {
            Grouping::Own => &r.groups,
            Grouping::Integration => r.integration.as_slice(),
            Grouping::None => &[],
        };
        let mut ids = [0; INLINE];
        let len = governing.len().min(INLINE + 1);
        if let Some(head) = governing.get(..len.min(INLINE)) {
            ids[..head.len()].copy_from_slice(head);
        }
        ResourceEntry { pos: pos_of(pos), kind: r.kind, len: len as u8, ids }
    }

    /// The governing ids when they fit inline (`None`: read the record).
    pub(crate) fn inline_ids(&self) -> Option<&[Id]> {
        self.ids.get(..usize::from(self.len))
    }
}
