//! The facts a decision needs: a serde snapshot, and an indexed view of it.
//!
//! The snapshot is plain data (what the server loads from its database and
//! what the SPA and JS front ends receive); [`Facts`] indexes it once so each
//! question is a few hash lookups, however large the workspace.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::{Deserialize, Serialize};

use crate::change::{Change, CompanyHeader, GroupHeader, WorkspaceHeader};
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
pub struct Account {
    pub id: Id,
    pub email: String,
    /// Platform support: may turn companies' Partner and Client on or off.
    #[serde(default)]
    pub support: bool,
}

/// A tenant: owns workspaces, has members and admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
pub struct CompanyMember {
    pub account: Id,
    #[serde(default)]
    pub admin: bool,
}

/// One workspace and everything in it that access depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
}

/// An Active member of a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
pub struct Invitation {
    pub id: Id,
    pub email: String,
    pub role: Role,
    pub expires_at: Timestamp,
}

/// A request to join, waiting for authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct AccessRequest {
    pub id: Id,
    pub account: Id,
}

/// The Admin and Developer roles' toggles, and the version they are at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
pub struct Group {
    pub id: Id,
    pub name: String,
    /// The group every member is in; it cannot be edited.
    #[serde(default)]
    pub is_default: bool,
    /// Member account ids (ignored for the default group: everyone is in it).
    #[serde(default)]
    pub members: Vec<Id>,
}

/// Something in a workspace that access rules apply to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
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
}

impl Grant {
    /// Not revoked.
    pub fn is_live(&self) -> bool {
        !self.revoked
    }

    /// Whether analysts of this grant may act in `workspace` at all.
    pub fn opens(&self, workspace: Id) -> bool {
        self.is_live() && self.redeemed && self.workspaces.contains(&workspace)
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
    members: HashMap<Id, usize>,
    /// Normalised email -> how many Active members have it.
    member_emails: HashMap<String, usize>,
    invitations: HashMap<Id, usize>,
    requests: HashMap<Id, usize>,
    /// Account -> how many pending requests it has.
    requesters: HashMap<Id, usize>,
    groups: HashMap<Id, usize>,
    group_names: HashMap<String, Id>,
    group_members: HashSet<(Id, Id)>,
    resources: HashMap<Id, usize>,
    pub(crate) admin: ToggleSet,
    pub(crate) developer: ToggleSet,
}

/// Inserts keeping the first occurrence, so duplicates in a snapshot are
/// resolved the same way everywhere.
fn index_by<T>(items: &[T], key: impl Fn(&T) -> Id) -> HashMap<Id, usize> {
    let mut map = HashMap::with_capacity_and_hasher(items.len(), Default::default());
    for (i, item) in items.iter().enumerate() {
        map.entry(key(item)).or_insert(i);
    }
    map
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
            let group_names = group_names(&w.groups);
            let mut group_members = HashSet::default();
            for g in &w.groups {
                for &m in &g.members {
                    group_members.insert((g.id, m));
                }
            }
            workspaces.insert(
                w.id,
                WorkspaceIndex {
                    pos,
                    members: index_by(&w.members, |m| m.account),
                    member_emails,
                    invitations: index_by(&w.invitations, |i| i.id),
                    requests: index_by(&w.requests, |r| r.id),
                    requesters,
                    groups: index_by(&w.groups, |g| g.id),
                    group_names,
                    group_members,
                    resources: index_by(&w.resources, |r| r.id),
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
        self.index.members.get(&account).and_then(|&i| self.workspace.members.get(i))
    }

    /// Whether an Active member has this (normalised) email.
    pub fn has_member_email(&self, normalized_email: &str) -> bool {
        self.index.member_emails.contains_key(normalized_email)
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
        self.index.groups.get(&id).and_then(|&i| self.workspace.groups.get(i))
    }

    /// The group whose name equals `name` ignoring case, if any.
    pub fn group_named(&self, name: &str) -> Option<Id> {
        self.index.group_names.get(&name.to_lowercase()).copied()
    }

    /// Whether `account` is in group `group` (everyone Active is in the
    /// default group).
    pub fn in_group(&self, group: Id, account: Id) -> bool {
        match self.group(group) {
            Some(g) if g.is_default => self.member(account).is_some(),
            Some(_) => self.index.group_members.contains(&(group, account)),
            None => false,
        }
    }

    /// A resource by id.
    pub fn resource(&self, id: Id) -> Option<&'a Resource> {
        self.index.resources.get(&id).and_then(|&i| self.workspace.resources.get(i))
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
    /// left with no group at all if it were deleted (they become admin-only).
    pub fn resources_orphaned_by_deleting(&self, group: Id) -> usize {
        self.workspace
            .resources
            .iter()
            .filter(|r| r.kind.grouping() == crate::kind::Grouping::Own)
            .filter(|r| r.groups.contains(&group) && r.groups.iter().all(|&g| g == group))
            .count()
    }

    /// How many Active members hold `role`.
    pub fn count_with_role(&self, role: Role) -> usize {
        self.workspace.members.iter().filter(|m| m.role == role).count()
    }
}

// --- applying changes ------------------------------------------------------

/// An index entry that records where its item sits in its vector.
trait Slot {
    fn pos(&self) -> usize;
    fn set_pos(&mut self, pos: usize);
}

impl Slot for usize {
    fn pos(&self) -> usize {
        *self
    }
    fn set_pos(&mut self, pos: usize) {
        *self = pos;
    }
}

impl Slot for CompanyIndex {
    fn pos(&self) -> usize {
        self.pos
    }
    fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }
}

impl Slot for WorkspaceIndex {
    fn pos(&self) -> usize {
        self.pos
    }
    fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }
}

/// Removes the item indexed under `key` in O(1): the last item moves into
/// its place and its index entry follows it.
fn remove_keyed<T, S: Slot>(
    items: &mut Vec<T>,
    index: &mut HashMap<Id, S>,
    key: Id,
    key_of: impl Fn(&T) -> Id,
) -> Option<T> {
    let pos = index.remove(&key)?.pos();
    if pos >= items.len() {
        return None;
    }
    let removed = items.swap_remove(pos);
    let old_last = items.len();
    if let Some(moved) = items.get(pos)
        && let Some(slot) = index.get_mut(&key_of(moved))
        && slot.pos() == old_last
    {
        slot.set_pos(pos);
    }
    Some(removed)
}

/// Replaces the item indexed under `key`, or appends it; gives back the
/// item it replaced.
fn upsert_keyed<T>(
    items: &mut Vec<T>,
    index: &mut HashMap<Id, usize>,
    key: Id,
    item: T,
) -> Option<T> {
    if let Some(slot) = index.get(&key).and_then(|&pos| items.get_mut(pos)) {
        return Some(std::mem::replace(slot, item));
    }
    index.insert(key, items.len());
    items.push(item);
    None
}

/// A loaded workspace and its index.
fn ws_mut<'a>(
    workspaces: &'a mut [Workspace],
    index: &'a mut HashMap<Id, WorkspaceIndex>,
    id: Id,
) -> Option<(&'a mut Workspace, &'a mut WorkspaceIndex)> {
    let index = index.get_mut(&id)?;
    let workspace = workspaces.get_mut(index.pos)?;
    Some((workspace, index))
}

impl WorkspaceIndex {
    /// Removes Active member `account`, whose account's normalised email is
    /// `email`, and takes them out of every group of the workspace.
    fn remove_member(&mut self, ws: &mut Workspace, account: Id, email: Option<&str>) {
        if remove_keyed(&mut ws.members, &mut self.members, account, |m| m.account).is_some() {
            uncount(&mut self.member_emails, email);
        }
        for g in &mut ws.groups {
            if self.group_members.remove(&(g.id, account)) {
                g.members.retain(|&a| a != account);
            }
        }
    }

    /// Removes the pending request `id`.
    fn remove_request(&mut self, ws: &mut Workspace, id: Id) {
        if let Some(r) = remove_keyed(&mut ws.requests, &mut self.requests, id, |r| r.id) {
            uncount(&mut self.requesters, Some(&r.account));
        }
    }

    /// Upserts a group's own fields.
    fn put_group(&mut self, ws: &mut Workspace, id: Id, header: GroupHeader) {
        let GroupHeader { name, is_default } = header;
        let key = name.to_lowercase();
        match self.groups.get(&id).and_then(|&i| ws.groups.get_mut(i)) {
            Some(g) => {
                let renamed = g.name.to_lowercase() != key;
                g.name = name;
                g.is_default = is_default;
                if renamed {
                    // Another group may have shadowed or be shadowed by it.
                    self.group_names = group_names(&ws.groups);
                }
            }
            None => {
                // Appended last: it wins its name only if nobody had it.
                self.group_names.entry(key).or_insert(id);
                self.groups.insert(id, ws.groups.len());
                ws.groups.push(Group { id, name, is_default, members: Vec::new() });
            }
        }
    }

    /// Deletes group `id`: its memberships, and its place in resources.
    fn delete_group(&mut self, ws: &mut Workspace, id: Id) {
        if let Some(g) = remove_keyed(&mut ws.groups, &mut self.groups, id, |g| g.id) {
            for a in &g.members {
                self.group_members.remove(&(id, *a));
            }
            // The group that moved into its place may now come first.
            self.group_names = group_names(&ws.groups);
        }
        for r in &mut ws.resources {
            r.groups.retain(|&g| g != id);
        }
    }

    /// Deletes resource `id`, the resources whose integration it is (in
    /// turn), and every deleted id from every resource's components.
    fn delete_resource(&mut self, ws: &mut Workspace, id: Id) {
        let mut children: HashMap<Id, Vec<Id>> = HashMap::default();
        for r in &ws.resources {
            if let Some(i) = r.integration {
                children.entry(i).or_default().push(r.id);
            }
        }
        let mut doomed = HashSet::default();
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            if doomed.insert(x) {
                stack.extend(children.remove(&x).unwrap_or_default());
            }
        }
        for &x in &doomed {
            remove_keyed(&mut ws.resources, &mut self.resources, x, |r| r.id);
        }
        for r in &mut ws.resources {
            r.components.retain(|c| !doomed.contains(c));
        }
    }
}

impl Facts {
    /// Applies changes read from the change log, in order, so the facts are
    /// those of the snapshot with these records changed (see [`Change`]),
    /// indexed exactly as [`Facts::new`] would index it.
    ///
    /// Each change costs time in proportion to itself, never a rebuild:
    /// - O(1) hash updates: upserts of workspaces, members, invitations,
    ///   requests, resources, companies, company members, grants; a group
    ///   created or edited without a new name; a member added to a group;
    ///   deletions of invitations, requests, company members and grants;
    /// - one workspace's groups: a member deletion, a group renamed;
    /// - that group's member list: a member taken out of a group;
    /// - one workspace's groups and resources: a group deletion;
    /// - one workspace's resources: a resource deletion (with its flows);
    /// - the grants: a workspace deletion;
    /// - each loaded workspace (one lookup): an account whose normalised
    ///   email changed;
    /// - each loaded workspace's groups and each loaded company: an account
    ///   deletion; each loaded workspace's members and the grants: a company
    ///   deletion.
    ///
    /// Records are assumed unique by key, as the database's keys make them
    /// (`Facts::new` indexes the first of duplicates; a change replaces or
    /// removes that one). Vector order is not kept: a removed record's place
    /// is taken by the last one.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) {
        for change in changes {
            self.apply_one(change);
        }
    }

    fn apply_one(&mut self, change: Change) {
        match change {
            Change::Workspace { id, header: Some(header) } => self.put_workspace(id, header),
            Change::Workspace { id, header: None } => self.delete_workspace(id),
            Change::Member { workspace, account, member: Some(mut member) } => {
                member.account = account;
                let email = email_of(&self.snapshot.accounts, &self.accounts, account);
                let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                else {
                    return;
                };
                if upsert_keyed(&mut ws.members, &mut index.members, account, member).is_none() {
                    count(&mut index.member_emails, email);
                }
            }
            Change::Member { workspace, account, member: None } => {
                let email = email_of(&self.snapshot.accounts, &self.accounts, account);
                if let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                {
                    index.remove_member(ws, account, email.as_deref());
                }
            }
            Change::Invitation { workspace, id, invitation } => {
                let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                else {
                    return;
                };
                match invitation {
                    Some(mut invitation) => {
                        invitation.id = id;
                        upsert_keyed(&mut ws.invitations, &mut index.invitations, id, invitation);
                    }
                    None => {
                        remove_keyed(&mut ws.invitations, &mut index.invitations, id, |i| i.id);
                    }
                }
            }
            Change::Request { workspace, id, request } => {
                let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                else {
                    return;
                };
                match request {
                    Some(mut request) => {
                        request.id = id;
                        let account = request.account;
                        if let Some(old) =
                            upsert_keyed(&mut ws.requests, &mut index.requests, id, request)
                        {
                            uncount(&mut index.requesters, Some(&old.account));
                        }
                        count(&mut index.requesters, Some(account));
                    }
                    None => index.remove_request(ws, id),
                }
            }
            Change::Group { workspace, id, header } => {
                if let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                {
                    match header {
                        Some(header) => index.put_group(ws, id, header),
                        None => index.delete_group(ws, id),
                    }
                }
            }
            Change::GroupMember { workspace, group, account, present } => {
                let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                else {
                    return;
                };
                let Some(g) = index.groups.get(&group).and_then(|&i| ws.groups.get_mut(i)) else {
                    return;
                };
                if present {
                    if index.group_members.insert((group, account)) {
                        g.members.push(account);
                    }
                } else if index.group_members.remove(&(group, account)) {
                    g.members.retain(|&a| a != account);
                }
            }
            Change::Resource { workspace, id, resource } => {
                if let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                {
                    match resource {
                        Some(mut resource) => {
                            resource.id = id;
                            upsert_keyed(&mut ws.resources, &mut index.resources, id, resource);
                        }
                        None => index.delete_resource(ws, id),
                    }
                }
            }
            Change::Company { id, header: Some(header) } => self.put_company(id, header),
            Change::Company { id, header: None } => self.delete_company(id),
            Change::CompanyMember { company, account, member } => {
                let Some(index) = self.companies.get_mut(&company) else { return };
                let Some(c) = self.snapshot.companies.get_mut(index.pos) else { return };
                match member {
                    Some(mut member) => {
                        member.account = account;
                        upsert_keyed(&mut c.members, &mut index.members, account, member);
                    }
                    None => {
                        remove_keyed(&mut c.members, &mut index.members, account, |m| m.account);
                    }
                }
            }
            Change::Grant { id, grant: Some(mut grant) } => {
                grant.id = id;
                upsert_keyed(&mut self.snapshot.grants, &mut self.grants, id, grant);
            }
            Change::Grant { id, grant: None } => {
                remove_keyed(&mut self.snapshot.grants, &mut self.grants, id, |g| g.id);
            }
            Change::Account { id, account: Some(mut account) } => {
                account.id = id;
                self.put_account(account);
            }
            Change::Account { id, account: None } => self.delete_account(id),
        }
    }

    fn put_workspace(&mut self, id: Id, header: WorkspaceHeader) {
        let WorkspaceHeader { company, data_studio, toggles } = header;
        let admin = toggles.admin.iter().copied().collect();
        let developer = toggles.developer.iter().copied().collect();
        if let Some((ws, index)) = ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, id) {
            ws.company = company;
            ws.data_studio = data_studio;
            ws.toggles = toggles;
            index.admin = admin;
            index.developer = developer;
            return;
        }
        let pos = self.snapshot.workspaces.len();
        self.snapshot.workspaces.push(Workspace {
            id,
            company,
            data_studio,
            members: Vec::new(),
            invitations: Vec::new(),
            requests: Vec::new(),
            toggles,
            groups: Vec::new(),
            resources: Vec::new(),
        });
        self.workspaces.insert(id, WorkspaceIndex { pos, admin, developer, ..Default::default() });
    }

    fn delete_workspace(&mut self, id: Id) {
        remove_keyed(&mut self.snapshot.workspaces, &mut self.workspaces, id, |w| w.id);
        for g in &mut self.snapshot.grants {
            g.workspaces.retain(|&w| w != id);
        }
    }

    fn put_company(&mut self, id: Id, header: CompanyHeader) {
        let CompanyHeader { partner_enabled, client_enabled } = header;
        if let Some(c) =
            self.companies.get(&id).and_then(|i| self.snapshot.companies.get_mut(i.pos))
        {
            c.partner_enabled = partner_enabled;
            c.client_enabled = client_enabled;
            return;
        }
        let pos = self.snapshot.companies.len();
        self.snapshot.companies.push(Company {
            id,
            partner_enabled,
            client_enabled,
            members: Vec::new(),
        });
        self.companies.insert(id, CompanyIndex { pos, members: HashMap::default() });
    }

    fn delete_company(&mut self, id: Id) {
        remove_keyed(&mut self.snapshot.companies, &mut self.companies, id, |c| c.id);
        let owned: Vec<Id> =
            self.snapshot.workspaces.iter().filter(|w| w.company == id).map(|w| w.id).collect();
        for w in owned {
            self.delete_workspace(w);
        }
        let grants: Vec<Id> = self
            .snapshot
            .grants
            .iter()
            .filter(|g| g.client == id || g.partner == id)
            .map(|g| g.id)
            .collect();
        for g in grants {
            remove_keyed(&mut self.snapshot.grants, &mut self.grants, g, |g| g.id);
        }
        for index in self.workspaces.values_mut() {
            let Some(ws) = self.snapshot.workspaces.get_mut(index.pos) else { continue };
            let analysts: Vec<Id> =
                ws.members.iter().filter(|m| m.partner == Some(id)).map(|m| m.account).collect();
            for a in analysts {
                let email = email_of(&self.snapshot.accounts, &self.accounts, a);
                index.remove_member(ws, a, email.as_deref());
            }
        }
    }

    fn put_account(&mut self, account: Account) {
        let id = account.id;
        let new_email = normalize_email(&account.email).ok();
        let old = upsert_keyed(&mut self.snapshot.accounts, &mut self.accounts, id, account);
        let old_email = old.and_then(|a| normalize_email(&a.email).ok());
        if old_email == new_email {
            return;
        }
        for index in self.workspaces.values_mut() {
            if index.members.contains_key(&id) {
                uncount(&mut index.member_emails, old_email.as_deref());
                count(&mut index.member_emails, new_email.clone());
            }
        }
    }

    fn delete_account(&mut self, id: Id) {
        let email = email_of(&self.snapshot.accounts, &self.accounts, id);
        for index in self.workspaces.values_mut() {
            let Some(ws) = self.snapshot.workspaces.get_mut(index.pos) else { continue };
            index.remove_member(ws, id, email.as_deref());
            if index.requesters.contains_key(&id) {
                let requests: Vec<Id> =
                    ws.requests.iter().filter(|r| r.account == id).map(|r| r.id).collect();
                for r in requests {
                    index.remove_request(ws, r);
                }
            }
        }
        for index in self.companies.values_mut() {
            if let Some(c) = self.snapshot.companies.get_mut(index.pos) {
                remove_keyed(&mut c.members, &mut index.members, id, |m| m.account);
            }
        }
        remove_keyed(&mut self.snapshot.accounts, &mut self.accounts, id, |a| a.id);
    }
}
