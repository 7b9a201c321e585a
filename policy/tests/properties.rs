//! Property tests of the invariants (SPEC sections 3-7), over random worlds
//! and random sequences of operations applied through a reference model.

mod common;

use common::model::apply;
use common::world::*;
use policy::*;
use proptest::collection::vec;
use proptest::prelude::*;

/// A member's rights in a workspace: effective role, toggles, groups.
fn rights(f: &Facts, workspace: Id, account: Id) -> Option<(Role, ToggleSet, Vec<Id>)> {
    let role = f.abilities(account, workspace, NOW).role?;
    let ws = f.workspace(workspace)?;
    let groups =
        ws.data().groups.iter().map(|g| g.id).filter(|&g| ws.in_group(g, account)).collect();
    Some((role, ws.toggles_of(role), groups))
}

/// Actions whose authority is a company (partner or client admin), not the
/// actor's role in the workspace.
fn company_authority(action: &Action) -> bool {
    matches!(
        action,
        Action::ViewCompany { .. }
            | Action::CreateWorkspace { .. }
            | Action::AddCompanyMember { .. }
            | Action::RemoveCompanyMember { .. }
            | Action::SetCompanyAdmin { .. }
            | Action::ViewCompanyAudit { .. }
            | Action::SetCompanyCapabilities { .. }
            | Action::CreateGrant { .. }
            | Action::RedeemGrant { .. }
            | Action::RegisterAnalyst { .. }
            | Action::RemoveAnalyst { .. }
            | Action::RenewGrant { .. }
            | Action::RevokeGrant { .. }
    )
}

fn steps() -> impl Strategy<Value = Vec<(Id, Action)>> {
    vec((actor_strategy(), action_strategy()), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// SPEC 5: "Nobody can leave a workspace without an Owner"; every
    /// workspace keeps exactly one Owner through any allowed sequence.
    #[test]
    fn exactly_one_owner_after_any_allowed_sequence(mut s in snapshot_strategy(), steps in steps()) {
        let mut allowed = 0;
        for (actor, action) in steps {
            if Facts::new(s.clone()).decide(actor, &action, NOW).is_allowed() {
                apply(&mut s, actor, &action);
                allowed += 1;
            }
            for w in &s.workspaces {
                let owners = w.members.iter().filter(|m| m.role == Role::Owner).count();
                prop_assert_eq!(owners, 1, "workspace {} after {:?} by {}", w.id, action, actor);
            }
        }
        let _ = allowed;
    }

    /// No actor can raise its own role or its own toggles.
    #[test]
    fn no_actor_raises_its_own_role_or_toggles(mut s in snapshot_strategy(), steps in steps()) {
        for (actor, action) in steps {
            let before = Facts::new(s.clone());
            if !before.decide(actor, &action, NOW).is_allowed() {
                continue;
            }
            apply(&mut s, actor, &action);
            let after = Facts::new(s.clone());
            for w in [CLIENT_WS, PARTNER_WS] {
                let Some((role0, toggles0, _)) = rights(&before, w, actor) else { continue };
                if let Some((role1, toggles1, _)) = rights(&after, w, actor) {
                    prop_assert!(role1.rank() <= role0.rank(), "{:?} raised {} from {:?} to {:?}", action, actor, role0, role1);
                    prop_assert!(toggles1.is_subset(toggles0), "{:?} raised {}'s toggles", action, actor);
                }
            }
        }
    }

    /// Nothing a Developer does (with the workspace as authority) changes
    /// another member's rights.
    #[test]
    fn nothing_a_developer_does_changes_another_members_rights(mut s in snapshot_strategy(), steps in steps()) {
        for (actor, action) in steps {
            let before = Facts::new(s.clone());
            if !before.decide(actor, &action, NOW).is_allowed() {
                continue;
            }
            apply(&mut s, actor, &action);
            let Some(w) = action.workspace() else { continue };
            if company_authority(&action) || before.abilities(actor, w, NOW).role != Some(Role::Developer) {
                continue;
            }
            let after = Facts::new(s.clone());
            for other in 0..=12 {
                if other == actor {
                    continue;
                }
                let r0 = rights(&before, w, other);
                if r0.is_some() {
                    prop_assert_eq!(&r0, &rights(&after, w, other), "{:?} by developer {} changed {}", action, actor, other);
                }
            }
        }
    }

    /// A revoked partner grant leaves its analysts no allowed action in the
    /// client's workspaces, and every control disabled.
    #[test]
    fn revoked_grant_leaves_analysts_nothing(mut s in snapshot_strategy(), actions in vec(action_strategy(), 1..80)) {
        for g in &mut s.grants {
            g.revoked = true;
        }
        let f = Facts::new(s.clone());
        let client = f.workspace(CLIENT_WS).unwrap();
        let analysts: Vec<Id> = client.data().members.iter().filter(|m| m.partner.is_some()).map(|m| m.account).collect();
        for &analyst in &analysts {
            let ab = f.abilities(analyst, CLIENT_WS, NOW);
            prop_assert_eq!(ab.role, None);
            prop_assert!(!ab.open.is_allowed() && !ab.users_tab.is_allowed() && !ab.invite.is_allowed());
            for action in &actions {
                // Inside the client's workspace. (Company-level actions are
                // judged by company roles: a client's own admin who also
                // appears as an analyst keeps their admin rights.)
                if action.workspace() == Some(CLIENT_WS) {
                    let d = f.decide(analyst, action, NOW);
                    prop_assert!(!d.is_allowed(), "analyst {} allowed {:?} after revocation", analyst, action);
                }
            }
        }
    }

    /// SPEC 7: at a grant's expiry its analysts have nothing left in the
    /// client's workspace; a second before, they have exactly what they
    /// would have with a grant that never expires.
    #[test]
    fn an_expired_grant_leaves_analysts_nothing_a_second_before_everything(
        s in snapshot_strategy(),
        actions in vec(action_strategy(), 1..80),
    ) {
        let f = Facts::new(s.clone());
        let mut forever = s.clone();
        for g in &mut forever.grants {
            g.expires_at = i64::MAX;
        }
        let forever = Facts::new(forever);
        let expiry = s.grants[0].expires_at;
        let client = f.workspace(CLIENT_WS).unwrap();
        let analysts: Vec<Id> = client.data().members.iter().filter(|m| m.partner.is_some()).map(|m| m.account).collect();
        for &analyst in &analysts {
            let ab = f.abilities(analyst, CLIENT_WS, expiry);
            prop_assert_eq!(ab.role, None);
            prop_assert!(!ab.open.is_allowed() && !ab.users_tab.is_allowed());
            prop_assert_eq!(f.abilities(analyst, CLIENT_WS, expiry - 1), forever.abilities(analyst, CLIENT_WS, expiry - 1));
            for action in &actions {
                // Inside the client's workspace, as an analyst (a partner
                // admin still removes its own analysts from an expired grant).
                if action.workspace() == Some(CLIENT_WS) && !company_authority(action) {
                    let d = f.decide(analyst, action, expiry);
                    prop_assert!(!d.is_allowed(), "analyst {} allowed {:?} at expiry", analyst, action);
                    prop_assert_eq!(
                        f.decide(analyst, action, expiry - 1),
                        forever.decide(analyst, action, expiry - 1),
                        "analyst {} {:?} a second before expiry", analyst, action
                    );
                }
            }
        }
    }

    /// Decisions are a function of the data: the same after a JSON round trip
    /// of the snapshot (what the server sends the SPA), and repeatable.
    #[test]
    fn decisions_survive_the_wire(s in snapshot_strategy(), questions in vec((actor_strategy(), action_strategy()), 1..40)) {
        let f = Facts::new(s.clone());
        let json = serde_json::to_string(&s).unwrap();
        let g = Facts::new(serde_json::from_str(&json).unwrap());
        for (actor, action) in &questions {
            let action2: Action = serde_json::from_str(&serde_json::to_string(action).unwrap()).unwrap();
            let d = f.decide(*actor, action, NOW);
            prop_assert_eq!(&d, &g.decide(*actor, &action2, NOW));
            prop_assert_eq!(&d, &f.decide(*actor, action, NOW));
        }
    }

    /// The UI's derived answers agree with the decisions they summarise.
    #[test]
    fn ui_answers_agree_with_decisions(s in snapshot_strategy(), actor in actor_strategy(), role in prop_oneof![Just(Role::Admin), Just(Role::Developer)], target in 0i64..=12) {
        let f = Facts::new(s);
        for c in f.toggle_controls(actor, CLIENT_WS, role, NOW) {
            let d = f.decide(actor, &Action::SetToggle { workspace: CLIENT_WS, role, toggle: c.toggle, on: !c.on }, NOW);
            prop_assert_eq!(c.flip, d);
        }
        let ab = f.abilities(actor, CLIENT_WS, NOW);
        for r in Role::ALL {
            let fresh = Action::Invite { workspace: CLIENT_WS, email: "fresh@new.io".into(), role: r };
            prop_assert_eq!(ab.invite_roles.contains(&r), f.decide(actor, &fresh, NOW).is_allowed());
        }
        prop_assert_eq!(ab.invite.is_allowed(), !ab.invite_roles.is_empty());
        let m = f.member_controls(actor, CLIENT_WS, target, NOW);
        for r in Role::ALL {
            let d = f.decide(actor, &Action::ChangeRole { workspace: CLIENT_WS, target, role: r }, NOW);
            prop_assert_eq!(m.roles.contains(&r), d.is_allowed());
        }
        prop_assert_eq!(m.change_role.is_allowed(), !m.roles.is_empty());
        prop_assert_eq!(ab.permissions_tab.is_allowed(), ab.edit_developer_toggles.is_allowed());
    }
}
