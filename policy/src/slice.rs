//! Need to know (SPEC 9): what a viewer is sent, decided by the same rules
//! that decide what it may do.
//!
//! A viewer is sent a *slice* of a workspace: its base
//! ([`Facts::base_slice`]: the workspace, the viewer's own standing, the
//! groups, counts it may see) plus the pages in view
//! ([`Facts::members_slice`], [`Facts::resources_slice`],
//! [`Facts::group_members_slice`]). Each is a [`Snapshot`] whose partial
//! lists are marked, so [`Facts::new`] and [`Facts::add`] on the receiving
//! side decide about everything shown exactly as the full facts do, and
//! answer about the rest `unknown_*` or `incomplete_facts`, never a guess.
//!
//! Lists are cut by the server's page queries; what a viewer may see of
//! resources is handed to them as data ([`ResourceVisibility`]) to compile
//! into the query, so no rule is written twice.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::decision::{Denial, Reason};
use crate::facts::{
    Account, Facts, Grant, Group, Id, Partial, Resource, RoleCounts, Snapshot, Timestamp,
    Workspace, WorkspaceView,
};
use crate::kind::ResourceKind;
use crate::role::Role;
use crate::rules::{self, refuse};

/// Which resources of a workspace a viewer may see, as data a server
/// compiles into its page query (SPEC 9). A resource is seen when its kind
/// is in `kinds`; or its kind is in `grouped` and one of its own groups is
/// in `groups`; or it is a flow, `flows` is set, its integration exists and
/// is an integration, and (for [`FlowRule::IntegrationInGroups`]) one of
/// the integration's groups is in `groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ResourceVisibility {
    /// Kinds seen whatever their groups (never `flow`).
    pub kinds: Vec<ResourceKind>,
    /// Kinds seen through their own groups (never `flow`).
    pub grouped: Vec<ResourceKind>,
    /// How flows are seen, if at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub flows: Option<FlowRule>,
    /// The groups the viewer is in.
    pub groups: Vec<Id>,
}

/// How a viewer sees flows (they follow their integration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum FlowRule {
    /// Every flow whose integration exists.
    WithIntegration,
    /// Flows whose integration has one of the viewer's groups.
    IntegrationInGroups,
}

impl ResourceVisibility {
    /// Whether the viewer sees `r` (the rule the server compiles to SQL,
    /// evaluated in memory; property-tested against `decide`).
    pub fn admits(&self, ws: &WorkspaceView<'_>, r: &Resource) -> bool {
        let meets = |groups: &[Id]| groups.iter().any(|g| self.groups.contains(g));
        if r.kind == ResourceKind::Flow {
            let integration = r
                .integration
                .and_then(|i| ws.resource(i))
                .filter(|i| i.kind == ResourceKind::Integration);
            return match (self.flows, integration) {
                (Some(FlowRule::WithIntegration), Some(_)) => true,
                (Some(FlowRule::IntegrationInGroups), Some(i)) => meets(&i.groups),
                _ => false,
            };
        }
        self.kinds.contains(&r.kind) || (self.grouped.contains(&r.kind) && meets(&r.groups))
    }

    /// Sees nothing at all.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.grouped.is_empty() && self.flows.is_none()
    }
}

impl Facts {
    /// Which resources of `ws` `viewer` may see (nothing if it may not
    /// open the workspace).
    pub fn resource_visibility(&self, viewer: Id, ws: Id, now: Timestamp) -> ResourceVisibility {
        let Ok(view) = self.ws(ws) else { return ResourceVisibility::default() };
        let Ok(a) = view.actor(viewer, now) else { return ResourceVisibility::default() };
        rules::resources::visibility(&view, &a)
    }

    /// The viewer's base slice of workspace `ws` (SPEC 9): the workspace's
    /// flags and toggles; the viewer's own membership and, for an analyst,
    /// the grant that lets it in and its own partner membership; every
    /// group's id, name and size with the viewer's own memberships (an
    /// analyst without the `users` section: only its own groups); the
    /// pending access requests with their accounts, and the role counts, to
    /// those who may see them. Members, invitations and resources come in
    /// pages. Refused as the workspace itself would be.
    pub fn base_slice(&self, viewer: Id, ws: Id, now: Timestamp) -> Result<Snapshot, Denial> {
        let view = self.ws(ws)?;
        let a = view.actor(viewer, now)?;
        let w = view.data();
        let users = self.decide(viewer, &Action::ViewUsers { workspace: ws }, now).is_allowed();
        let counts_visible =
            self.decide(viewer, &Action::ViewPermissions { workspace: ws }, now).is_allowed();
        let groups = w
            .groups
            .iter()
            .filter(|g| users || view.in_group(g.id, viewer))
            .map(|g| Group {
                id: g.id,
                name: g.name.clone(),
                is_default: g.is_default,
                members: if view.in_group(g.id, viewer) && !g.is_default {
                    vec![viewer]
                } else {
                    Vec::new()
                },
                size: Some(group_size(&view, g)),
            })
            .collect();
        let requests = if users { w.requests.clone() } else { Vec::new() };
        let mut accounts: Vec<Account> = self.account(viewer).cloned().into_iter().collect();
        accounts.extend(
            requests
                .iter()
                .filter_map(|r| self.account(r.account))
                .filter(|x| x.id != viewer)
                .cloned(),
        );
        // An analyst's standing: the grant that lets it in, and its own
        // membership of the partner company (its access rests on both).
        let grants: Vec<Grant> = a.grant.cloned().into_iter().collect();
        let companies: Vec<crate::facts::Company> = a
            .grant
            .and_then(|g| self.company(g.partner))
            .map(|c| crate::facts::Company {
                members: c.data().members.iter().filter(|m| m.account == viewer).copied().collect(),
                ..c.data().clone()
            })
            .into_iter()
            .collect();
        let workspace = Workspace {
            id: w.id,
            company: w.company,
            data_studio: w.data_studio,
            // The viewer's own membership, and any of a requester's (the
            // slice holds the membership of every account it names).
            members: std::iter::once(viewer)
                .chain(requests.iter().map(|r| r.account))
                .filter_map(|x| view.member(x))
                .copied()
                .fold(Vec::new(), |mut out, m| {
                    if !out.iter().any(|o: &crate::facts::Member| o.account == m.account) {
                        out.push(m);
                    }
                    out
                }),
            invitations: Vec::new(),
            requests,
            toggles: w.toggles.clone(),
            groups,
            resources: Vec::new(),
            partial: Partial {
                members: true,
                invitations: true,
                requests: !users,
                groups: !users,
                group_members: true,
                resources: true,
            },
            counts: counts_visible.then(|| role_counts(w)),
        };
        Ok(Snapshot { accounts, companies, workspaces: vec![workspace], grants })
    }

    /// Members (`accounts`) and invitations of a page of the Users list,
    /// as far as `viewer` may see them: everyone in the workspace to those
    /// who see the Users tab, only itself to others. Analysts whose grant
    /// no longer lets them in are nobody.
    pub fn members_slice(
        &self,
        viewer: Id,
        ws: Id,
        accounts: &[Id],
        invitations: &[Id],
        now: Timestamp,
    ) -> Result<Snapshot, Denial> {
        let view = self.ws(ws)?;
        view.actor(viewer, now)?;
        let users = self.decide(viewer, &Action::ViewUsers { workspace: ws }, now).is_allowed();
        let members: Vec<_> = accounts
            .iter()
            .filter(|&&x| users || x == viewer)
            .filter_map(|&x| view.member(x))
            .filter(|m| m.partner.is_none() || view.actor(m.account, now).is_ok())
            .copied()
            .collect();
        let invitations = if users {
            invitations.iter().filter_map(|&i| view.invitation(i)).cloned().collect()
        } else {
            Vec::new()
        };
        let people = members.iter().filter_map(|m| self.account(m.account)).cloned().collect();
        Ok(page(view.data(), people, |w| {
            w.members = members;
            w.invitations = invitations;
        }))
    }

    /// The resources of a page that `viewer` may view, each with what its
    /// decisions read: a flow's integration; for a flow the viewer manages
    /// (and so may try to run), its jobs (id, kind and saved groups), which
    /// the run plan names even where the viewer may not see them.
    pub fn resources_slice(
        &self,
        viewer: Id,
        ws: Id,
        ids: &[Id],
        now: Timestamp,
    ) -> Result<Snapshot, Denial> {
        let view = self.ws(ws)?;
        view.actor(viewer, now)?;
        let mut out: Vec<Resource> = Vec::new();
        let mut push = |r: &Resource| {
            if !out.iter().any(|x| x.id == r.id) {
                out.push(r.clone());
            }
        };
        for &id in ids {
            let seen = Action::ViewResource { workspace: ws, resource: id };
            let Some(r) =
                view.resource(id).filter(|_| self.decide(viewer, &seen, now).is_allowed())
            else {
                continue;
            };
            push(r);
            if let Some(i) = r.integration.and_then(|i| view.resource(i)) {
                push(i);
            }
            // The run plan's jobs, for a flow the viewer may run (the plan
            // starts where managing the flow is allowed; its answer, a plan
            // or the reason there is none, depends on the jobs).
            let manage = Action::EditResource { workspace: ws, resource: id };
            if r.kind == ResourceKind::Flow && self.decide(viewer, &manage, now).is_allowed() {
                r.components.iter().filter_map(|&c| view.resource(c)).for_each(&mut push);
            }
        }
        Ok(page(view.data(), Vec::new(), |w| w.resources = out))
    }

    /// A page of group `group`'s members (`accounts`), to those who may see
    /// the Groups tab.
    pub fn group_members_slice(
        &self,
        viewer: Id,
        ws: Id,
        group: Id,
        accounts: &[Id],
        now: Timestamp,
    ) -> Result<Snapshot, Denial> {
        let view = self.ws(ws)?;
        view.actor(viewer, now)?;
        if let crate::decision::Decision::Denied(d) =
            self.decide(viewer, &Action::ViewGroups { workspace: ws }, now)
        {
            return Err(d);
        }
        let g = view.group(group).ok_or_else(|| refuse(Reason::UnknownGroup))?;
        let shown: Vec<Id> = accounts
            .iter()
            .copied()
            .filter(|&x| view.member(x).is_some() && (g.is_default || view.in_group(group, x)))
            .collect();
        let members: Vec<_> = shown.iter().filter_map(|&x| view.member(x)).copied().collect();
        let people = shown.iter().filter_map(|&x| self.account(x)).cloned().collect();
        let group = Group {
            members: if g.is_default { Vec::new() } else { shown },
            size: Some(group_size(&view, g)),
            ..g.clone()
        };
        Ok(page(view.data(), people, |w| {
            w.members = members;
            w.groups = vec![group];
        }))
    }
}

/// A workspace page: the workspace's own fields, every list partial and
/// empty but what `fill` puts in.
fn page(w: &Workspace, accounts: Vec<Account>, fill: impl FnOnce(&mut Workspace)) -> Snapshot {
    let mut out = Workspace {
        id: w.id,
        company: w.company,
        data_studio: w.data_studio,
        members: Vec::new(),
        invitations: Vec::new(),
        requests: Vec::new(),
        toggles: w.toggles.clone(),
        groups: Vec::new(),
        resources: Vec::new(),
        partial: Partial {
            members: true,
            invitations: true,
            requests: true,
            groups: true,
            group_members: true,
            resources: true,
        },
        counts: None,
    };
    fill(&mut out);
    Snapshot { accounts, companies: Vec::new(), workspaces: vec![out], grants: Vec::<Grant>::new() }
}

/// How many members a group has (the default group: everyone).
fn group_size(view: &WorkspaceView<'_>, g: &Group) -> u32 {
    let n = if g.is_default {
        view.count_with_role(Role::Owner).unwrap_or(0)
            + view.count_with_role(Role::Admin).unwrap_or(0)
            + view.count_with_role(Role::Developer).unwrap_or(0)
    } else {
        g.size.map_or(g.members.len(), |s| usize::try_from(s).unwrap_or(usize::MAX))
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn role_counts(w: &Workspace) -> RoleCounts {
    let count = |r: Role| {
        u32::try_from(w.members.iter().filter(|m| m.role == r).count()).unwrap_or(u32::MAX)
    };
    w.counts.unwrap_or(RoleCounts {
        owner: count(Role::Owner),
        admin: count(Role::Admin),
        developer: count(Role::Developer),
    })
}

impl Facts {
    /// What a company page shows `viewer` of `company` (SPEC 9): enough to
    /// decide every control on it (create workspace, add member, grant,
    /// redeem, register or remove an analyst, revoke) and nothing the
    /// viewer does not already know: the company's members, its grants and
    /// workspace ids; other companies' flags, with only the viewer's own
    /// membership; for a partner, the client workspaces its live grants
    /// open, holding only its own people's memberships; the other Partner
    /// companies (the public directory) to those who manage partners.
    /// Built from company facts (see the server's `company_facts`).
    pub fn company_slice(&self, viewer: Id, company: Id) -> Result<Snapshot, Denial> {
        rules::partners::view_company(self, viewer, company)?;
        let support = self.account(viewer).is_some_and(|a| a.support);
        let manager = support || self.company(company).is_some_and(|c| c.is_admin(viewer));
        let own = self.company(company).map(|c| c.data().clone());
        let own_people: Vec<Id> =
            own.iter().flat_map(|c| c.members.iter().map(|m| m.account)).collect();
        let grants: Vec<Grant> = self
            .grants()
            .iter()
            .filter(|g| g.client == company || g.partner == company)
            .cloned()
            .collect();
        let related = |id: Id| grants.iter().any(|g| g.client == id || g.partner == id);
        let companies = self
            .snapshot()
            .companies
            .iter()
            .filter(|c| c.id != company)
            .filter(|c| related(c.id) || (manager && c.partner_enabled))
            .map(|c| crate::facts::Company {
                members: c.members.iter().filter(|m| m.account == viewer).copied().collect(),
                ..c.clone()
            })
            .chain(own)
            .collect::<Vec<_>>();
        let opened = |w: Id| {
            grants.iter().any(|g| g.partner == company && g.is_live() && g.workspaces.contains(&w))
        };
        let workspaces: Vec<Workspace> = self
            .snapshot()
            .workspaces
            .iter()
            .filter(|w| w.company == company || opened(w.id))
            .map(|w| {
                let mut stub = page(w, Vec::new(), |_| {}).workspaces.swap_remove(0);
                if w.company != company {
                    stub.members = w
                        .members
                        .iter()
                        .filter(|m| own_people.contains(&m.account))
                        .copied()
                        .collect();
                }
                stub
            })
            .collect();
        let known: Vec<Id> = companies
            .iter()
            .flat_map(|c| c.members.iter().map(|m| m.account))
            .chain(workspaces.iter().flat_map(|w| w.members.iter().map(|m| m.account)))
            .chain([viewer])
            .collect();
        let accounts =
            self.snapshot().accounts.iter().filter(|a| known.contains(&a.id)).cloned().collect();
        Ok(Snapshot { accounts, companies, workspaces, grants })
    }
}
