//! [`Action`]'s variants and fields, converted from the raw tree.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error};

use super::{Entries, InSeq, Key, Raw, Tagged, Variant, need};
use crate::action::Action;
use crate::facts::{Id, Timestamp};
use crate::kind::{ResourceKind, Section};
use crate::role::Role;
use crate::toggle::Toggle;

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = Tagged { tag: "type", name: "Action", _t: PhantomData::<Tag> };
        let (tag, entries) = d.deserialize_any(visitor)?;
        match entries {
            Entries::Map(entries) => from_map(tag, entries),
            Entries::Seq(items) => from_seq(tag, items),
        }
    }
}

fn fields_of(tag: Tag) -> &'static [&'static str] {
    FIELDS.get(tag as usize).copied().unwrap_or_default()
}

fn from_map<E: Error>(tag: Tag, entries: Vec<(Key, Raw)>) -> Result<Action, E> {
    let names = fields_of(tag);
    let mut fields = Fields::default();
    for (key, raw) in entries {
        let key = match key {
            Key::Known(i) if KEYS.get(i).is_some_and(|k| names.contains(k)) => i,
            Key::Known(i) => {
                return Err(E::unknown_field(KEYS.get(i).copied().unwrap_or_default(), names));
            }
            Key::Other(name) => return Err(E::unknown_field(&name, names)),
            Key::Type => return Err(E::duplicate_field("type")),
        };
        if fields.has(key) {
            return Err(E::duplicate_field(KEYS.get(key).copied().unwrap_or_default()));
        }
        fields.set(tag, key, raw)?;
    }
    fields.build(tag)
}

/// The sequence form: the fields in declaration order (an optional one may
/// be left out at the end), nothing after them.
fn from_seq<E: Error>(tag: Tag, items: Vec<Raw>) -> Result<Action, E> {
    let variant = |n| Variant("Action", fields_of_name(tag), n);
    let names = fields_of(tag);
    let total = items.len();
    let mut items = items.into_iter();
    let mut fields = Fields::default();
    for (i, name) in names.iter().enumerate() {
        let key = KEYS.iter().position(|k| k == name).unwrap_or_default();
        match items.next() {
            Some(raw) => fields.set(tag, key, raw)?,
            None if optional(tag, name) => {}
            None => return Err(E::invalid_length(i, &variant(names.len()))),
        }
    }
    if total > names.len() {
        return Err(E::invalid_length(total, &InSeq(names.len())));
    }
    fields.build(tag)
}

/// Fields that may be left out (`#[serde(default)]`).
fn optional(tag: Tag, name: &str) -> bool {
    name == "integration" || (name == "account" && matches!(tag, Tag::AddCompanyMember))
}

/// The Rust name of `tag`'s variant (`ChangeRole`), for errors.
fn fields_of_name(tag: Tag) -> &'static str {
    NAMES.get(tag as usize).copied().unwrap_or_default()
}

/// The variants' Rust names, indexed by [`Tag`].
const NAMES: [&str; 45] = [
    "ViewWorkspace",
    "ViewUsers",
    "ViewGroups",
    "ViewPermissions",
    "ViewBilling",
    "ViewAudit",
    "SetDataStudio",
    "TransferOwnership",
    "DeleteWorkspace",
    "Invite",
    "ResendInvitation",
    "DeleteInvitation",
    "AcceptInvitation",
    "ManageJoinLink",
    "RequestAccess",
    "AuthorizeRequest",
    "RejectRequest",
    "ChangeRole",
    "RemoveMember",
    "SetToggle",
    "SaveToggles",
    "CreateGroup",
    "EditGroup",
    "DeleteGroup",
    "AddGroupMembers",
    "RemoveGroupMember",
    "CreateResource",
    "ViewResource",
    "EditResource",
    "DeleteResource",
    "SetResourceGroups",
    "RunFlow",
    "ViewCompany",
    "CreateWorkspace",
    "AddCompanyMember",
    "RemoveCompanyMember",
    "SetCompanyAdmin",
    "ViewCompanyAudit",
    "SetCompanyCapabilities",
    "CreateGrant",
    "RenewGrant",
    "RedeemGrant",
    "RegisterAnalyst",
    "RemoveAnalyst",
    "RevokeGrant",
];

/// The `type` of an action, in the order of [`Action`]'s variants.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tag {
    ViewWorkspace,
    ViewUsers,
    ViewGroups,
    ViewPermissions,
    ViewBilling,
    ViewAudit,
    SetDataStudio,
    TransferOwnership,
    DeleteWorkspace,
    Invite,
    ResendInvitation,
    DeleteInvitation,
    AcceptInvitation,
    ManageJoinLink,
    RequestAccess,
    AuthorizeRequest,
    RejectRequest,
    ChangeRole,
    RemoveMember,
    SetToggle,
    SaveToggles,
    CreateGroup,
    EditGroup,
    DeleteGroup,
    AddGroupMembers,
    RemoveGroupMember,
    CreateResource,
    ViewResource,
    EditResource,
    DeleteResource,
    SetResourceGroups,
    RunFlow,
    ViewCompany,
    CreateWorkspace,
    AddCompanyMember,
    RemoveCompanyMember,
    SetCompanyAdmin,
    ViewCompanyAudit,
    SetCompanyCapabilities,
    CreateGrant,
    RenewGrant,
    RedeemGrant,
    RegisterAnalyst,
    RemoveAnalyst,
    RevokeGrant,
}

/// Each variant's fields, indexed by [`Tag`].
const FIELDS: [&[&str]; 45] = [
    &["workspace"],
    &["workspace"],
    &["workspace"],
    &["workspace"],
    &["workspace"],
    &["workspace"],
    &["workspace"],
    &["workspace", "target"],
    &["workspace"],
    &["workspace", "email", "role"],
    &["workspace", "invitation"],
    &["workspace", "invitation"],
    &["workspace", "invitation"],
    &["workspace"],
    &["workspace"],
    &["workspace", "request"],
    &["workspace", "request"],
    &["workspace", "target", "role"],
    &["workspace", "target"],
    &["workspace", "role", "toggle", "on"],
    &["workspace", "role", "toggles", "base_version"],
    &["workspace", "name", "description"],
    &["workspace", "group", "name", "description"],
    &["workspace", "group", "confirm_name"],
    &["workspace", "group", "accounts"],
    &["workspace", "group", "account"],
    &["workspace", "kind", "integration"],
    &["workspace", "resource"],
    &["workspace", "resource"],
    &["workspace", "resource"],
    &["workspace", "resource", "groups"],
    &["workspace", "flow"],
    &["company"],
    &["company"],
    &["company", "account"],
    &["company", "account"],
    &["company", "account", "admin"],
    &["company"],
    &["company"],
    &["client", "partner", "workspaces", "role", "sections", "expires_at"],
    &["grant", "expires_at"],
    &["grant"],
    &["grant", "workspace", "analyst"],
    &["grant", "workspace", "analyst"],
    &["grant"],
];

/// The keys of all variants' fields.
pub(super) const KEYS: [&str; 30] = [
    "workspace",
    "target",
    "email",
    "role",
    "invitation",
    "request",
    "toggle",
    "on",
    "toggles",
    "base_version",
    "name",
    "description",
    "group",
    "confirm_name",
    "accounts",
    "account",
    "kind",
    "integration",
    "resource",
    "groups",
    "flow",
    "company",
    "admin",
    "client",
    "partner",
    "workspaces",
    "sections",
    "expires_at",
    "grant",
    "analyst",
];

/// The values read so far, at most one per key.
#[derive(Default)]
struct Fields {
    workspace: Option<Id>,
    target: Option<Id>,
    email: Option<String>,
    role: Option<Role>,
    invitation: Option<Id>,
    request: Option<Id>,
    toggle: Option<Toggle>,
    on: Option<bool>,
    toggles: Option<Vec<Toggle>>,
    base_version: Option<i64>,
    name: Option<String>,
    description: Option<String>,
    group: Option<Id>,
    confirm_name: Option<String>,
    accounts: Option<Vec<Id>>,
    account: Option<Id>,
    /// `account` of `add_company_member` (optional there).
    account_opt: Option<Option<Id>>,
    kind: Option<ResourceKind>,
    integration: Option<Option<Id>>,
    resource: Option<Id>,
    groups: Option<Vec<Id>>,
    flow: Option<Id>,
    company: Option<Id>,
    admin: Option<bool>,
    client: Option<Id>,
    partner: Option<Id>,
    workspaces: Option<Vec<Id>>,
    sections: Option<Vec<Section>>,
    expires_at: Option<Timestamp>,
    grant: Option<Id>,
    analyst: Option<Id>,
}

impl Fields {
    /// Reads `raw` as the field `KEYS[key]` of `tag`.
    fn set<E: Error>(&mut self, tag: Tag, key: usize, raw: Raw) -> Result<(), E> {
        fn put<T>(slot: &mut Option<T>, v: T) {
            *slot = Some(v);
        }
        match key {
            0 => put(&mut self.workspace, raw.id()?),
            1 => put(&mut self.target, raw.id()?),
            2 => put(&mut self.email, raw.string()?),
            3 => put(&mut self.role, raw.unit_enum()?),
            4 => put(&mut self.invitation, raw.id()?),
            5 => put(&mut self.request, raw.id()?),
            6 => put(&mut self.toggle, raw.unit_enum()?),
            7 => put(&mut self.on, raw.boolean()?),
            8 => put(&mut self.toggles, raw.list_enum()?),
            9 => put(&mut self.base_version, raw.id()?),
            10 => put(&mut self.name, raw.string()?),
            11 => put(&mut self.description, raw.string()?),
            12 => put(&mut self.group, raw.id()?),
            13 => put(&mut self.confirm_name, raw.string()?),
            14 => put(&mut self.accounts, raw.list_id()?),
            15 if matches!(tag, Tag::AddCompanyMember) => put(&mut self.account_opt, raw.opt_id()?),
            15 => put(&mut self.account, raw.id()?),
            16 => put(&mut self.kind, raw.unit_enum()?),
            17 => put(&mut self.integration, raw.opt_id()?),
            18 => put(&mut self.resource, raw.id()?),
            19 => put(&mut self.groups, raw.list_id()?),
            20 => put(&mut self.flow, raw.id()?),
            21 => put(&mut self.company, raw.id()?),
            22 => put(&mut self.admin, raw.boolean()?),
            23 => put(&mut self.client, raw.id()?),
            24 => put(&mut self.partner, raw.id()?),
            25 => put(&mut self.workspaces, raw.list_id()?),
            26 => put(&mut self.sections, raw.list_enum()?),
            27 => put(&mut self.expires_at, raw.id()?),
            28 => put(&mut self.grant, raw.id()?),
            29 => put(&mut self.analyst, raw.id()?),
            _ => {}
        }
        Ok(())
    }

    /// Whether `KEYS[key]` was read already.
    fn has(&self, key: usize) -> bool {
        match key {
            0 => self.workspace.is_some(),
            1 => self.target.is_some(),
            2 => self.email.is_some(),
            3 => self.role.is_some(),
            4 => self.invitation.is_some(),
            5 => self.request.is_some(),
            6 => self.toggle.is_some(),
            7 => self.on.is_some(),
            8 => self.toggles.is_some(),
            9 => self.base_version.is_some(),
            10 => self.name.is_some(),
            11 => self.description.is_some(),
            12 => self.group.is_some(),
            13 => self.confirm_name.is_some(),
            14 => self.accounts.is_some(),
            15 => self.account.is_some() || self.account_opt.is_some(),
            16 => self.kind.is_some(),
            17 => self.integration.is_some(),
            18 => self.resource.is_some(),
            19 => self.groups.is_some(),
            20 => self.flow.is_some(),
            21 => self.company.is_some(),
            22 => self.admin.is_some(),
            23 => self.client.is_some(),
            24 => self.partner.is_some(),
            25 => self.workspaces.is_some(),
            26 => self.sections.is_some(),
            27 => self.expires_at.is_some(),
            28 => self.grant.is_some(),
            29 => self.analyst.is_some(),
            _ => false,
        }
    }

    /// The action of `tag` from the fields read; the first missing one (in
    /// declaration order) is an error.
    fn build<E: Error>(self, tag: Tag) -> Result<Action, E> {
        Ok(match tag {
            Tag::ViewWorkspace => {
                Action::ViewWorkspace { workspace: need(self.workspace, "workspace")? }
            }
            Tag::ViewUsers => Action::ViewUsers { workspace: need(self.workspace, "workspace")? },
            Tag::ViewGroups => Action::ViewGroups { workspace: need(self.workspace, "workspace")? },
            Tag::ViewPermissions => {
                Action::ViewPermissions { workspace: need(self.workspace, "workspace")? }
            }
            Tag::ViewBilling => {
                Action::ViewBilling { workspace: need(self.workspace, "workspace")? }
            }
            Tag::ViewAudit => Action::ViewAudit { workspace: need(self.workspace, "workspace")? },
            Tag::SetDataStudio => {
                Action::SetDataStudio { workspace: need(self.workspace, "workspace")? }
            }
            Tag::TransferOwnership => Action::TransferOwnership {
                workspace: need(self.workspace, "workspace")?,
                target: need(self.target, "target")?,
            },
            Tag::DeleteWorkspace => {
                Action::DeleteWorkspace { workspace: need(self.workspace, "workspace")? }
            }
            Tag::Invite => Action::Invite {
                workspace: need(self.workspace, "workspace")?,
                email: need(self.email, "email")?,
                role: need(self.role, "role")?,
            },
            Tag::ResendInvitation => Action::ResendInvitation {
                workspace: need(self.workspace, "workspace")?,
                invitation: need(self.invitation, "invitation")?,
            },
            Tag::DeleteInvitation => Action::DeleteInvitation {
                workspace: need(self.workspace, "workspace")?,
                invitation: need(self.invitation, "invitation")?,
            },
            Tag::AcceptInvitation => Action::AcceptInvitation {
                workspace: need(self.workspace, "workspace")?,
                invitation: need(self.invitation, "invitation")?,
            },
            Tag::ManageJoinLink => {
                Action::ManageJoinLink { workspace: need(self.workspace, "workspace")? }
            }
            Tag::RequestAccess => {
                Action::RequestAccess { workspace: need(self.workspace, "workspace")? }
            }
            Tag::AuthorizeRequest => Action::AuthorizeRequest {
                workspace: need(self.workspace, "workspace")?,
                request: need(self.request, "request")?,
            },
            Tag::RejectRequest => Action::RejectRequest {
                workspace: need(self.workspace, "workspace")?,
                request: need(self.request, "request")?,
            },
            Tag::ChangeRole => Action::ChangeRole {
                workspace: need(self.workspace, "workspace")?,
                target: need(self.target, "target")?,
                role: need(self.role, "role")?,
            },
            Tag::RemoveMember => Action::RemoveMember {
                workspace: need(self.workspace, "workspace")?,
                target: need(self.target, "target")?,
            },
            Tag::SetToggle => Action::SetToggle {
                workspace: need(self.workspace, "workspace")?,
                role: need(self.role, "role")?,
                toggle: need(self.toggle, "toggle")?,
                on: need(self.on, "on")?,
            },
            Tag::SaveToggles => Action::SaveToggles {
                workspace: need(self.workspace, "workspace")?,
                role: need(self.role, "role")?,
                toggles: need(self.toggles, "toggles")?,
                base_version: need(self.base_version, "base_version")?,
            },
            Tag::CreateGroup => Action::CreateGroup {
                workspace: need(self.workspace, "workspace")?,
                name: need(self.name, "name")?,
                description: need(self.description, "description")?,
            },
            Tag::EditGroup => Action::EditGroup {
                workspace: need(self.workspace, "workspace")?,
                group: need(self.group, "group")?,
                name: need(self.name, "name")?,
                description: need(self.description, "description")?,
            },
            Tag::DeleteGroup => Action::DeleteGroup {
                workspace: need(self.workspace, "workspace")?,
                group: need(self.group, "group")?,
                confirm_name: need(self.confirm_name, "confirm_name")?,
            },
            Tag::AddGroupMembers => Action::AddGroupMembers {
                workspace: need(self.workspace, "workspace")?,
                group: need(self.group, "group")?,
                accounts: need(self.accounts, "accounts")?,
            },
            Tag::RemoveGroupMember => Action::RemoveGroupMember {
                workspace: need(self.workspace, "workspace")?,
                group: need(self.group, "group")?,
                account: need(self.account, "account")?,
            },
            Tag::CreateResource => Action::CreateResource {
                workspace: need(self.workspace, "workspace")?,
                kind: need(self.kind, "kind")?,
                integration: self.integration.flatten(),
            },
            Tag::ViewResource => Action::ViewResource {
                workspace: need(self.workspace, "workspace")?,
                resource: need(self.resource, "resource")?,
            },
            Tag::EditResource => Action::EditResource {
                workspace: need(self.workspace, "workspace")?,
                resource: need(self.resource, "resource")?,
            },
            Tag::DeleteResource => Action::DeleteResource {
                workspace: need(self.workspace, "workspace")?,
                resource: need(self.resource, "resource")?,
            },
            Tag::SetResourceGroups => Action::SetResourceGroups {
                workspace: need(self.workspace, "workspace")?,
                resource: need(self.resource, "resource")?,
                groups: need(self.groups, "groups")?,
            },
            Tag::RunFlow => Action::RunFlow {
                workspace: need(self.workspace, "workspace")?,
                flow: need(self.flow, "flow")?,
            },
            Tag::ViewCompany => Action::ViewCompany { company: need(self.company, "company")? },
            Tag::CreateWorkspace => {
                Action::CreateWorkspace { company: need(self.company, "company")? }
            }
            Tag::AddCompanyMember => Action::AddCompanyMember {
                company: need(self.company, "company")?,
                account: self.account_opt.flatten(),
            },
            Tag::RemoveCompanyMember => Action::RemoveCompanyMember {
                company: need(self.company, "company")?,
                account: need(self.account, "account")?,
            },
            Tag::SetCompanyAdmin => Action::SetCompanyAdmin {
                company: need(self.company, "company")?,
                account: need(self.account, "account")?,
                admin: need(self.admin, "admin")?,
            },
            Tag::ViewCompanyAudit => {
                Action::ViewCompanyAudit { company: need(self.company, "company")? }
            }
            Tag::SetCompanyCapabilities => {
                Action::SetCompanyCapabilities { company: need(self.company, "company")? }
            }
            Tag::CreateGrant => Action::CreateGrant {
                client: need(self.client, "client")?,
                partner: need(self.partner, "partner")?,
                workspaces: need(self.workspaces, "workspaces")?,
                role: need(self.role, "role")?,
                sections: need(self.sections, "sections")?,
                expires_at: need(self.expires_at, "expires_at")?,
            },
            Tag::RenewGrant => Action::RenewGrant {
                grant: need(self.grant, "grant")?,
                expires_at: need(self.expires_at, "expires_at")?,
            },
            Tag::RedeemGrant => Action::RedeemGrant { grant: need(self.grant, "grant")? },
            Tag::RegisterAnalyst => Action::RegisterAnalyst {
                grant: need(self.grant, "grant")?,
                workspace: need(self.workspace, "workspace")?,
                analyst: need(self.analyst, "analyst")?,
            },
            Tag::RemoveAnalyst => Action::RemoveAnalyst {
                grant: need(self.grant, "grant")?,
                workspace: need(self.workspace, "workspace")?,
                analyst: need(self.analyst, "analyst")?,
            },
            Tag::RevokeGrant => Action::RevokeGrant { grant: need(self.grant, "grant")? },
        })
    }
}
