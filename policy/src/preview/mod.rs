//! Impact preview (SPEC 10): before an access change is saved, who gains
//! and who loses which abilities and resources.
//!
//! The change is applied, as the [`Change`](crate::Change) records its write will log, to
//! facts cut down to what it touches — the people in its scope (a role's
//! representative, a group's members, a member) and the resources in it (a
//! group's, a resource and its flows) — and each person's access is
//! compared before and after with the same rules that decide. A role-wide
//! change (a toggle, Data Studio) is read once for the role, its resources
//! stated as "every one of this kind they can see", never as person x
//! resource pairs. People with the same gains and losses are listed together
//! and resources come grouped by kind and governing groups, with counts.

mod scope;

use scope::representative;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::access::ResourceOp;
use crate::action::Action;
use crate::decision::{Decision, Denial};
use crate::facts::{Facts, Id, Resource, Timestamp};
use crate::kind::{Grouping, ResourceKind};
use crate::role::Role;
use crate::rules::resources::{kind_visible, toggle_access};
use crate::toggle::{Operation, Toggle};
use crate::ui::WorkspaceAbilities;

/// How many resource ids a [`ResourceSet`] lists (its `count` says how many
/// there are).
pub const LISTED: usize = 50;

/// A tab or button of the workspace (see [`WorkspaceAbilities`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ability {
    Open,
    UsersTab,
    GroupsTab,
    PermissionsTab,
    Billing,
    Audit,
    Invite,
    ManageGroups,
    SetDataStudio,
    TransferOwnership,
    DeleteWorkspace,
    EditAdminToggles,
    EditDeveloperToggles,
}

impl Ability {
    /// Those `abilities` allows.
    pub fn allowed(abilities: &WorkspaceAbilities) -> BTreeSet<Ability> {
        use Ability::*;
        [
            (Open, &abilities.open),
            (UsersTab, &abilities.users_tab),
            (GroupsTab, &abilities.groups_tab),
            (PermissionsTab, &abilities.permissions_tab),
            (Billing, &abilities.billing),
            (Audit, &abilities.audit),
            (Invite, &abilities.invite),
            (ManageGroups, &abilities.manage_groups),
            (SetDataStudio, &abilities.set_data_studio),
            (TransferOwnership, &abilities.transfer_ownership),
            (DeleteWorkspace, &abilities.delete_workspace),
            (EditAdminToggles, &abilities.edit_admin_toggles),
            (EditDeveloperToggles, &abilities.edit_developer_toggles),
        ]
        .into_iter()
        .filter(|(_, d)| d.is_allowed())
        .map(|(a, _)| a)
        .collect()
    }
}

/// Resources of one kind, with the same governing groups, that an
/// operation is gained or lost on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceSet {
    pub op: ResourceOp,
    pub kind: ResourceKind,
    /// The groups that govern them (a flow: its integration's); empty for
    /// kinds without groups and when `all_they_see`.
    pub groups: Vec<Id>,
    /// Every resource of `kind` each of the people can see (a change to a
    /// role or to Data Studio): then `resources` is empty.
    pub all_they_see: bool,
    /// The first [`LISTED`] resources, by id.
    pub resources: Vec<Id>,
    /// How many resources.
    pub count: u32,
}

/// What some people gain, or lose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessSet {
    pub abilities: Vec<Ability>,
    pub toggles: Vec<Toggle>,
    pub resources: Vec<ResourceSet>,
}

impl AccessSet {
    pub fn is_empty(&self) -> bool {
        self.abilities.is_empty() && self.toggles.is_empty() && self.resources.is_empty()
    }
}

/// Who a line of a preview is about.
// `Deserialize` is written out in `de/` (same wire form and
// errors, without serde's buffering of tagged enums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum People {
    /// Every member of the role who is not a partner analyst.
    Role { role: Role, count: u32 },
    /// These members.
    Members { accounts: Vec<Id> },
}

/// People treated alike by the change, and what they gain and lose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeopleChange {
    pub people: People,
    pub gains: AccessSet,
    pub losses: AccessSet,
}

/// What a change does to access in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceImpact {
    pub workspace: Id,
    pub changes: Vec<PeopleChange>,
}

/// What a change would do to access, before it is saved. Empty for a
/// change that affects nobody's access.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub workspaces: Vec<WorkspaceImpact>,
}

/// Whether `action` is a change to access that [`Facts::preview`] reads
/// (SPEC 8's access changes); for any other, the preview is empty.
pub fn changes_access(action: &Action) -> bool {
    use Action::*;
    matches!(
        action,
        SetToggle { .. }
            | SaveToggles { .. }
            | SetDataStudio { .. }
            | AddGroupMembers { .. }
            | RemoveGroupMember { .. }
            | DeleteGroup { .. }
            | SetResourceGroups { .. }
            | ChangeRole { .. }
            | TransferOwnership { .. }
            | RemoveMember { .. }
            | AuthorizeRequest { .. }
            | AcceptInvitation { .. }
            | RegisterAnalyst { .. }
            | RemoveAnalyst { .. }
            | RedeemGrant { .. }
            | RevokeGrant { .. }
            | RenewGrant { .. }
            | RemoveCompanyMember { .. }
    )
}

/// Which people and resources of a workspace a change can touch.
#[derive(Debug, Default)]
struct Scope {
    /// Members (and, after the change, members to be) read one by one.
    members: BTreeSet<Id>,
    /// Resources read one by one.
    resources: BTreeSet<Id>,
    /// A role-wide change: the role's members (not analysts) are read
    /// through one of them.
    roles: Vec<Role>,
    /// Kinds whose resources each person gains or loses as a whole (Data
    /// Studio on or off): read as "every one they can see".
    kinds: Vec<ResourceKind>,
    /// How many members (not analysts) each of `roles` has.
    counts: Vec<(Role, u32)>,
}

/// One person's access, as far as the scope reaches.
#[derive(Debug, Default, PartialEq, Eq)]
struct Profile {
    abilities: BTreeSet<Ability>,
    toggles: BTreeSet<Toggle>,
    resources: BTreeSet<(Id, ResourceOp)>,
}

impl Facts {
    /// What `action` by `actor` at `now` would do to access, if allowed
    /// (otherwise the refusal): every access change SPEC 8 audits — toggles,
    /// group members, group deletion, a resource's groups, role changes,
    /// removals, ownership transfer, Data Studio, grants, analysts, company
    /// membership. Applying the change and comparing everyone's access
    /// before and after gives exactly this.
    pub fn preview(&self, actor: Id, action: &Action, now: Timestamp) -> Result<Preview, Denial> {
        if let Decision::Denied(d) = self.decide(actor, action, now) {
            return Err(d);
        }
        let changes = self.effect(actor, action);
        let mut out = Preview::default();
        for (ws, mut scope) in self.scopes(actor, action) {
            let Some(view) = self.workspace(ws) else { continue };
            let members = &view.data().members;
            for &role in &scope.roles {
                let n = members.iter().filter(|m| m.role == role && m.partner.is_none()).count();
                scope.counts.push((role, u32::try_from(n).unwrap_or(u32::MAX)));
            }
            let before = self.scoped(&view, &scope);
            let mut after = before.clone();
            after.apply(changes.iter().cloned());
            // Need to know: only resources the actor sees are named.
            let sees = |r: Id| {
                let view = Action::ViewResource { workspace: ws, resource: r };
                self.decide(actor, &view, now).is_allowed()
            };
            let impact = impact(&before, &after, ws, &scope, now, &sees);
            if !impact.changes.is_empty() {
                out.workspaces.push(impact);
            }
        }
        Ok(out)
    }
}

/// The resources kinds a toggle's operation applies to.
fn toggle_kinds(t: Toggle) -> Vec<(ResourceOp, ResourceKind)> {
    let op = [(Operation::Edit, ResourceOp::Edit), (Operation::Delete, ResourceOp::Delete)]
        .into_iter()
        .find(|&(op, _)| Toggle::for_operation(t.category(), op) == Some(t))
        .map(|(_, op)| op);
    let Some(op) = op else { return Vec::new() };
    ResourceKind::ALL
        .into_iter()
        .filter(|k| k.toggle_category() == Some(t.category()))
        .map(|k| (op, k))
        .collect()
}

/// One person's access in `facts`, over the scoped resources.
fn profile(facts: &Facts, ws: Id, account: Id, resources: &[Id], now: Timestamp) -> Profile {
    let mut p = Profile {
        abilities: Ability::allowed(&facts.abilities(account, ws, now)),
        ..Profile::default()
    };
    let Some(view) = facts.workspace(ws) else { return p };
    let Ok(a) = view.actor(account, now) else { return p };
    p.toggles = Toggle::ALL.into_iter().filter(|&t| toggle_access(&view, &a, t).is_ok()).collect();
    for &r in resources {
        for op in ResourceOp::ALL {
            if facts.decide(account, &op.action(ws, r), now).is_allowed() {
                p.resources.insert((r, op));
            }
        }
    }
    p
}

/// Whether `account` sees resources of `kind` at all in `facts` (Data
/// Studio on, the kind's section granted).
fn sees_kind(facts: &Facts, ws: Id, account: Id, kind: ResourceKind, now: Timestamp) -> bool {
    facts
        .workspace(ws)
        .is_some_and(|v| v.actor(account, now).is_ok_and(|a| kind_visible(&v, &a, kind).is_ok()))
}

/// Gains and losses between two profiles; role-wide resources added as
/// "all they see".
fn diff(
    before: &Profile,
    after: &Profile,
    wide: &[(ResourceOp, ResourceKind, bool)],
    facts: (&Facts, &Facts),
    sees: &dyn Fn(Id) -> bool,
) -> (AccessSet, AccessSet) {
    let sets = |from: &Profile, to: &Profile, gain: bool| {
        // By operation, kind (in display order) and governing groups.
        let mut resources: BTreeMap<(ResourceOp, usize, Vec<Id>), Vec<Id>> = BTreeMap::new();
        let side = if gain { facts.1 } else { facts.0 };
        for &(r, op) in to.resources.difference(&from.resources).filter(|(r, _)| sees(*r)) {
            if let Some(res) = side
                .snapshot()
                .workspaces
                .first()
                .and_then(|w| w.resources.iter().find(|x| x.id == r))
            {
                let groups = governing(side, res);
                let kind = ResourceKind::ALL.iter().position(|k| *k == res.kind).unwrap_or(0);
                resources.entry((op, kind, groups)).or_default().push(r);
            }
        }
        let mut out: Vec<ResourceSet> = resources
            .into_iter()
            .map(|((op, kind, groups), ids)| ResourceSet {
                op,
                kind: ResourceKind::ALL[kind],
                groups,
                all_they_see: false,
                count: u32::try_from(ids.len()).unwrap_or(u32::MAX),
                resources: ids.into_iter().take(LISTED).collect(),
            })
            .collect();
        out.extend(wide.iter().filter(|w| w.2 == gain).map(|&(op, kind, _)| ResourceSet {
            op,
            kind,
            groups: Vec::new(),
            all_they_see: true,
            resources: Vec::new(),
            count: 0,
        }));
        AccessSet {
            abilities: to.abilities.difference(&from.abilities).copied().collect(),
            toggles: to.toggles.difference(&from.toggles).copied().collect(),
            resources: out,
        }
    };
    (sets(before, after, true), sets(after, before, false))
}

/// The groups governing `r` in `facts` (a flow: its integration's).
fn governing(facts: &Facts, r: &Resource) -> Vec<Id> {
    match r.kind.grouping() {
        Grouping::Own => r.groups.clone(),
        Grouping::None => Vec::new(),
        Grouping::Integration => facts
            .snapshot()
            .workspaces
            .first()
            .and_then(|w| w.resources.iter().find(|x| Some(x.id) == r.integration))
            .map(|i| i.groups.clone())
            .unwrap_or_default(),
    }
}

/// The preview of one workspace from its scoped facts before and after.
fn impact(
    before: &Facts,
    after: &Facts,
    ws: Id,
    scope: &Scope,
    now: Timestamp,
    sees: &dyn Fn(Id) -> bool,
) -> WorkspaceImpact {
    let resources: Vec<Id> = scope.resources.iter().copied().collect();
    let mut lines: Vec<(People, AccessSet, AccessSet)> = Vec::new();
    // Role-wide resources each person gains or loses as a whole.
    let wide = |account: Id, p0: &Profile, p1: &Profile| {
        let mut out: Vec<(ResourceOp, ResourceKind, bool)> = Vec::new();
        if scope.roles.is_empty() {
            return out; // not role-wide: resources are read one by one
        }
        for t in p1.toggles.symmetric_difference(&p0.toggles) {
            let gain = p1.toggles.contains(t);
            out.extend(toggle_kinds(*t).into_iter().map(|(op, k)| (op, k, gain)));
        }
        for &kind in &scope.kinds {
            let (b, a) = (
                sees_kind(before, ws, account, kind, now),
                sees_kind(after, ws, account, kind, now),
            );
            if b != a {
                out.extend(ResourceOp::ALL.into_iter().map(|op| (op, kind, a)));
            }
        }
        out
    };
    let read = |account: Id| {
        let p0 = profile(before, ws, account, &resources, now);
        let p1 = profile(after, ws, account, &resources, now);
        let w = wide(account, &p0, &p1);
        diff(&p0, &p1, &w, (before, after), sees)
    };
    let view = before.workspace(ws);
    let mut read_alone: BTreeSet<Id> = scope.members.clone();
    for &role in &scope.roles {
        let Some(v) = &view else { continue };
        let Some(m) = representative(v, role) else { continue };
        read_alone.remove(&m);
        let count = scope.counts.iter().find(|(r, _)| *r == role).map_or(0, |&(_, n)| n);
        let (gains, losses) = read(m);
        lines.push((People::Role { role, count }, gains, losses));
    }
    // Members read one by one, merged when treated alike.
    let mut alike: Vec<(AccessSet, AccessSet, Vec<Id>)> = Vec::new();
    for account in read_alone {
        let (gains, losses) = read(account);
        match alike.iter_mut().find(|(g, l, _)| *g == gains && *l == losses) {
            Some((_, _, who)) => who.push(account),
            None => alike.push((gains, losses, vec![account])),
        }
    }
    lines.extend(alike.into_iter().map(|(g, l, accounts)| (People::Members { accounts }, g, l)));
    WorkspaceImpact {
        workspace: ws,
        changes: lines
            .into_iter()
            .filter(|(_, g, l)| !g.is_empty() || !l.is_empty())
            .map(|(people, gains, losses)| PeopleChange { people, gains, losses })
            .collect(),
    }
}
