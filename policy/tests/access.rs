//! Effective access and "who can" (SPEC 10) against brute force: asking
//! `decide` for every member is the oracle.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests

mod common;

use common::world::*;
use policy::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Who can view, edit and delete a resource is exactly who `decide`
    /// lets do it, member by member, with the right count; an owner's
    /// effective access of each member says the same.
    #[test]
    fn who_can_equals_asking_every_member(snapshot in snapshot_strategy(), now in now_strategy()) {
        let f = Facts::new(snapshot);
        let view = f.workspace(CLIENT_WS).unwrap();
        let members: Vec<Id> = view.data().members.iter().map(|m| m.account).collect();
        let all: Vec<Id> = view.data().resources.iter().map(|r| r.id).collect();
        // What the owner sees (not Data Studio's while it is off, not a
        // flow without its integration).
        let sees = |r: Id| f.decide(OWNER_ID, &Action::ViewResource { workspace: CLIENT_WS, resource: r }, now).is_allowed();
        let resources: Vec<Id> = all.iter().copied().filter(|&r| sees(r)).collect();
        for &r in &all {
            let who = f.who_can(OWNER_ID, CLIENT_WS, r, now);
            if !sees(r) {
                prop_assert_eq!(who.unwrap_err().code, Reason::UnknownResource);
                continue;
            }
            let who = who.unwrap();
            for (audience, op) in [(&who.view, ResourceOp::View), (&who.edit, ResourceOp::Edit), (&who.delete, ResourceOp::Delete)] {
                prop_assert_eq!(audience.op, op);
                let mut allowed = 0u32;
                for &m in &members {
                    let decided = f.decide(m, &op.action(CLIENT_WS, r), now).is_allowed();
                    prop_assert_eq!(audience.admits(&view, m), decided, "member {} {:?} resource {}: {:?}", m, op, r, audience);
                    allowed += u32::from(decided);
                }
                prop_assert_eq!(audience.count, allowed, "{:?} resource {}", op, r);
                prop_assert!(!audience.admits(&view, 999), "a stranger");
            }
        }
        for &m in &members {
            let access = f.effective_access(OWNER_ID, CLIENT_WS, m, &all, now).unwrap();
            prop_assert_eq!(
                access.resources.iter().map(|r| r.resource).collect::<Vec<_>>(),
                resources.clone(),
                "what the owner sees"
            );
            for ra in &access.resources {
                prop_assert_eq!(ra.view.is_allowed(), f.decide(m, &Action::ViewResource { workspace: CLIENT_WS, resource: ra.resource }, now).is_allowed());
                prop_assert_eq!(ra.edit.is_allowed(), f.decide(m, &Action::EditResource { workspace: CLIENT_WS, resource: ra.resource }, now).is_allowed());
                prop_assert_eq!(ra.delete.is_allowed(), f.decide(m, &Action::DeleteResource { workspace: CLIENT_WS, resource: ra.resource }, now).is_allowed());
                // The reason is the one an explanation gives.
                prop_assert_eq!(&ra.view, &f.explain(m, &Action::ViewResource { workspace: CLIENT_WS, resource: ra.resource }, now));
            }
            prop_assert_eq!(&access.abilities, &f.abilities(m, CLIENT_WS, now));
            // A toggle held by the role is an allowed toggle-governed action
            // for a member who is not an analyst (whose sections may hide it).
            let role = view.member(m).unwrap();
            if role.partner.is_none() {
                let held = view.toggles_of(role.role);
                for t in &access.toggles {
                    if !held.contains(t.toggle) {
                        prop_assert_eq!(t.decision.reason(), Some(Reason::MissingToggle));
                    }
                }
            }
        }
    }

    /// Need to know: a member asks about itself, an Owner or Administrator
    /// (not an analyst) about anyone; resources the asker may not see are
    /// left out.
    #[test]
    fn only_the_allowed_may_ask_and_only_about_what_they_see(snapshot in snapshot_strategy(), now in now_strategy()) {
        let f = Facts::new(snapshot);
        let view = f.workspace(CLIENT_WS).unwrap();
        let resources: Vec<Id> = view.data().resources.iter().map(|r| r.id).collect();
        for asker in 1..=12 {
            let abilities = f.abilities(asker, CLIENT_WS, now);
            let about_anyone = abilities.manage_groups.is_allowed();
            for m in view.data().members.iter().map(|m| m.account) {
                let got = f.effective_access(asker, CLIENT_WS, m, &resources, now);
                if asker == m && abilities.open.is_allowed() || about_anyone {
                    let got = got.unwrap();
                    for ra in &got.resources {
                        let seen = Action::ViewResource { workspace: CLIENT_WS, resource: ra.resource };
                        let sees = f.decide(asker, &seen, now).is_allowed();
                        prop_assert!(sees, "asker {} told about {}", asker, ra.resource);
                    }
                } else {
                    prop_assert!(got.is_err(), "asker {} about {}", asker, m);
                }
            }
            for &r in &resources {
                let who = f.who_can(asker, CLIENT_WS, r, now);
                let sees = f.decide(asker, &Action::ViewResource { workspace: CLIENT_WS, resource: r }, now).is_allowed();
                prop_assert_eq!(who.is_ok(), about_anyone && sees, "asker {} resource {}: {:?}", asker, r, who.err());
            }
        }
    }
}
