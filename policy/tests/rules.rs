//! Table tests: one or more per rule and condition of SPEC.md sections 2-7,
//! and one per seed sentence that states a rule (quoted in the case name).

mod common;

use common::*;
use policy::*;

/// `None` = allowed, `Some(reason)` = denied for that reason.
type Expect = Option<Reason>;
const OK: Expect = None;

/// Why an actor may not view a resource: `decide` answers these as
/// `unknown_resource` (or `unknown_integration` for a flow's integration),
/// as if the resource did not exist (SPEC 9); `explain` keeps the reason.
fn hidden(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::NotInResourceGroups
            | Reason::NoGroupAdminOnly
            | Reason::DataStudioDisabled
            | Reason::SectionNotGranted
            | Reason::FlowNeedsIntegration
    )
}

fn check(facts: &Facts, cases: &[(&str, Id, Action, Expect)]) {
    check_at(facts, NOW, cases);
}

/// [`check`], deciding at `now`.
fn check_at(facts: &Facts, now: Timestamp, cases: &[(&str, Id, Action, Expect)]) {
    let mut failures = Vec::new();
    for (name, actor, action, expected) in cases {
        let about_a_resource = matches!(
            action,
            Action::ViewResource { .. }
                | Action::EditResource { .. }
                | Action::DeleteResource { .. }
                | Action::SetResourceGroups { .. }
                | Action::RunFlow { .. }
                | Action::CreateResource { integration: Some(_), .. }
        );
        // Creating: only the integration a flow goes in can be hidden.
        let hides = |r: Reason| match action {
            Action::CreateResource { .. } => {
                matches!(r, Reason::NotInResourceGroups | Reason::NoGroupAdminOnly)
            }
            _ => hidden(r),
        };
        let got = match expected {
            Some(r) if about_a_resource && hides(*r) => {
                // The viewer is told nothing: as if it did not exist.
                let unknown = match action {
                    Action::CreateResource { .. } => Reason::UnknownIntegration,
                    _ => Reason::UnknownResource,
                };
                let told = facts.decide(*actor, action, now);
                if told.reason() != Some(unknown) {
                    failures
                        .push(format!("{name}: expected {unknown:?} to the actor, got {told:?}"));
                }
                facts.explain(*actor, action, now)
            }
            _ => facts.decide(*actor, action, now),
        };
        if got.reason() != *expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
        // Explaining differs from deciding only about resources kept hidden.
        let explained = facts.explain(*actor, action, now);
        if explained != facts.decide(*actor, action, now) && !expected.is_some_and(hides) {
            failures.push(format!("{name}: explain {explained:?} differs from decide"));
        }
        // Every denial carries a sentence.
        if let Some(m) = got.message() {
            assert!(m.ends_with('.') && m.len() > 10, "{name}: weak message {m:?}");
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

fn change(target: Id, role: Role) -> Action {
    Action::ChangeRole { workspace: WS, target, role }
}
fn remove(target: Id) -> Action {
    Action::RemoveMember { workspace: WS, target }
}
fn invite(email: &str, role: Role) -> Action {
    Action::Invite { workspace: WS, email: email.into(), role }
}
fn set_toggle(role: Role, toggle: Toggle, on: bool) -> Action {
    Action::SetToggle { workspace: WS, role, toggle, on }
}
fn view(resource: Id) -> Action {
    Action::ViewResource { workspace: WS, resource }
}
fn edit(resource: Id) -> Action {
    Action::EditResource { workspace: WS, resource }
}
fn delete(resource: Id) -> Action {
    Action::DeleteResource { workspace: WS, resource }
}

#[test]
fn roles_rank_owner_over_admin_over_developer() {
    assert!(Role::Owner.rank() > Role::Admin.rank());
    assert!(Role::Admin.rank() > Role::Developer.rank());
    assert_eq!([Role::Developer.rank(), Role::Admin.rank(), Role::Owner.rank()], [1, 2, 3]);
    // Seed: "You cannot create custom permissions." Three roles, no more.
    assert_eq!(Role::ALL.len(), 3);
    let parsed: Result<Role, _> = serde_json::from_str("\"auditor\"");
    assert!(parsed.is_err());
}

#[test]
fn sixteen_toggles_in_five_categories_with_spec_defaults() {
    assert_eq!(Toggle::ALL.len(), 16);
    let counts: Vec<usize> = Category::ALL.iter().map(|c| c.toggles().count()).collect();
    assert_eq!(counts, [4, 3, 3, 3, 3]);
    assert_eq!(ToggleSet::admin_default().iter().count(), 16, "Admin has all sixteen");
    let dev: Vec<&str> = ToggleSet::developer_default().iter().map(Toggle::key).collect();
    assert_eq!(
        dev,
        [
            "connected_account.create",
            "connected_account.edit",
            "api_gateway.create",
            "api_gateway.edit",
            "api_gateway_users.create",
            "api_gateway_users.edit",
            "integrations.create",
            "integrations.edit",
        ],
        "Developer: every create and edit of the last four categories, nothing else"
    );
    for t in Toggle::ALL {
        assert_eq!(Toggle::from_key(t.key()), Some(t));
        assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.key()));
    }
}

#[test]
fn reason_codes_are_snake_case_and_match_serde() {
    for r in Reason::ALL {
        let json = serde_json::to_string(r).unwrap();
        assert_eq!(json, format!("\"{}\"", r.code()));
        assert!(r.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        assert!(r.default_message().ends_with('.'));
    }
    let denied = Decision::deny(Reason::OwnerOnly);
    let json = serde_json::to_value(&denied).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"allowed": false, "code": "owner_only", "message": "Only the workspace owner can do this."})
    );
    assert_eq!(
        serde_json::to_value(Decision::Allowed).unwrap(),
        serde_json::json!({"allowed": true})
    );
    let back: Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, denied);
    assert!(serde_json::from_str::<Decision>(r#"{"allowed":false}"#).is_err());
}

#[test]
fn fixed_abilities() {
    let f = facts();
    check(
        &f,
        &[
            // SPEC 4 / seed: "This option is only available to workspace administrators."
            ("owner sees Permissions tab", OWNER, Action::ViewPermissions { workspace: WS }, OK),
            ("admin sees Permissions tab", ADMIN, Action::ViewPermissions { workspace: WS }, OK),
            (
                "developer has no Permissions tab",
                DEV,
                Action::ViewPermissions { workspace: WS },
                Some(Reason::OwnerOrAdminOnly),
            ),
            // Seed: Admin has "access to administrative tasks such as Usage and Payment";
            // Developer "does not have access to administrative tasks".
            ("admin sees billing", ADMIN, Action::ViewBilling { workspace: WS }, OK),
            (
                "developer no billing",
                DEV,
                Action::ViewBilling { workspace: WS },
                Some(Reason::OwnerOrAdminOnly),
            ),
            ("owner reads audit", OWNER, Action::ViewAudit { workspace: WS }, OK),
            ("admin reads audit", ADMIN, Action::ViewAudit { workspace: WS }, OK),
            (
                "developer no audit",
                DEV,
                Action::ViewAudit { workspace: WS },
                Some(Reason::OwnerOrAdminOnly),
            ),
            ("developer sees Users tab", DEV, Action::ViewUsers { workspace: WS }, OK),
            ("developer sees Groups tab", DEV, Action::ViewGroups { workspace: WS }, OK),
            (
                "outsider cannot open",
                OUTSIDER,
                Action::ViewWorkspace { workspace: WS },
                Some(Reason::NotAMember),
            ),
            (
                "unknown workspace",
                OWNER,
                Action::ViewWorkspace { workspace: 999 },
                Some(Reason::UnknownWorkspace),
            ),
            ("owner deletes workspace", OWNER, Action::DeleteWorkspace { workspace: WS }, OK),
            (
                "admin cannot delete workspace",
                ADMIN,
                Action::DeleteWorkspace { workspace: WS },
                Some(Reason::OwnerOnly),
            ),
            ("admin toggles Data Studio", ADMIN, Action::SetDataStudio { workspace: WS }, OK),
            (
                "developer cannot toggle Data Studio",
                DEV,
                Action::SetDataStudio { workspace: WS },
                Some(Reason::OwnerOrAdminOnly),
            ),
        ],
    );
}

#[test]
fn transfer_ownership() {
    let f = facts();
    let t = |target| Action::TransferOwnership { workspace: WS, target };
    check(
        &f,
        &[
            ("owner to an Active Admin", OWNER, t(ADMIN), OK),
            ("owner to a Developer", OWNER, t(DEV), Some(Reason::TransferTargetNotAdmin)),
            ("owner to a partner analyst", OWNER, t(ANALYST), Some(Reason::TransferTargetNotAdmin)),
            ("owner to self", OWNER, t(OWNER), Some(Reason::TargetIsSelf)),
            ("owner to a non-member", OWNER, t(OUTSIDER), Some(Reason::UnknownMember)),
            ("admin cannot transfer", ADMIN, t(ADMIN2), Some(Reason::OwnerOnly)),
        ],
    );
}

#[test]
fn invitations() {
    let f = facts();
    let resend = |invitation| Action::ResendInvitation { workspace: WS, invitation };
    let delete_inv = |invitation| Action::DeleteInvitation { workspace: WS, invitation };
    check(
        &f,
        &[
            ("owner invites an admin", OWNER, invite("new@x.io", Role::Admin), OK),
            ("admin invites an admin (rank <= own)", ADMIN, invite("new@x.io", Role::Admin), OK),
            ("admin invites a developer", ADMIN, invite("new@x.io", Role::Developer), OK),
            (
                "nobody invites an owner",
                OWNER,
                invite("new@x.io", Role::Owner),
                Some(Reason::RoleNotAssignable),
            ),
            (
                "invalid email",
                ADMIN,
                invite("not-an-email", Role::Developer),
                Some(Reason::InvalidEmail),
            ),
            (
                "already a member, ignoring case and spaces",
                ADMIN,
                invite("  DEV@client.io ", Role::Developer),
                Some(Reason::AlreadyAMember),
            ),
            // An open invitation to the same email is resent, not duplicated: allowed.
            (
                "open invitation to same email",
                ADMIN,
                invite("invitee@example.com", Role::Developer),
                OK,
            ),
            // SPEC 5: resending never changes the role; nobody alters an
            // invitation's role, least of all one above their own.
            (
                "same email, another role",
                OWNER,
                invite(" INVITEE@example.com", Role::Admin),
                Some(Reason::InvitationRoleDiffers),
            ),
            (
                "an Owner-made Admin invitation cannot become Developer",
                ADMIN,
                invite("boss@example.com", Role::Developer),
                Some(Reason::InvitationRoleDiffers),
            ),
            (
                "developer lacks users.add by default",
                DEV,
                invite("new@x.io", Role::Developer),
                Some(Reason::MissingToggle),
            ),
            (
                "analyst never invites",
                ANALYST,
                invite("new@x.io", Role::Developer),
                Some(Reason::PartnerAnalystRestricted),
            ),
            ("outsider", OUTSIDER, invite("new@x.io", Role::Developer), Some(Reason::NotAMember)),
            ("resend", ADMIN, resend(INVITATION), OK),
            ("resend unknown", ADMIN, resend(1), Some(Reason::UnknownInvitation)),
            ("developer cannot resend", DEV, resend(INVITATION), Some(Reason::MissingToggle)),
            // SPEC: deleting any Waiting invitation is allowed (the seed limited it).
            ("delete any waiting invitation", ADMIN, delete_inv(INVITATION), OK),
            ("delete needs users.delete", DEV, delete_inv(INVITATION), Some(Reason::MissingToggle)),
        ],
    );
    // A developer given users.add may invite developers only.
    let f = facts_with(|s| ws_mut(s).toggles.developer.push(Toggle::UsersAdd));
    check(
        &f,
        &[
            (
                "developer with users.add invites a developer",
                DEV,
                invite("n@x.io", Role::Developer),
                OK,
            ),
            ("but not an admin", DEV, invite("n@x.io", Role::Admin), Some(Reason::RoleAboveYours)),
            (
                "nor resends an admin invitation",
                DEV,
                Action::ResendInvitation { workspace: WS, invitation: INVITATION_ADMIN },
                Some(Reason::RoleAboveYours),
            ),
        ],
    );
    // Toggle off for admins: the owner can take users.add away.
    let f = facts_with(|s| ws_mut(s).toggles.admin.retain(|t| *t != Toggle::UsersAdd));
    check(
        &f,
        &[(
            "admin without users.add",
            ADMIN,
            invite("n@x.io", Role::Developer),
            Some(Reason::MissingToggle),
        )],
    );
}

#[test]
fn accepting_invitations_uses_time_as_input() {
    let f = facts();
    let accept = Action::AcceptInvitation { workspace: WS, invitation: INVITATION };
    check_at(
        &f,
        EXPIRES - 1,
        &[("before expiry, matching email (case-insensitive)", INVITEE, accept.clone(), OK)],
    );
    check_at(
        &f,
        EXPIRES,
        &[("at expiry", INVITEE, accept.clone(), Some(Reason::InvitationExpired))],
    );
    check_at(
        &f,
        EXPIRES + 86_400,
        &[("after expiry", INVITEE, accept.clone(), Some(Reason::InvitationExpired))],
    );
    check(
        &f,
        &[
            ("another account", OUTSIDER, accept.clone(), Some(Reason::InvitationForAnotherEmail)),
            ("unknown account", 12345, accept, Some(Reason::UnknownAccount)),
            (
                "deleted invitation",
                INVITEE,
                Action::AcceptInvitation { workspace: WS, invitation: 1 },
                Some(Reason::UnknownInvitation),
            ),
        ],
    );
}

#[test]
fn access_requests() {
    let f = facts();
    let authorize = |request| Action::AuthorizeRequest { workspace: WS, request };
    let reject = |request| Action::RejectRequest { workspace: WS, request };
    check(
        &f,
        &[
            ("outsider asks to join", OUTSIDER, Action::RequestAccess { workspace: WS }, OK),
            (
                "asks twice",
                REQUESTER,
                Action::RequestAccess { workspace: WS },
                Some(Reason::RequestPending),
            ),
            (
                "member asks",
                DEV,
                Action::RequestAccess { workspace: WS },
                Some(Reason::AlreadyAMember),
            ),
            // Seed: "Authorize users in the workspace: Allows you to authorize new users."
            ("admin authorizes", ADMIN, authorize(REQUEST), OK),
            (
                "developer lacks users.authorize",
                DEV,
                authorize(REQUEST),
                Some(Reason::MissingToggle),
            ),
            (
                "analyst never authorizes",
                ANALYST,
                authorize(REQUEST),
                Some(Reason::PartnerAnalystRestricted),
            ),
            // Seed: "Delete users from the workspace: Allows you to reject or exclude a user".
            ("admin rejects", ADMIN, reject(REQUEST), OK),
            ("developer cannot reject", DEV, reject(REQUEST), Some(Reason::MissingToggle)),
            ("unknown request", ADMIN, authorize(1), Some(Reason::UnknownRequest)),
        ],
    );
}

#[test]
fn change_permission() {
    let f = facts();
    check(
        &f,
        &[
            // Seed: "After the invitation is accepted ... Active status, you can change their permission."
            ("owner demotes an admin", OWNER, change(ADMIN, Role::Developer), OK),
            ("owner promotes a developer", OWNER, change(DEV, Role::Admin), OK),
            ("admin promotes a developer to admin", ADMIN, change(DEV, Role::Admin), OK),
            (
                "admins cannot touch other admins",
                ADMIN,
                change(ADMIN2, Role::Developer),
                Some(Reason::TargetRankNotBelow),
            ),
            (
                "admins cannot touch the owner",
                ADMIN,
                change(OWNER, Role::Developer),
                Some(Reason::TargetIsOwner),
            ),
            (
                "nobody demotes the owner",
                OWNER,
                change(OWNER, Role::Admin),
                Some(Reason::TargetIsSelf),
            ),
            ("not yourself", ADMIN, change(ADMIN, Role::Developer), Some(Reason::TargetIsSelf)),
            (
                "Owner role only by transfer",
                OWNER,
                change(ADMIN, Role::Owner),
                Some(Reason::RoleNotAssignable),
            ),
            ("same role", OWNER, change(DEV, Role::Developer), Some(Reason::SameRole)),
            ("developer cannot", DEV, change(DEV2, Role::Admin), Some(Reason::MissingToggle)),
            (
                "a waiting invitee is not Active",
                OWNER,
                change(INVITEE, Role::Admin),
                Some(Reason::UnknownMember),
            ),
            (
                "client admins cannot change an analyst's role",
                ADMIN,
                change(ANALYST, Role::Admin),
                Some(Reason::TargetIsPartnerAnalyst),
            ),
            (
                "nor can the owner",
                OWNER,
                change(ANALYST, Role::Admin),
                Some(Reason::TargetIsPartnerAnalyst),
            ),
            (
                "analysts never change roles",
                ANALYST,
                change(DEV, Role::Admin),
                Some(Reason::PartnerAnalystRestricted),
            ),
        ],
    );
    // A developer with every toggle still cannot change anyone: nobody ranks below.
    let f = facts_with(|s| ws_mut(s).toggles.developer = Toggle::ALL.to_vec());
    check(
        &f,
        &[(
            "developer with the toggle",
            DEV,
            change(DEV2, Role::Admin),
            Some(Reason::TargetRankNotBelow),
        )],
    );
}

#[test]
fn remove_access() {
    let f = facts();
    check(
        &f,
        &[
            ("owner removes an admin", OWNER, remove(ADMIN), OK),
            ("admin removes a developer", ADMIN, remove(DEV), OK),
            (
                "admin cannot remove an admin",
                ADMIN,
                remove(ADMIN2),
                Some(Reason::TargetRankNotBelow),
            ),
            ("owner cannot be removed", ADMIN, remove(OWNER), Some(Reason::TargetIsOwner)),
            ("not yourself", ADMIN, remove(ADMIN), Some(Reason::TargetIsSelf)),
            (
                "owner cannot remove self (never ownerless)",
                OWNER,
                remove(OWNER),
                Some(Reason::TargetIsSelf),
            ),
            ("developer lacks users.delete", DEV, remove(DEV2), Some(Reason::MissingToggle)),
            ("a client Owner may remove an analyst", OWNER, remove(ANALYST), OK),
            (
                "a client admin may not",
                ADMIN,
                remove(ANALYST),
                Some(Reason::OnlyOwnerRemovesAnalysts),
            ),
            ("unknown target", OWNER, remove(OUTSIDER), Some(Reason::UnknownMember)),
        ],
    );
}

#[test]
fn who_edits_which_toggles() {
    let f = facts();
    check(
        &f,
        &[
            // Seed: "The owner administrator ... can add or remove permissions from the administrators".
            (
                "owner edits Admin toggles",
                OWNER,
                set_toggle(Role::Admin, Toggle::UsersDelete, false),
                OK,
            ),
            (
                "owner edits Developer toggles",
                OWNER,
                set_toggle(Role::Developer, Toggle::UsersAdd, true),
                OK,
            ),
            // Seed: "Administrators ... can add or remove permissions for developers".
            (
                "admin edits Developer toggles",
                ADMIN,
                set_toggle(Role::Developer, Toggle::IntegrationsDelete, true),
                OK,
            ),
            (
                "admin switches a Developer toggle off",
                ADMIN,
                set_toggle(Role::Developer, Toggle::IntegrationsEdit, false),
                OK,
            ),
            (
                "admin cannot edit Admin toggles",
                ADMIN,
                set_toggle(Role::Admin, Toggle::UsersAdd, false),
                Some(Reason::OwnerOnlyEditsAdminToggles),
            ),
            (
                "nobody edits the Owner's",
                OWNER,
                set_toggle(Role::Owner, Toggle::UsersAdd, false),
                Some(Reason::OwnerTogglesFixed),
            ),
            (
                "developers see no Permissions tab at all",
                DEV,
                set_toggle(Role::Developer, Toggle::UsersAdd, true),
                Some(Reason::OwnerOrAdminOnly),
            ),
            (
                "analysts never edit toggles",
                ANALYST,
                set_toggle(Role::Developer, Toggle::UsersAdd, true),
                Some(Reason::PartnerAnalystRestricted),
            ),
        ],
    );
    // The Admin role lacks integrations.delete: an admin may not hand it to developers.
    let f = facts_with(|s| {
        let w = ws_mut(s);
        w.toggles.admin.retain(|t| *t != Toggle::IntegrationsDelete);
        w.toggles.developer.push(Toggle::ApiGatewayDelete);
        w.toggles.admin.retain(|t| *t != Toggle::ApiGatewayDelete);
    });
    check(
        &f,
        &[
            (
                "no handing out what you do not hold",
                ADMIN,
                set_toggle(Role::Developer, Toggle::IntegrationsDelete, true),
                Some(Reason::ToggleNotHeldByAdmins),
            ),
            (
                "switching off is always allowed",
                ADMIN,
                set_toggle(Role::Developer, Toggle::ApiGatewayDelete, false),
                OK,
            ),
            (
                "the owner may",
                OWNER,
                set_toggle(Role::Developer, Toggle::IntegrationsDelete, true),
                OK,
            ),
        ],
    );
}

#[test]
fn saving_toggles_is_one_batch_on_a_version() {
    let f = facts_with(|s| {
        let w = ws_mut(s);
        w.toggles.version = 7;
        w.toggles.admin.retain(|t| *t != Toggle::IntegrationsDelete);
    });
    let save = |role, toggles: Vec<Toggle>, base_version| Action::SaveToggles {
        workspace: WS,
        role,
        toggles,
        base_version,
    };
    let dev_now = ToggleSet::developer_default().iter().collect::<Vec<_>>();
    let mut dev_plus_users_add = dev_now.clone();
    dev_plus_users_add.push(Toggle::UsersAdd);
    let mut dev_plus_delete = dev_now.clone();
    dev_plus_delete.push(Toggle::IntegrationsDelete);
    check(
        &f,
        &[
            (
                "admin saves developer toggles",
                ADMIN,
                save(Role::Developer, dev_plus_users_add.clone(), 7),
                OK,
            ),
            (
                "stale version is refused",
                ADMIN,
                save(Role::Developer, dev_plus_users_add, 6),
                Some(Reason::StaleVersion),
            ),
            (
                "a batch with one forbidden switch-on fails whole",
                ADMIN,
                save(Role::Developer, dev_plus_delete, 7),
                Some(Reason::ToggleNotHeldByAdmins),
            ),
            ("unchanged toggles need no right", ADMIN, save(Role::Developer, dev_now, 7), OK),
            ("owner saves admin toggles", OWNER, save(Role::Admin, vec![], 7), OK),
            (
                "admin cannot save admin toggles",
                ADMIN,
                save(Role::Admin, Toggle::ALL.to_vec(), 7),
                Some(Reason::OwnerOnlyEditsAdminToggles),
            ),
        ],
    );
}

#[test]
fn groups() {
    let f = facts();
    let create = |name: &str, description: &str| Action::CreateGroup {
        workspace: WS,
        name: name.into(),
        description: description.into(),
    };
    let edit_g = |group, name: &str| Action::EditGroup {
        workspace: WS,
        group,
        name: name.into(),
        description: String::new(),
    };
    let del = |group, confirm: &str| Action::DeleteGroup {
        workspace: WS,
        group,
        confirm_name: confirm.into(),
    };
    let add = |group, accounts: Vec<Id>| Action::AddGroupMembers { workspace: WS, group, accounts };
    let rm = |group, account| Action::RemoveGroupMember { workspace: WS, group, account };
    check(
        &f,
        &[
            ("admin creates", ADMIN, create("Sales", "Sales team"), OK),
            ("owner creates", OWNER, create("Sales", ""), OK),
            ("developer cannot", DEV, create("Sales", ""), Some(Reason::OwnerOrAdminOnly)),
            (
                "analyst cannot",
                ANALYST,
                create("Sales", ""),
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "name unique ignoring case",
                ADMIN,
                create("FINANCE", ""),
                Some(Reason::GroupNameTaken),
            ),
            ("not \"default\"", ADMIN, create("Default", ""), Some(Reason::InvalidGroupName)),
            ("not empty", ADMIN, create("   ", ""), Some(Reason::InvalidGroupName)),
            (
                "at most 64 chars",
                ADMIN,
                create(&"x".repeat(65), ""),
                Some(Reason::InvalidGroupName),
            ),
            ("64 chars is fine", ADMIN, create(&"x".repeat(64), ""), OK),
            (
                "description <= 500",
                ADMIN,
                create("Sales", &"d".repeat(501)),
                Some(Reason::InvalidGroupDescription),
            ),
            ("rename keeping its own name in another case", ADMIN, edit_g(FINANCE, "finance"), OK),
            (
                "rename onto another group's name",
                ADMIN,
                edit_g(FINANCE, "ops"),
                Some(Reason::GroupNameTaken),
            ),
            // Seed: "this group cannot be edited".
            (
                "default group cannot be renamed",
                OWNER,
                edit_g(DEFAULT_GROUP, "all"),
                Some(Reason::DefaultGroupImmutable),
            ),
            (
                "default group cannot be deleted",
                OWNER,
                del(DEFAULT_GROUP, "default"),
                Some(Reason::DefaultGroupImmutable),
            ),
            (
                "default group: no members added",
                OWNER,
                add(DEFAULT_GROUP, vec![DEV]),
                Some(Reason::DefaultGroupImmutable),
            ),
            (
                "default group: no members removed",
                OWNER,
                rm(DEFAULT_GROUP, DEV),
                Some(Reason::DefaultGroupImmutable),
            ),
            // Seed: "type in the name of the group to confirm the action".
            ("delete with the exact name", ADMIN, del(FINANCE, "Finance"), OK),
            (
                "delete with the wrong case",
                ADMIN,
                del(FINANCE, "finance"),
                Some(Reason::ConfirmationMismatch),
            ),
            (
                "delete with extra space",
                ADMIN,
                del(FINANCE, "Finance "),
                Some(Reason::ConfirmationMismatch),
            ),
            ("unknown group", ADMIN, del(1, "x"), Some(Reason::UnknownGroup)),
            // Seed: "you can add one or several users simultaneously".
            ("add several Active members", ADMIN, add(OPS, vec![DEV, DEV2, ANALYST]), OK),
            // SPEC 6: members are any Active members; adding one who is in
            // the group already changes nothing and is no error (the server
            // answers 200 and writes no second row).
            ("add someone already in it", ADMIN, add(FINANCE, vec![DEV]), OK),
            ("the same account twice in one request", ADMIN, add(OPS, vec![DEV2, DEV2]), OK),
            (
                "only Active members",
                ADMIN,
                add(OPS, vec![DEV, INVITEE]),
                Some(Reason::NotAnActiveMember),
            ),
            ("remove a member with the x", ADMIN, rm(FINANCE, DEV), OK),
            ("remove someone not in it", ADMIN, rm(FINANCE, DEV2), Some(Reason::NotInGroup)),
            (
                "developer cannot add members",
                DEV,
                add(OPS, vec![DEV]),
                Some(Reason::OwnerOrAdminOnly),
            ),
        ],
    );
}

#[test]
fn deleting_a_group_reports_resources_left_admin_only() {
    let f = facts();
    let ws = f.workspace(WS).unwrap();
    // Finance is the only group of INTEGRATION, MODULE and DATA_JOB.
    assert_eq!(ws.resources_orphaned_by_deleting(FINANCE), Some(3));
    assert_eq!(ws.resources_orphaned_by_deleting(OPS), Some(2));
    // After deletion (the server drops the group from every resource) they are
    // admin-only: fail closed.
    let f = facts_with(|s| {
        let w = ws_mut(s);
        w.groups.retain(|g| g.id != FINANCE);
        for r in &mut w.resources {
            r.groups.retain(|g| *g != FINANCE);
        }
    });
    check(
        &f,
        &[
            (
                "developer loses the orphaned module",
                DEV,
                view(MODULE),
                Some(Reason::NoGroupAdminOnly),
            ),
            ("admin still manages it", ADMIN, edit(MODULE), OK),
            ("owner still manages it", OWNER, delete(MODULE), OK),
        ],
    );
}

#[test]
fn resource_access_by_groups_and_toggles() {
    let f = facts();
    check(
        &f,
        &[
            // Seed: "Without the appropriate permissions, a user won't be able to view or manage certain items."
            ("developer in Finance views its integration", DEV, view(INTEGRATION), OK),
            ("and edits it (integrations.edit)", DEV, edit(INTEGRATION), OK),
            (
                "but lacks integrations.delete",
                DEV,
                delete(INTEGRATION),
                Some(Reason::MissingToggle),
            ),
            (
                "developer not in Finance",
                DEV2,
                view(INTEGRATION),
                Some(Reason::NotInResourceGroups),
            ),
            ("default group: everyone", DEV2, edit(OPEN_INTEGRATION), OK),
            ("owner regardless of groups", OWNER, delete(INTEGRATION), OK),
            ("admin regardless of groups", ADMIN, edit(GATEWAY), OK),
            ("module: groups, no toggle", DEV, delete(MODULE), OK),
            ("module not in group", DEV2, edit(MODULE), Some(Reason::NotInResourceGroups)),
            (
                "module with no group is admin-only",
                DEV,
                view(ORPHAN_MODULE),
                Some(Reason::NoGroupAdminOnly),
            ),
            ("admin on module with no group", ADMIN, delete(ORPHAN_MODULE), OK),
            ("gateway: not in Ops", DEV, view(GATEWAY), Some(Reason::NotInResourceGroups)),
            // Connected accounts and API Gateway users: toggles only, no groups.
            ("connected account edit by toggle", DEV, edit(CONNECTED), OK),
            (
                "connected account delete lacks toggle",
                DEV,
                delete(CONNECTED),
                Some(Reason::MissingToggle),
            ),
            ("gateway user edit by toggle", DEV2, edit(GATEWAY_USER), OK),
            (
                "gateway user delete lacks toggle",
                DEV2,
                delete(GATEWAY_USER),
                Some(Reason::MissingToggle),
            ),
            ("unknown resource", DEV, view(1), Some(Reason::UnknownResource)),
            // Flows follow their integration (seed: "Flows follow the integration hierarchy").
            ("flow of a Finance integration: Finance member", DEV, edit(FLOW), OK),
            (
                "flow of a Finance integration: others",
                DEV2,
                view(FLOW),
                Some(Reason::NotInResourceGroups),
            ),
            ("flow uses integrations.* toggles", DEV, delete(FLOW), Some(Reason::MissingToggle)),
            // Data Studio does not follow the integration (seed: "there is no linkage").
            ("data job has its own groups", DEV, edit(DATA_JOB), OK),
            (
                "file job in a flow DEV can edit, but DEV not in Ops",
                DEV,
                view(FILE_JOB),
                Some(Reason::NotInResourceGroups),
            ),
            (
                "file template with no group",
                DEV,
                view(FILE_TEMPLATE),
                Some(Reason::NoGroupAdminOnly),
            ),
        ],
    );
    // Admin toggles bind admins too (only groups do not).
    let f = facts_with(|s| ws_mut(s).toggles.admin.retain(|t| *t != Toggle::IntegrationsDelete));
    check(
        &f,
        &[(
            "admin without integrations.delete",
            ADMIN,
            delete(INTEGRATION),
            Some(Reason::MissingToggle),
        )],
    );
}

#[test]
fn data_studio_only_when_enabled() {
    let f = facts_with(|s| ws_mut(s).data_studio = false);
    check(
        &f,
        &[
            (
                "owner cannot see a data job",
                OWNER,
                view(DATA_JOB),
                Some(Reason::DataStudioDisabled),
            ),
            ("file template hidden", ADMIN, edit(FILE_TEMPLATE), Some(Reason::DataStudioDisabled)),
            (
                "no creating one",
                OWNER,
                Action::CreateResource {
                    workspace: WS,
                    kind: ResourceKind::FileJob,
                    integration: None,
                },
                Some(Reason::DataStudioDisabled),
            ),
            (
                "no setting its groups",
                OWNER,
                Action::SetResourceGroups { workspace: WS, resource: DATA_JOB, groups: vec![] },
                Some(Reason::DataStudioDisabled),
            ),
            ("other kinds unaffected", DEV, view(INTEGRATION), OK),
        ],
    );
}

#[test]
fn creating_resources() {
    let f = facts();
    let create = |kind, integration| Action::CreateResource { workspace: WS, kind, integration };
    check(
        &f,
        &[
            ("developer creates an integration", DEV, create(ResourceKind::Integration, None), OK),
            // Seed: "Developer: can create and edit modules, flows and integrations."
            ("developer creates a module", DEV, create(ResourceKind::Module, None), OK),
            (
                "developer creates a flow in an integration they see",
                DEV,
                create(ResourceKind::Flow, Some(INTEGRATION)),
                OK,
            ),
            (
                "not in an integration they cannot see",
                DEV2,
                create(ResourceKind::Flow, Some(INTEGRATION)),
                Some(Reason::NotInResourceGroups),
            ),
            (
                "a flow needs an integration",
                DEV,
                create(ResourceKind::Flow, None),
                Some(Reason::FlowNeedsIntegration),
            ),
            (
                "a flow's integration must be an integration",
                DEV,
                create(ResourceKind::Flow, Some(MODULE)),
                Some(Reason::FlowNeedsIntegration),
            ),
            ("developer creates a data job", DEV, create(ResourceKind::DataJob, None), OK),
            (
                "connected account with its toggle",
                DEV,
                create(ResourceKind::ConnectedAccount, None),
                OK,
            ),
        ],
    );
    let f = facts_with(|s| ws_mut(s).toggles.developer.clear());
    check(
        &f,
        &[(
            "no integrations.create",
            DEV,
            create(ResourceKind::Integration, None),
            Some(Reason::MissingToggle),
        )],
    );
}

#[test]
fn setting_resource_groups() {
    let f = facts();
    let set =
        |resource, groups: Vec<Id>| Action::SetResourceGroups { workspace: WS, resource, groups };
    check(
        &f,
        &[
            ("admin sets an integration's groups", ADMIN, set(INTEGRATION, vec![OPS, FINANCE]), OK),
            ("owner may leave it with none (admin-only)", OWNER, set(MODULE, vec![]), OK),
            ("developer cannot", DEV, set(INTEGRATION, vec![OPS]), Some(Reason::OwnerOrAdminOnly)),
            (
                "analyst cannot",
                ANALYST,
                set(OPEN_INTEGRATION, vec![OPS]),
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "a flow has no groups of its own",
                ADMIN,
                set(FLOW, vec![OPS]),
                Some(Reason::FlowFollowsIntegration),
            ),
            (
                "connected accounts have no groups",
                ADMIN,
                set(CONNECTED, vec![OPS]),
                Some(Reason::KindHasNoGroups),
            ),
            (
                "API Gateway users have no groups",
                ADMIN,
                set(GATEWAY_USER, vec![OPS]),
                Some(Reason::KindHasNoGroups),
            ),
            ("groups must exist", ADMIN, set(GATEWAY, vec![1]), Some(Reason::UnknownGroup)),
            ("data job groups are its own", ADMIN, set(DATA_JOB, vec![OPS]), OK),
        ],
    );
    // Changing the integration's groups changes its flows' access at once.
    let f = facts_with(|s| {
        for r in &mut ws_mut(s).resources {
            if r.id == INTEGRATION {
                r.groups = vec![OPS];
            }
        }
    });
    check(
        &f,
        &[("flow followed the integration", DEV, view(FLOW), Some(Reason::NotInResourceGroups))],
    );
}

#[test]
fn manual_run_plan() {
    let f = facts();
    // DEV can manage FLOW (Finance) and DATA_JOB (Finance) but not FILE_JOB (Ops).
    let plan = f.run_plan(DEV, WS, FLOW, NOW).unwrap();
    assert_eq!(
        plan.steps,
        vec![
            RunStep { resource: DATA_JOB, kind: ResourceKind::DataJob, run_as: RunAs::User },
            RunStep {
                resource: FILE_JOB,
                kind: ResourceKind::FileJob,
                run_as: RunAs::JobGroups { groups: vec![OPS] }
            },
        ],
        "seed: the execution uses the group saved for that Data Job/File Job, not the user's group"
    );
    // The owner can access every job: everything runs as the user.
    let plan = f.run_plan(OWNER, WS, FLOW, NOW).unwrap();
    assert!(plan.steps.iter().all(|s| s.run_as == RunAs::User));
    let run = |flow| Action::RunFlow { workspace: WS, flow };
    check(
        &f,
        &[
            (
                "to run a flow the user must manage it",
                DEV2,
                run(FLOW),
                Some(Reason::NotInResourceGroups),
            ),
            ("open flow with an Ops job", DEV2, run(OPEN_FLOW), OK),
            (
                "a job with no group cannot stand in",
                DEV,
                run(ORPHAN_FLOW),
                Some(Reason::JobWithoutGroup),
            ),
            ("admins run it as themselves", ADMIN, run(ORPHAN_FLOW), OK),
            ("only flows run", DEV, run(INTEGRATION), Some(Reason::NotAFlow)),
        ],
    );
    let f = facts_with(|s| ws_mut(s).toggles.developer.retain(|t| *t != Toggle::IntegrationsEdit));
    check(
        &f,
        &[(
            "managing the flow needs integrations.edit",
            DEV,
            run(FLOW),
            Some(Reason::MissingToggle),
        )],
    );
}

#[test]
fn companies_and_support() {
    let f = facts();
    check(
        &f,
        &[
            (
                "a company member sees the company",
                ADMIN,
                Action::ViewCompany { company: CLIENT },
                OK,
            ),
            ("support sees any company", SUPPORT, Action::ViewCompany { company: PARTNER }, OK),
            (
                "an outsider does not",
                OUTSIDER,
                Action::ViewCompany { company: CLIENT },
                Some(Reason::NotCompanyMember),
            ),
            (
                "company admin creates a workspace",
                OWNER,
                Action::CreateWorkspace { company: CLIENT },
                OK,
            ),
            (
                "company member who is not admin",
                ADMIN,
                Action::CreateWorkspace { company: CLIENT },
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "company admin adds members",
                OWNER,
                Action::AddCompanyMember { company: CLIENT, account: None },
                OK,
            ),
            (
                "outsider",
                OUTSIDER,
                Action::AddCompanyMember { company: CLIENT, account: None },
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "unknown company",
                OWNER,
                Action::CreateWorkspace { company: 1 },
                Some(Reason::UnknownCompany),
            ),
            // Seed: "To grant access to a company as a Partner or Clients, you must contact ... support".
            (
                "support enables partner/client",
                SUPPORT,
                Action::SetCompanyCapabilities { company: CLIENT },
                OK,
            ),
            (
                "a company admin cannot",
                OWNER,
                Action::SetCompanyCapabilities { company: CLIENT },
                Some(Reason::SupportOnly),
            ),
        ],
    );
}

#[test]
fn partner_grants() {
    let grant = |partner, workspaces: Vec<Id>, role, sections: Vec<Section>| Action::CreateGrant {
        client: CLIENT,
        partner,
        workspaces,
        role,
        sections,
        expires_at: NOW + GRANT_DEFAULT_SECONDS,
    };
    // With the current grant revoked, the client may grant again.
    let f = facts_with(|s| s.grants[0].revoked = true);
    check(
        &f,
        &[
            // Seed: "Beta Company grants TechHelp access as a partner."
            (
                "client admin grants",
                OWNER,
                grant(PARTNER, vec![WS], Role::Developer, vec![Section::Modules]),
                OK,
            ),
            (
                "admin role at most",
                OWNER,
                grant(PARTNER, vec![WS], Role::Admin, vec![Section::Modules]),
                OK,
            ),
            (
                "never owner",
                OWNER,
                grant(PARTNER, vec![WS], Role::Owner, vec![Section::Modules]),
                Some(Reason::RoleNotAssignable),
            ),
            (
                "a non-admin of the client",
                ADMIN,
                grant(PARTNER, vec![WS], Role::Developer, vec![Section::Modules]),
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "not its own partner",
                OWNER,
                grant(CLIENT, vec![WS], Role::Developer, vec![Section::Modules]),
                Some(Reason::OwnPartner),
            ),
            (
                "only the client's workspaces",
                OWNER,
                grant(PARTNER, vec![OTHER_WS], Role::Developer, vec![Section::Modules]),
                Some(Reason::WorkspaceNotInClient),
            ),
            (
                "at least one workspace",
                OWNER,
                grant(PARTNER, vec![], Role::Developer, vec![Section::Modules]),
                Some(Reason::NoWorkspaces),
            ),
            (
                "at least one section",
                OWNER,
                grant(PARTNER, vec![WS], Role::Developer, vec![]),
                Some(Reason::NoSections),
            ),
        ],
    );
    let f = facts();
    check(
        &f,
        &[
            // Seed: "A Partner can have multiple Clients, while a Client can be linked to only one Partner."
            (
                "one partner per client",
                OWNER,
                grant(OTHER_PARTNER, vec![WS], Role::Developer, vec![Section::Modules]),
                Some(Reason::ClientHasPartner),
            ),
        ],
    );
    let f = facts_with(|s| {
        s.companies[0].client_enabled = false;
        s.grants.clear();
    });
    check(
        &f,
        &[(
            "client must be enabled by support",
            OWNER,
            grant(PARTNER, vec![WS], Role::Developer, vec![Section::Modules]),
            Some(Reason::NotAClient),
        )],
    );
    let f = facts_with(|s| {
        s.companies[1].partner_enabled = false;
        s.grants.clear();
    });
    check(
        &f,
        &[(
            "partner must be enabled by support",
            OWNER,
            grant(PARTNER, vec![WS], Role::Developer, vec![Section::Modules]),
            Some(Reason::NotAPartner),
        )],
    );
    // Seed: "A company can act as both a Partner and a Client simultaneously."
    let f = facts_with(|s| s.grants.clear());
    check(
        &f,
        &[(
            "a company both partner and client",
            OTHER_PARTNER_ADMIN,
            Action::CreateGrant {
                client: OTHER_PARTNER,
                partner: PARTNER,
                workspaces: vec![],
                role: Role::Developer,
                sections: vec![Section::Modules],
                expires_at: NOW + 1,
            },
            Some(Reason::NoWorkspaces),
        )],
    );
}

#[test]
fn redeeming_and_registering_analysts() {
    let register =
        |workspace, analyst| Action::RegisterAnalyst { grant: GRANT, workspace, analyst };
    let unredeemed = facts_with(|s| s.grants[0].redeemed = false);
    check(
        &unredeemed,
        &[
            (
                "partner admin redeems the key",
                PARTNER_ADMIN,
                Action::RedeemGrant { grant: GRANT },
                OK,
            ),
            (
                "a partner member who is not admin",
                PARTNER_MEMBER,
                Action::RedeemGrant { grant: GRANT },
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "the client cannot redeem",
                OWNER,
                Action::RedeemGrant { grant: GRANT },
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "no analysts before redeeming",
                PARTNER_ADMIN,
                register(WS, PARTNER_MEMBER),
                Some(Reason::GrantNotRedeemed),
            ),
        ],
    );
    let f = facts();
    check(
        &f,
        &[
            (
                "redeem twice",
                PARTNER_ADMIN,
                Action::RedeemGrant { grant: GRANT },
                Some(Reason::AlreadyRedeemed),
            ),
            // Seed: "TechHelp registers its own analysts in Beta Company's system."
            ("partner admin registers an analyst", PARTNER_ADMIN, register(WS, PARTNER_MEMBER), OK),
            (
                "without the client's intervention: client cannot",
                OWNER,
                register(WS, PARTNER_MEMBER),
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "only granted workspaces",
                PARTNER_ADMIN,
                register(WS2, PARTNER_MEMBER),
                Some(Reason::WorkspaceNotGranted),
            ),
            (
                "only the partner's own people",
                PARTNER_ADMIN,
                register(WS, OUTSIDER),
                Some(Reason::AnalystNotInPartner),
            ),
            ("not twice", PARTNER_ADMIN, register(WS, ANALYST), Some(Reason::AlreadyAMember)),
            // Seed: "If an analyst leaves TechHelp, the company itself can remove them".
            (
                "partner removes its analyst",
                PARTNER_ADMIN,
                Action::RemoveAnalyst { grant: GRANT, workspace: WS, analyst: ANALYST },
                OK,
            ),
            (
                "not a client member",
                PARTNER_ADMIN,
                Action::RemoveAnalyst { grant: GRANT, workspace: WS, analyst: DEV },
                Some(Reason::NotAnAnalyst),
            ),
            (
                "client admins cannot remove via the partner route",
                OWNER,
                Action::RemoveAnalyst { grant: GRANT, workspace: WS, analyst: ANALYST },
                Some(Reason::NotCompanyAdmin),
            ),
            // Seed: "Beta Company can simply delete TechHelp's access key".
            ("client admin revokes", OWNER, Action::RevokeGrant { grant: GRANT }, OK),
            (
                "the partner cannot revoke",
                PARTNER_ADMIN,
                Action::RevokeGrant { grant: GRANT },
                Some(Reason::NotCompanyAdmin),
            ),
            ("unknown key", OWNER, Action::RevokeGrant { grant: 1 }, Some(Reason::UnknownGrant)),
        ],
    );
}

#[test]
fn analyst_rights_are_grant_intersect_normal_rules() {
    let f = facts();
    check(
        &f,
        &[
            // Seed: "TechHelp analysts can access only the information authorized by Beta Company."
            (
                "integrations granted, default-group integration",
                ANALYST,
                edit(OPEN_INTEGRATION),
                OK,
            ),
            (
                "integrations granted, but not in Finance",
                ANALYST,
                view(INTEGRATION),
                Some(Reason::NotInResourceGroups),
            ),
            ("modules not granted", ANALYST, view(MODULE), Some(Reason::SectionNotGranted)),
            (
                "api gateway not granted",
                ANALYST,
                view(GATEWAY_USER),
                Some(Reason::SectionNotGranted),
            ),
            (
                "connected accounts not granted",
                ANALYST,
                edit(CONNECTED),
                Some(Reason::SectionNotGranted),
            ),
            ("data studio not granted", ANALYST, view(DATA_JOB), Some(Reason::SectionNotGranted)),
            ("users list granted", ANALYST, Action::ViewUsers { workspace: WS }, OK),
            (
                "audit not granted (and not admin)",
                ANALYST,
                Action::ViewAudit { workspace: WS },
                Some(Reason::OwnerOrAdminOnly),
            ),
            (
                "never billing",
                ANALYST,
                Action::ViewBilling { workspace: WS },
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "never the Permissions tab",
                ANALYST,
                Action::ViewPermissions { workspace: WS },
                Some(Reason::PartnerAnalystRestricted),
            ),
            ("never removes members", ANALYST, remove(DEV), Some(Reason::PartnerAnalystRestricted)),
            (
                "never transfers ownership",
                ANALYST,
                Action::TransferOwnership { workspace: WS, target: ADMIN },
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "not in workspaces outside the grant",
                ANALYST,
                Action::ViewWorkspace { workspace: WS2 },
                Some(Reason::NotAMember),
            ),
            (
                "the analyst's own company workspace is unaffected",
                ANALYST,
                Action::ViewWorkspace { workspace: OTHER_WS },
                OK,
            ),
        ],
    );
    // An Admin-role grant with audit: the analyst is an admin for resources, but
    // people and permissions stay the client's.
    let f = facts_with(|s| {
        s.grants[0].role = Role::Admin;
        s.grants[0].sections = Section::ALL.to_vec();
        for m in &mut ws_mut(s).members {
            if m.account == ANALYST {
                m.role = Role::Admin;
            }
        }
    });
    check(
        &f,
        &[
            ("admin analyst manages any integration", ANALYST, delete(INTEGRATION), OK),
            ("admin analyst reads the audit log", ANALYST, Action::ViewAudit { workspace: WS }, OK),
            (
                "but never invites",
                ANALYST,
                invite("x@y.io", Role::Developer),
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "never edits groups",
                ANALYST,
                Action::CreateGroup { workspace: WS, name: "P".into(), description: String::new() },
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "never edits toggles",
                ANALYST,
                set_toggle(Role::Developer, Toggle::UsersAdd, false),
                Some(Reason::PartnerAnalystRestricted),
            ),
            (
                "never sets resource groups",
                ANALYST,
                Action::SetResourceGroups { workspace: WS, resource: INTEGRATION, groups: vec![] },
                Some(Reason::PartnerAnalystRestricted),
            ),
        ],
    );
    // The member row cannot lift an analyst above the grant.
    let f = facts_with(|s| {
        for m in &mut ws_mut(s).members {
            if m.account == ANALYST {
                m.role = Role::Owner;
            }
        }
    });
    check(
        &f,
        &[(
            "capped by the grant's role",
            ANALYST,
            delete(OPEN_INTEGRATION),
            Some(Reason::MissingToggle),
        )],
    );
}

#[test]
fn revoked_grant_refuses_the_very_next_request() {
    let f = facts_with(|s| s.grants[0].revoked = true);
    check(
        &f,
        &[
            // Seed: "Beta Company can simply delete TechHelp's access key, immediately revoking all access."
            (
                "cannot open the workspace",
                ANALYST,
                Action::ViewWorkspace { workspace: WS },
                Some(Reason::PartnerAccessRevoked),
            ),
            (
                "cannot view what was granted",
                ANALYST,
                view(OPEN_INTEGRATION),
                Some(Reason::PartnerAccessRevoked),
            ),
            (
                "cannot read users",
                ANALYST,
                Action::ViewUsers { workspace: WS },
                Some(Reason::PartnerAccessRevoked),
            ),
            (
                "partner cannot register more",
                PARTNER_ADMIN,
                Action::RegisterAnalyst { grant: GRANT, workspace: WS, analyst: PARTNER_MEMBER },
                Some(Reason::GrantRevoked),
            ),
            (
                "revoke twice",
                OWNER,
                Action::RevokeGrant { grant: GRANT },
                Some(Reason::GrantRevoked),
            ),
        ],
    );
    // Removing the workspace from the grant's scope also cuts access.
    let f = facts_with(|s| s.grants[0].workspaces.clear());
    check(
        &f,
        &[("out of scope", ANALYST, view(OPEN_INTEGRATION), Some(Reason::PartnerAccessRevoked))],
    );
}

#[test]
fn ui_abilities_follow_the_rules() {
    let f = facts();
    let owner = f.abilities(OWNER, WS, NOW);
    assert!(owner.permissions_tab.is_allowed() && owner.transfer_ownership.is_allowed());
    assert!(owner.edit_admin_toggles.is_allowed() && owner.edit_developer_toggles.is_allowed());
    assert_eq!(owner.invite_roles, vec![Role::Developer, Role::Admin]);
    let admin = f.abilities(ADMIN, WS, NOW);
    assert_eq!(admin.edit_admin_toggles.reason(), Some(Reason::OwnerOnlyEditsAdminToggles));
    assert!(admin.edit_developer_toggles.is_allowed());
    assert_eq!(admin.transfer_ownership.reason(), Some(Reason::OwnerOnly));
    // The per-role form of the same answer, which the Permissions form uses.
    assert_eq!(f.toggle_editing(ADMIN, WS, Role::Admin, NOW), admin.edit_admin_toggles);
    assert!(f.toggle_editing(ADMIN, WS, Role::Developer, NOW).is_allowed());
    assert_eq!(
        f.toggle_editing(OWNER, WS, Role::Owner, NOW).reason(),
        Some(Reason::OwnerTogglesFixed)
    );
    // Partner relations are the company admins' (the company page asks this).
    assert!(f.manages_partners(PARTNER_ADMIN, PARTNER).is_allowed());
    assert_eq!(f.manages_partners(PARTNER_MEMBER, PARTNER).reason(), Some(Reason::NotCompanyAdmin));
    assert_eq!(f.manages_partners(PARTNER_ADMIN, CLIENT).reason(), Some(Reason::NotCompanyAdmin));
    let dev = f.abilities(DEV, WS, NOW);
    assert_eq!(dev.role, Some(Role::Developer));
    assert_eq!(dev.permissions_tab.reason(), Some(Reason::OwnerOrAdminOnly));
    assert_eq!(dev.invite.reason(), Some(Reason::MissingToggle));
    assert!(dev.invite_roles.is_empty());
    let analyst = f.abilities(ANALYST, WS, NOW);
    assert!(analyst.analyst);
    assert_eq!(analyst.manage_groups.reason(), Some(Reason::PartnerAnalystRestricted));
    let outsider = f.abilities(OUTSIDER, WS, NOW);
    assert_eq!(outsider.role, None);
    assert_eq!(outsider.open.reason(), Some(Reason::NotAMember));

    // An admin sees Admin toggles read-only with the reason.
    let controls = f.toggle_controls(ADMIN, WS, Role::Admin, NOW);
    assert_eq!(controls.len(), 16);
    assert!(controls.iter().all(|c| c.flip.reason() == Some(Reason::OwnerOnlyEditsAdminToggles)));
    let controls = f.toggle_controls(ADMIN, WS, Role::Developer, NOW);
    assert!(controls.iter().all(|c| c.flip.is_allowed()));

    // The arrow menu.
    let m = f.member_controls(ADMIN, WS, DEV, NOW);
    assert_eq!(m.roles, vec![Role::Admin]);
    assert!(m.change_role.is_allowed() && m.remove.is_allowed());
    let m = f.member_controls(ADMIN, WS, ADMIN2, NOW);
    assert!(m.roles.is_empty());
    assert_eq!(m.change_role.reason(), Some(Reason::TargetRankNotBelow));
    assert_eq!(m.remove.reason(), Some(Reason::TargetRankNotBelow));
    let m = f.member_controls(OWNER, WS, ADMIN, NOW);
    assert_eq!(m.roles, vec![Role::Developer]);
    assert!(m.transfer_ownership.is_allowed());
    assert_eq!(f.assignable_roles(OWNER, WS, None, NOW), vec![Role::Developer, Role::Admin]);
}

#[test]
fn decisions_are_total_on_garbage() {
    // Unknown everything: a denial, never a panic.
    let f = Facts::new(Snapshot::default());
    for action in [
        view(1),
        Action::RevokeGrant { grant: 1 },
        Action::RedeemGrant { grant: 1 },
        Action::SetCompanyCapabilities { company: 1 },
        Action::AcceptInvitation { workspace: 1, invitation: 1 },
        Action::RenewGrant { grant: 1, expires_at: i64::MAX },
    ] {
        assert!(!f.decide(1, &action, NOW).is_allowed());
        assert!(!f.decide(1, &action, i64::MIN).is_allowed());
        assert!(!f.decide(1, &action, i64::MAX).is_allowed());
    }
    // Extreme times and expiries never overflow.
    let renew = Action::RenewGrant { grant: GRANT, expires_at: i64::MAX };
    assert!(!facts().decide(OWNER, &renew, i64::MIN).is_allowed());
    let renew = Action::RenewGrant { grant: GRANT, expires_at: i64::MIN };
    assert!(!facts().decide(OWNER, &renew, i64::MAX).is_allowed());
    assert!(f.run_plan(1, 1, 1, NOW).is_err());
    assert_eq!(f.toggle_controls(1, 1, Role::Admin, NOW).len(), 16);
}

#[test]
fn company_members_are_added_removed_and_demoted_never_the_last_admin() {
    let add = |account| Action::AddCompanyMember { company: CLIENT, account: Some(account) };
    let remove = |account| Action::RemoveCompanyMember { company: CLIENT, account };
    let admin = |account, admin| Action::SetCompanyAdmin { company: CLIENT, account, admin };
    let f = facts_with(|s| {
        // OUTSIDER never verified the address.
        s.accounts.iter_mut().filter(|a| a.id == OUTSIDER).for_each(|a| a.verified = false);
    });
    check(
        &f,
        &[
            ("a verified account is added", OWNER, add(DEV), OK),
            (
                "SPEC 1: an unverified one is not",
                OWNER,
                add(OUTSIDER),
                Some(Reason::AccountNotVerified),
            ),
            ("nor someone already in", OWNER, add(ADMIN), Some(Reason::AlreadyInCompany)),
            ("an unknown account", OWNER, add(4242), Some(Reason::UnknownAccount)),
            ("a plain member adds nobody", ADMIN, add(DEV), Some(Reason::NotCompanyAdmin)),
            ("remove a member", OWNER, remove(ADMIN), OK),
            ("not someone outside", OWNER, remove(DEV), Some(Reason::UnknownCompanyMember)),
            ("never the last admin", OWNER, remove(OWNER), Some(Reason::LastCompanyAdmin)),
            ("make a member admin", OWNER, admin(ADMIN, true), OK),
            (
                "never demote the last admin",
                OWNER,
                admin(OWNER, false),
                Some(Reason::LastCompanyAdmin),
            ),
            (
                "the company's own people only",
                ADMIN,
                admin(ADMIN, true),
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "its admins read its audit log",
                OWNER,
                Action::ViewCompanyAudit { company: CLIENT },
                OK,
            ),
            (
                "members do not",
                ADMIN,
                Action::ViewCompanyAudit { company: CLIENT },
                Some(Reason::NotCompanyAdmin),
            ),
        ],
    );
    // With a second admin, either may go or be demoted.
    let two = facts_with(|s| s.companies[0].members[1].admin = true);
    check(
        &two,
        &[
            ("one of two admins steps down", OWNER, admin(OWNER, false), OK),
            ("or is removed", ADMIN, remove(OWNER), OK),
        ],
    );
    // A removed company admin loses every company right at once.
    let gone = facts_with(|s| s.companies[0].members.retain(|m| m.account != OWNER));
    check(
        &gone,
        &[
            (
                "no more workspaces",
                OWNER,
                Action::CreateWorkspace { company: CLIENT },
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "no more grants",
                OWNER,
                Action::RevokeGrant { grant: GRANT },
                Some(Reason::NotCompanyAdmin),
            ),
        ],
    );
}

#[test]
fn an_analyst_needs_its_partner_company_and_a_verified_address() {
    // SPEC 7: someone removed from the partner company is refused in every
    // client workspace on their next request.
    let left = facts_with(|s| s.companies[1].members.retain(|m| m.account != ANALYST));
    check(
        &left,
        &[(
            "left the partner company",
            ANALYST,
            Action::ViewWorkspace { workspace: WS },
            Some(Reason::LeftPartnerCompany),
        )],
    );
    let unverified = facts_with(|s| {
        s.accounts.iter_mut().filter(|a| a.id == PARTNER_MEMBER).for_each(|a| a.verified = false);
    });
    check(
        &unverified,
        &[(
            "an unverified partner member is not registered",
            PARTNER_ADMIN,
            Action::RegisterAnalyst { grant: GRANT, workspace: WS, analyst: PARTNER_MEMBER },
            Some(Reason::AccountNotVerified),
        )],
    );
}

#[test]
fn grants_expire_and_the_client_renews_them() {
    let f = facts();
    let view_ws = Action::ViewWorkspace { workspace: WS };
    let integrations = Action::ViewUsers { workspace: WS };
    // SPEC 7: at expiry every analyst's next request is refused.
    check_at(
        &f,
        GRANT_EXPIRES - 1,
        &[
            ("a second before expiry", ANALYST, view_ws.clone(), OK),
            ("users", ANALYST, integrations.clone(), OK),
        ],
    );
    check_at(
        &f,
        GRANT_EXPIRES,
        &[
            ("at expiry", ANALYST, view_ws.clone(), Some(Reason::PartnerAccessExpired)),
            ("at expiry, users", ANALYST, integrations, Some(Reason::PartnerAccessExpired)),
            ("members unaffected", DEV, view_ws.clone(), OK),
        ],
    );
    let register = Action::RegisterAnalyst { grant: GRANT, workspace: WS, analyst: PARTNER_MEMBER };
    check_at(
        &f,
        GRANT_EXPIRES,
        &[(
            "no new analysts once expired",
            PARTNER_ADMIN,
            register.clone(),
            Some(Reason::GrantExpired),
        )],
    );
    check_at(&f, GRANT_EXPIRES - 1, &[("analysts before expiry", PARTNER_ADMIN, register, OK)]);
    let unredeemed = facts_with(|s| s.grants[0].redeemed = false);
    check_at(
        &unredeemed,
        GRANT_EXPIRES,
        &[(
            "an expired key cannot be redeemed",
            PARTNER_ADMIN,
            Action::RedeemGrant { grant: GRANT },
            Some(Reason::GrantExpired),
        )],
    );
    // An expired grant still holds the client's one partner slot.
    let new_grant = Action::CreateGrant {
        client: CLIENT,
        partner: OTHER_PARTNER,
        workspaces: vec![WS],
        role: Role::Developer,
        sections: vec![Section::Modules],
        expires_at: GRANT_EXPIRES + GRANT_DEFAULT_SECONDS,
    };
    check_at(
        &f,
        GRANT_EXPIRES + 10,
        &[("expired grant keeps the slot", OWNER, new_grant, Some(Reason::ClientHasPartner))],
    );
    // Renewing (or shortening): client admins, a future expiry, at most two years on.
    let renew = |expires_at| Action::RenewGrant { grant: GRANT, expires_at };
    let later = GRANT_EXPIRES + 10;
    check_at(
        &f,
        later,
        &[
            (
                "client admin renews an expired grant",
                OWNER,
                renew(later + GRANT_DEFAULT_SECONDS),
                OK,
            ),
            ("two years at most", OWNER, renew(later + GRANT_MAX_SECONDS), OK),
            ("not beyond", OWNER, renew(later + GRANT_MAX_SECONDS + 1), Some(Reason::ExpiryTooFar)),
            ("not in the past", OWNER, renew(later - 1), Some(Reason::ExpiryNotInFuture)),
            ("not now", OWNER, renew(later), Some(Reason::ExpiryNotInFuture)),
            (
                "a client member is not an admin",
                DEV,
                renew(later + 100),
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "the partner cannot renew",
                PARTNER_ADMIN,
                renew(later + 100),
                Some(Reason::NotCompanyAdmin),
            ),
            (
                "unknown grant",
                OWNER,
                Action::RenewGrant { grant: 1, expires_at: later + 100 },
                Some(Reason::UnknownGrant),
            ),
        ],
    );
    check(&f, &[("shortening", OWNER, renew(NOW + 1), OK)]);
    let revoked = facts_with(|s| s.grants[0].revoked = true);
    check(
        &revoked,
        &[("a deleted key is not renewed", OWNER, renew(NOW + 100), Some(Reason::GrantRevoked))],
    );
    // Renewed: analysts still registered get their access back.
    let renewed = facts_with(|s| s.grants[0].expires_at = later + GRANT_DEFAULT_SECONDS);
    check_at(&renewed, later, &[("access back after renewal", ANALYST, view_ws, OK)]);
    // A grant's expiry at creation follows the same limits.
    let create = |expires_at| Action::CreateGrant {
        client: CLIENT,
        partner: PARTNER,
        workspaces: vec![WS],
        role: Role::Developer,
        sections: vec![Section::Modules],
        expires_at,
    };
    let free = facts_with(|s| s.grants.clear());
    check(
        &free,
        &[
            ("a year", OWNER, create(NOW + GRANT_DEFAULT_SECONDS), OK),
            ("past", OWNER, create(NOW), Some(Reason::ExpiryNotInFuture)),
            (
                "over two years",
                OWNER,
                create(NOW + GRANT_MAX_SECONDS + 1),
                Some(Reason::ExpiryTooFar),
            ),
        ],
    );
}

#[test]
fn grants_warn_from_thirty_days_before_expiry() {
    let g = facts().grant(GRANT).cloned().expect("fixture grant");
    assert!(!g.expires_soon(GRANT_EXPIRES - GRANT_WARNING_SECONDS - 1));
    assert!(g.expires_soon(GRANT_EXPIRES - GRANT_WARNING_SECONDS));
    assert!(g.expires_soon(GRANT_EXPIRES - 1));
    assert!(!g.expires_soon(GRANT_EXPIRES), "expired, no longer a warning");
    assert!(g.is_expired(GRANT_EXPIRES) && !g.is_expired(GRANT_EXPIRES - 1));
}
