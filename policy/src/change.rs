//! Changes to the facts, as read back from the database's change log, for
//! keeping a long-lived [`Facts`](crate::Facts) current with
//! [`Facts::apply`](crate::Facts::apply) instead of rebuilding it.

use serde::{Deserialize, Serialize};

use crate::facts::{
    AccessRequest, Account, Company, CompanyMember, Grant, Group, Id, Invitation, Member, Resource,
    RoleToggles, Workspace,
};

/// One record of the facts as it now stands (`Some`) or its absence (`None`):
/// what a change-log entry resolves to once the record is read again.
/// Applying changes to `Facts` gives the same facts as indexing the snapshot
/// with those records changed (deletions cascade as the database's foreign
/// keys do).
///
/// The key fields (`id`, `account`, ...) are authoritative: a payload whose
/// own id differs is stored under the key. A change to a record whose parent
/// is not in the facts (a member of a workspace that is not loaded, a member
/// of an unknown group, a company member of an unknown company) is ignored:
/// facts hold only what was loaded. A deletion cascades whether or not the
/// deleted record itself was loaded, so afterwards its id is referenced
/// nowhere in the facts.
///
/// Serialized with a `type` tag, e.g.
/// `{ "type": "group_member", "workspace": 1, "group": 5, "account": 7, "present": true }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A workspace's own fields. `None`: deleted, with everything in it, and
    /// removed from every grant's workspace list. `Some` for a workspace not
    /// in the facts adds it, empty.
    Workspace { id: Id, header: Option<WorkspaceHeader> },
    /// `None`: no longer a member; also leaves every group of that workspace.
    Member { workspace: Id, account: Id, member: Option<Member> },
    /// An open invitation. `None`: accepted, deleted or otherwise closed.
    Invitation { workspace: Id, id: Id, invitation: Option<Invitation> },
    /// A pending access request. `None`: authorized, rejected or withdrawn.
    Request { workspace: Id, id: Id, request: Option<AccessRequest> },
    /// A group's own fields (its member list is untouched; a new group starts
    /// empty). `None`: deleted, its memberships go, and its id leaves every
    /// resource's `groups` in that workspace.
    Group { workspace: Id, id: Id, header: Option<GroupHeader> },
    /// Whether `account` is in `group` (ignored if the group is unknown).
    GroupMember { workspace: Id, group: Id, account: Id, present: bool },
    /// The whole resource (groups and components included). `None`: deleted;
    /// resources whose `integration` is this id (flows) are deleted too, in
    /// turn, and every deleted id leaves every resource's `components`.
    Resource { workspace: Id, id: Id, resource: Option<Resource> },
    /// A company's flags (members untouched; a new company starts with
    /// none). `None`: deleted, and with it (as the foreign keys cascade) its
    /// workspaces, its grants as client or partner, and the workspace
    /// memberships of analysts it registered.
    Company { id: Id, header: Option<CompanyHeader> },
    /// A person's membership of a company. `None`: no longer a member.
    CompanyMember { company: Id, account: Id, member: Option<CompanyMember> },
    /// A partner grant. `None`: deleted (revocation is `Some` with `revoked`).
    Grant { id: Id, grant: Option<Grant> },
    /// An account. A changed email changes who is "already a member".
    /// `None`: deleted, and with it (as the foreign keys cascade) its
    /// workspace memberships, group memberships, access requests and
    /// company memberships.
    Account { id: Id, account: Option<Account> },
}

/// A workspace's own fields: everything but its members, invitations,
/// requests, groups and resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct WorkspaceHeader {
    pub company: Id,
    #[serde(default)]
    pub data_studio: bool,
    pub toggles: RoleToggles,
}

/// A group's own fields: everything but its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct GroupHeader {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
}

/// A company's own fields: everything but its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct CompanyHeader {
    #[serde(default)]
    pub partner_enabled: bool,
    #[serde(default)]
    pub client_enabled: bool,
}

impl From<&Workspace> for WorkspaceHeader {
    fn from(w: &Workspace) -> Self {
        WorkspaceHeader {
            company: w.company,
            data_studio: w.data_studio,
            toggles: w.toggles.clone(),
        }
    }
}

impl From<&Group> for GroupHeader {
    fn from(g: &Group) -> Self {
        GroupHeader { name: g.name.clone(), is_default: g.is_default }
    }
}

impl From<&Company> for CompanyHeader {
    fn from(c: &Company) -> Self {
        CompanyHeader { partner_enabled: c.partner_enabled, client_enabled: c.client_enabled }
    }
}

impl Change {
    /// The workspace the change is inside of, if it is inside one (a
    /// workspace's own change counts as inside it). Changes to companies,
    /// grants and accounts are not, and may matter to any workspace's facts.
    pub fn workspace(&self) -> Option<Id> {
        match *self {
            Change::Workspace { id, .. } => Some(id),
            Change::Member { workspace, .. }
            | Change::Invitation { workspace, .. }
            | Change::Request { workspace, .. }
            | Change::Group { workspace, .. }
            | Change::GroupMember { workspace, .. }
            | Change::Resource { workspace, .. } => Some(workspace),
            Change::Company { .. }
            | Change::CompanyMember { .. }
            | Change::Grant { .. }
            | Change::Account { .. } => None,
        }
    }
}
