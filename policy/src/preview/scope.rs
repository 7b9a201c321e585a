//! What a change touches: the records its write changes ([`Change`]s, as
//! the change log will say), the people and resources of each workspace in
//! its scope, and the facts cut down to that scope.

use std::collections::{BTreeMap, BTreeSet};

use super::Scope;
use crate::action::Action;
use crate::change::{Change, WorkspaceHeader};
use crate::facts::{
    Account, Company, Facts, Grant, Group, Id, Member, Partial, Resource, RoleToggles, Snapshot,
    Workspace, WorkspaceView,
};
use crate::kind::{Grouping, ResourceKind};
use crate::role::Role;
use crate::toggle::Toggle;

impl Facts {
    /// The records the write of `action` changes, as its change log will
    /// say (see [`Change`]).
    pub(super) fn effect(&self, actor: Id, action: &Action) -> Vec<Change> {
        use Action::*;
        let header = |ws: Id, edit: &dyn Fn(&mut WorkspaceHeader)| {
            self.workspace(ws).map(|v| {
                let w = v.data();
                let mut h = WorkspaceHeader {
                    company: w.company,
                    data_studio: w.data_studio,
                    toggles: w.toggles.clone(),
                };
                edit(&mut h);
                Change::Workspace { id: ws, header: Some(h) }
            })
        };
        let member = |ws: Id, account: Id, role: Role| {
            self.workspace(ws).and_then(|v| v.member(account)).map(|m| Change::Member {
                workspace: ws,
                account,
                member: Some(Member { role, ..*m }),
            })
        };
        let grant = |id: Id, edit: &dyn Fn(&mut Grant)| {
            self.grant(id).map(|g| {
                let mut g = g.clone();
                edit(&mut g);
                Change::Grant { id, grant: Some(g) }
            })
        };
        match action {
            SetToggle { workspace, role, toggle, on } => header(*workspace, &|h| {
                let list = role_toggles(&mut h.toggles, *role);
                list.retain(|t| t != toggle);
                if *on {
                    list.push(*toggle);
                }
            })
            .into_iter()
            .collect(),
            SaveToggles { workspace, role, toggles, .. } => {
                header(*workspace, &|h| *role_toggles(&mut h.toggles, *role) = toggles.clone())
                    .into_iter()
                    .collect()
            }
            SetDataStudio { workspace } => {
                header(*workspace, &|h| h.data_studio = !h.data_studio).into_iter().collect()
            }
            AddGroupMembers { workspace, group, accounts } => accounts
                .iter()
                .map(|&account| Change::GroupMember {
                    workspace: *workspace,
                    group: *group,
                    account,
                    present: true,
                })
                .collect(),
            RemoveGroupMember { workspace, group, account } => vec![Change::GroupMember {
                workspace: *workspace,
                group: *group,
                account: *account,
                present: false,
            }],
            DeleteGroup { workspace, group, .. } => {
                vec![Change::Group { workspace: *workspace, id: *group, header: None }]
            }
            SetResourceGroups { workspace, resource, groups } => self
                .workspace(*workspace)
                .and_then(|v| v.resource(*resource))
                .map(|r| Change::Resource {
                    workspace: *workspace,
                    id: *resource,
                    resource: Some(Resource { groups: groups.clone(), ..r.clone() }),
                })
                .into_iter()
                .collect(),
            ChangeRole { workspace, target, role } => {
                member(*workspace, *target, *role).into_iter().collect()
            }
            TransferOwnership { workspace, target } => member(*workspace, *target, Role::Owner)
                .into_iter()
                .chain(member(*workspace, actor, Role::Admin))
                .collect(),
            RemoveMember { workspace, target: account }
            | RemoveAnalyst { workspace, analyst: account, .. } => {
                vec![Change::Member { workspace: *workspace, account: *account, member: None }]
            }
            RegisterAnalyst { grant: id, workspace, analyst } => self
                .grant(*id)
                .map(|g| Change::Member {
                    workspace: *workspace,
                    account: *analyst,
                    member: Some(Member {
                        account: *analyst,
                        role: g.role,
                        partner: Some(g.partner),
                    }),
                })
                .into_iter()
                .collect(),
            RevokeGrant { grant: id } => grant(*id, &|g| g.revoked = true).into_iter().collect(),
            RedeemGrant { grant: id } => grant(*id, &|g| g.redeemed = true).into_iter().collect(),
            AuthorizeRequest { workspace, request } => self
                .workspace(*workspace)
                .and_then(|v| v.request(*request))
                .map(|r| Change::Member {
                    workspace: *workspace,
                    account: r.account,
                    member: Some(Member {
                        account: r.account,
                        role: Role::Developer,
                        partner: None,
                    }),
                })
                .into_iter()
                .collect(),
            AcceptInvitation { workspace, invitation } => self
                .workspace(*workspace)
                .and_then(|v| v.invitation(*invitation))
                .map(|i| Change::Member {
                    workspace: *workspace,
                    account: actor,
                    member: Some(Member { account: actor, role: i.role, partner: None }),
                })
                .into_iter()
                .collect(),
            RenewGrant { grant: id, expires_at } => {
                grant(*id, &|g| g.expires_at = *expires_at).into_iter().collect()
            }
            RemoveCompanyMember { company, account } => {
                vec![Change::CompanyMember { company: *company, account: *account, member: None }]
            }
            _ => Vec::new(),
        }
    }

    /// The workspaces `action` can change access in, each with its scope.
    pub(super) fn scopes(&self, actor: Id, action: &Action) -> BTreeMap<Id, Scope> {
        use Action::*;
        let mut out: BTreeMap<Id, Scope> = BTreeMap::new();
        let people = |out: &mut BTreeMap<Id, Scope>, ws: Id, accounts: &[Id], all: bool| {
            let s = out.entry(ws).or_default();
            s.members.extend(accounts);
            if all && let Some(v) = self.workspace(ws) {
                s.resources.extend(v.data().resources.iter().map(|r| r.id));
            }
        };
        match action {
            SetToggle { workspace, role, .. } | SaveToggles { workspace, role, .. } => {
                let s = out.entry(*workspace).or_default();
                s.roles.push(*role);
                s.members.extend(self.analysts(*workspace));
            }
            SetDataStudio { workspace } => {
                let s = out.entry(*workspace).or_default();
                s.roles.extend(Role::ALL);
                s.members.extend(self.analysts(*workspace));
                s.kinds.extend(ResourceKind::ALL.into_iter().filter(|k| k.is_data_studio()));
            }
            AddGroupMembers { workspace, group, accounts } => {
                let s = out.entry(*workspace).or_default();
                s.members.extend(accounts);
                s.resources.extend(self.governed_by(*workspace, &[*group]));
            }
            RemoveGroupMember { workspace, group, account } => {
                let s = out.entry(*workspace).or_default();
                s.members.insert(*account);
                s.resources.extend(self.governed_by(*workspace, &[*group]));
            }
            DeleteGroup { workspace, group, .. } => {
                let s = out.entry(*workspace).or_default();
                s.members.extend(self.group_people(*workspace, &[*group]));
                s.resources.extend(self.governed_by(*workspace, &[*group]));
            }
            SetResourceGroups { workspace, resource, groups } => {
                let old = self
                    .workspace(*workspace)
                    .and_then(|v| v.resource(*resource))
                    .map(|r| r.groups.clone())
                    .unwrap_or_default();
                let all: Vec<Id> = old.iter().chain(groups).copied().collect();
                let s = out.entry(*workspace).or_default();
                s.members.extend(self.group_people(*workspace, &all));
                s.resources.insert(*resource);
                s.resources.extend(self.flows_of(*workspace, *resource));
            }
            ChangeRole { workspace, target, .. } | RemoveMember { workspace, target } => {
                people(&mut out, *workspace, &[*target], true);
            }
            TransferOwnership { workspace, target } => {
                people(&mut out, *workspace, &[*target, actor], true);
            }
            RegisterAnalyst { workspace, analyst, .. }
            | RemoveAnalyst { workspace, analyst, .. } => {
                people(&mut out, *workspace, &[*analyst], true);
            }
            AuthorizeRequest { workspace, request } => {
                let account = self.workspace(*workspace).and_then(|v| v.request(*request));
                let account: Vec<Id> = account.map(|r| r.account).into_iter().collect();
                people(&mut out, *workspace, &account, true);
            }
            AcceptInvitation { workspace, .. } => people(&mut out, *workspace, &[actor], true),
            RevokeGrant { grant } | RenewGrant { grant, .. } | RedeemGrant { grant } => {
                if let Some(g) = self.grant(*grant) {
                    for &ws in &g.workspaces {
                        let analysts: Vec<Id> = self
                            .workspace(ws)
                            .map(|v| {
                                v.data()
                                    .members
                                    .iter()
                                    .filter(|m| m.partner == Some(g.partner))
                                    .map(|m| m.account)
                                    .collect()
                            })
                            .unwrap_or_default();
                        people(&mut out, ws, &analysts, true);
                    }
                }
            }
            RemoveCompanyMember { company, account } => {
                for w in &self.snapshot().workspaces {
                    let theirs = w
                        .members
                        .iter()
                        .any(|m| m.account == *account && m.partner == Some(*company));
                    if theirs {
                        people(&mut out, w.id, &[*account], true);
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// The partner analysts of a workspace.
    fn analysts(&self, ws: Id) -> Vec<Id> {
        self.workspace(ws)
            .map(|v| {
                v.data().members.iter().filter(|m| m.partner.is_some()).map(|m| m.account).collect()
            })
            .unwrap_or_default()
    }

    /// The members of `groups` (the default group: everyone).
    fn group_people(&self, ws: Id, groups: &[Id]) -> BTreeSet<Id> {
        let Some(v) = self.workspace(ws) else { return BTreeSet::new() };
        let mut out = BTreeSet::new();
        for g in groups.iter().filter_map(|&g| v.group(g)) {
            if g.is_default {
                return v.data().members.iter().map(|m| m.account).collect();
            }
            out.extend(g.members.iter().copied().filter(|&a| v.member(a).is_some()));
        }
        out
    }

    /// The resources whose governing groups include one of `groups`: their
    /// own, or for a flow its integration's.
    fn governed_by(&self, ws: Id, groups: &[Id]) -> Vec<Id> {
        let Some(v) = self.workspace(ws) else { return Vec::new() };
        let names = |r: &Resource| r.groups.iter().any(|g| groups.contains(g));
        v.data()
            .resources
            .iter()
            .filter(|r| match r.kind.grouping() {
                Grouping::Own => names(r),
                Grouping::Integration => {
                    r.integration.and_then(|i| v.resource(i)).is_some_and(&names)
                }
                Grouping::None => false,
            })
            .map(|r| r.id)
            .collect()
    }

    /// The flows of an integration.
    fn flows_of(&self, ws: Id, integration: Id) -> Vec<Id> {
        self.workspace(ws)
            .map(|v| {
                v.data()
                    .resources
                    .iter()
                    .filter(|r| r.kind == ResourceKind::Flow && r.integration == Some(integration))
                    .map(|r| r.id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The facts cut down to `scope`: the workspace's own fields and groups
    /// (with the scoped people's memberships), the scoped people (and a
    /// representative of each scoped role) and resources (with the
    /// integrations flows take their groups from), their accounts, their
    /// partner companies and the grants.
    pub(super) fn scoped(&self, view: &WorkspaceView<'_>, scope: &Scope) -> Facts {
        let w = view.data();
        let mut people: BTreeSet<Id> = scope.members.clone();
        for &role in &scope.roles {
            if let Some(m) = representative(view, role) {
                people.insert(m);
            }
        }
        let members: Vec<Member> = people.iter().filter_map(|&a| view.member(a)).copied().collect();
        let mut resources: BTreeSet<Id> = scope.resources.clone();
        for &id in &scope.resources {
            if let Some(i) = view.resource(id).and_then(|r| r.integration) {
                resources.insert(i);
            }
        }
        let workspace = Workspace {
            id: w.id,
            company: w.company,
            data_studio: w.data_studio,
            members,
            invitations: Vec::new(),
            requests: Vec::new(),
            toggles: w.toggles.clone(),
            groups: w
                .groups
                .iter()
                .map(|g| Group {
                    members: g.members.iter().copied().filter(|a| people.contains(a)).collect(),
                    ..g.clone()
                })
                .collect(),
            resources: resources.iter().filter_map(|&r| view.resource(r)).cloned().collect(),
            partial: Partial {
                members: true,
                invitations: true,
                requests: true,
                groups: false,
                group_members: true,
                resources: true,
            },
            counts: None,
        };
        let accounts: Vec<Account> =
            people.iter().filter_map(|&a| self.account(a)).cloned().collect();
        let companies: Vec<Company> = self
            .snapshot()
            .companies
            .iter()
            .map(|c| Company {
                members: c
                    .members
                    .iter()
                    .copied()
                    .filter(|m| people.contains(&m.account))
                    .collect(),
                ..c.clone()
            })
            .collect();
        let grants: Vec<Grant> =
            self.grants().iter().filter(|g| g.client == w.company).cloned().collect();
        Facts::new(Snapshot { accounts, companies, workspaces: vec![workspace], grants })
    }
}

/// The toggle list of `role` (the Owner's are fixed: the Developer's list
/// stands in, and no rule lets the Owner's change).
fn role_toggles(t: &mut RoleToggles, role: Role) -> &mut Vec<Toggle> {
    if role == Role::Admin { &mut t.admin } else { &mut t.developer }
}

/// A member of `role` who is not an analyst, to read the role through.
pub(super) fn representative(view: &WorkspaceView<'_>, role: Role) -> Option<Id> {
    view.data().members.iter().find(|m| m.role == role && m.partner.is_none()).map(|m| m.account)
}
