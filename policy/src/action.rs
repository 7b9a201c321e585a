//! The questions that can be asked: one variant per thing an actor may try.

use serde::Serialize;

use crate::facts::{Id, Timestamp};
use crate::kind::{ResourceKind, Section};
use crate::role::Role;
use crate::toggle::Toggle;

/// Something an actor wants to do. Serialized with a `type` tag, e.g.
/// `{ "type": "change_role", "workspace": 1, "target": 7, "role": "admin" }`.
// `Deserialize` is written out in `de/` (same wire form, same
// errors, without serde's buffering of tagged enums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    // --- the workspace itself -------------------------------------------
    /// Open the workspace at all.
    ViewWorkspace { workspace: Id },
    /// See the Users tab (for analysts: the `users` section).
    ViewUsers { workspace: Id },
    /// See the Groups tab.
    ViewGroups { workspace: Id },
    /// See the Permissions tab, user counts per permission, "View all".
    ViewPermissions { workspace: Id },
    /// See Usage and Billing.
    ViewBilling { workspace: Id },
    /// Read the audit log.
    ViewAudit { workspace: Id },
    /// Turn Data Studio on or off.
    SetDataStudio { workspace: Id },
    /// Hand ownership to an Active Admin; the old owner becomes Admin.
    TransferOwnership { workspace: Id, target: Id },
    /// Delete the workspace.
    DeleteWorkspace { workspace: Id },

    // --- people ---------------------------------------------------------
    /// Invite `email` with `role`.
    Invite { workspace: Id, email: String, role: Role },
    /// Resend an open invitation (renews it; the old link stops working).
    ResendInvitation { workspace: Id, invitation: Id },
    /// Delete an open invitation.
    DeleteInvitation { workspace: Id, invitation: Id },
    /// The invitee accepts (refused once the invitation has expired).
    AcceptInvitation { workspace: Id, invitation: Id },
    /// Create or rotate the workspace's join link (people who open it ask
    /// for access and wait for authorization).
    ManageJoinLink { workspace: Id },
    /// Ask to join (join link).
    RequestAccess { workspace: Id },
    /// Authorize an access request: the account becomes an Active Developer.
    AuthorizeRequest { workspace: Id, request: Id },
    /// Reject an access request.
    RejectRequest { workspace: Id, request: Id },
    /// Change an Active member's role.
    ChangeRole { workspace: Id, target: Id, role: Role },
    /// Remove a member's access (irreversible).
    RemoveMember { workspace: Id, target: Id },

    // --- role toggles ---------------------------------------------------
    /// Switch one toggle of a role (one control of the Edit form).
    SetToggle { workspace: Id, role: Role, toggle: Toggle, on: bool },
    /// Save a role's complete new toggle set, based on `base_version`.
    SaveToggles { workspace: Id, role: Role, toggles: Vec<Toggle>, base_version: i64 },

    // --- groups ---------------------------------------------------------
    /// Create a group.
    CreateGroup { workspace: Id, name: String, description: String },
    /// Rename a group or change its description.
    EditGroup { workspace: Id, group: Id, name: String, description: String },
    /// Delete a group, repeating its exact name.
    DeleteGroup { workspace: Id, group: Id, confirm_name: String },
    /// Add Active members to a group.
    AddGroupMembers { workspace: Id, group: Id, accounts: Vec<Id> },
    /// Remove one member from a group.
    RemoveGroupMember { workspace: Id, group: Id, account: Id },

    // --- resources ------------------------------------------------------
    /// Create a resource of `kind` (a flow names its integration).
    CreateResource {
        workspace: Id,
        kind: ResourceKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        integration: Option<Id>,
    },
    /// See a resource.
    ViewResource { workspace: Id, resource: Id },
    /// Edit a resource.
    EditResource { workspace: Id, resource: Id },
    /// Delete a resource.
    DeleteResource { workspace: Id, resource: Id },
    /// Set which groups may manage a resource.
    SetResourceGroups { workspace: Id, resource: Id, groups: Vec<Id> },
    /// Run a flow manually from the flow canvas.
    RunFlow { workspace: Id, flow: Id },

    // --- companies and partners -----------------------------------------
    /// See a company: its members, flags and partner relations.
    ViewCompany { company: Id },
    /// Create a workspace in a company.
    CreateWorkspace { company: Id },
    /// Add a company member or admin: `account` is the account found by the
    /// email given (none yet: whether the actor may add anyone).
    AddCompanyMember {
        company: Id,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        account: Option<Id>,
    },
    /// Remove someone from a company (never its last admin).
    RemoveCompanyMember { company: Id, account: Id },
    /// Make a company member an admin, or an admin a plain member (never
    /// the last admin).
    SetCompanyAdmin { company: Id, account: Id, admin: bool },
    /// Read a company's own audit log (capabilities, members, grants).
    ViewCompanyAudit { company: Id },
    /// Turn a company's Partner / Client capabilities on or off.
    SetCompanyCapabilities { company: Id },
    /// A client grants a partner access to some of its workspaces, until
    /// `expires_at` (after the decision's `now`, at most two years on).
    CreateGrant {
        client: Id,
        partner: Id,
        workspaces: Vec<Id>,
        role: Role,
        sections: Vec<Section>,
        expires_at: Timestamp,
    },
    /// The client renews or shortens a grant: a new expiry, same limits.
    RenewGrant { grant: Id, expires_at: Timestamp },
    /// The partner redeems the access key.
    RedeemGrant { grant: Id },
    /// The partner registers one of its members as an analyst in a workspace.
    RegisterAnalyst { grant: Id, workspace: Id, analyst: Id },
    /// The partner removes one of its analysts from a workspace.
    RemoveAnalyst { grant: Id, workspace: Id, analyst: Id },
    /// The client deletes the access key.
    RevokeGrant { grant: Id },
}

impl Action {
    /// The workspace the action is in, if it is about one.
    pub fn workspace(&self) -> Option<Id> {
        use Action::*;
        match self {
            ViewWorkspace { workspace }
            | ViewUsers { workspace }
            | ViewGroups { workspace }
            | ViewPermissions { workspace }
            | ViewBilling { workspace }
            | ViewAudit { workspace }
            | SetDataStudio { workspace }
            | TransferOwnership { workspace, .. }
            | DeleteWorkspace { workspace }
            | Invite { workspace, .. }
            | ResendInvitation { workspace, .. }
            | DeleteInvitation { workspace, .. }
            | AcceptInvitation { workspace, .. }
            | RequestAccess { workspace }
            | ManageJoinLink { workspace }
            | AuthorizeRequest { workspace, .. }
            | RejectRequest { workspace, .. }
            | ChangeRole { workspace, .. }
            | RemoveMember { workspace, .. }
            | SetToggle { workspace, .. }
            | SaveToggles { workspace, .. }
            | CreateGroup { workspace, .. }
            | EditGroup { workspace, .. }
            | DeleteGroup { workspace, .. }
            | AddGroupMembers { workspace, .. }
            | RemoveGroupMember { workspace, .. }
            | CreateResource { workspace, .. }
            | ViewResource { workspace, .. }
            | EditResource { workspace, .. }
            | DeleteResource { workspace, .. }
            | SetResourceGroups { workspace, .. }
            | RunFlow { workspace, .. }
            | RegisterAnalyst { workspace, .. }
            | RemoveAnalyst { workspace, .. } => Some(*workspace),
            ViewCompany { .. }
            | CreateWorkspace { .. }
            | AddCompanyMember { .. }
            | RemoveCompanyMember { .. }
            | SetCompanyAdmin { .. }
            | ViewCompanyAudit { .. }
            | SetCompanyCapabilities { .. }
            | CreateGrant { .. }
            | RedeemGrant { .. }
            | RenewGrant { .. }
            | RevokeGrant { .. } => None,
        }
    }

    /// Whether the action changes anything (as opposed to viewing).
    pub fn is_change(&self) -> bool {
        !matches!(
            self,
            Action::ViewWorkspace { .. }
                | Action::ViewUsers { .. }
                | Action::ViewGroups { .. }
                | Action::ViewPermissions { .. }
                | Action::ViewBilling { .. }
                | Action::ViewAudit { .. }
                | Action::ViewResource { .. }
        )
    }
}
