//! Reading an [`Action`] (and a preview's [`People`]) without serde's
//! generic buffering.
//!
//! serde derives an internally tagged enum (`{"type": ..., fields}`) by
//! buffering the object into its `Content` tree and deserializing the
//! variant from it: generic code instantiated for every variant's field
//! types, most of the JavaScript package's JSON decoding. This reads the
//! object once into a small [`Raw`] tree and converts each field by its key,
//! with the same errors, in the same order, as the derived code: the tag's
//! errors where it stands, then per field in the object's order an unknown
//! or duplicate field or a value of the wrong type, then the first missing
//! field in declaration order; also the sequence form `["type", fields...]`.
//! `People` (tag `kind`) and a run plan's `RunAs` (tag `as`), both with
//! unknown fields ignored, are read the same way.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    self, DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Unexpected, Visitor,
};

use crate::action::Action;
use crate::facts::{Id, Timestamp};
use crate::kind::{ResourceKind, Section};
use crate::preview::People;
use crate::role::Role;
use crate::rules::RunAs;
use crate::toggle::Toggle;

/// A JSON value as read, before its field's type is known.
enum Raw {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(String),
    Seq(Vec<Raw>),
    Map(Vec<(String, Raw)>),
}

impl Raw {
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Raw::Null => Unexpected::Unit,
            Raw::Bool(b) => Unexpected::Bool(*b),
            Raw::U64(n) => Unexpected::Unsigned(*n),
            Raw::I64(n) => Unexpected::Signed(*n),
            Raw::F64(x) => Unexpected::Float(*x),
            Raw::Str(s) => Unexpected::Str(s),
            Raw::Seq(_) => Unexpected::Seq,
            Raw::Map(_) => Unexpected::Map,
        }
    }

    fn id<E: Error>(self) -> Result<i64, E> {
        match self {
            Raw::I64(n) => Ok(n),
            Raw::U64(n) => {
                i64::try_from(n).map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &"i64"))
            }
            other => Err(E::invalid_type(other.unexpected(), &"i64")),
        }
    }

    fn count<E: Error>(self) -> Result<u32, E> {
        match self {
            Raw::U64(n) => {
                u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Unsigned(n), &"u32"))
            }
            Raw::I64(n) => {
                u32::try_from(n).map_err(|_| E::invalid_value(Unexpected::Signed(n), &"u32"))
            }
            other => Err(E::invalid_type(other.unexpected(), &"u32")),
        }
    }

    fn opt_id<E: Error>(self) -> Result<Option<i64>, E> {
        match self {
            Raw::Null => Ok(None),
            other => other.id().map(Some),
        }
    }

    fn boolean<E: Error>(self) -> Result<bool, E> {
        match self {
            Raw::Bool(b) => Ok(b),
            other => Err(E::invalid_type(other.unexpected(), &"a boolean")),
        }
    }

    fn string<E: Error>(self) -> Result<String, E> {
        match self {
            Raw::Str(s) => Ok(s),
            other => Err(E::invalid_type(other.unexpected(), &"a string")),
        }
    }

    /// A unit-only enum (role, toggle, kind, section): its name, or a map
    /// with the name as its one key and `null` (or `{}`).
    fn unit_enum<T: de::DeserializeOwned, E: Error>(self) -> Result<T, E> {
        match self {
            Raw::Str(s) => T::deserialize(de::value::StrDeserializer::<E>::new(&s)),
            Raw::Map(mut entries) if entries.len() == 1 => {
                let Some((name, value)) = entries.pop() else { return Err(E::custom("")) };
                let v = T::deserialize(de::value::StrDeserializer::<E>::new(&name))?;
                match value {
                    Raw::Null => Ok(v),
                    Raw::Map(m) if m.is_empty() => Ok(v),
                    other => Err(E::invalid_type(other.unexpected(), &"unit")),
                }
            }
            Raw::Map(_) => Err(E::invalid_value(Unexpected::Map, &"map with a single key")),
            other => Err(E::invalid_type(other.unexpected(), &"string or map")),
        }
    }

    fn list<T, E: Error>(self, each: impl Fn(Raw) -> Result<T, E>) -> Result<Vec<T>, E> {
        match self {
            Raw::Seq(items) => items.into_iter().map(each).collect(),
            other => Err(E::invalid_type(other.unexpected(), &"a sequence")),
        }
    }

    fn list_id<E: Error>(self) -> Result<Vec<Id>, E> {
        self.list(Raw::id)
    }

    fn list_enum<T: de::DeserializeOwned, E: Error>(self) -> Result<Vec<T>, E> {
        self.list(Raw::unit_enum)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_unit<E: Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E: Error>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }
    fn visit_u64<E: Error>(self, n: u64) -> Result<Raw, E> {
        Ok(Raw::U64(n))
    }
    fn visit_i64<E: Error>(self, n: i64) -> Result<Raw, E> {
        Ok(Raw::I64(n))
    }
    fn visit_f64<E: Error>(self, x: f64) -> Result<Raw, E> {
        Ok(Raw::F64(x))
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Raw, E> {
        Ok(Raw::Str(s.to_owned()))
    }
    fn visit_string<E: Error>(self, s: String) -> Result<Raw, E> {
        Ok(Raw::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

/// A key of an action object: the tag, a field of some variant (by its
/// index in [`KEYS`]), or another key.
enum Key {
    Type,
    Known(usize),
    Other(String),
}

/// Reads a key; `0` is the tag's name.
struct KeySeed(&'static str);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<Key, E> {
        Ok(if s == self.0 {
            Key::Type
        } else {
            match KEYS.iter().position(|k| *k == s) {
                Some(i) => Key::Known(i),
                None => Key::Other(s.to_owned()),
            }
        })
    }
}

/// The tag's value: a variant identifier (as serde reads a tag).
struct TagSeed<T>(PhantomData<T>);

impl<'de, T: de::DeserializeOwned> DeserializeSeed<'de> for TagSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de, T: de::DeserializeOwned> Visitor<'de> for TagSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_str<E: Error>(self, s: &str) -> Result<T, E> {
        T::deserialize(de::value::StrDeserializer::<E>::new(s))
    }
}

/// `Some` field or the error naming it missing.
fn need<T, E: Error>(v: Option<T>, name: &'static str) -> Result<T, E> {
    v.ok_or_else(|| E::missing_field(name))
}

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

/// What follows the tag: the object's other entries, or the sequence's
/// other items.
enum Entries {
    Map(Vec<(Key, Raw)>),
    Seq(Vec<Raw>),
}

/// An internally tagged enum `name` with tag `tag`: the tag read where it
/// stands, everything else kept for the variant.
struct Tagged<T> {
    tag: &'static str,
    name: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T: de::DeserializeOwned> Visitor<'de> for Tagged<T> {
    type Value = (T, Entries);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internally tagged enum {}", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut tag = None;
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(self.tag))? {
            match key {
                Key::Type if tag.is_some() => return Err(A::Error::duplicate_field(self.tag)),
                Key::Type => tag = Some(map.next_value_seed(TagSeed(PhantomData))?),
                key => entries.push((key, map.next_value::<Raw>()?)),
            }
        }
        let tag = tag.ok_or_else(|| A::Error::missing_field(self.tag))?;
        Ok((tag, Entries::Map(entries)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let tag = seq
            .next_element_seed(TagSeed(PhantomData))?
            .ok_or_else(|| A::Error::missing_field(self.tag))?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok((tag, Entries::Seq(items)))
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

/// "struct variant Action::ChangeRole with 3 elements"
struct Variant<'a>(&'a str, &'a str, usize);

impl de::Expected for Variant<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.2 == 1 { "" } else { "s" };
        write!(f, "struct variant {}::{} with {} element{s}", self.0, self.1, self.2)
    }
}

/// "2 elements in sequence"
struct InSeq(usize);

impl de::Expected for InSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.0 == 1 { "" } else { "s" };
        write!(f, "{} element{s} in sequence", self.0)
    }
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
const KEYS: [&str; 30] = [
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

// ---- People ----------------------------------------------------------------

/// The `kind` of [`People`].
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PeopleTag {
    Role,
    Members,
}

impl<'de> Deserialize<'de> for People {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = Tagged { tag: "kind", name: "People", _t: PhantomData::<PeopleTag> };
        let (tag, entries) = d.deserialize_any(visitor)?;
        let (mut role, mut count, mut accounts) = (None, None, None);
        match entries {
            Entries::Map(entries) => {
                for (key, raw) in entries {
                    let name = match &key {
                        Key::Known(i) => KEYS.get(*i).copied().unwrap_or_default(),
                        Key::Other(name) => name.as_str(),
                        Key::Type => "",
                    };
                    match (tag, name) {
                        (PeopleTag::Role, "role") if role.is_some() => {
                            return Err(D::Error::duplicate_field("role"));
                        }
                        (PeopleTag::Role, "role") => role = Some(raw.unit_enum::<Role, _>()?),
                        (PeopleTag::Role, "count") if count.is_some() => {
                            return Err(D::Error::duplicate_field("count"));
                        }
                        (PeopleTag::Role, "count") => count = Some(raw.count()?),
                        (PeopleTag::Members, "accounts") if accounts.is_some() => {
                            return Err(D::Error::duplicate_field("accounts"));
                        }
                        (PeopleTag::Members, "accounts") => accounts = Some(raw.list_id()?),
                        // Other fields are ignored, as the derive did.
                        _ => {}
                    }
                }
            }
            Entries::Seq(items) => {
                let (name, fields) = match tag {
                    PeopleTag::Role => ("Role", 2),
                    PeopleTag::Members => ("Members", 1),
                };
                let total = items.len();
                let mut items = items.into_iter();
                let mut next = |i| {
                    items.next().ok_or_else(|| {
                        D::Error::invalid_length(i, &Variant("People", name, fields))
                    })
                };
                match tag {
                    PeopleTag::Role => {
                        role = Some(next(0)?.unit_enum::<Role, _>()?);
                        count = Some(next(1)?.count()?);
                    }
                    PeopleTag::Members => accounts = Some(next(0)?.list_id()?),
                }
                if total > fields {
                    return Err(D::Error::invalid_length(total, &InSeq(fields)));
                }
            }
        }
        Ok(match tag {
            PeopleTag::Role => {
                People::Role { role: need(role, "role")?, count: need(count, "count")? }
            }
            PeopleTag::Members => People::Members { accounts: need(accounts, "accounts")? },
        })
    }
}

// ---- RunAs -----------------------------------------------------------------

/// The `as` of [`RunAs`].
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RunAsTag {
    User,
    JobGroups,
}

impl<'de> Deserialize<'de> for RunAs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let visitor = Tagged { tag: "as", name: "RunAs", _t: PhantomData::<RunAsTag> };
        let (tag, entries) = d.deserialize_any(visitor)?;
        let mut groups = None;
        match (tag, entries) {
            // A unit variant takes any object, and a sequence with nothing
            // after the tag.
            (RunAsTag::User, Entries::Map(_)) => {}
            (RunAsTag::User, Entries::Seq(items)) => {
                if !items.is_empty() {
                    return Err(D::Error::invalid_length(items.len(), &InSeq(0)));
                }
            }
            (RunAsTag::JobGroups, Entries::Map(entries)) => {
                for (key, raw) in entries {
                    let name = match &key {
                        Key::Known(i) => KEYS.get(*i).copied().unwrap_or_default(),
                        Key::Other(name) => name.as_str(),
                        Key::Type => "",
                    };
                    // Other fields are ignored, as the derive did.
                    if name == "groups" {
                        if groups.is_some() {
                            return Err(D::Error::duplicate_field("groups"));
                        }
                        groups = Some(raw.list_id()?);
                    }
                }
            }
            (RunAsTag::JobGroups, Entries::Seq(items)) => {
                let total = items.len();
                let first = items.into_iter().next().ok_or_else(|| {
                    D::Error::invalid_length(0, &Variant("RunAs", "JobGroups", 1))
                })?;
                groups = Some(first.list_id()?);
                if total > 1 {
                    return Err(D::Error::invalid_length(total, &InSeq(1)));
                }
            }
        }
        Ok(match tag {
            RunAsTag::User => RunAs::User,
            RunAsTag::JobGroups => RunAs::JobGroups { groups: need(groups, "groups")? },
        })
    }
}
