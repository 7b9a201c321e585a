//! Effective access (SPEC 10): what a member can do and why, and who can
//! view or manage a resource and why — answered from the rules, never a
//! second copy of them.
//!
//! Owners and Administrators who are not analysts may ask about anyone; any
//! member about themselves. Answers stay within the asker's need to know:
//! only resources the asker may view are explained.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::decision::{Decision, Denial, Reason};
use crate::facts::{Facts, Id, Timestamp, WorkspaceView};
use crate::role::Role;
use crate::rules::resources::{Access, role_access, toggle_access};
use crate::rules::{self, Actor, refuse};
use crate::toggle::{Operation, Toggle};
use crate::ui::WorkspaceAbilities;

/// A toggle-governed action and whether the member may do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToggleAccess {
    pub toggle: Toggle,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub decision: Decision,
}

/// A member's access to one resource, operation by operation, each with
/// its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceAccess {
    pub resource: Id,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub view: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub edit: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub delete: Decision,
}

/// What one member can do in a workspace, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffectiveAccess {
    pub member: Id,
    /// The tabs and buttons, as the member would get them.
    pub abilities: WorkspaceAbilities,
    /// Every toggle-governed action.
    pub toggles: Vec<ToggleAccess>,
    /// The resources asked about that the asker may see (a page).
    pub resources: Vec<ResourceAccess>,
}

/// Something done to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceOp {
    View,
    Edit,
    Delete,
}

impl ResourceOp {
    pub const ALL: [ResourceOp; 3] = [ResourceOp::View, ResourceOp::Edit, ResourceOp::Delete];

    pub(crate) fn access(self) -> Access {
        match self {
            ResourceOp::View => Access::View,
            ResourceOp::Edit => Access::Manage(Operation::Edit),
            ResourceOp::Delete => Access::Manage(Operation::Delete),
        }
    }

    /// The question `decide` answers for it.
    pub fn action(self, workspace: Id, resource: Id) -> Action {
        match self {
            ResourceOp::View => Action::ViewResource { workspace, resource },
            ResourceOp::Edit => Action::EditResource { workspace, resource },
            ResourceOp::Delete => Action::DeleteResource { workspace, resource },
        }
    }
}

/// Why the members of a role (outside the resource's groups) do not have
/// an access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleRefusal {
    pub role: Role,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub decision: Decision,
}

/// Who has one access to a resource, by rule: every member of `roles`,
/// the Developers in any of `groups`, and the listed `analysts`; `count`
/// people in all. Read from the group memberships, not by asking every
/// member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Audience {
    pub op: ResourceOp,
    /// Roles whose members (not analysts) all have it.
    pub roles: Vec<Role>,
    /// Groups whose Developers (not analysts) have it.
    pub groups: Vec<Id>,
    /// Partner analysts who have it.
    pub analysts: Vec<Id>,
    /// How many people have it.
    pub count: u32,
    /// Why the others do not, role by role (for Developers: those outside
    /// `groups`).
    pub others: Vec<RoleRefusal>,
}

impl Audience {
    /// Whether `account` has the access (the same answer as `decide`).
    pub fn admits(&self, ws: &WorkspaceView<'_>, account: Id) -> bool {
        let Some(m) = ws.member(account) else { return false };
        if m.partner.is_some() {
            return self.analysts.contains(&account);
        }
        self.roles.contains(&m.role)
            || (m.role == Role::Developer && self.groups.iter().any(|&g| ws.in_group(g, account)))
    }
}

/// Who can view, edit and delete one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WhoCan {
    pub resource: Id,
    pub view: Audience,
    pub edit: Audience,
    pub delete: Audience,
}

/// `asker` may explain `about` (a member, or `None` for a resource) in
/// `ws`: itself, or anyone for an Owner or Administrator who is not an
/// analyst.
fn may_explain<'a>(
    ws: &WorkspaceView<'a>,
    asker: Id,
    about: Option<Id>,
    now: Timestamp,
) -> Result<Actor<'a>, Denial> {
    let a = ws.actor(asker, now)?;
    if about != Some(asker) {
        a.not_analyst()?;
        a.owner_or_admin()?;
    }
    Ok(a)
}

impl Facts {
    /// What `member` can do in `workspace` at `now`, and why: abilities,
    /// toggle-governed actions, and each of `resources` that `asker` may
    /// see. Asked by the member itself, or an Owner or Administrator.
    pub fn effective_access(
        &self,
        asker: Id,
        workspace: Id,
        member: Id,
        resources: &[Id],
        now: Timestamp,
    ) -> Result<EffectiveAccess, Denial> {
        let ws = self.ws(workspace)?;
        may_explain(&ws, asker, Some(member), now)?;
        ws.member(member).ok_or_else(|| refuse(Reason::UnknownMember))?;
        let standing = ws.actor(member, now);
        let toggles = Toggle::ALL
            .into_iter()
            .map(|toggle| ToggleAccess {
                toggle,
                decision: match &standing {
                    Ok(a) => toggle_access(&ws, a, toggle).into(),
                    Err(e) => Decision::Denied(e.clone()),
                },
            })
            .collect();
        let seen = |r: Id| {
            self.decide(asker, &Action::ViewResource { workspace, resource: r }, now).is_allowed()
        };
        let explain = |op: ResourceOp, r: Id| self.explain(member, &op.action(workspace, r), now);
        let resources = resources
            .iter()
            .copied()
            .filter(|&r| seen(r))
            .map(|r| ResourceAccess {
                resource: r,
                view: explain(ResourceOp::View, r),
                edit: explain(ResourceOp::Edit, r),
                delete: explain(ResourceOp::Delete, r),
            })
            .collect();
        Ok(EffectiveAccess {
            member,
            abilities: self.abilities(member, workspace, now),
            toggles,
            resources,
        })
    }

    /// Who can view, edit and delete `resource` at `now`, by rule (roles,
    /// groups, analysts) with a count, in time proportional to the
    /// resource's groups' memberships and the workspace's analysts. Asked by
    /// an Owner or Administrator who may see the resource.
    pub fn who_can(
        &self,
        asker: Id,
        workspace: Id,
        resource: Id,
        now: Timestamp,
    ) -> Result<WhoCan, Denial> {
        let ws = self.ws(workspace)?;
        let a = may_explain(&ws, asker, None, now)?;
        let r = rules::resources::seen(&ws, &a, resource)?;
        let analysts: Vec<Actor<'_>> = ws
            .data()
            .members
            .iter()
            .filter(|m| m.partner.is_some())
            .filter_map(|m| ws.actor(m.account, now).ok())
            .collect();
        let audience = |op: ResourceOp| {
            let mut out = Audience {
                op,
                roles: Vec::new(),
                groups: Vec::new(),
                analysts: Vec::new(),
                count: 0,
                others: Vec::new(),
            };
            // Highest role first.
            for role in Role::ALL.into_iter().rev() {
                // A member of the role in no group: what the role alone gives.
                let member = Actor {
                    account: Id::MIN,
                    role,
                    toggles: ws.toggles_of(role),
                    grant: None,
                    person: None,
                    explain: true,
                };
                match role_access(&ws, &member, r, op.access()) {
                    Ok(None) => out.roles.push(role),
                    Ok(Some(groups)) => {
                        out.groups = groups.to_vec();
                        let d = Decision::deny(Reason::NotInResourceGroups);
                        out.others.push(RoleRefusal { role, decision: d });
                    }
                    Err(d) => out.others.push(RoleRefusal { role, decision: Decision::Denied(d) }),
                }
            }
            out.analysts = analysts
                .iter()
                .filter(|x| rules::resources::access(&ws, x, r, op.access()).is_ok())
                .map(|x| x.account)
                .collect();
            out.count = count(&ws, &out);
            out
        };
        Ok(WhoCan {
            resource,
            view: audience(ResourceOp::View),
            edit: audience(ResourceOp::Edit),
            delete: audience(ResourceOp::Delete),
        })
    }
}

/// How many people an audience admits: its roles' members, the distinct
/// Developers of its groups, its analysts.
fn count(ws: &WorkspaceView<'_>, a: &Audience) -> u32 {
    let by_role = ws
        .data()
        .members
        .iter()
        .filter(|m| m.partner.is_none() && a.roles.contains(&m.role))
        .count();
    let developer =
        |x: &Id| ws.member(*x).is_some_and(|m| m.partner.is_none() && m.role == Role::Developer);
    let mut in_groups: Vec<Id> = Vec::new();
    if !a.roles.contains(&Role::Developer) {
        for g in a.groups.iter().filter_map(|&g| ws.group(g)) {
            if g.is_default {
                in_groups = ws.data().members.iter().map(|m| m.account).filter(developer).collect();
                break;
            }
            in_groups.extend(g.members.iter().copied().filter(developer));
        }
    }
    in_groups.sort_unstable();
    in_groups.dedup();
    u32::try_from(by_role + in_groups.len() + a.analysts.len()).unwrap_or(u32::MAX)
}
