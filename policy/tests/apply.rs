//! `Facts::apply` (changes applied in place, as the server's cached facts
//! follow the change log) against a deliberately naive reference: the same
//! changes made to the snapshot by filtering and pushing vectors, then
//! `Facts::new`. Plus table tests of the cascades.

mod common;

use common as fx;
use common::world::{NOW, action_strategy, email, snapshot_strategy};
use policy::*;
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

// --- the reference -----------------------------------------------------------

fn ws(s: &mut Snapshot, id: Id) -> Option<&mut Workspace> {
    s.workspaces.iter_mut().find(|w| w.id == id)
}

fn leave_groups(w: &mut Workspace, account: Id) {
    for g in &mut w.groups {
        g.members.retain(|&a| a != account);
    }
}

fn delete_workspace(s: &mut Snapshot, id: Id) {
    s.workspaces.retain(|w| w.id != id);
    for g in &mut s.grants {
        g.workspaces.retain(|&w| w != id);
    }
}

/// What each change means, written as plainly as possible.
fn reference(s: &mut Snapshot, change: Change) {
    match change {
        Change::Workspace { id, header: Some(h) } => match ws(s, id) {
            Some(w) => {
                w.company = h.company;
                w.data_studio = h.data_studio;
                w.toggles = h.toggles;
            }
            None => s.workspaces.push(Workspace {
                id,
                company: h.company,
                data_studio: h.data_studio,
                members: vec![],
                invitations: vec![],
                requests: vec![],
                toggles: h.toggles,
                groups: vec![],
                resources: vec![],
                partial: Default::default(),
                counts: None,
            }),
        },
        Change::Workspace { id, header: None } => delete_workspace(s, id),
        Change::Member { workspace, account, member } => {
            if let Some(w) = ws(s, workspace) {
                w.members.retain(|m| m.account != account);
                match member {
                    Some(m) => w.members.push(Member { account, ..m }),
                    None => leave_groups(w, account),
                }
            }
        }
        Change::Invitation { workspace, id, invitation } => {
            if let Some(w) = ws(s, workspace) {
                w.invitations.retain(|i| i.id != id);
                if let Some(i) = invitation {
                    w.invitations.push(Invitation { id, ..i });
                }
            }
        }
        Change::Request { workspace, id, request } => {
            if let Some(w) = ws(s, workspace) {
                w.requests.retain(|r| r.id != id);
                if let Some(r) = request {
                    w.requests.push(AccessRequest { id, ..r });
                }
            }
        }
        Change::Group { workspace, id, header } => {
            if let Some(w) = ws(s, workspace) {
                match header {
                    Some(h) => match w.groups.iter_mut().find(|g| g.id == id) {
                        Some(g) => {
                            g.name = h.name;
                            g.is_default = h.is_default;
                        }
                        None => w.groups.push(Group {
                            id,
                            name: h.name,
                            is_default: h.is_default,
                            members: vec![],
                            size: None,
                        }),
                    },
                    None => {
                        w.groups.retain(|g| g.id != id);
                        for r in &mut w.resources {
                            r.groups.retain(|&g| g != id);
                        }
                    }
                }
            }
        }
        Change::GroupMember { workspace, group, account, present } => {
            if let Some(g) =
                ws(s, workspace).and_then(|w| w.groups.iter_mut().find(|g| g.id == group))
            {
                if !present {
                    g.members.retain(|&a| a != account);
                } else if !g.members.contains(&account) {
                    g.members.push(account);
                }
            }
        }
        Change::Resource { workspace, id, resource } => {
            if let Some(w) = ws(s, workspace) {
                match resource {
                    Some(r) => {
                        w.resources.retain(|r| r.id != id);
                        w.resources.push(Resource { id, ..r });
                    }
                    None => {
                        let mut doomed = vec![id];
                        loop {
                            let more: Vec<Id> = w
                                .resources
                                .iter()
                                .filter(|r| !doomed.contains(&r.id))
                                .filter(|r| r.integration.is_some_and(|i| doomed.contains(&i)))
                                .map(|r| r.id)
                                .collect();
                            if more.is_empty() {
                                break;
                            }
                            doomed.extend(more);
                        }
                        w.resources.retain(|r| !doomed.contains(&r.id));
                        for r in &mut w.resources {
                            r.components.retain(|c| !doomed.contains(c));
                        }
                    }
                }
            }
        }
        Change::Company { id, header: Some(h) } => {
            match s.companies.iter_mut().find(|c| c.id == id) {
                Some(c) => {
                    c.partner_enabled = h.partner_enabled;
                    c.client_enabled = h.client_enabled;
                }
                None => s.companies.push(Company {
                    id,
                    partner_enabled: h.partner_enabled,
                    client_enabled: h.client_enabled,
                    members: vec![],
                }),
            }
        }
        Change::Company { id, header: None } => {
            s.companies.retain(|c| c.id != id);
            let owned: Vec<Id> =
                s.workspaces.iter().filter(|w| w.company == id).map(|w| w.id).collect();
            for w in owned {
                delete_workspace(s, w);
            }
            s.grants.retain(|g| g.client != id && g.partner != id);
            for w in &mut s.workspaces {
                let analysts: Vec<Id> =
                    w.members.iter().filter(|m| m.partner == Some(id)).map(|m| m.account).collect();
                w.members.retain(|m| m.partner != Some(id));
                for a in analysts {
                    leave_groups(w, a);
                }
            }
        }
        Change::CompanyMember { company, account, member } => {
            if let Some(c) = s.companies.iter_mut().find(|c| c.id == company) {
                c.members.retain(|m| m.account != account);
                if let Some(m) = member {
                    c.members.push(CompanyMember { account, ..m });
                }
            }
        }
        Change::Grant { id, grant } => {
            s.grants.retain(|g| g.id != id);
            if let Some(g) = grant {
                s.grants.push(Grant { id, ..g });
            }
        }
        Change::Account { id, account } => {
            s.accounts.retain(|a| a.id != id);
            match account {
                Some(a) => s.accounts.push(Account { id, ..a }),
                None => {
                    for w in &mut s.workspaces {
                        w.members.retain(|m| m.account != id);
                        w.requests.retain(|r| r.account != id);
                        leave_groups(w, id);
                    }
                    for c in &mut s.companies {
                        c.members.retain(|m| m.account != id);
                    }
                }
            }
        }
    }
}

/// What the database's keys guarantee: group names unique ignoring case in a
/// workspace, one live grant per client and partner. (Where these do not
/// hold, `Facts::new` answers by snapshot order, which is not part of the
/// contract, so the reference comparison keeps to valid states.)
fn valid(s: &Snapshot) -> bool {
    let names_unique = s.workspaces.iter().all(|w| {
        let mut names: Vec<String> = w.groups.iter().map(|g| g.name.to_lowercase()).collect();
        names.sort();
        names.windows(2).all(|p| p[0] != p[1])
    });
    let mut live: Vec<(Id, Id)> =
        s.grants.iter().filter(|g| g.is_live()).map(|g| (g.client, g.partner)).collect();
    live.sort();
    names_unique && live.windows(2).all(|p| p[0] != p[1])
}

/// Keeps the first record of each key, as `Facts::new` does (the generated
/// world can list a company member twice; the database cannot).
fn dedup<T>(items: &mut Vec<T>, key: impl Fn(&T) -> Id) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(key(i)));
}

fn unique_keys(mut s: Snapshot) -> Snapshot {
    dedup(&mut s.accounts, |a| a.id);
    dedup(&mut s.companies, |c| c.id);
    for c in &mut s.companies {
        dedup(&mut c.members, |m| m.account);
    }
    dedup(&mut s.workspaces, |w| w.id);
    for w in &mut s.workspaces {
        dedup(&mut w.members, |m| m.account);
        dedup(&mut w.invitations, |i| i.id);
        dedup(&mut w.requests, |r| r.id);
        dedup(&mut w.groups, |g| g.id);
        dedup(&mut w.resources, |r| r.id);
    }
    dedup(&mut s.grants, |g| g.id);
    s
}

/// Every list of records sorted by key (order is not part of the contract;
/// lists of ids inside a record keep theirs).
fn normalized(mut s: Snapshot) -> Snapshot {
    s.accounts.sort_by_key(|a| a.id);
    s.companies.sort_by_key(|c| c.id);
    for c in &mut s.companies {
        c.members.sort_by_key(|m| m.account);
    }
    s.workspaces.sort_by_key(|w| w.id);
    for w in &mut s.workspaces {
        w.members.sort_by_key(|m| m.account);
        w.invitations.sort_by_key(|i| i.id);
        w.requests.sort_by_key(|r| r.id);
        w.groups.sort_by_key(|g| g.id);
        w.resources.sort_by_key(|r| r.id);
    }
    s.grants.sort_by_key(|g| g.id);
    s
}

// --- generated changes -------------------------------------------------------

fn workspace_key() -> impl Strategy<Value = Id> {
    prop_oneof![6 => Just(fx::world::CLIENT_WS), 2 => Just(fx::world::PARTNER_WS), 1 => Just(3)]
}

fn account_key() -> impl Strategy<Value = Id> {
    0i64..=13
}

fn company_key() -> impl Strategy<Value = Id> {
    // 15 is fresh.
    select(vec![fx::world::CLIENT, 15, fx::world::PARTNER])
}

fn role() -> impl Strategy<Value = Role> {
    select(Role::ALL.to_vec())
}

fn toggles() -> impl Strategy<Value = Vec<Toggle>> {
    subsequence(Toggle::ALL.to_vec(), 0..=16)
}

fn email_pool() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0i64..=13).prop_map(email),
        2 => (0i64..=13).prop_map(|i| format!("  U{i}@X.IO ")),
        1 => Just("not-an-email".to_owned()),
        1 => Just(String::new()),
    ]
}

fn group_name() -> impl Strategy<Value = String> {
    select(vec!["default", "Finance", "finance", "Ops", "Sales", "New team", "NEW TEAM"])
        .prop_map(str::to_owned)
}

/// Present with probability 0.65; otherwise a deletion.
fn maybe<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    weighted(0.65, s)
}

fn change_strategy() -> impl Strategy<Value = Change> {
    let group = || 49i64..=55;
    let resource = || 599i64..=616;
    let header = (company_key(), any::<bool>(), toggles(), toggles(), 0i64..3).prop_map(
        |(company, data_studio, admin, developer, version)| WorkspaceHeader {
            company,
            data_studio,
            toggles: RoleToggles { admin, developer, version },
        },
    );
    let member = (account_key(), role(), proptest::option::of(company_key()))
        .prop_map(|(account, role, partner)| Member { account, role, partner });
    let invitation = (0i64..1000, email_pool(), role(), 0i64..2000)
        .prop_map(|(id, email, role, expires_at)| Invitation { id, email, role, expires_at });
    let request = (0i64..1000, 0i64..=13).prop_map(|(id, account)| AccessRequest { id, account });
    let group_header = (group_name(), weighted(0.1, Just(())))
        .prop_map(|(name, d)| GroupHeader { name, is_default: d.is_some() });
    let resource_body = (
        0i64..1000,
        select(ResourceKind::ALL.to_vec()),
        vec(group(), 0..3),
        weighted(0.5, resource()),
        vec(resource(), 0..3),
    )
        .prop_map(|(id, kind, groups, integration, components)| Resource {
            id,
            kind,
            groups,
            integration,
            components,
        });
    let company_header =
        (any::<bool>(), any::<bool>()).prop_map(|(partner_enabled, client_enabled)| {
            CompanyHeader { partner_enabled, client_enabled }
        });
    let company_member = (account_key(), any::<bool>())
        .prop_map(|(account, admin)| CompanyMember { account, admin });
    let grant = (
        0i64..1000,
        company_key(),
        company_key(),
        vec(workspace_key(), 0..3),
        role(),
        subsequence(Section::ALL.to_vec(), 0..=7),
        (any::<bool>(), any::<bool>(), 500i64..1500),
    )
        .prop_map(
            |(id, client, partner, workspaces, role, sections, (redeemed, revoked, expires_at))| {
                Grant {
                    id,
                    client,
                    partner,
                    workspaces,
                    role,
                    sections,
                    redeemed,
                    revoked,
                    expires_at,
                }
            },
        );
    let account =
        (0i64..1000, email_pool(), weighted(0.1, Just(()))).prop_map(|(id, email, support)| {
            Account { id, email, support: support.is_some(), verified: true }
        });
    prop_oneof![
        1 => (prop_oneof![workspace_key(), Just(4)], weighted(0.8, header))
            .prop_map(|(id, header)| Change::Workspace { id, header }),
        4 => (workspace_key(), account_key(), maybe(member))
            .prop_map(|(workspace, account, member)| Change::Member { workspace, account, member }),
        2 => (workspace_key(), 299i64..=304, maybe(invitation))
            .prop_map(|(workspace, id, invitation)| Change::Invitation { workspace, id, invitation }),
        2 => (workspace_key(), 399i64..=404, maybe(request))
            .prop_map(|(workspace, id, request)| Change::Request { workspace, id, request }),
        3 => (workspace_key(), group(), maybe(group_header))
            .prop_map(|(workspace, id, header)| Change::Group { workspace, id, header }),
        4 => (workspace_key(), group(), account_key(), any::<bool>())
            .prop_map(|(workspace, group, account, present)| Change::GroupMember { workspace, group, account, present }),
        4 => (workspace_key(), resource(), maybe(resource_body))
            .prop_map(|(workspace, id, resource)| Change::Resource { workspace, id, resource }),
        1 => (company_key(), weighted(0.85, company_header))
            .prop_map(|(id, header)| Change::Company { id, header }),
        2 => (company_key(), account_key(), maybe(company_member))
            .prop_map(|(company, account, member)| Change::CompanyMember { company, account, member }),
        2 => (0i64..=3, maybe(grant)).prop_map(|(id, grant)| Change::Grant { id, grant }),
        3 => (account_key(), weighted(0.8, account))
            .prop_map(|(id, account)| Change::Account { id, account }),
    ]
}

// --- what the facts answer -----------------------------------------------------

/// Every lookup the views offer, over the generated id ranges (and a little
/// beyond), as text.
fn observe(f: &Facts) -> Vec<String> {
    let accounts = 0i64..=14;
    let mut out = Vec::new();
    for a in accounts.clone() {
        out.push(format!("account {a}: {:?}", f.account(a)));
    }
    for c in [9, 10, 15, 20, 21] {
        let Some(company) = f.company(c) else {
            out.push(format!("company {c}: none"));
            continue;
        };
        let d = company.data();
        out.push(format!("company {c}: {} {} {}", d.id, d.partner_enabled, d.client_enabled));
        for a in accounts.clone() {
            out.push(format!(" {a}: {} {}", company.is_member(a), company.is_admin(a)));
        }
        for p in [9, 10, 15, 20, 21] {
            out.push(format!(" live grant to {p}: {:?}", f.live_grant(c, p)));
        }
        out.push(format!(" has live partner: {}", f.has_live_partner(c)));
    }
    for g in -1..=4 {
        out.push(format!("grant {g}: {:?}", f.grant(g)));
    }
    for w in 0..=5 {
        let Some(ws) = f.workspace(w) else {
            out.push(format!("workspace {w}: none"));
            continue;
        };
        let d = ws.data();
        out.push(format!(
            "workspace {w}: {} {} {} {:?}",
            ws.id(),
            d.company,
            d.data_studio,
            d.toggles
        ));
        for role in Role::ALL {
            out.push(format!(
                " {role:?}: {:?} x{}",
                ws.toggles_of(role),
                ws.count_with_role(role).unwrap_or(0)
            ));
        }
        for a in accounts.clone() {
            out.push(format!(
                " {a}: {:?} requested {} email {:?} {:?}",
                ws.member(a),
                ws.has_request_from(a),
                ws.has_member_email(&email(a)),
                ws.has_member_email(&format!("U{a}@X.IO")),
            ));
        }
        out.push(format!(" email not-an-email {:?}", ws.has_member_email("not-an-email")));
        for i in 298..=305 {
            out.push(format!(" invitation {i}: {:?}", ws.invitation(i)));
        }
        for r in 398..=405 {
            out.push(format!(" request {r}: {:?}", ws.request(r)));
        }
        for g in (48..=56).chain([90]) {
            let in_group: Vec<Id> = accounts.clone().filter(|&a| ws.in_group(g, a)).collect();
            out.push(format!(
                " group {g}: {:?} in it {in_group:?} orphans {:?}",
                ws.group(g).map(|g| (g.id, &g.name, g.is_default)),
                ws.resources_orphaned_by_deleting(g),
            ));
        }
        for name in ["default", "DEFAULT", "finance", "Finance", "ops", "sales", "new team", "x"] {
            out.push(format!(" named {name}: {:?}", ws.group_named(name)));
        }
        for r in 598..=617 {
            out.push(format!(" resource {r}: {:?}", ws.resource(r)));
        }
    }
    out
}

/// Decisions and UI answers for every actor on `actions`.
fn answers(f: &Facts, actions: &[Action]) -> Vec<String> {
    let mut out = Vec::new();
    for actor in 0..=12 {
        for action in actions {
            out.push(format!("{actor} {action:?}: {:?}", f.decide(actor, action, NOW)));
        }
        for w in 1..=3 {
            out.push(format!("{actor} abilities {w}: {:?}", f.abilities(actor, w, NOW)));
        }
        for role in [Role::Admin, Role::Developer] {
            out.push(format!(
                "{actor} toggles {role:?}: {:?}",
                f.toggle_controls(actor, 1, role, NOW)
            ));
        }
        for target in [1, 2, 3, 5, 8, 9, 10, 13] {
            out.push(format!(
                "{actor} controls {target}: {:?}",
                f.member_controls(actor, 1, target, NOW)
            ));
        }
        for flow in 599..=616 {
            let plan = RunPlanDecision::from(f.run_plan(actor, 1, flow, NOW));
            out.push(format!("{actor} run {flow}: {plan:?}"));
        }
        for c in [10, 15, 20] {
            out.push(format!("{actor} partners {c}: {:?}", f.manages_partners(actor, c)));
        }
    }
    out
}

/// The first difference between two lists of answers, for a readable failure.
fn first_difference(a: &[String], b: &[String]) -> Option<(String, String)> {
    if a.len() != b.len() {
        return Some((format!("{} answers", a.len()), format!("{} answers", b.len())));
    }
    a.iter().zip(b).find(|(x, y)| x != y).map(|(x, y)| (x.clone(), y.clone()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Applying changes in place gives the facts the naive reference gives:
    /// same records (order aside), same lookups, same decisions and UI
    /// answers for every actor.
    #[test]
    fn apply_matches_the_reference(
        world in snapshot_strategy(),
        changes in vec(change_strategy(), 1..40),
        actions in vec(action_strategy(), 1..40),
    ) {
        let world = unique_keys(world);
        // Keep the changes the database could make (see `valid`).
        let mut expected = world.clone();
        let mut kept = Vec::new();
        for change in changes {
            let mut next = expected.clone();
            reference(&mut next, change.clone());
            if valid(&next) {
                expected = next;
                kept.push(change);
            }
        }
        let mut applied = Facts::new(world);
        applied.apply(kept);
        let expected = Facts::new(expected);

        prop_assert_eq!(normalized(applied.snapshot().clone()), normalized(expected.snapshot().clone()));
        let diff = first_difference(&observe(&applied), &observe(&expected));
        prop_assert!(diff.is_none(), "lookups differ (applied, reference): {:?}", diff);
        let diff = first_difference(&answers(&applied, &actions), &answers(&expected, &actions));
        prop_assert!(diff.is_none(), "answers differ (applied, reference): {:?}", diff);
    }

    /// The indexes after any changes (valid or not, with name clashes and
    /// several live grants) are the ones `Facts::new` builds from the
    /// resulting snapshot.
    #[test]
    fn applied_indexes_match_a_fresh_index(
        world in snapshot_strategy(),
        changes in vec(change_strategy(), 1..60),
        actions in vec(action_strategy(), 1..30),
    ) {
        let mut applied = Facts::new(unique_keys(world));
        // In two batches, to also cover state carried between calls.
        let mid = changes.len() / 2;
        let mut changes = changes;
        let rest = changes.split_off(mid);
        applied.apply(changes);
        applied.apply(rest);
        let fresh = Facts::new(applied.snapshot().clone());

        let diff = first_difference(&observe(&applied), &observe(&fresh));
        prop_assert!(diff.is_none(), "lookups differ (applied, fresh): {:?}", diff);
        let diff = first_difference(&answers(&applied, &actions), &answers(&fresh, &actions));
        prop_assert!(diff.is_none(), "answers differ (applied, fresh): {:?}", diff);
    }
}

// --- table tests ---------------------------------------------------------------

fn view(resource: Id) -> Action {
    Action::ViewResource { workspace: fx::WS, resource }
}

fn applied(changes: impl IntoIterator<Item = Change>) -> Facts {
    let mut f = fx::facts();
    f.apply(changes);
    f
}

/// Applied facts agree with a fresh index of their own snapshot.
fn assert_consistent(f: &Facts) {
    let fresh = Facts::new(f.snapshot().clone());
    assert_eq!(first_difference(&observe(f), &observe(&fresh)), None);
}

#[test]
fn removed_member_leaves_every_group_of_that_workspace_only() {
    let before = fx::facts();
    assert!(before.workspace(fx::WS).unwrap().in_group(fx::FINANCE, fx::DEV));
    assert!(before.decide(fx::DEV, &view(fx::MODULE), NOW).is_allowed());

    let f = applied([Change::Member { workspace: fx::WS, account: fx::DEV, member: None }]);
    let ws = f.workspace(fx::WS).unwrap();
    assert!(ws.member(fx::DEV).is_none());
    assert!(!ws.in_group(fx::FINANCE, fx::DEV));
    assert!(!ws.group(fx::FINANCE).unwrap().members.contains(&fx::DEV));
    assert_eq!(ws.has_member_email("dev@client.io"), Some(false));
    assert_eq!(f.decide(fx::DEV, &view(fx::MODULE), NOW).reason(), Some(Reason::NotAMember));
    // The same group ids in the other workspace keep them.
    assert!(f.workspace(fx::WS2).unwrap().in_group(fx::FINANCE, fx::DEV));
    // And they can be invited again.
    let invite =
        Action::Invite { workspace: fx::WS, email: "Dev@Client.io".into(), role: Role::Developer };
    assert_eq!(before.decide(fx::OWNER, &invite, NOW).reason(), Some(Reason::AlreadyAMember));
    assert!(f.decide(fx::OWNER, &invite, NOW).is_allowed());
    assert_consistent(&f);
}

#[test]
fn deleted_group_leaves_resources_which_can_become_admin_only() {
    let before = fx::facts();
    assert_eq!(
        before.workspace(fx::WS).unwrap().resources_orphaned_by_deleting(fx::FINANCE),
        Some(3)
    );

    let f = applied([Change::Group { workspace: fx::WS, id: fx::FINANCE, header: None }]);
    let ws = f.workspace(fx::WS).unwrap();
    assert!(ws.group(fx::FINANCE).is_none());
    assert!(!ws.in_group(fx::FINANCE, fx::DEV));
    assert_eq!(ws.group_named("finance"), Ok(None));
    for r in [fx::INTEGRATION, fx::MODULE, fx::DATA_JOB] {
        assert_eq!(ws.resource(r).unwrap().groups, Vec::<Id>::new(), "resource {r}");
    }
    // Module named only Finance: now admin-only (the developer saw it
    // before; now it does not exist for them).
    assert!(before.decide(fx::DEV, &view(fx::MODULE), NOW).is_allowed());
    assert_eq!(f.decide(fx::DEV, &view(fx::MODULE), NOW).reason(), Some(Reason::UnknownResource));
    assert!(f.decide(fx::ADMIN, &view(fx::MODULE), NOW).is_allowed());
    // The name is free again.
    let create = Action::CreateGroup {
        workspace: fx::WS,
        name: "Finance".into(),
        description: String::new(),
    };
    assert!(before.decide(fx::OWNER, &create, NOW).reason() == Some(Reason::GroupNameTaken));
    assert!(f.decide(fx::OWNER, &create, NOW).is_allowed());
    assert_consistent(&f);
}

#[test]
fn deleted_integration_takes_its_flows_and_a_deleted_job_leaves_components() {
    let f = applied([
        Change::Resource { workspace: fx::WS, id: fx::OPEN_INTEGRATION, resource: None },
        Change::Resource { workspace: fx::WS, id: fx::DATA_JOB, resource: None },
    ]);
    let ws = f.workspace(fx::WS).unwrap();
    for gone in [fx::OPEN_INTEGRATION, fx::OPEN_FLOW, fx::ORPHAN_FLOW, fx::DATA_JOB] {
        assert!(ws.resource(gone).is_none(), "resource {gone}");
        assert_eq!(f.decide(fx::OWNER, &view(gone), NOW).reason(), Some(Reason::UnknownResource));
    }
    assert_eq!(ws.resource(fx::FLOW).unwrap().components, vec![fx::FILE_JOB]);
    assert!(ws.resource(fx::FILE_JOB).is_some());
    assert!(ws.resource(fx::ORPHAN_JOB).is_some());
    assert_consistent(&f);
}

#[test]
fn deleted_workspace_leaves_every_grant() {
    let f = applied([Change::Workspace { id: fx::WS, header: None }]);
    assert!(f.workspace(fx::WS).is_none());
    assert_eq!(f.grant(fx::GRANT).unwrap().workspaces, Vec::<Id>::new());
    assert_eq!(
        f.decide(fx::OWNER, &Action::ViewWorkspace { workspace: fx::WS }, NOW).reason(),
        fx::facts().decide(fx::OWNER, &Action::ViewWorkspace { workspace: 999 }, NOW).reason(),
    );
    // WS2 moved into its place and is still found.
    assert!(f.workspace(fx::WS2).unwrap().member(fx::OWNER).is_some());
    assert!(f.workspace(fx::OTHER_WS).unwrap().member(fx::PARTNER_ADMIN).is_some());
    assert_consistent(&f);
}

#[test]
fn account_email_changes_who_is_already_a_member() {
    let invite = |email: &str| Action::Invite {
        workspace: fx::WS,
        email: email.into(),
        role: Role::Developer,
    };
    let f = applied([Change::Account {
        id: fx::DEV2,
        account: Some(Account {
            id: 0,
            email: " Renamed@Client.io".into(),
            support: false,
            verified: true,
        }),
    }]);
    assert_eq!(f.account(fx::DEV2).unwrap().id, fx::DEV2, "the key wins over the payload");
    assert!(f.decide(fx::OWNER, &invite("dev2@client.io"), NOW).is_allowed());
    assert_eq!(
        f.decide(fx::OWNER, &invite("renamed@client.io"), NOW).reason(),
        Some(Reason::AlreadyAMember)
    );
    assert_consistent(&f);

    // A new member and their new account in one batch, in either order.
    let newcomer = 555;
    let member = Member { account: newcomer, role: Role::Developer, partner: None };
    let account =
        Account { id: newcomer, email: "newcomer@else.io".into(), support: false, verified: true };
    for changes in [
        vec![
            Change::Member { workspace: fx::WS, account: newcomer, member: Some(member) },
            Change::Account { id: newcomer, account: Some(account.clone()) },
        ],
        vec![
            Change::Account { id: newcomer, account: Some(account.clone()) },
            Change::Member { workspace: fx::WS, account: newcomer, member: Some(member) },
        ],
    ] {
        let f = applied(changes);
        assert_eq!(
            f.decide(fx::OWNER, &invite("Newcomer@else.io"), NOW).reason(),
            Some(Reason::AlreadyAMember)
        );
        assert!(fx::facts().decide(fx::OWNER, &invite("Newcomer@else.io"), NOW).is_allowed());
        assert_consistent(&f);
    }

    // A deleted account is no member anywhere, and its email is free.
    let f = applied([Change::Account { id: fx::DEV, account: None }]);
    assert!(f.workspace(fx::WS).unwrap().member(fx::DEV).is_none());
    assert!(f.workspace(fx::WS2).unwrap().member(fx::DEV).is_none());
    assert!(!f.workspace(fx::WS2).unwrap().in_group(fx::FINANCE, fx::DEV));
    assert!(f.decide(fx::OWNER, &invite("dev@client.io"), NOW).is_allowed());
    assert_consistent(&f);
}

#[test]
fn changes_to_records_whose_parent_is_not_loaded_are_ignored() {
    let f = applied([
        Change::Member {
            workspace: 999,
            account: fx::OUTSIDER,
            member: Some(Member { account: fx::OUTSIDER, role: Role::Owner, partner: None }),
        },
        Change::GroupMember { workspace: fx::WS, group: 999, account: fx::DEV2, present: true },
        Change::CompanyMember {
            company: 999,
            account: fx::OUTSIDER,
            member: Some(CompanyMember { account: fx::OUTSIDER, admin: true }),
        },
    ]);
    assert_eq!(normalized(f.snapshot().clone()), normalized(fx::snapshot()));
    // A new workspace starts empty, and then takes members.
    let mut f = f;
    f.apply([
        Change::Workspace {
            id: 77,
            header: Some(WorkspaceHeader {
                company: fx::CLIENT,
                data_studio: false,
                toggles: RoleToggles::defaults(),
            }),
        },
        Change::Member {
            workspace: 77,
            account: fx::OUTSIDER,
            member: Some(Member { account: 0, role: Role::Owner, partner: None }),
        },
    ]);
    let ws = f.workspace(77).unwrap();
    assert_eq!(ws.member(fx::OUTSIDER).unwrap().account, fx::OUTSIDER);
    assert_eq!(ws.has_member_email("outsider@else.io"), Some(true));
    assert!(f.decide(fx::OUTSIDER, &Action::ViewWorkspace { workspace: 77 }, NOW).is_allowed());
    assert_consistent(&f);
}

#[test]
fn changes_have_a_tagged_wire_form() {
    let change = Change::GroupMember { workspace: 1, group: 5, account: 7, present: true };
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "type": "group_member", "workspace": 1, "group": 5, "account": 7, "present": true })
    );
    let deletion: Change =
        serde_json::from_str(r#"{ "type": "workspace", "id": 3, "header": null }"#).unwrap();
    assert_eq!(deletion, Change::Workspace { id: 3, header: None });
    let header: Change = serde_json::from_str(
        r#"{ "type": "group", "workspace": 1, "id": 9, "header": { "name": "Ops" } }"#,
    )
    .unwrap();
    assert_eq!(
        header,
        Change::Group {
            workspace: 1,
            id: 9,
            header: Some(GroupHeader { name: "Ops".into(), is_default: false })
        }
    );
}
