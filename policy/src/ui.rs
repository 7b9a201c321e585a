//! Derived questions a UI asks, answered from the same rules: which tabs and
//! buttons an actor sees, which toggles it may flip, which roles it may give.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::decision::Decision;
use crate::facts::{Facts, Id, Timestamp};
use crate::role::Role;
use crate::rules::{self, RunPlan};
use crate::toggle::{Category, Toggle};

/// What one actor may do in one workspace, control by control. Each entry is
/// a [`Decision`], so a disabled control can show the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceAbilities {
    /// The actor's effective role, if they can open the workspace at all.
    #[cfg_attr(feature = "wasm", tsify(optional))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Whether the actor is a partner analyst here.
    pub analyst: bool,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub open: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub users_tab: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub groups_tab: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub permissions_tab: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub billing: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub audit: Decision,
    /// The "Invite user" button.
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub invite: Decision,
    /// Roles the invite modal offers.
    pub invite_roles: Vec<Role>,
    /// "Create a new group" (and editing groups and resource groups).
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub manage_groups: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub set_data_studio: Decision,
    /// Owner-only options; a UI should not render them when denied.
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub transfer_ownership: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub delete_workspace: Decision,
    /// The Edit button on the Admin and Developer permission cards.
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub edit_admin_toggles: Decision,
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::DecisionWire))]
    pub edit_developer_toggles: Decision,
}

/// One toggle on the Edit form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ToggleControl {
    pub toggle: Toggle,
    pub category: Category,
    pub label: String,
    /// Whether the role has it now.
    pub on: bool,
    /// Whether the actor may flip it to the other state.
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    pub flip: Decision,
}

/// The arrow menu next to a member's permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct MemberControls {
    pub target: Id,
    /// Whether any role change is offered.
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    pub change_role: Decision,
    /// The roles the menu offers (never the current one).
    pub roles: Vec<Role>,
    /// "Remove access".
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    pub remove: Decision,
    /// "Transfer ownership" (Owner only, to an Active Admin).
    #[cfg_attr(feature = "wasm", tsify(type = "Decision"))]
    pub transfer_ownership: Decision,
}

impl Facts {
    /// Tabs and buttons for `actor` in `workspace`.
    pub fn abilities(&self, actor: Id, workspace: Id, now: Timestamp) -> WorkspaceAbilities {
        let d = |action: Action| self.decide(actor, &action, now);
        let standing = self.ws(workspace).and_then(|ws| ws.actor(actor, now));
        let (role, analyst, invite, invite_roles) = match &standing {
            Ok(a) => {
                let roles: Vec<Role> = Role::ALL
                    .into_iter()
                    .filter(|&r| rules::people::invite_gate(a, r).is_ok())
                    .collect();
                (
                    Some(a.role),
                    a.grant.is_some(),
                    rules::people::invite_gate(a, Role::Developer).into(),
                    roles,
                )
            }
            Err(e) => (None, false, Decision::Denied(e.clone()), Vec::new()),
        };
        WorkspaceAbilities {
            role,
            analyst,
            open: d(Action::ViewWorkspace { workspace }),
            users_tab: d(Action::ViewUsers { workspace }),
            groups_tab: d(Action::ViewGroups { workspace }),
            permissions_tab: d(Action::ViewPermissions { workspace }),
            billing: d(Action::ViewBilling { workspace }),
            audit: d(Action::ViewAudit { workspace }),
            invite,
            invite_roles,
            manage_groups: match &standing {
                Ok(a) => rules::groups::manage_groups(a).into(),
                Err(e) => Decision::Denied(e.clone()),
            },
            set_data_studio: d(Action::SetDataStudio { workspace }),
            transfer_ownership: match &standing {
                Ok(a) => {
                    a.not_analyst().and_then(|()| {
                        rules::ensure(a.role == Role::Owner, crate::decision::Reason::OwnerOnly)
                    })
                }
                .into(),
                Err(e) => Decision::Denied(e.clone()),
            },
            delete_workspace: d(Action::DeleteWorkspace { workspace }),
            edit_admin_toggles: self.toggle_editing(actor, workspace, Role::Admin, now),
            edit_developer_toggles: self.toggle_editing(actor, workspace, Role::Developer, now),
        }
    }

    /// Whether `actor` manages `company`'s partner relations (grant, redeem,
    /// register analysts): its company admins.
    pub fn manages_partners(&self, actor: Id, company: Id) -> Decision {
        rules::partners::company_admin(self, actor, company).into()
    }

    /// Whether `actor` may edit `role`'s toggles at all: the Owner's are
    /// fixed, only the Owner edits the Administrators'.
    pub fn toggle_editing(&self, actor: Id, workspace: Id, role: Role, now: Timestamp) -> Decision {
        let check = || -> Result<(), crate::decision::Denial> {
            let ws = self.ws(workspace)?;
            let a = ws.actor(actor, now)?;
            rules::people::toggle_edit_gate(&a, role)
        };
        check().into()
    }

    /// The sixteen toggles of `role` as `actor` would see them on the Edit
    /// form: current state, and whether each may be flipped.
    pub fn toggle_controls(
        &self,
        actor: Id,
        workspace: Id,
        role: Role,
        now: Timestamp,
    ) -> Vec<ToggleControl> {
        let current = self.workspace(workspace).map(|ws| ws.toggles_of(role)).unwrap_or_default();
        Toggle::ALL
            .into_iter()
            .map(|toggle| {
                let on = current.contains(toggle);
                ToggleControl {
                    toggle,
                    category: toggle.category(),
                    label: toggle.label().to_owned(),
                    on,
                    flip: self.decide(
                        actor,
                        &Action::SetToggle { workspace, role, toggle, on: !on },
                        now,
                    ),
                }
            })
            .collect()
    }

    /// The roles `actor` may give: to a new invitee (`target` = `None`) or
    /// to an Active member.
    pub fn assignable_roles(
        &self,
        actor: Id,
        workspace: Id,
        target: Option<Id>,
        now: Timestamp,
    ) -> Vec<Role> {
        match target {
            None => self.abilities(actor, workspace, now).invite_roles,
            Some(target) => Role::ALL
                .into_iter()
                .filter(|&role| {
                    let change = Action::ChangeRole { workspace, target, role };
                    self.decide(actor, &change, now).is_allowed()
                })
                .collect(),
        }
    }

    /// The arrow menu for `target` as `actor` sees it.
    pub fn member_controls(
        &self,
        actor: Id,
        workspace: Id,
        target: Id,
        now: Timestamp,
    ) -> MemberControls {
        let roles = self.assignable_roles(actor, workspace, Some(target), now);
        let change_role = match self.ws(workspace).and_then(|ws| {
            let a = ws.actor(actor, now)?;
            rules::people::change_role_gate(&ws, &a, target).map(|_| ())
        }) {
            Ok(()) if roles.is_empty() => Decision::deny(crate::decision::Reason::RoleAboveYours),
            other => other.into(),
        };
        MemberControls {
            target,
            change_role,
            roles,
            remove: self.decide(actor, &Action::RemoveMember { workspace, target }, now),
            transfer_ownership: self.decide(
                actor,
                &Action::TransferOwnership { workspace, target },
                now,
            ),
        }
    }

    /// The manual-run plan for `flow`, or why it cannot run.
    pub fn run_plan(
        &self,
        actor: Id,
        workspace: Id,
        flow: Id,
        now: Timestamp,
    ) -> Result<RunPlan, crate::decision::Denial> {
        let ws = self.ws(workspace)?;
        let a = ws.actor(actor, now)?;
        rules::resources::run_plan(&ws, &a, flow)
    }
}

/// One toggle's metadata, for building the Edit form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ToggleInfo {
    pub toggle: Toggle,
    pub category: Category,
    pub label: String,
}

/// One reason code and its default sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct ReasonInfo {
    pub code: crate::decision::Reason,
    pub message: String,
}

/// Everything a UI needs to label things: toggles in display order with
/// their categories, categories' headings, every reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct Catalog {
    pub toggles: Vec<ToggleInfo>,
    pub categories: Vec<(Category, String)>,
    pub sections: Vec<(crate::kind::Section, String)>,
    pub kinds: Vec<(crate::kind::ResourceKind, String)>,
    pub reasons: Vec<ReasonInfo>,
}

/// The labels and codes of the rule set.
pub fn catalog() -> Catalog {
    Catalog {
        toggles: Toggle::ALL
            .into_iter()
            .map(|toggle| ToggleInfo {
                toggle,
                category: toggle.category(),
                label: toggle.label().to_owned(),
            })
            .collect(),
        categories: Category::ALL.into_iter().map(|c| (c, c.label().to_owned())).collect(),
        sections: crate::kind::Section::ALL
            .into_iter()
            .map(|s| (s, s.label().to_owned()))
            .collect(),
        kinds: crate::kind::ResourceKind::ALL
            .into_iter()
            .map(|k| (k, k.label().to_owned()))
            .collect(),
        reasons: crate::decision::Reason::ALL
            .iter()
            .map(|&code| ReasonInfo { code, message: code.default_message().to_owned() })
            .collect(),
    }
}

/// A run plan, or why the flow cannot run: `{ allowed: true, plan }` or
/// `{ allowed: false, code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RunPlanDecision {
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub plan: Option<RunPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub code: Option<crate::decision::Reason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub message: Option<String>,
}

impl From<Result<RunPlan, crate::decision::Denial>> for RunPlanDecision {
    fn from(r: Result<RunPlan, crate::decision::Denial>) -> Self {
        match r {
            Ok(plan) => {
                RunPlanDecision { allowed: true, plan: Some(plan), code: None, message: None }
            }
            Err(d) => RunPlanDecision {
                allowed: false,
                plan: None,
                code: Some(d.code),
                message: Some(d.message.into_owned()),
            },
        }
    }
}
