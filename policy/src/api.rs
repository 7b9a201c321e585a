//! The HTTP API's request and response bodies, shared by the server (which
//! serves them and documents them with OpenAPI under the `openapi` feature)
//! and the app (which sends and reads them): one definition, no copies.

use serde::{Deserialize, Serialize};

use crate::{ResourceKind, Role, Section, Snapshot, Toggle};

// ---- account ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    pub email: String,
    pub name: String,
    pub password: String,
    /// The new company's name (default: `"<name>'s company"`).
    #[serde(default)]
    pub company: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub account: AccountInfo,
    /// Send it back in `x-csrf-token` on every state-changing request.
    pub csrf_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub support: bool,
    /// Whether the email address is verified.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub account: AccountInfo,
    pub csrf_token: String,
    pub companies: Vec<CompanyRef>,
    pub workspaces: Vec<WorkspaceRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyRef {
    pub id: i64,
    pub name: String,
    pub admin: bool,
    pub partner_enabled: bool,
    pub client_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceRef {
    pub id: i64,
    pub name: String,
    pub company: i64,
    pub company_name: String,
    pub role: Role,
    /// For a partner analyst: the partner company's name.
    pub via_partner: Option<String>,
}

// ---- groups ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GroupFields {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfirmDelete {
    /// The group's exact name, typed again.
    pub confirm_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    pub accounts: Vec<i64>,
}

// ---- mod ----

/// `{ "ok": true }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Done {
    pub ok: bool,
}

// ---- partners ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyDetail {
    pub id: i64,
    pub name: String,
    pub partner_enabled: bool,
    pub client_enabled: bool,
    pub members: Vec<CompanyPerson>,
    pub workspaces: Vec<Named>,
    /// Grants this company gave (as client) and received (as partner).
    pub grants: Vec<GrantInfo>,
    /// The facts the company page decides on, reduced to what the viewer
    /// already knows (see the server's `company_facts`).
    pub snapshot: Snapshot,
    /// The server's time when this was sent (seconds since the epoch):
    /// decide on the slice at this time, advanced by a monotonic clock.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyPerson {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantInfo {
    pub id: i64,
    pub client: Named,
    pub partner: Named,
    pub workspaces: Vec<Named>,
    pub role: Role,
    pub sections: Vec<Section>,
    pub redeemed: bool,
    pub revoked: bool,
    /// When the access ends unless the client renews it (seconds since
    /// the epoch).
    pub expires_at: i64,
    /// Analysts registered, per workspace.
    pub analysts: Vec<Analyst>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Analyst {
    pub workspace: i64,
    pub account: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyRow {
    pub id: i64,
    pub name: String,
    pub partner_enabled: bool,
    pub client_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    pub partner_enabled: bool,
    pub client_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCompanyMember {
    /// An existing account's email.
    pub email: String,
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGrant {
    pub partner: i64,
    pub workspaces: Vec<i64>,
    /// Developer by default; Admin at most.
    #[serde(default = "developer")]
    #[cfg_attr(feature = "openapi", schema(example = "developer"))]
    pub role: Role,
    pub sections: Vec<Section>,
    /// When the access ends (seconds since the epoch): later than now, at
    /// most two years on; one year from now when absent.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// A grant's new expiry: renewed or shortened by the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    /// Seconds since the epoch: later than now, at most two years on.
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantCreated {
    pub id: i64,
    /// Shown once: give it to the partner. Only its hash is stored.
    pub access_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Redeem {
    pub access_key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redeemed {
    pub grant: i64,
    pub client: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAnalyst {
    pub workspace: i64,
    pub account: i64,
}

// ---- people ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(example = "developer"))]
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationSent {
    pub id: i64,
    /// True when an open invitation to the same email was renewed instead.
    pub resent: bool,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInfo {
    pub workspace: i64,
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub expired: bool,
    /// Whether an account with this email exists (sign in to accept).
    pub has_account: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Accept {
    /// For a new account: the display name.
    #[serde(default)]
    pub name: Option<String>,
    /// For a new account: the password. Existing accounts sign in first.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinLink {
    /// Shown once; share it. Creating a new one invalidates the old one.
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    #[cfg_attr(feature = "openapi", schema(example = "admin"))]
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Toggles {
    pub admin: Vec<Toggle>,
    pub developer: Vec<Toggle>,
    pub version: i64,
    /// Active members per role.
    pub counts: RoleCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = MemberCounts))]
pub struct RoleCounts {
    pub owner: usize,
    pub admin: usize,
    pub developer: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SaveToggles {
    /// The role's complete new set.
    pub toggles: Vec<Toggle>,
    /// The version the edit was based on; a stale one is refused (409).
    pub base_version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Saved {
    pub version: i64,
}

// ---- resources ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceRow {
    pub id: i64,
    pub kind: ResourceKind,
    pub name: String,
    /// The groups that decide who manages it (for a flow: its integration's).
    pub groups: Vec<i64>,
    /// True for flows: the groups are inherited from the integration.
    pub inherited: bool,
    pub integration: Option<i64>,
    pub components: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewResource {
    #[cfg_attr(feature = "openapi", schema(example = "integration"))]
    pub kind: ResourceKind,
    pub name: String,
    /// For a flow: its integration.
    #[serde(default)]
    pub integration: Option<i64>,
    /// For a flow: the Data Studio jobs it runs.
    #[serde(default)]
    pub components: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetGroups {
    pub groups: Vec<i64>,
}

// ---- workspaces ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    pub name: String,
    #[serde(default)]
    pub data_studio: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub id: i64,
}

/// Opening a workspace: the viewer's base slice (SPEC 9) — the facts its
/// UI decides on, exactly as the server decides — and names for display.
/// Members, invitations and resources come in pages, each with its slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceBase {
    pub workspace: WorkspaceInfo,
    /// The viewer's base slice (see `@gatehouse/policy`'s `Snapshot`).
    pub slice: Snapshot,
    /// The description of each group the slice holds (their names and
    /// member counts are in the slice; sent once, not twice).
    pub groups: Vec<GroupInfo>,
    /// Names of the people the slice names (the viewer, requesters).
    pub people: Vec<Person>,
    /// The workspace's version this was read at (SPEC 13): events of
    /// `GET /api/workspaces/{ws}/events` with a higher id are news.
    #[serde(default)]
    pub version: i64,
    /// The server's time when this was sent (seconds since the epoch):
    /// decide on the slice at this time, advanced by a monotonic clock.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceInfo {
    pub id: i64,
    pub name: String,
    pub company: i64,
    pub company_name: String,
    pub data_studio: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupInfo {
    pub id: i64,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceInfo {
    pub id: i64,
    pub kind: ResourceKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedCompany {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWorkspace {
    pub data_studio: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub target: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct MemberSearch {
    /// Part of a name or email, case-insensitive.
    #[serde(default)]
    pub q: String,
    /// Only Active members with this role (no invitations).
    pub role: Option<Role>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// Where a list continues: the `next` cursor of the previous page, and
/// the page's size.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct PageQuery {
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// A page of the Users list: waiting invitations first (by email), then
/// Active members (by name), with the slice their rows' controls decide on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberPage {
    pub rows: Vec<MemberRow>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
    /// Add to the base slice's facts (`Facts::add`).
    pub slice: Snapshot,
    /// The server's time when this was sent (seconds since the epoch):
    /// decide on the slice at this time, advanced by a monotonic clock.
    pub now: i64,
    /// The workspace's version the slice's facts are at (SPEC 13): the
    /// package refuses a page older than the facts it holds.
    #[serde(default)]
    pub version: i64,
}

/// A page of the resources the viewer may see, by id, with the slice
/// their controls and run plans decide on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourcePage {
    pub resources: Vec<ResourceRow>,
    pub next: Option<String>,
    pub slice: Snapshot,
    /// Names of the other resources the slice holds (a flow's integration,
    /// the jobs its run plan names).
    pub names: Vec<Named>,
    /// The server's time when this was sent (seconds since the epoch):
    /// decide on the slice at this time, advanced by a monotonic clock.
    pub now: i64,
    /// The workspace's version the slice's facts are at (SPEC 13): the
    /// package refuses a page older than the facts it holds.
    #[serde(default)]
    pub version: i64,
}

/// Filters of the resources list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ResourceQuery {
    /// Only resources of this kind.
    pub kind: Option<ResourceKind>,
    /// Part of a name, case-insensitive.
    #[serde(default)]
    pub q: String,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Rows per page (1 to 200, default 50).
    pub limit: Option<u32>,
}

/// A page of a group's members, with their slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMemberPage {
    pub members: Vec<Person>,
    pub next: Option<String>,
    pub slice: Snapshot,
    /// The server's time when this was sent (seconds since the epoch):
    /// decide on the slice at this time, advanced by a monotonic clock.
    pub now: i64,
    /// The workspace's version the slice's facts are at (SPEC 13): the
    /// package refuses a page older than the facts it holds.
    #[serde(default)]
    pub version: i64,
}

/// What deleting a group would do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupImpact {
    /// Resources that name only this group: admin-only once it is gone.
    pub resources_left_admin_only: usize,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next: Option<String>,
}

/// A page of companies, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompanyPage {
    pub companies: Vec<CompanyRow>,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: MemberStatus,
    /// For a partner analyst: the partner's name.
    pub partner: Option<String>,
    /// For a waiting invitation: its id.
    pub invitation: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct AuditFilter {
    pub actor: Option<i64>,
    /// Kind prefix, e.g. `member` or `group.delete`.
    pub kind: Option<String>,
    /// From (unix seconds, inclusive).
    pub from: Option<i64>,
    /// To (unix seconds, exclusive).
    pub to: Option<i64>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
    /// Entries per page (1 to 200, default 50).
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub actor: i64,
    pub actor_name: String,
    pub at: i64,
    pub kind: AuditKind,
    pub subject: String,
    /// The changed thing before, as stored: any JSON value, `null` when
    /// there was nothing before (a creation).
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub before: Box<serde_json::value::RawValue>,
    /// And after: any JSON value, `null` when nothing is left (a deletion).
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub after: Box<serde_json::value::RawValue>,
}

/// Where a row of the Users list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// An Active member.
    Active,
    /// An open invitation, not accepted yet.
    Waiting,
    /// An invitation past its expiry.
    Expired,
}

impl MemberStatus {
    /// The name the product shows.
    pub const fn label(self) -> &'static str {
        match self {
            MemberStatus::Active => "Active",
            MemberStatus::Waiting => "Waiting",
            MemberStatus::Expired => "Expired",
        }
    }

    /// The wire name, e.g. `waiting`.
    pub const fn key(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Waiting => "waiting",
            MemberStatus::Expired => "expired",
        }
    }
}

macro_rules! audit_kinds {
    ($($(#[$doc:meta])* $variant:ident $key:tt,)*) => {
        /// What an audit entry records. The serialized form is a dotted
        /// name; the audit filter matches on its prefixes (`group`,
        /// `group.members`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum AuditKind {
            $($(#[$doc])* #[serde(rename = $key)] $variant,)*
        }

        impl AuditKind {
            /// Every kind.
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant,)*];

            /// The dotted name, e.g. `group.members.add` (the serialized form).
            pub const fn key(self) -> &'static str {
                match self {
                    $(AuditKind::$variant => $key,)*
                }
            }
        }
    };
}

audit_kinds! {
    WorkspaceCreate "workspace.create",
    WorkspaceDataStudio "workspace.data_studio",
    WorkspaceDelete "workspace.delete",
    OwnershipTransfer "ownership.transfer",
    InvitationCreate "invitation.create",
    InvitationResend "invitation.resend",
    InvitationDelete "invitation.delete",
    InvitationAccept "invitation.accept",
    JoinLinkRotate "join_link.rotate",
    RequestCreate "request.create",
    RequestAuthorize "request.authorize",
    RequestReject "request.reject",
    MemberRole "member.role",
    MemberRemove "member.remove",
    TogglesSave "toggles.save",
    GroupCreate "group.create",
    GroupEdit "group.edit",
    GroupDelete "group.delete",
    GroupMembersAdd "group.members.add",
    GroupMembersRemove "group.members.remove",
    ResourceCreate "resource.create",
    ResourceEdit "resource.edit",
    ResourceDelete "resource.delete",
    ResourceGroups "resource.groups",
    FlowRun "flow.run",
    CompanyCapabilities "company.capabilities",
    CompanyMemberAdd "company.member.add",
    CompanyMemberRemove "company.member.remove",
    CompanyMemberAdmin "company.member.admin",
    GrantCreate "grant.create",
    GrantRedeem "grant.redeem",
    GrantRevoke "grant.revoke",
    GrantRenew "grant.renew",
    /// Written by the system (actor 0) once a grant has run out.
    GrantExpire "grant.expire",
    AnalystAdd "analyst.add",
    AnalystRemove "analyst.remove",
    /// An analyst removed because their partner's grant was revoked.
    AnalystRevoked "analyst.revoked",
    DemoSeed "demo.seed",
}

/// The token of an email verification link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    pub token: String,
}

/// Make a company member an admin, or an admin a plain member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CompanyAdmin {
    pub admin: bool,
}

// ---- error ----

/// The JSON error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, machine-readable code (a policy reason code for refusals).
    pub code: String,
    /// A sentence to show.
    pub message: String,
    /// The input field at fault, for 400/422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn developer() -> Role {
    Role::Developer
}

// ---- explain and preview (SPEC 10) ----

/// A member's effective access, with a page of the resources the asker
/// may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberAccessPage {
    pub access: crate::EffectiveAccess,
    /// Names of the resources on this page.
    pub names: Vec<Named>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
    /// The server's time the answer was decided at.
    pub now: i64,
}

/// Who can view, edit and delete a resource, with the names it mentions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceAccessInfo {
    pub who: crate::WhoCan,
    /// The groups it names.
    pub groups: Vec<Named>,
    /// The analysts it names.
    pub people: Vec<Person>,
    pub now: i64,
}

/// The dry run of an access change: who would gain and lose what, with the
/// names it mentions. Nothing is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewAnswer {
    pub preview: crate::Preview,
    /// The resources it lists.
    pub resources: Vec<Named>,
    /// The groups it names.
    pub groups: Vec<Named>,
    /// The people it lists.
    pub people: Vec<Person>,
    pub now: i64,
}
