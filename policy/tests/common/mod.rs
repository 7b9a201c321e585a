//! A small client/partner world used by the table tests.
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used)]

use policy::*;

pub const WS: Id = 1;
pub const WS2: Id = 2; // a second workspace of the client, not in the grant
pub const OTHER_WS: Id = 3; // the partner's own workspace
pub const CLIENT: Id = 10;
pub const PARTNER: Id = 20;
pub const OTHER_PARTNER: Id = 30;

pub const OWNER: Id = 100;
pub const ADMIN: Id = 101;
pub const ADMIN2: Id = 102;
pub const DEV: Id = 103;
pub const DEV2: Id = 104;
pub const ANALYST: Id = 105;
pub const REQUESTER: Id = 106;
pub const INVITEE: Id = 107;
pub const OUTSIDER: Id = 108;
pub const PARTNER_ADMIN: Id = 200;
pub const PARTNER_MEMBER: Id = 201;
pub const OTHER_PARTNER_ADMIN: Id = 300;
pub const SUPPORT: Id = 900;

pub const INVITATION: Id = 3000;
pub const INVITATION_ADMIN: Id = 3001;
pub const REQUEST: Id = 4000;
pub const GRANT: Id = 5000;

pub const DEFAULT_GROUP: Id = 50;
pub const FINANCE: Id = 51; // DEV is in it
pub const OPS: Id = 52; // empty

pub const INTEGRATION: Id = 600; // groups: Finance
pub const FLOW: Id = 601; // of INTEGRATION, components DATA_JOB, FILE_JOB
pub const OPEN_INTEGRATION: Id = 602; // groups: default
pub const OPEN_FLOW: Id = 603; // of OPEN_INTEGRATION, component FILE_JOB
pub const MODULE: Id = 610; // groups: Finance
pub const ORPHAN_MODULE: Id = 611; // no group
pub const GATEWAY: Id = 620; // groups: Ops
pub const GATEWAY_USER: Id = 621;
pub const CONNECTED: Id = 622;
pub const DATA_JOB: Id = 700; // groups: Finance
pub const FILE_JOB: Id = 701; // groups: Ops
pub const FILE_TEMPLATE: Id = 702; // no group
pub const ORPHAN_JOB: Id = 703; // no group
pub const ORPHAN_FLOW: Id = 604; // of OPEN_INTEGRATION, component ORPHAN_JOB

pub const EXPIRES: Timestamp = 1_000;
/// The time the table tests decide at: before the invitations expire.
pub const NOW: Timestamp = 500;
/// When the fixture's grant expires.
pub const GRANT_EXPIRES: Timestamp = 2_000;

fn account(id: Id, email: &str) -> Account {
    Account { id, email: email.into(), support: false, verified: true }
}

fn member(account: Id, role: Role) -> Member {
    Member { account, role, partner: None }
}

fn resource(id: Id, kind: ResourceKind, groups: &[Id]) -> Resource {
    Resource { id, kind, groups: groups.to_vec(), integration: None, components: vec![] }
}

fn flow(id: Id, integration: Id, components: &[Id]) -> Resource {
    Resource {
        id,
        kind: ResourceKind::Flow,
        groups: vec![],
        integration: Some(integration),
        components: components.to_vec(),
    }
}

pub fn client_workspace(id: Id) -> Workspace {
    Workspace {
        id,
        company: CLIENT,
        data_studio: true,
        members: vec![
            member(OWNER, Role::Owner),
            member(ADMIN, Role::Admin),
            member(ADMIN2, Role::Admin),
            member(DEV, Role::Developer),
            member(DEV2, Role::Developer),
            Member { account: ANALYST, role: Role::Developer, partner: Some(PARTNER) },
        ],
        invitations: vec![
            Invitation {
                id: INVITATION,
                email: "Invitee@Example.com".into(),
                role: Role::Developer,
                expires_at: EXPIRES,
            },
            Invitation {
                id: INVITATION_ADMIN,
                email: "boss@example.com".into(),
                role: Role::Admin,
                expires_at: EXPIRES,
            },
        ],
        requests: vec![AccessRequest { id: REQUEST, account: REQUESTER }],
        toggles: RoleToggles::defaults(),
        groups: vec![
            Group {
                id: DEFAULT_GROUP,
                name: "default".into(),
                is_default: true,
                members: vec![],
                size: None,
            },
            Group {
                id: FINANCE,
                name: "Finance".into(),
                is_default: false,
                members: vec![DEV],
                size: None,
            },
            Group { id: OPS, name: "Ops".into(), is_default: false, members: vec![], size: None },
        ],
        partial: Default::default(),
        counts: None,
        resources: vec![
            resource(INTEGRATION, ResourceKind::Integration, &[FINANCE]),
            flow(FLOW, INTEGRATION, &[DATA_JOB, FILE_JOB]),
            resource(OPEN_INTEGRATION, ResourceKind::Integration, &[DEFAULT_GROUP]),
            flow(OPEN_FLOW, OPEN_INTEGRATION, &[FILE_JOB]),
            flow(ORPHAN_FLOW, OPEN_INTEGRATION, &[ORPHAN_JOB]),
            resource(MODULE, ResourceKind::Module, &[FINANCE]),
            resource(ORPHAN_MODULE, ResourceKind::Module, &[]),
            resource(GATEWAY, ResourceKind::ApiGateway, &[OPS]),
            resource(GATEWAY_USER, ResourceKind::ApiGatewayUser, &[]),
            resource(CONNECTED, ResourceKind::ConnectedAccount, &[]),
            resource(DATA_JOB, ResourceKind::DataJob, &[FINANCE]),
            resource(FILE_JOB, ResourceKind::FileJob, &[OPS]),
            resource(FILE_TEMPLATE, ResourceKind::FileTemplate, &[]),
            resource(ORPHAN_JOB, ResourceKind::DataJob, &[]),
        ],
    }
}

pub fn snapshot() -> Snapshot {
    let mut ws2 = client_workspace(WS2);
    ws2.members.retain(|m| m.partner.is_none());
    let partner_ws = Workspace {
        id: OTHER_WS,
        company: PARTNER,
        data_studio: false,
        members: vec![member(PARTNER_ADMIN, Role::Owner), member(ANALYST, Role::Developer)],
        invitations: vec![],
        requests: vec![],
        toggles: RoleToggles::defaults(),
        groups: vec![Group {
            id: 90,
            name: "default".into(),
            is_default: true,
            members: vec![],
            size: None,
        }],
        resources: vec![],
        partial: Default::default(),
        counts: None,
    };
    Snapshot {
        accounts: vec![
            account(OWNER, "owner@client.io"),
            account(ADMIN, "admin@client.io"),
            account(ADMIN2, "admin2@client.io"),
            account(DEV, "dev@client.io"),
            account(DEV2, "dev2@client.io"),
            account(ANALYST, "analyst@partner.io"),
            account(REQUESTER, "requester@else.io"),
            account(INVITEE, "invitee@example.com"),
            account(OUTSIDER, "outsider@else.io"),
            account(PARTNER_ADMIN, "boss@partner.io"),
            account(PARTNER_MEMBER, "new@partner.io"),
            account(OTHER_PARTNER_ADMIN, "boss@other.io"),
            Account {
                id: SUPPORT,
                email: "support@gatehouse.io".into(),
                support: true,
                verified: true,
            },
        ],
        companies: vec![
            Company {
                id: CLIENT,
                partner_enabled: false,
                client_enabled: true,
                members: vec![
                    CompanyMember { account: OWNER, admin: true },
                    CompanyMember { account: ADMIN, admin: false },
                ],
            },
            Company {
                id: PARTNER,
                partner_enabled: true,
                client_enabled: false,
                members: vec![
                    CompanyMember { account: PARTNER_ADMIN, admin: true },
                    CompanyMember { account: ANALYST, admin: false },
                    CompanyMember { account: PARTNER_MEMBER, admin: false },
                ],
            },
            Company {
                id: OTHER_PARTNER,
                partner_enabled: true,
                client_enabled: true,
                members: vec![CompanyMember { account: OTHER_PARTNER_ADMIN, admin: true }],
            },
        ],
        workspaces: vec![client_workspace(WS), ws2, partner_ws],
        grants: vec![Grant {
            id: GRANT,
            client: CLIENT,
            partner: PARTNER,
            workspaces: vec![WS],
            role: Role::Developer,
            sections: vec![Section::Integrations, Section::Users],
            redeemed: true,
            revoked: false,
            expires_at: GRANT_EXPIRES,
        }],
    }
}

pub fn facts() -> Facts {
    Facts::new(snapshot())
}

/// Facts after `edit` is applied to the snapshot.
pub fn facts_with(edit: impl FnOnce(&mut Snapshot)) -> Facts {
    let mut s = snapshot();
    edit(&mut s);
    Facts::new(s)
}

/// The client workspace in a snapshot.
pub fn ws_mut(s: &mut Snapshot) -> &mut Workspace {
    s.workspaces.iter_mut().find(|w| w.id == WS).expect("fixture has WS")
}

pub mod model;
pub mod world;
