//! [`Facts::apply`]: keeping indexed facts current as records change, in
//! time proportional to each change.

use super::entry::pos_of;
use super::*;
use crate::change::{Change, CompanyHeader, GroupHeader, WorkspaceHeader};

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

/// Index entries whose position is a [`entry::Pos`].
macro_rules! slot_at_pos {
    ($($entry:ty),*) => {$(
        impl Slot for $entry {
            fn pos(&self) -> usize {
                self.pos as usize
            }
            fn set_pos(&mut self, pos: usize) {
                self.pos = pos_of(pos);
            }
        }
    )*};
}

slot_at_pos!(Person, GroupEntry, ResourceEntry);

impl Slot for WorkspaceIndex {
    fn pos(&self) -> usize {
        self.pos
    }
    fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }
}

/// An index from ids to [`Slot`]s: a hash map or an [`IdMap`].
trait Index<S> {
    fn take(&mut self, key: Id) -> Option<S>;
    fn slot_mut(&mut self, key: Id) -> Option<&mut S>;
}

impl<S> Index<S> for HashMap<Id, S> {
    fn take(&mut self, key: Id) -> Option<S> {
        self.remove(&key)
    }
    fn slot_mut(&mut self, key: Id) -> Option<&mut S> {
        self.get_mut(&key)
    }
}

impl<S> Index<S> for IdMap<S> {
    fn take(&mut self, key: Id) -> Option<S> {
        self.remove(key)
    }
    fn slot_mut(&mut self, key: Id) -> Option<&mut S> {
        self.get_mut(key)
    }
}

/// Removes the item indexed under `key` in O(1): the last item moves into
/// its place and its index entry follows it.
fn remove_keyed<T, S: Slot>(
    items: &mut Vec<T>,
    index: &mut impl Index<S>,
    key: Id,
    key_of: impl Fn(&T) -> Id,
) -> Option<T> {
    let pos = index.take(key)?.pos();
    remove_at(items, index, pos, key_of)
}

/// Removes the item at `pos` (whose index entry is gone) in O(1): the last
/// item moves into its place and its index entry follows it.
fn remove_at<T, S: Slot>(
    items: &mut Vec<T>,
    index: &mut impl Index<S>,
    pos: usize,
    key_of: impl Fn(&T) -> Id,
) -> Option<T> {
    if pos >= items.len() {
        return None;
    }
    let removed = items.swap_remove(pos);
    let old_last = items.len();
    if let Some(moved) = items.get(pos)
        && let Some(slot) = index.slot_mut(key_of(moved))
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
        let Some(person) = self.people.remove(account) else { return };
        if person.is_member()
            && remove_at(&mut ws.members, &mut self.people, person.pos(), |m| m.account).is_some()
        {
            uncount(&mut self.member_emails, email);
        }
        for g in person.groups() {
            if let Some(group) = self.groups.get(*g).and_then(|e| ws.groups.get_mut(e.pos())) {
                group.members.retain(|&a| a != account);
            }
        }
    }

    /// Upserts Active member `member`; true if they were not one before.
    fn put_member(&mut self, ws: &mut Workspace, member: Member) -> bool {
        let pos = ws.members.len();
        let person = self.people.get_or_insert_with(member.account, Person::outsider);
        if let Some(slot) = ws.members.get_mut(person.pos()) {
            person.set_member(person.pos(), &member);
            *slot = member;
            return false;
        }
        person.set_member(pos, &member);
        ws.members.push(member);
        true
    }

    /// Puts `account` in group `group` (its record and their entry).
    fn join_group(&mut self, ws: &mut Workspace, group: Id, account: Id) {
        let Some(g) = self.groups.get(group).and_then(|e| ws.groups.get_mut(e.pos())) else {
            return;
        };
        if self.people.get_or_insert_with(account, Person::outsider).join(group) {
            g.members.push(account);
        }
    }

    /// Takes `account` out of group `group` (its record and their entry).
    fn leave_group(&mut self, ws: &mut Workspace, group: Id, account: Id) {
        let Some(g) = self.groups.get(group).and_then(|e| ws.groups.get_mut(e.pos())) else {
            return;
        };
        if self.people.get_mut(account).is_some_and(|p| p.leave(group)) {
            g.members.retain(|&a| a != account);
            self.forget_if_outsider(account);
        }
    }

    /// Drops the entry of someone neither a member nor in any group.
    fn forget_if_outsider(&mut self, account: Id) {
        if self.people.get(account).is_some_and(|p| !p.is_member() && p.groups().is_empty()) {
            self.people.remove(account);
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
        if let Some(e) = self.groups.get_mut(id) {
            e.is_default = is_default;
        }
        match self.groups.get(id).and_then(|e| ws.groups.get_mut(e.pos())) {
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
                let group = Group { id, name, is_default, members: Vec::new(), size: None };
                self.groups.insert(id, GroupEntry::new(ws.groups.len(), &group));
                ws.groups.push(group);
            }
        }
    }

    /// Deletes group `id`: its memberships, and its place in resources.
    fn delete_group(&mut self, ws: &mut Workspace, id: Id) {
        if let Some(g) = remove_keyed(&mut ws.groups, &mut self.groups, id, |g| g.id) {
            for &a in &g.members {
                if let Some(p) = self.people.get_mut(a) {
                    p.leave(id);
                }
                self.forget_if_outsider(a);
            }
            // The group that moved into its place may now come first.
            self.group_names = group_names(&ws.groups);
        }
        for (pos, r) in ws.resources.iter_mut().enumerate() {
            if r.groups.contains(&id) {
                r.groups.retain(|&g| g != id);
                if let Some(e) = self.resources.get_mut(r.id).filter(|e| e.pos() == pos) {
                    *e = ResourceEntry::new(pos, r);
                }
            }
        }
    }

    /// Upserts a resource (its record and its entry).
    fn put_resource(&mut self, ws: &mut Workspace, resource: Resource) {
        let found = self.resources.get_mut(resource.id);
        if let Some((entry, slot)) =
            found.and_then(|e| ws.resources.get_mut(e.pos()).map(|slot| (e, slot)))
        {
            *entry = ResourceEntry::new(entry.pos(), &resource);
            *slot = resource;
            return;
        }
        self.resources.insert(resource.id, ResourceEntry::new(ws.resources.len(), &resource));
        ws.resources.push(resource);
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
                if index.put_member(ws, member) {
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
                if present {
                    index.join_group(ws, group, account);
                } else {
                    index.leave_group(ws, group, account);
                }
            }
            Change::Resource { workspace, id, resource } => {
                if let Some((ws, index)) =
                    ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, workspace)
                {
                    match resource {
                        Some(mut resource) => {
                            resource.id = id;
                            index.put_resource(ws, resource);
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
            partial: Partial::default(),
            counts: None,
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
            if index.people.get(id).is_some_and(Person::is_member) {
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

impl Facts {
    /// Adds a slice's records (a page of members, resources or a group's
    /// members; SPEC 9) to these facts: each record is upserted as
    /// [`Facts::apply`] would. A workspace already here keeps its own fields
    /// and which lists are partial: adding a page never makes a list whole.
    /// A workspace new to the facts comes with the slice's markers.
    pub fn add(&mut self, slice: Snapshot) {
        let Snapshot { accounts, companies, workspaces, grants } = slice;
        let mut changes: Vec<Change> = Vec::new();
        changes
            .extend(accounts.into_iter().map(|a| Change::Account { id: a.id, account: Some(a) }));
        for c in companies {
            changes.push(Change::Company { id: c.id, header: Some(CompanyHeader::from(&c)) });
            changes.extend(c.members.into_iter().map(|m| Change::CompanyMember {
                company: c.id,
                account: m.account,
                member: Some(m),
            }));
        }
        changes.extend(grants.into_iter().map(|g| Change::Grant { id: g.id, grant: Some(g) }));
        let mut markers = Vec::new();
        let mut sizes = Vec::new();
        for w in workspaces {
            let ws = w.id;
            if !self.workspaces.contains_key(&ws) {
                changes.push(Change::Workspace { id: ws, header: Some(WorkspaceHeader::from(&w)) });
                markers.push((ws, w.partial, w.counts));
            }
            changes.extend(w.members.into_iter().map(|m| Change::Member {
                workspace: ws,
                account: m.account,
                member: Some(m),
            }));
            changes.extend(w.invitations.into_iter().map(|i| Change::Invitation {
                workspace: ws,
                id: i.id,
                invitation: Some(i),
            }));
            changes.extend(w.requests.into_iter().map(|r| Change::Request {
                workspace: ws,
                id: r.id,
                request: Some(r),
            }));
            for g in w.groups {
                changes.push(Change::Group { workspace: ws, id: g.id, header: Some((&g).into()) });
                sizes.push((ws, g.id, g.size));
                changes.extend(g.members.into_iter().map(|account| Change::GroupMember {
                    workspace: ws,
                    group: g.id,
                    account,
                    present: true,
                }));
            }
            changes.extend(w.resources.into_iter().map(|r| Change::Resource {
                workspace: ws,
                id: r.id,
                resource: Some(r),
            }));
        }
        self.apply(changes);
        for (ws, partial, counts) in markers {
            if let Some((w, _)) = ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, ws) {
                w.partial = partial;
                w.counts = counts;
            }
        }
        for (ws, group, size) in sizes {
            if let Some((w, index)) =
                ws_mut(&mut self.snapshot.workspaces, &mut self.workspaces, ws)
                && let Some(g) = index.groups.get(group).and_then(|e| w.groups.get_mut(e.pos()))
                && size.is_some()
            {
                g.size = size;
            }
        }
    }
}
