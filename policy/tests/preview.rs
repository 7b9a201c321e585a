//! The impact preview (SPEC 10) against brute force: apply the change (the
//! reference model of the server's writes) and compare every member's
//! access to every resource before and after; the preview, expanded for
//! each member, must say exactly that.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests

mod common;

use std::collections::BTreeSet;

use common::model::apply;
use common::world::*;
use policy::*;
use proptest::collection::vec;
use proptest::prelude::*;

type Items = (BTreeSet<Ability>, BTreeSet<Toggle>, BTreeSet<(Id, ResourceOp)>);

/// Everything a member can do in the client workspace, over every resource.
fn everything(f: &Facts, m: Id, now: Timestamp) -> Items {
    let abilities = Ability::allowed(&f.abilities(m, CLIENT_WS, now));
    let toggles = f
        .effective_access(m, CLIENT_WS, m, &[], now)
        .map(|a| a.toggles.iter().filter(|t| t.decision.is_allowed()).map(|t| t.toggle).collect())
        .unwrap_or_default();
    let mut resources = BTreeSet::new();
    for r in f.workspace(CLIENT_WS).unwrap().data().resources.iter().map(|r| r.id) {
        for op in ResourceOp::ALL {
            if f.decide(m, &op.action(CLIENT_WS, r), now).is_allowed() {
                resources.insert((r, op));
            }
        }
    }
    (abilities, toggles, resources)
}

/// What the preview says `m` gains (or loses): its lines about `m`, with
/// "all they see" read in the facts after (or before) the change.
fn expand(p: &Preview, before: &Facts, after: &Facts, m: Id, gains: bool, now: Timestamp) -> Items {
    let mut out = Items::default();
    let member = before.workspace(CLIENT_WS).and_then(|v| v.member(m).copied());
    for line in p.workspaces.iter().filter(|w| w.workspace == CLIENT_WS).flat_map(|w| &w.changes) {
        let about = match &line.people {
            People::Role { role, .. } => {
                member.is_some_and(|x| x.role == *role && x.partner.is_none())
            }
            People::Members { accounts } => accounts.contains(&m),
        };
        if !about {
            continue;
        }
        let set = if gains { &line.gains } else { &line.losses };
        out.0.extend(set.abilities.iter().copied());
        out.1.extend(set.toggles.iter().copied());
        let side = if gains { after } else { before };
        for rs in &set.resources {
            if rs.all_they_see {
                for r in side
                    .workspace(CLIENT_WS)
                    .unwrap()
                    .data()
                    .resources
                    .iter()
                    .filter(|r| r.kind == rs.kind)
                {
                    if side
                        .decide(
                            m,
                            &Action::ViewResource { workspace: CLIENT_WS, resource: r.id },
                            now,
                        )
                        .is_allowed()
                    {
                        out.2.insert((r.id, rs.op));
                    }
                }
            } else {
                assert_eq!(rs.count as usize, rs.resources.len(), "small worlds list everything");
                out.2.extend(rs.resources.iter().map(|&r| (r, rs.op)));
            }
        }
    }
    out
}

fn minus(a: &Items, b: &Items) -> Items {
    (
        a.0.difference(&b.0).copied().collect(),
        a.1.difference(&b.1).copied().collect(),
        a.2.difference(&b.2).copied().collect(),
    )
}

/// An access change of each kind, aimed at the world's real groups,
/// resources, members and grant, by someone who may well be allowed: the
/// owner (the client's admin), or the partner's admin (account 9).
fn aimed(world: &Snapshot, (kind, i, j, on): (u8, usize, usize, bool)) -> (Id, Action) {
    let w = &world.workspaces[0];
    let ws = CLIENT_WS;
    let group = &w.groups[1 + i % (w.groups.len() - 1)];
    let resource = w.resources[i % w.resources.len()].id;
    let account = 2 + (j % 9) as Id;
    let expiry = [500, 1_000, 1_500, 2_000, NOW + GRANT_DEFAULT_SECONDS][j % 5];
    match kind % 17 {
        0 => (
            OWNER_ID,
            Action::DeleteGroup {
                workspace: ws,
                group: group.id,
                confirm_name: group.name.clone(),
            },
        ),
        1 => (
            OWNER_ID,
            Action::AddGroupMembers {
                workspace: ws,
                group: group.id,
                accounts: vec![account, 2 + (i % 9) as Id],
            },
        ),
        2 => (
            OWNER_ID,
            Action::RemoveGroupMember {
                workspace: ws,
                group: group.id,
                account: group
                    .members
                    .get(j % group.members.len().max(1))
                    .copied()
                    .unwrap_or(account),
            },
        ),
        3 => {
            let groups: Vec<Id> = w
                .groups
                .iter()
                .map(|g| g.id)
                .filter(|g| (g + j as Id) % 2 == 0 || on)
                .take(1 + j % 2)
                .collect();
            (OWNER_ID, Action::SetResourceGroups { workspace: ws, resource, groups })
        }
        4 => (OWNER_ID, Action::TransferOwnership { workspace: ws, target: account }),
        5 => (9, Action::RegisterAnalyst { grant: GRANT_ID, workspace: ws, analyst: account }),
        6 => (9, Action::RemoveAnalyst { grant: GRANT_ID, workspace: ws, analyst: account }),
        7 => (OWNER_ID, Action::RevokeGrant { grant: GRANT_ID }),
        8 => (OWNER_ID, Action::RenewGrant { grant: GRANT_ID, expires_at: expiry }),
        9 => (9, Action::RedeemGrant { grant: GRANT_ID }),
        10 => (9, Action::RemoveCompanyMember { company: PARTNER, account }),
        11 => {
            let toggle = Toggle::ALL[i % 16];
            let role = if on { Role::Developer } else { Role::Admin };
            let held = w.toggles.developer.contains(&toggle) && on
                || w.toggles.admin.contains(&toggle) && !on;
            (OWNER_ID, Action::SetToggle { workspace: ws, role, toggle, on: !held })
        }
        12 => (OWNER_ID, Action::SetDataStudio { workspace: ws }),
        13 => (
            OWNER_ID,
            Action::ChangeRole {
                workspace: ws,
                target: account,
                role: if on { Role::Admin } else { Role::Developer },
            },
        ),
        14 => (OWNER_ID, Action::RemoveMember { workspace: ws, target: account }),
        15 => (OWNER_ID, Action::AuthorizeRequest { workspace: ws, request: 400 + (j % 3) as Id }),
        _ => {
            let inv = w.invitations.get(j % w.invitations.len().max(1));
            let who = inv
                .and_then(|i| world.accounts.iter().find(|a| a.email == i.email))
                .map_or(account, |a| a.id);
            (who, Action::AcceptInvitation { workspace: ws, invitation: inv.map_or(300, |i| i.id) })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For every access change an actor may make, the preview is exactly
    /// the difference, member by member, between everyone's access before
    /// and after the change.
    #[test]
    fn the_preview_is_exactly_the_change_in_everyones_access(
        snapshot in snapshot_strategy(),
        random in vec((actor_strategy(), action_strategy()), 1..20),
        picks in vec((any::<u8>(), any::<usize>(), any::<usize>(), any::<bool>()), 1..30),
        now in now_strategy(),
    ) {
        let before = Facts::new(snapshot.clone());
        let mut asks = random;
        asks.extend(picks.into_iter().map(|p| aimed(&snapshot, p)));
        for (actor, action) in asks {
            if !changes_access(&action) || !before.decide(actor, &action, now).is_allowed() {
                prop_assert!(changes_access(&action) || before.preview(actor, &action, now).map_or(true, |p| p.workspaces.is_empty()));
                continue;
            }
            let preview = before.preview(actor, &action, now).unwrap();
            let mut s = snapshot.clone();
            apply(&mut s, actor, &action);
            let after = Facts::new(s);
            let people: BTreeSet<Id> = [&before, &after]
                .iter()
                .flat_map(|f| f.workspace(CLIENT_WS).unwrap().data().members.iter().map(|m| m.account))
                .collect();
            // Need to know: the preview names only resources the actor sees;
            // a role-wide change names none ("every one they see").
            let role_wide = matches!(action, Action::SetToggle { .. } | Action::SaveToggles { .. } | Action::SetDataStudio { .. });
            let sees = |r: Id| role_wide || before.decide(actor, &Action::ViewResource { workspace: CLIENT_WS, resource: r }, now).is_allowed();
            let seen = |mut items: Items| {
                items.2.retain(|&(r, _)| sees(r));
                items
            };
            // A role's line counts its members who are not analysts.
            for line in preview.workspaces.iter().flat_map(|w| &w.changes) {
                if let People::Role { role, count } = line.people {
                    let n = before.workspace(CLIENT_WS).unwrap().data().members.iter().filter(|m| m.role == role && m.partner.is_none()).count();
                    prop_assert_eq!(count as usize, n);
                }
            }
            for m in people {
                let (b, a) = (everything(&before, m, now), everything(&after, m, now));
                let (gained, lost) = (seen(minus(&a, &b)), seen(minus(&b, &a)));
                prop_assert_eq!(
                    &expand(&preview, &before, &after, m, true, now), &gained,
                    "{:?} by {}: member {} gains\npreview {:?}", action, actor, m, preview
                );
                prop_assert_eq!(
                    &expand(&preview, &before, &after, m, false, now), &lost,
                    "{:?} by {}: member {} loses\npreview {:?}", action, actor, m, preview
                );
            }
        }
    }
}
