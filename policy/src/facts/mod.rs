//! The facts a decision needs: a serde snapshot, and an indexed view of it.
//!
//! The snapshot is plain data (what the server loads from its database and
//! what the SPA and JS front ends receive); [`Facts`] indexes it once so each
//! question is a few hash lookups, however large the workspace: the index's
//! entries (`entry.rs`) hold what decisions read, so a lookup ends there.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::{Deserialize, Serialize};

use crate::kind::{ResourceKind, Section};
use crate::role::Role;
use crate::toggle::{Toggle, ToggleSet};
use crate::validate::normalize_email;

/// Identifier of any record (account, company, workspace, group, ...).
#[cfg_attr(feature = "wasm", tsify::declare)]
pub type Id = i64;
/// Seconds since the Unix epoch. The policy has no clock: time is an input.
#[cfg_attr(feature = "wasm", tsify::declare)]
pub type Timestamp = i64;

/// Everything the rules may look at, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snapshot {
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub companies: Vec<Company>,
    #[serde(default)]
    pub workspaces: Vec<Workspace>,
    #[serde(default)]
    pub grants: Vec<Grant>,
}

/// A person on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: Id,
    pub email: String,
    /// Platform support: may turn companies' Partner and Client on or off.
    #[serde(default)]
    pub support: bool,
    /// Whether the email address is verified (a link mailed to it was
    /// opened, or an invitation to it accepted). Unverified accounts are
    /// not added to companies nor registered as analysts.
    #[serde(default)]
    pub verified: bool,
}

/// A tenant: owns workspaces, has members and admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Company {
    pub id: Id,
    #[serde(default)]
    pub partner_enabled: bool,
    #[serde(default)]
    pub client_enabled: bool,
    #[serde(default)]
    pub members: Vec<CompanyMember>,
}

/// A person's membership of a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyMember {
    pub account: Id,
    #[serde(default)]
    pub admin: bool,
}

/// One workspace and everything in it that access depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    pub id: Id,
    pub company: Id,
    #[serde(default)]
    pub data_studio: bool,
    /// Active members (exactly one of them the Owner).
    #[serde(default)]
    pub members: Vec<Member>,
    /// Open invitations (status Waiting, or Expired once past `expires_at`).
    #[serde(default)]
    pub invitations: Vec<Invitation>,
    /// Accounts that asked to join and wait for authorization.
    #[serde(default)]
    pub requests: Vec<AccessRequest>,
    pub toggles: RoleToggles,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// Which lists above hold only part of their set: a viewer's slice
    /// (SPEC 9). A full snapshot holds everything (nothing partial).
    #[serde(default, skip_serializing_if = "Partial::is_whole")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub partial: Partial,
    /// How many Active members hold each role, for a slice whose members
    /// are partial (sent only to those who may see the counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub counts: Option<RoleCounts>,
}

/// The lists of a [`Workspace`] that a slice holds only in part. A rule
/// over a whole set (an email not already a member, a group name not taken,
/// how many hold a role, what a group deletion leaves admin-only) is
/// answered from a partial list as unknown (`incomplete_facts`), never
/// guessed; a record not in a partial list is unknown (`unknown_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Partial {
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub members: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub invitations: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub requests: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub groups: bool,
    /// Groups' member lists (each group's `size` says how many it has).
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub group_members: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub resources: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(b: &bool) -> bool {
    !*b
}

impl Partial {
    /// Every list whole: a full snapshot.
    pub fn is_whole(&self) -> bool {
        *self == Partial::default()
    }
}

/// How many Active members hold each role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleCounts {
    pub owner: u32,
    pub admin: u32,
    pub developer: u32,
}

/// An Active member of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub account: Id,
    pub role: Role,
    /// Set for a partner analyst: the partner company that registered them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub partner: Option<Id>,
}

/// An invitation not yet accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub id: Id,
    pub email: String,
    pub role: Role,
    pub expires_at: Timestamp,
}

/// A request to join, waiting for authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessRequest {
    pub id: Id,
    pub account: Id,
}

/// The Admin and Developer roles' toggles, and the version they are at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleToggles {
    pub admin: Vec<Toggle>,
    pub developer: Vec<Toggle>,
    #[serde(default)]
    pub version: i64,
}

impl RoleToggles {
    /// A new workspace's toggles (SPEC section 3), at version 0.
    pub fn defaults() -> RoleToggles {
        RoleToggles {
            admin: ToggleSet::admin_default().iter().collect(),
            developer: ToggleSet::developer_default().iter().collect(),
            version: 0,
        }
    }
}

/// A group of members that resources can name as their managers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: Id,
    pub name: String,
    /// The group every member is in; it cannot be edited.
    #[serde(default)]
    pub is_default: bool,
    /// Member account ids (ignored for the default group: everyone is in it).
    #[serde(default)]
    pub members: Vec<Id>,
    /// How many members it has, when `members` holds only part of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub size: Option<u32>,
}

/// Something in a workspace that access rules apply to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resource {
    pub id: Id,
    pub kind: ResourceKind,
    /// Groups that may manage it (unused for flows and ungrouped kinds).
    #[serde(default)]
    pub groups: Vec<Id>,
    /// For a flow: its integration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub integration: Option<Id>,
    /// For a flow: the Data Studio jobs it runs as components.
    #[serde(default)]
    pub components: Vec<Id>,
}

impl Invitation {
    /// Whether the link has expired at `now` (shown as Expired; refused).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// A client's grant of access to a partner company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    pub id: Id,
    pub client: Id,
    pub partner: Id,
    pub workspaces: Vec<Id>,
    /// The role analysts get (Developer by default, Admin at most).
    pub role: Role,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub redeemed: bool,
    /// The client deleted the access key.
    #[serde(default)]
    pub revoked: bool,
    /// When the access ends unless the client renews it (SPEC 7).
    pub expires_at: Timestamp,
}

/// A grant's length when the client names none: one year.
pub const GRANT_DEFAULT_SECONDS: Timestamp = 365 * DAY;
/// The longest a grant may run from the moment it is given or renewed: two
/// years (two calendar years are at most 731 days).
pub const GRANT_MAX_SECONDS: Timestamp = 731 * DAY;
/// Both companies are warned this long before a grant expires.
pub const GRANT_WARNING_SECONDS: Timestamp = 30 * DAY;
const DAY: Timestamp = 24 * 60 * 60;

impl Grant {
    /// Not revoked: it holds the client's one partner slot (an expired
    /// grant still does, until renewed or deleted).
    pub fn is_live(&self) -> bool {
        !self.revoked
    }

    /// Whether the grant has run out at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    /// Whether both companies should be warned at `now`: live, not yet
    /// expired, and expiring within [`GRANT_WARNING_SECONDS`].
    pub fn expires_soon(&self, now: Timestamp) -> bool {
        self.is_live()
            && !self.is_expired(now)
            && self.expires_at.saturating_sub(now) <= GRANT_WARNING_SECONDS
    }

    /// Whether analysts of this grant may act in `workspace` at `now`.
    pub fn opens(&self, workspace: Id, now: Timestamp) -> bool {
        self.is_live()
            && self.redeemed
            && !self.is_expired(now)
            && self.workspaces.contains(&workspace)
    }
}

/// The snapshot, indexed for fast questions. Build once, ask many times;
/// [`Facts::apply`] keeps it current as records change.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    snapshot: Snapshot,
    accounts: HashMap<Id, usize>,
    companies: HashMap<Id, CompanyIndex>,
    workspaces: HashMap<Id, WorkspaceIndex>,
    grants: HashMap<Id, usize>,
}

#[derive(Debug, Clone, Default)]
struct CompanyIndex {
    pos: usize,
    /// Member account -> position in the company's `members`.
    members: HashMap<Id, usize>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct WorkspaceIndex {
    pos: usize,
    /// Active members, and anyone else a group lists, with their groups.
    people: IdMap<Person>,
    /// Normalised email -> how many Active members have it.
    member_emails: HashMap<String, usize>,
    invitations: HashMap<Id, usize>,
    requests: HashMap<Id, usize>,
    /// Account -> how many pending requests it has.
    requesters: HashMap<Id, usize>,
    groups: IdMap<GroupEntry>,
    group_names: HashMap<String, Id>,
    resources: IdMap<ResourceEntry>,
    pub(crate) admin: ToggleSet,
    pub(crate) developer: ToggleSet,
}

/// Inserts keeping the first occurrence, so duplicates in a snapshot are
/// resolved the same way everywhere.
fn index_by<T>(items: &[T], key: impl Fn(&T) -> Id) -> HashMap<Id, usize> {
    first_by_id(items, key, |i, _| i)
}

/// Entries made by `entry` from each item's position and the item, keyed
/// by id, keeping the first occurrence (as [`index_by`]).
fn first_by_id<T, E>(
    items: &[T],
    key: impl Fn(&T) -> Id,
    entry: impl Fn(usize, &T) -> E,
) -> HashMap<Id, E> {
    let mut map = HashMap::with_capacity_and_hasher(items.len(), Default::default());
    for (i, item) in items.iter().enumerate() {
        map.entry(key(item)).or_insert_with(|| entry(i, item));
    }
    map
}

/// Each Active member (the first record of an account) and everyone a group
/// lists, with the groups they are in.
fn people(w: &Workspace) -> IdMap<Person> {
    let mut people = IdMap::first_by_id(&w.members, |m| m.account, Person::member);
    let mut groups: HashMap<Id, Vec<Id>> = HashMap::default();
    for g in &w.groups {
        for &m in &g.members {
            groups.entry(m).or_default().push(g.id);
        }
    }
    for (account, list) in groups {
        people.get_or_insert_with(account, Person::outsider).set_groups(list);
    }
    people
}

/// The normalised email of account `id`, if it is known and valid.
fn email_of(accounts: &[Account], index: &HashMap<Id, usize>, id: Id) -> Option<String> {
    let account = index.get(&id).and_then(|&i| accounts.get(i))?;
    normalize_email(&account.email).ok()
}

/// Counts one more `key` (nothing for `None`).
fn count<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: Option<K>) {
    if let Some(key) = key {
        *counts.entry(key).or_insert(0) += 1;
    }
}

/// Counts one `key` fewer, forgetting it at zero (nothing for `None`).
fn uncount<K, Q>(counts: &mut HashMap<K, usize>, key: Option<&Q>)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    let Some(key) = key else { return };
    if let Some(n) = counts.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(key);
        }
    }
}

/// Lowercased group name -> the first group (in order) that has it.
fn group_names(groups: &[Group]) -> HashMap<String, Id> {
    let mut names = HashMap::with_capacity_and_hasher(groups.len(), Default::default());
    for g in groups {
        names.entry(g.name.to_lowercase()).or_insert(g.id);
    }
    names
}

impl Facts {
    /// Indexes a snapshot.
    pub fn new(snapshot: Snapshot) -> Facts {
        let accounts = index_by(&snapshot.accounts, |a| a.id);
        let companies = {
            let mut map =
                HashMap::with_capacity_and_hasher(snapshot.companies.len(), Default::default());
            for (pos, c) in snapshot.companies.iter().enumerate() {
                map.entry(c.id).or_insert_with(|| CompanyIndex {
                    pos,
                    members: index_by(&c.members, |m| m.account),
                });
            }
            map
        };
        let mut workspaces =
            HashMap::with_capacity_and_hasher(snapshot.workspaces.len(), Default::default());
        for (pos, w) in snapshot.workspaces.iter().enumerate() {
            if workspaces.contains_key(&w.id) {
                continue;
            }
            let mut member_emails = HashMap::default();
            for m in &w.members {
                count(&mut member_emails, email_of(&snapshot.accounts, &accounts, m.account));
            }
            let mut requesters = HashMap::default();
            for r in &w.requests {
                count(&mut requesters, Some(r.account));
            }
            workspaces.insert(
                w.id,
                WorkspaceIndex {
                    pos,
                    people: people(w),
                    member_emails,
                    invitations: index_by(&w.invitations, |i| i.id),
                    requests: index_by(&w.requests, |r| r.id),
                    requesters,
                    groups: IdMap::first_by_id(&w.groups, |g| g.id, GroupEntry::new),
                    group_names: group_names(&w.groups),
                    resources: IdMap::first_by_id(&w.resources, |r| r.id, ResourceEntry::new),
                    admin: w.toggles.admin.iter().copied().collect(),
                    developer: w.toggles.developer.iter().copied().collect(),
                },
            );
        }
        let grants = index_by(&snapshot.grants, |g| g.id);
        Facts { snapshot, accounts, companies, workspaces, grants }
    }

    /// The snapshot the facts were built from.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Gives the snapshot back.
    pub fn into_snapshot(self) -> Snapshot {
        self.snapshot
    }

    /// An account by id.
    pub fn account(&self, id: Id) -> Option<&Account> {
        self.accounts.get(&id).and_then(|&i| self.snapshot.accounts.get(i))
    }

    /// A company by id.
    pub fn company(&self, id: Id) -> Option<CompanyView<'_>> {
        let index = self.companies.get(&id)?;
        let company = self.snapshot.companies.get(index.pos)?;
        Some(CompanyView { company, index })
    }

    /// A workspace by id.
    pub fn workspace(&self, id: Id) -> Option<WorkspaceView<'_>> {
        let index = self.workspaces.get(&id)?;
        let workspace = self.snapshot.workspaces.get(index.pos)?;
        Some(WorkspaceView { facts: self, workspace, index })
    }

    /// A grant by id.
    pub fn grant(&self, id: Id) -> Option<&Grant> {
        self.grants.get(&id).and_then(|&i| self.snapshot.grants.get(i))
    }

    /// Every grant.
    pub fn grants(&self) -> &[Grant] {
        &self.snapshot.grants
    }

    /// The live grant by `client` to `partner`, if any.
    pub fn live_grant(&self, client: Id, partner: Id) -> Option<&Grant> {
        self.snapshot
            .grants
            .iter()
            .find(|g| g.is_live() && g.client == client && g.partner == partner)
    }

    /// Whether `client` has a live grant to any partner.
    pub fn has_live_partner(&self, client: Id) -> bool {
        self.snapshot.grants.iter().any(|g| g.is_live() && g.client == client)
    }
}

/// A company with its index.
#[derive(Debug, Clone, Copy)]
pub struct CompanyView<'a> {
    company: &'a Company,
    index: &'a CompanyIndex,
}

impl<'a> CompanyView<'a> {
    /// The company's data.
    pub fn data(&self) -> &'a Company {
        self.company
    }

    /// Whether `account` is a member (admin or not).
    pub fn is_member(&self, account: Id) -> bool {
        self.index.members.contains_key(&account)
    }

    /// Whether `account` is one of its admins.
    pub fn is_admin(&self, account: Id) -> bool {
        self.index
            .members
            .get(&account)
            .and_then(|&i| self.company.members.get(i))
            .is_some_and(|m| m.admin)
    }
}

/// A workspace with its index.
#[derive(Debug, Clone, Copy)]
pub struct WorkspaceView<'a> {
    facts: &'a Facts,
    workspace: &'a Workspace,
    pub(crate) index: &'a WorkspaceIndex,
}

impl<'a> WorkspaceView<'a> {
    /// The facts the view belongs to.
    pub fn facts(&self) -> &'a Facts {
        self.facts
    }

    /// The workspace's data.
    pub fn data(&self) -> &'a Workspace {
        self.workspace
    }

    /// Its id.
    pub fn id(&self) -> Id {
        self.workspace.id
    }

    /// An Active member by account id.
    pub fn member(&self, account: Id) -> Option<&'a Member> {
        self.person(account).and_then(|p| self.workspace.members.get(p.pos as usize))
    }

    /// `account`'s entry: position and groups (an Active member's or an
    /// outsider's that groups list).
    pub(crate) fn person(&self, account: Id) -> Option<&'a Person> {
        self.index.people.get(account)
    }

    /// Whether an Active member has this (normalised) email; `None` when
    /// the members are only partly known.
    pub fn has_member_email(&self, normalized_email: &str) -> Option<bool> {
        let found = self.index.member_emails.contains_key(normalized_email);
        (found || !self.workspace.partial.members).then_some(found)
    }

    /// Which lists this copy holds only in part.
    pub fn partial(&self) -> Partial {
        self.workspace.partial
    }

    /// An open invitation by id.
    pub fn invitation(&self, id: Id) -> Option<&'a Invitation> {
        self.index.invitations.get(&id).and_then(|&i| self.workspace.invitations.get(i))
    }

    /// A pending access request by id.
    pub fn request(&self, id: Id) -> Option<&'a AccessRequest> {
        self.index.requests.get(&id).and_then(|&i| self.workspace.requests.get(i))
    }

    /// Whether `account` has a pending access request.
    pub fn has_request_from(&self, account: Id) -> bool {
        self.index.requesters.contains_key(&account)
    }

    /// A group by id.
    pub fn group(&self, id: Id) -> Option<&'a Group> {
        self.index.groups.get(id).and_then(|e| self.workspace.groups.get(e.pos as usize))
    }

    /// The group whose name equals `name` ignoring case, if any (`Ok`), or
    /// `Err(())` when the groups are only partly known and none loaded has it.
    #[allow(clippy::result_unit_err)]
    pub fn group_named(&self, name: &str) -> Result<Option<Id>, ()> {
        match self.index.group_names.get(&name.to_lowercase()) {
            Some(&id) => Ok(Some(id)),
            None if self.workspace.partial.groups => Err(()),
            None => Ok(None),
        }
    }

    /// Whether `account` is in group `group` (everyone Active is in the
    /// default group).
    pub fn in_group(&self, group: Id, account: Id) -> bool {
        match self.index.groups.get(group) {
            Some(g) if g.is_default => self.member(account).is_some(),
            Some(_) => self.person(account).is_some_and(|p| p.in_group(group)),
            None => false,
        }
    }

    /// Whether the Active member `person` is in any of `groups` (each a
    /// group here; the default group holds every member): [`Self::in_group`]
    /// for one asker over a resource's groups.
    pub(crate) fn member_in_any(&self, person: &Person, groups: &[Id]) -> bool {
        groups.iter().any(|&g| match self.index.groups.get(g) {
            Some(e) => e.is_default || person.in_group(g),
            None => false,
        })
    }

    /// A resource by id.
    pub fn resource(&self, id: Id) -> Option<&'a Resource> {
        self.resource_ref(id).map(|r| r.data())
    }

    /// A resource's entry and record by id (the record is not read).
    pub(crate) fn resource_ref(&self, id: Id) -> Option<ResourceRef<'a>> {
        let entry = self.index.resources.get(id)?;
        let record = self.workspace.resources.get(entry.pos as usize)?;
        Some(ResourceRef { entry, record })
    }

    /// The toggles a role holds here: the Owner always has all sixteen.
    pub fn toggles_of(&self, role: Role) -> ToggleSet {
        match role {
            Role::Owner => ToggleSet::ALL,
            Role::Admin => self.index.admin,
            Role::Developer => self.index.developer,
        }
    }

    /// The resources that name `group` among their own groups and would be
    /// left with no group at all if it were deleted (they become admin-only);
    /// `None` when the resources are only partly known.
    pub fn resources_orphaned_by_deleting(&self, group: Id) -> Option<usize> {
        if self.workspace.partial.resources {
            return None;
        }
        let n = self
            .workspace
            .resources
            .iter()
            .filter(|r| r.kind.grouping() == crate::kind::Grouping::Own)
            .filter(|r| r.groups.contains(&group) && r.groups.iter().all(|&g| g == group))
            .count();
        Some(n)
    }

    /// How many Active members hold `role`: counted, or from the slice's
    /// counts when the members are only partly known (`None` without them).
    pub fn count_with_role(&self, role: Role) -> Option<usize> {
        if !self.workspace.partial.members {
            return Some(self.workspace.members.iter().filter(|m| m.role == role).count());
        }
        let c = self.workspace.counts?;
        let n = match role {
            Role::Owner => c.owner,
            Role::Admin => c.admin,
            Role::Developer => c.developer,
        };
        usize::try_from(n).ok()
    }
}

/// A resource found through its entry: decisions read the entry; the
/// record is there for those who need the rest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResourceRef<'a> {
    entry: &'a ResourceEntry,
    record: &'a Resource,
}

impl<'a> ResourceRef<'a> {
    /// Its kind.
    pub(crate) fn kind(&self) -> ResourceKind {
        self.entry.kind
    }

    /// The whole record.
    pub(crate) fn data(&self) -> &'a Resource {
        self.record
    }

    /// The ids that govern who manages it: its own groups, a flow's
    /// integration (none or one), nothing for kinds without groups.
    pub(crate) fn governing(&self) -> &'a [Id] {
        match self.entry.inline_ids() {
            Some(ids) => ids,
            None => match self.entry.kind.grouping() {
                crate::kind::Grouping::Own => &self.record.groups,
                crate::kind::Grouping::Integration => self.record.integration.as_slice(),
                crate::kind::Grouping::None => &[],
            },
        }
    }
}

mod apply;
pub(crate) mod entry;
mod id_map;

use entry::{GroupEntry, Person, ResourceEntry};
use id_map::IdMap;
