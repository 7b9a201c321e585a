//! Random worlds and random questions, for the property tests and the
//! native-vs-WebAssembly differential test.
//!
//! Ids are drawn from small ranges around the ones that exist, so most
//! questions hit real members, groups and resources and some miss on purpose.

use policy::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::subsequence;

pub const CLIENT_WS: Id = 1;
pub const PARTNER_WS: Id = 2;
pub const CLIENT: Id = 10;
pub const PARTNER: Id = 20;
pub const GRANT_ID: Id = 1;
pub const OWNER_ID: Id = 1;
pub const ACCOUNTS: Id = 10;
pub const SUPPORT_ID: Id = 11;
pub const GROUP_IDS: std::ops::RangeInclusive<Id> = 50..=53;
pub const RESOURCE_IDS: std::ops::RangeInclusive<Id> = 600..=613;

pub fn email(account: Id) -> String {
    format!("u{account}@x.io")
}

fn role_strategy() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Developer), Just(Role::Admin), Just(Role::Owner)]
}

fn toggles_strategy() -> impl Strategy<Value = Vec<Toggle>> {
    subsequence(Toggle::ALL.to_vec(), 0..=16)
}

fn kind_strategy() -> impl Strategy<Value = ResourceKind> {
    proptest::sample::select(ResourceKind::ALL.to_vec())
}

/// How account `i` (2..=10) stands in the client workspace.
#[derive(Debug, Clone, Copy)]
enum Standing {
    Absent,
    Member(Role),
    Analyst(Role),
}

fn standing_strategy() -> impl Strategy<Value = Standing> {
    prop_oneof![
        2 => Just(Standing::Absent),
        3 => Just(Standing::Member(Role::Developer)),
        2 => Just(Standing::Member(Role::Admin)),
        1 => Just(Standing::Analyst(Role::Developer)),
        1 => Just(Standing::Analyst(Role::Admin)),
    ]
}

prop_compose! {
    fn resource_strategy()(
        kind in kind_strategy(),
        groups in vec(49i64..=53, 0..3),
        integration in 600i64..=605,
        components in vec(600i64..=613, 0..3),
    ) -> (ResourceKind, Vec<Id>, Id, Vec<Id>) {
        (kind, groups, integration, components)
    }
}

prop_compose! {
    /// A client company with one workspace (account 1 its owner), a partner
    /// company with its own workspace, and a grant between them that may be
    /// live, unredeemed or revoked.
    pub fn snapshot_strategy()(
        standings in vec(standing_strategy(), 9),
        admin_toggles in toggles_strategy(),
        developer_toggles in toggles_strategy(),
        version in 0i64..3,
        data_studio in any::<bool>(),
        group_members in vec(vec(1i64..=ACCOUNTS, 0..5), 3),
        resources in vec(resource_strategy(), 4..=14),
        invitations in vec((1i64..=12, prop_oneof![Just(Role::Developer), Just(Role::Admin)], 500i64..1500), 0..3),
        requesters in vec(1i64..=ACCOUNTS, 0..3),
        grant_role in prop_oneof![Just(Role::Developer), Just(Role::Admin)],
        sections in subsequence(Section::ALL.to_vec(), 0..=7),
        grant_in_scope in any::<bool>(),
        redeemed in any::<bool>(),
        revoked in any::<bool>(),
        grant_expires_at in 500i64..1500,
        client_enabled in any::<bool>(),
        partner_enabled in any::<bool>(),
        second_client_admin in any::<bool>(),
    ) -> Snapshot {
        let mut members = vec![Member { account: OWNER_ID, role: Role::Owner, partner: None }];
        let mut partner_members = vec![CompanyMember { account: 9, admin: true }];
        for (i, s) in standings.iter().enumerate() {
            let account = i as Id + 2;
            match *s {
                Standing::Absent => {}
                Standing::Member(role) => members.push(Member { account, role, partner: None }),
                Standing::Analyst(role) => {
                    members.push(Member { account, role, partner: Some(PARTNER) });
                    if account != 9 {
                        partner_members.push(CompanyMember { account, admin: false });
                    }
                }
            }
        }
        partner_members.push(CompanyMember { account: 10, admin: false });
        let mut groups = vec![Group { id: 50, name: "default".into(), is_default: true, members: vec![], size: None }];
        for (i, m) in group_members.into_iter().enumerate() {
            let id = 51 + i as Id;
            groups.push(Group { id, name: ["Finance", "Ops", "Sales"][i].into(), is_default: false, members: m, size: None });
        }
        let resources = resources
            .into_iter()
            .enumerate()
            .map(|(i, (kind, groups, integration, components))| Resource {
                id: 600 + i as Id,
                kind,
                groups,
                integration: (kind == ResourceKind::Flow).then_some(integration),
                components: if kind == ResourceKind::Flow { components } else { vec![] },
            })
            .collect();
        let invitations = invitations
            .into_iter()
            .enumerate()
            .map(|(i, (who, role, expires_at))| Invitation { id: 300 + i as Id, email: email(who), role, expires_at })
            .collect();
        let requests = requesters
            .into_iter()
            .enumerate()
            .map(|(i, account)| AccessRequest { id: 400 + i as Id, account })
            .collect();
        let mut accounts: Vec<Account> =
            (1..=12).map(|id| Account { id, email: email(id), support: false, verified: id != 8 }).collect();
        for a in &mut accounts {
            a.support = a.id == SUPPORT_ID;
        }
        let mut client_members = vec![CompanyMember { account: OWNER_ID, admin: true }];
        client_members.push(CompanyMember { account: 2, admin: second_client_admin });
        Snapshot {
            accounts,
            companies: vec![
                Company { id: CLIENT, partner_enabled: false, client_enabled, members: client_members },
                Company { id: PARTNER, partner_enabled, client_enabled: false, members: partner_members },
            ],
            workspaces: vec![
                Workspace {
                    id: CLIENT_WS,
                    company: CLIENT,
                    data_studio,
                    members,
                    invitations,
                    requests,
                    toggles: RoleToggles { admin: admin_toggles, developer: developer_toggles, version },
                    groups,
                    resources,
                    partial: Default::default(),
                    counts: None,
                },
                Workspace {
                    id: PARTNER_WS,
                    company: PARTNER,
                    data_studio: false,
                    members: vec![Member { account: 9, role: Role::Owner, partner: None }],
                    invitations: vec![],
                    requests: vec![],
                    toggles: RoleToggles::defaults(),
                    groups: vec![Group { id: 90, name: "default".into(), is_default: true, members: vec![], size: None }],
                    resources: vec![],
                    partial: Default::default(),
                    counts: None,
                },
            ],
            grants: vec![Grant {
                id: GRANT_ID,
                client: CLIENT,
                partner: PARTNER,
                workspaces: if grant_in_scope { vec![CLIENT_WS] } else { vec![] },
                role: grant_role,
                sections,
                redeemed,
                revoked,
                expires_at: grant_expires_at,
            }],
        }
    }
}

/// The time the world tests decide at by default: the generated invitations
/// and grant expire between 500 and 1500, so about half have expired.
pub const NOW: Timestamp = 1_000;

/// A time to decide at, on both sides of the generated expiries.
pub fn now_strategy() -> impl Strategy<Value = Timestamp> {
    0i64..2_000
}

/// A new expiry as a client might choose it: past, now, within two years
/// (of any `now_strategy` time), or beyond.
fn expiry_strategy() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        0i64..2_000,
        Just(NOW + GRANT_MAX_SECONDS),
        Just(NOW + GRANT_MAX_SECONDS + 1),
        Just(NOW + GRANT_DEFAULT_SECONDS),
    ]
}

fn account_id() -> impl Strategy<Value = Id> {
    0i64..=12
}

fn workspace_id() -> impl Strategy<Value = Id> {
    prop_oneof![8 => Just(CLIENT_WS), 1 => Just(PARTNER_WS), 1 => Just(3)]
}

fn email_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..=13).prop_map(email),
        (0i64..=13).prop_map(|i| format!("  U{i}@X.IO ")),
        Just("not-an-email".to_owned()),
        Just(String::new()),
    ]
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Finance".to_owned()),
        Just("finance".to_owned()),
        Just("Ops ".to_owned()),
        Just("default".to_owned()),
        Just("Sales".to_owned()),
        Just("New team".to_owned()),
        Just(String::new()),
        Just("x".repeat(65)),
    ]
}

/// Any question about the generated world, state-changing or not.
pub fn action_strategy() -> impl Strategy<Value = Action> {
    let group = || 49i64..=54;
    let resource = || 599i64..=614;
    let ws = workspace_id;
    prop_oneof![
        1 => ws().prop_map(|workspace| Action::ViewWorkspace { workspace }),
        1 => ws().prop_map(|workspace| Action::ViewUsers { workspace }),
        1 => ws().prop_map(|workspace| Action::ViewGroups { workspace }),
        1 => ws().prop_map(|workspace| Action::ViewPermissions { workspace }),
        1 => ws().prop_map(|workspace| Action::ViewBilling { workspace }),
        1 => ws().prop_map(|workspace| Action::ViewAudit { workspace }),
        1 => ws().prop_map(|workspace| Action::SetDataStudio { workspace }),
        1 => (ws(), account_id()).prop_map(|(workspace, target)| Action::TransferOwnership { workspace, target }),
        1 => (ws(), email_strategy(), role_strategy()).prop_map(|(workspace, email, role)| Action::Invite { workspace, email, role }),
        1 => (ws(), 299i64..=303).prop_map(|(workspace, invitation)| Action::ResendInvitation { workspace, invitation }),
        1 => (ws(), 299i64..=303).prop_map(|(workspace, invitation)| Action::DeleteInvitation { workspace, invitation }),
        1 => (ws(), 299i64..=303).prop_map(|(workspace, invitation)| Action::AcceptInvitation { workspace, invitation }),
        1 => ws().prop_map(|workspace| Action::RequestAccess { workspace }),
        1 => ws().prop_map(|workspace| Action::ManageJoinLink { workspace }),
        1 => (ws(), 399i64..=403).prop_map(|(workspace, request)| Action::AuthorizeRequest { workspace, request }),
        1 => (ws(), 399i64..=403).prop_map(|(workspace, request)| Action::RejectRequest { workspace, request }),
        3 => (ws(), account_id(), role_strategy()).prop_map(|(workspace, target, role)| Action::ChangeRole { workspace, target, role }),
        3 => (ws(), account_id()).prop_map(|(workspace, target)| Action::RemoveMember { workspace, target }),
        2 => (ws(), role_strategy(), proptest::sample::select(Toggle::ALL.to_vec()), any::<bool>())
            .prop_map(|(workspace, role, toggle, on)| Action::SetToggle { workspace, role, toggle, on }),
        2 => (ws(), role_strategy(), toggles_strategy(), 0i64..3)
            .prop_map(|(workspace, role, toggles, base_version)| Action::SaveToggles { workspace, role, toggles, base_version }),
        1 => (ws(), name_strategy(), prop_oneof![Just(String::new()), Just("d".repeat(501))])
            .prop_map(|(workspace, name, description)| Action::CreateGroup { workspace, name, description }),
        1 => (ws(), group(), name_strategy()).prop_map(|(workspace, group, name)| Action::EditGroup { workspace, group, name, description: String::new() }),
        1 => (ws(), group(), name_strategy()).prop_map(|(workspace, group, confirm_name)| Action::DeleteGroup { workspace, group, confirm_name }),
        1 => (ws(), group(), vec(account_id(), 0..4)).prop_map(|(workspace, group, accounts)| Action::AddGroupMembers { workspace, group, accounts }),
        1 => (ws(), group(), account_id()).prop_map(|(workspace, group, account)| Action::RemoveGroupMember { workspace, group, account }),
        1 => (ws(), kind_strategy(), proptest::option::of(599i64..=606)).prop_map(|(workspace, kind, integration)| Action::CreateResource { workspace, kind, integration }),
        3 => (ws(), resource()).prop_map(|(workspace, resource)| Action::ViewResource { workspace, resource }),
        3 => (ws(), resource()).prop_map(|(workspace, resource)| Action::EditResource { workspace, resource }),
        2 => (ws(), resource()).prop_map(|(workspace, resource)| Action::DeleteResource { workspace, resource }),
        1 => (ws(), resource(), vec(group(), 0..3)).prop_map(|(workspace, resource, groups)| Action::SetResourceGroups { workspace, resource, groups }),
        2 => (ws(), resource()).prop_map(|(workspace, flow)| Action::RunFlow { workspace, flow }),
        1 => (9i64..=21).prop_map(|company| Action::ViewCompany { company }),
        1 => (9i64..=21).prop_map(|company| Action::CreateWorkspace { company }),
        1 => ((9i64..=21), proptest::option::of(account_id())).prop_map(|(company, account)| Action::AddCompanyMember { company, account }),
        1 => ((9i64..=21), account_id()).prop_map(|(company, account)| Action::RemoveCompanyMember { company, account }),
        1 => ((9i64..=21), account_id(), any::<bool>()).prop_map(|(company, account, admin)| Action::SetCompanyAdmin { company, account, admin }),
        1 => (9i64..=21).prop_map(|company| Action::ViewCompanyAudit { company }),
        1 => (9i64..=21).prop_map(|company| Action::SetCompanyCapabilities { company }),
        1 => (
            prop_oneof![Just(CLIENT), Just(PARTNER)],
            prop_oneof![Just(CLIENT), Just(PARTNER), Just(99)],
            vec(workspace_id(), 0..2),
            role_strategy(),
            subsequence(Section::ALL.to_vec(), 0..=3),
            expiry_strategy(),
        )
            .prop_map(|(client, partner, workspaces, role, sections, expires_at)| Action::CreateGrant { client, partner, workspaces, role, sections, expires_at }),
        1 => (0i64..=2, expiry_strategy()).prop_map(|(grant, expires_at)| Action::RenewGrant { grant, expires_at }),
        1 => (0i64..=2).prop_map(|grant| Action::RedeemGrant { grant }),
        1 => (0i64..=2, ws(), account_id()).prop_map(|(grant, workspace, analyst)| Action::RegisterAnalyst { grant, workspace, analyst }),
        1 => (0i64..=2, ws(), account_id()).prop_map(|(grant, workspace, analyst)| Action::RemoveAnalyst { grant, workspace, analyst }),
        1 => (0i64..=2).prop_map(|grant| Action::RevokeGrant { grant }),
    ]
}

/// An actor: mostly accounts of the world, sometimes support or nobody.
pub fn actor_strategy() -> impl Strategy<Value = Id> {
    prop_oneof![9 => 1i64..=ACCOUNTS, 1 => prop_oneof![Just(SUPPORT_ID), Just(0), Just(12)]]
}
