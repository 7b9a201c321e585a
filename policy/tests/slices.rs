//! Need to know (SPEC 9): the parity law over random worlds — every
//! decision a UI asks about an item its slice shows is the same on the
//! slice as on the full facts — the visibility data against `decide`, and
//! per viewer, table tests of what must never be sent.

mod common;

use common::world::*;
use policy::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// The facts a viewer's UI would hold: its base slice plus some pages.
fn viewer_facts(
    full: &Facts,
    viewer: Id,
    ws: Id,
    (members, invitations, resources, groups): &Picks,
    now: Timestamp,
) -> Option<Facts> {
    let mut f = Facts::new(full.base_slice(viewer, ws, now).ok()?);
    f.add(full.members_slice(viewer, ws, members, invitations, now).ok()?);
    f.add(full.resources_slice(viewer, ws, resources, now).ok()?);
    for (g, accounts) in groups {
        if let Ok(s) = full.group_members_slice(viewer, ws, *g, accounts, now) {
            f.add(s);
        }
    }
    Some(f)
}

/// Rules over a whole set may be unknown on a slice (the UI asks the
/// server); everything else must be answered exactly as on the full facts.
fn whole_set_question(action: &Action) -> bool {
    matches!(action, Action::Invite { .. } | Action::CreateGroup { .. } | Action::EditGroup { .. })
}

/// Every question a UI asks about what `slice` shows to `viewer`.
fn questions(slice: &Facts, ws: Id) -> Vec<Action> {
    let Some(view) = slice.workspace(ws) else { return Vec::new() };
    let w = view.data();
    let workspace = ws;
    let mut out = vec![
        Action::ViewWorkspace { workspace },
        Action::ViewUsers { workspace },
        Action::ViewGroups { workspace },
        Action::ViewPermissions { workspace },
        Action::ViewBilling { workspace },
        Action::ViewAudit { workspace },
        Action::SetDataStudio { workspace },
        Action::DeleteWorkspace { workspace },
        Action::ManageJoinLink { workspace },
        Action::CreateGroup { workspace, name: "Finance".into(), description: String::new() },
        Action::CreateGroup { workspace, name: "Brand new".into(), description: String::new() },
    ];
    for a in 1..=12 {
        for role in Role::ALL {
            out.push(Action::Invite { workspace, email: email(a), role });
        }
    }
    for kind in ResourceKind::ALL {
        out.push(Action::CreateResource { workspace, kind, integration: None });
    }
    for m in &w.members {
        let target = m.account;
        for role in Role::ALL {
            out.push(Action::ChangeRole { workspace, target, role });
        }
        out.push(Action::RemoveMember { workspace, target });
        out.push(Action::TransferOwnership { workspace, target });
        for g in &w.groups {
            out.push(Action::AddGroupMembers { workspace, group: g.id, accounts: vec![target] });
        }
    }
    for i in &w.invitations {
        out.push(Action::ResendInvitation { workspace, invitation: i.id });
        out.push(Action::DeleteInvitation { workspace, invitation: i.id });
    }
    for r in &w.requests {
        out.push(Action::AuthorizeRequest { workspace, request: r.id });
        out.push(Action::RejectRequest { workspace, request: r.id });
    }
    for g in &w.groups {
        out.push(Action::EditGroup {
            workspace,
            group: g.id,
            name: g.name.clone(),
            description: String::new(),
        });
        out.push(Action::DeleteGroup { workspace, group: g.id, confirm_name: g.name.clone() });
        for &account in &g.members {
            out.push(Action::RemoveGroupMember { workspace, group: g.id, account });
        }
    }
    for r in &w.resources {
        let resource = r.id;
        out.push(Action::ViewResource { workspace, resource });
        out.push(Action::EditResource { workspace, resource });
        out.push(Action::DeleteResource { workspace, resource });
        out.push(Action::RunFlow { workspace, flow: resource });
        out.push(Action::SetResourceGroups { workspace, resource, groups: vec![] });
        for g in &w.groups {
            out.push(Action::SetResourceGroups { workspace, resource, groups: vec![g.id] });
        }
        if r.kind == ResourceKind::Integration {
            out.push(Action::CreateResource {
                workspace,
                kind: ResourceKind::Flow,
                integration: Some(resource),
            });
        }
    }
    for role in [Role::Admin, Role::Developer] {
        for toggle in Toggle::ALL {
            for on in [true, false] {
                out.push(Action::SetToggle { workspace, role, toggle, on });
            }
        }
    }
    out
}

/// Which members, invitations, resources and group memberships pages show.
type Picks = (Vec<Id>, Vec<Id>, Vec<Id>, Vec<(Id, Vec<Id>)>);

fn picks() -> impl Strategy<Value = Picks> {
    (
        vec(1i64..=12, 0..8),
        vec(298i64..=305, 0..3),
        vec(598i64..=615, 0..10),
        vec((49i64..=54, vec(1i64..=12, 0..5)), 0..3),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The parity law (SPEC 9): about anything a slice shows, the slice
    /// decides as the full facts do (or, for a rule over a whole set, says
    /// `incomplete_facts`); about anything else it says unknown.
    #[test]
    fn slices_decide_what_they_show_as_the_full_facts_do(
        snapshot in snapshot_strategy(),
        picked in picks(),
        now in now_strategy(),
    ) {
        let full = Facts::new(snapshot);
        for viewer in 1..=12 {
            let Some(slice) = viewer_facts(&full, viewer, CLIENT_WS, &picked, now)
            else {
                // No slice at all: the viewer cannot open the workspace.
                let open = Action::ViewWorkspace { workspace: CLIENT_WS };
                prop_assert!(!full.decide(viewer, &open, now).is_allowed(), "viewer {} got no slice", viewer);
                continue;
            };
            for action in questions(&slice, CLIENT_WS) {
                let (s, f) = (slice.decide(viewer, &action, now), full.decide(viewer, &action, now));
                if s == f {
                    continue;
                }
                prop_assert!(
                    whole_set_question(&action) && s.reason() == Some(Reason::IncompleteFacts),
                    "viewer {viewer}, {action:?}: slice {s:?}, full {f:?}"
                );
            }
            prop_assert_eq!(slice.abilities(viewer, CLIENT_WS, now), full.abilities(viewer, CLIENT_WS, now));
            for role in [Role::Admin, Role::Developer] {
                prop_assert_eq!(
                    slice.toggle_controls(viewer, CLIENT_WS, role, now),
                    full.toggle_controls(viewer, CLIENT_WS, role, now)
                );
            }
            let shown = slice.workspace(CLIENT_WS).map(|w| w.data().clone());
            for m in shown.iter().flat_map(|w| &w.members) {
                prop_assert_eq!(
                    slice.member_controls(viewer, CLIENT_WS, m.account, now),
                    full.member_controls(viewer, CLIENT_WS, m.account, now)
                );
            }
            for r in shown.iter().flat_map(|w| &w.resources) {
                prop_assert_eq!(
                    slice.run_plan(viewer, CLIENT_WS, r.id, now),
                    full.run_plan(viewer, CLIENT_WS, r.id, now)
                );
            }
            // Not shown: unknown, never a guess.
            for target in 1..=12 {
                if shown.iter().any(|w| w.members.iter().any(|m| m.account == target)) {
                    continue;
                }
                let action = Action::RemoveMember { workspace: CLIENT_WS, target };
                let (s, f) = (slice.decide(viewer, &action, now), full.decide(viewer, &action, now));
                prop_assert!(
                    s == f || s.reason() == Some(Reason::UnknownMember),
                    "viewer {viewer}, member {target} not shown: slice {s:?}, full {f:?}"
                );
            }
            for resource in 598..=615 {
                if shown.iter().any(|w| w.resources.iter().any(|r| r.id == resource)) {
                    continue;
                }
                let action = Action::ViewResource { workspace: CLIENT_WS, resource };
                let s = slice.decide(viewer, &action, now);
                prop_assert!(!s.is_allowed(), "viewer {viewer} sees resource {resource} not sent");
            }
        }
    }

    /// What a viewer may see of resources, as data, admits exactly the
    /// resources `decide` lets it view.
    #[test]
    fn visibility_data_admits_what_decide_allows(snapshot in snapshot_strategy(), now in now_strategy()) {
        let full = Facts::new(snapshot);
        let view = full.workspace(CLIENT_WS).expect("the client workspace");
        for viewer in 1..=12 {
            let visible = full.resource_visibility(viewer, CLIENT_WS, now);
            for r in &view.data().resources {
                let decided = full
                    .decide(viewer, &Action::ViewResource { workspace: CLIENT_WS, resource: r.id }, now)
                    .is_allowed();
                prop_assert_eq!(visible.admits(&view, r), decided, "viewer {} resource {:?}", viewer, r);
            }
        }
    }
}

mod must_not_be_sent {
    use super::common::*;
    use policy::*;

    fn resource_ids(s: &Snapshot) -> Vec<Id> {
        s.workspaces.iter().flat_map(|w| w.resources.iter().map(|r| r.id)).collect()
    }

    fn account_ids(s: &Snapshot) -> Vec<Id> {
        let mut ids: Vec<Id> = s.accounts.iter().map(|a| a.id).collect();
        ids.extend(s.workspaces.iter().flat_map(|w| w.members.iter().map(|m| m.account)));
        ids.extend(s.companies.iter().flat_map(|c| c.members.iter().map(|m| m.account)));
        ids
    }

    const ALL_RESOURCES: [Id; 14] = [
        INTEGRATION,
        FLOW,
        OPEN_INTEGRATION,
        OPEN_FLOW,
        ORPHAN_FLOW,
        MODULE,
        ORPHAN_MODULE,
        GATEWAY,
        GATEWAY_USER,
        CONNECTED,
        DATA_JOB,
        FILE_JOB,
        FILE_TEMPLATE,
        ORPHAN_JOB,
    ];
    const ALL_PEOPLE: [Id; 13] = [
        OWNER,
        ADMIN,
        ADMIN2,
        DEV,
        DEV2,
        ANALYST,
        REQUESTER,
        INVITEE,
        OUTSIDER,
        PARTNER_ADMIN,
        PARTNER_MEMBER,
        OTHER_PARTNER_ADMIN,
        SUPPORT,
    ];

    #[test]
    fn a_developer_outside_a_group_is_sent_none_of_its_resources() {
        let f = facts();
        // DEV2 is in no group but default: Finance and Ops resources stay out.
        let sent = resource_ids(&f.resources_slice(DEV2, WS, &ALL_RESOURCES, NOW).unwrap());
        for hidden in [INTEGRATION, FLOW, MODULE, GATEWAY, DATA_JOB, ORPHAN_MODULE] {
            assert!(!sent.contains(&hidden), "resource {hidden} sent to DEV2: {sent:?}");
        }
        // DEV (Finance) is not sent the Ops gateway; it is sent the Ops file
        // job only because a flow it may run names it (the run-plan exception).
        let sent = resource_ids(&f.resources_slice(DEV, WS, &ALL_RESOURCES, NOW).unwrap());
        assert!(!sent.contains(&GATEWAY), "{sent:?}");
        assert!(sent.contains(&FILE_JOB) && f.run_plan(DEV, WS, FLOW, NOW).is_ok());
        let without_flow = resource_ids(
            &f.resources_slice(DEV, WS, &[INTEGRATION, MODULE, FILE_JOB, GATEWAY], NOW).unwrap(),
        );
        assert!(!without_flow.contains(&FILE_JOB) && !without_flow.contains(&GATEWAY));
    }

    #[test]
    fn a_client_workspace_carries_no_partner_staff_but_its_analysts() {
        let f = facts();
        for viewer in [OWNER, ADMIN, DEV] {
            let base = f.base_slice(viewer, WS, NOW).unwrap();
            let page = f.members_slice(viewer, WS, &ALL_PEOPLE, &[INVITATION], NOW).unwrap();
            for s in [&base, &page] {
                let people = account_ids(s);
                for staff in [PARTNER_ADMIN, PARTNER_MEMBER, OTHER_PARTNER_ADMIN] {
                    assert!(!people.contains(&staff), "viewer {viewer} sent {staff}");
                }
                assert!(s.companies.is_empty(), "no company member lists: {:?}", s.companies);
            }
            assert!(account_ids(&page).contains(&ANALYST), "the registered analyst is shown");
        }
        // After the key is deleted the analyst is nobody here.
        let revoked = facts_with(|s| s.grants[0].revoked = true);
        let page = revoked.members_slice(OWNER, WS, &ALL_PEOPLE, &[], NOW).unwrap();
        assert!(!account_ids(&page).contains(&ANALYST));
    }

    #[test]
    fn a_partners_own_workspace_carries_nothing_of_its_clients() {
        let f = facts();
        let base = f.base_slice(PARTNER_ADMIN, OTHER_WS, NOW).unwrap();
        let page = f.members_slice(PARTNER_ADMIN, OTHER_WS, &ALL_PEOPLE, &[], NOW).unwrap();
        for s in [&base, &page] {
            assert!(s.grants.is_empty() && s.companies.is_empty(), "{s:?}");
            for client_person in [OWNER, ADMIN, ADMIN2, DEV, DEV2, REQUESTER] {
                assert!(!account_ids(s).contains(&client_person), "{client_person} sent");
            }
        }
    }

    #[test]
    fn an_analyst_is_sent_its_sections_and_people_only_with_users() {
        let f = facts();
        let sent = resource_ids(&f.resources_slice(ANALYST, WS, &ALL_RESOURCES, NOW).unwrap());
        for not_granted in [MODULE, GATEWAY, GATEWAY_USER, CONNECTED, FILE_TEMPLATE] {
            assert!(!sent.contains(&not_granted), "{not_granted} sent: {sent:?}");
        }
        let page = f.members_slice(ANALYST, WS, &ALL_PEOPLE, &[INVITATION], NOW).unwrap();
        assert!(account_ids(&page).contains(&OWNER), "with `users`, the Users list");
        let no_users = facts_with(|s| s.grants[0].sections = vec![Section::Integrations]);
        let page = no_users.members_slice(ANALYST, WS, &ALL_PEOPLE, &[INVITATION], NOW).unwrap();
        assert_eq!(account_ids(&page), vec![ANALYST, ANALYST], "itself only");
        assert!(page.workspaces[0].invitations.is_empty());
        let base = no_users.base_slice(ANALYST, WS, NOW).unwrap();
        assert!(base.workspaces[0].requests.is_empty());
        assert!(base.workspaces[0].counts.is_none());
    }

    #[test]
    fn role_counts_go_only_to_those_who_see_the_permissions_tab() {
        let f = facts();
        assert!(f.base_slice(OWNER, WS, NOW).unwrap().workspaces[0].counts.is_some());
        assert!(f.base_slice(ADMIN, WS, NOW).unwrap().workspaces[0].counts.is_some());
        assert!(f.base_slice(DEV, WS, NOW).unwrap().workspaces[0].counts.is_none());
    }

    #[test]
    fn a_company_page_carries_no_other_companys_member_list() {
        let f = facts();
        // The partner's own page: its people, the client workspace it was
        // granted holding only its own analyst, no client people.
        let page = f.company_slice(PARTNER_ADMIN, PARTNER).unwrap();
        let people = account_ids(&page);
        for client_person in [OWNER, ADMIN, ADMIN2, DEV, DEV2, REQUESTER] {
            assert!(!people.contains(&client_person), "{client_person} sent");
        }
        let granted = page.workspaces.iter().find(|w| w.id == WS).expect("the granted workspace");
        assert_eq!(granted.members.iter().map(|m| m.account).collect::<Vec<_>>(), vec![ANALYST]);
        let client = page.companies.iter().find(|c| c.id == CLIENT).expect("the client, by flags");
        assert!(client.members.is_empty(), "no client member list: {client:?}");
        // The client's page: the partner's flags only, never its staff.
        let page = f.company_slice(OWNER, CLIENT).unwrap();
        let partner =
            page.companies.iter().find(|c| c.id == PARTNER).expect("the partner, by flags");
        assert!(partner.members.is_empty());
        assert!(!account_ids(&page).contains(&PARTNER_MEMBER));
        // Decisions the page needs still hold on it.
        let sliced = Facts::new(f.company_slice(PARTNER_ADMIN, PARTNER).unwrap());
        let register =
            Action::RegisterAnalyst { grant: GRANT, workspace: WS, analyst: PARTNER_MEMBER };
        assert_eq!(
            sliced.decide(PARTNER_ADMIN, &register, NOW),
            f.decide(PARTNER_ADMIN, &register, NOW)
        );
        let again = Action::RegisterAnalyst { grant: GRANT, workspace: WS, analyst: ANALYST };
        assert_eq!(sliced.decide(PARTNER_ADMIN, &again, NOW), f.decide(PARTNER_ADMIN, &again, NOW));
        assert_eq!(f.company_slice(OUTSIDER, CLIENT).unwrap_err().code, Reason::NotCompanyMember);
    }

    #[test]
    fn outsiders_get_no_slice() {
        let f = facts();
        assert_eq!(f.base_slice(OUTSIDER, WS, NOW).unwrap_err().code, Reason::NotAMember);
        assert_eq!(
            f.members_slice(OUTSIDER, WS, &ALL_PEOPLE, &[], NOW).unwrap_err().code,
            Reason::NotAMember
        );
        assert_eq!(
            f.resources_slice(OUTSIDER, WS, &ALL_RESOURCES, NOW).unwrap_err().code,
            Reason::NotAMember
        );
    }
}
