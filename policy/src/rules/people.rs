//! Members, invitations, access requests, ownership and role toggles
//! (SPEC sections 3-5).

use super::{Actor, Check, ensure, refuse};
use crate::decision::Reason;
use crate::facts::{Id, Member, Timestamp, WorkspaceView};
use crate::role::Role;
use crate::toggle::{Toggle, ToggleSet};
use crate::validate::normalize_email;

fn target<'a>(ws: &WorkspaceView<'a>, id: Id) -> Result<&'a Member, crate::decision::Denial> {
    ws.member(id).ok_or_else(|| refuse(Reason::UnknownMember))
}

/// A role `a` may hand out: never Owner, never above `a`'s own.
fn may_give(a: &Actor<'_>, role: Role) -> Check {
    ensure(role.assignable(), Reason::RoleNotAssignable)?;
    ensure(role.rank() <= a.role.rank(), Reason::RoleAboveYours)
}

/// Everything about inviting with `role` except the address itself: what
/// the "Invite user" button and the modal's role list depend on.
pub(crate) fn invite_gate(a: &Actor<'_>, role: Role) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersAdd)?;
    may_give(a, role)
}

pub(super) fn invite(ws: &WorkspaceView<'_>, a: &Actor<'_>, email: &str, role: Role) -> Check {
    invite_gate(a, role)?;
    let email = normalize_email(email).map_err(|_| refuse(Reason::InvalidEmail))?;
    match ws.has_member_email(&email) {
        Some(taken) => ensure(!taken, Reason::AlreadyAMember)?,
        None => return Err(refuse(Reason::IncompleteFacts)),
    }
    // An open invitation to the address is resent as it is: nobody alters
    // an invitation's role (delete it, then invite again).
    let open = ws
        .data()
        .invitations
        .iter()
        .filter(|i| normalize_email(&i.email).is_ok_and(|e| e == email));
    let mut found = false;
    for i in open {
        found = true;
        ensure(i.role == role, Reason::InvitationRoleDiffers)?;
    }
    ensure(found || !ws.partial().invitations, Reason::IncompleteFacts)
}

pub(super) fn resend_invitation(ws: &WorkspaceView<'_>, a: &Actor<'_>, invitation: Id) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersAdd)?;
    let inv = ws.invitation(invitation).ok_or_else(|| refuse(Reason::UnknownInvitation))?;
    // Resending hands the role out again: same limit as inviting.
    may_give(a, inv.role)
}

pub(super) fn delete_invitation(ws: &WorkspaceView<'_>, a: &Actor<'_>, invitation: Id) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersDelete)?;
    ensure(ws.invitation(invitation).is_some(), Reason::UnknownInvitation)
}

pub(super) fn accept_invitation(
    ws: &WorkspaceView<'_>,
    actor: Id,
    invitation: Id,
    now: Timestamp,
) -> Check {
    let account = ws.facts().account(actor).ok_or_else(|| refuse(Reason::UnknownAccount))?;
    let inv = ws.invitation(invitation).ok_or_else(|| refuse(Reason::UnknownInvitation))?;
    ensure(!inv.is_expired(now), Reason::InvitationExpired)?;
    let same = match (normalize_email(&account.email), normalize_email(&inv.email)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    ensure(same, Reason::InvitationForAnotherEmail)?;
    ensure(ws.member(actor).is_none(), Reason::AlreadyAMember)
}

pub(super) fn request_access(ws: &WorkspaceView<'_>, actor: Id) -> Check {
    ensure(ws.facts().account(actor).is_some(), Reason::UnknownAccount)?;
    ensure(ws.member(actor).is_none(), Reason::AlreadyAMember)?;
    ensure(!ws.has_request_from(actor), Reason::RequestPending)
}

pub(super) fn authorize_request(ws: &WorkspaceView<'_>, a: &Actor<'_>, request: Id) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersAuthorize)?;
    let req = ws.request(request).ok_or_else(|| refuse(Reason::UnknownRequest))?;
    ensure(ws.member(req.account).is_none(), Reason::AlreadyAMember)
}

pub(super) fn reject_request(ws: &WorkspaceView<'_>, a: &Actor<'_>, request: Id) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersDelete)?;
    ensure(ws.request(request).is_some(), Reason::UnknownRequest)
}

/// The conditions on the target shared by role changes and removals.
fn manageable_target<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    target_id: Id,
) -> Result<&'a Member, crate::decision::Denial> {
    let t = target(ws, target_id)?;
    ensure(t.account != a.account, Reason::TargetIsSelf)?;
    ensure(t.role != Role::Owner, Reason::TargetIsOwner)?;
    Ok(t)
}

/// Everything about changing `target`'s role except the new role: whether
/// the arrow menu offers a change at all.
pub(crate) fn change_role_gate<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    target_id: Id,
) -> Result<&'a Member, crate::decision::Denial> {
    a.not_analyst()?;
    a.has(Toggle::UsersChangePermission)?;
    let t = manageable_target(ws, a, target_id)?;
    ensure(t.partner.is_none(), Reason::TargetIsPartnerAnalyst)?;
    ensure(t.role.rank() < a.role.rank(), Reason::TargetRankNotBelow)?;
    Ok(t)
}

pub(super) fn change_role(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    target_id: Id,
    role: Role,
) -> Check {
    let t = change_role_gate(ws, a, target_id)?;
    may_give(a, role)?;
    ensure(role != t.role, Reason::SameRole)
}

pub(super) fn remove_member(ws: &WorkspaceView<'_>, a: &Actor<'_>, target_id: Id) -> Check {
    a.not_analyst()?;
    a.has(Toggle::UsersDelete)?;
    let t = manageable_target(ws, a, target_id)?;
    if t.partner.is_some() {
        // An analyst's registration is the partner's; of the client's people
        // only the Owner may take one out.
        ensure(a.role == Role::Owner, Reason::OnlyOwnerRemovesAnalysts)
    } else {
        ensure(t.role.rank() < a.role.rank(), Reason::TargetRankNotBelow)
    }
}

pub(super) fn transfer_ownership(ws: &WorkspaceView<'_>, a: &Actor<'_>, target_id: Id) -> Check {
    a.not_analyst()?;
    ensure(a.role == Role::Owner, Reason::OwnerOnly)?;
    let t = target(ws, target_id)?;
    ensure(t.account != a.account, Reason::TargetIsSelf)?;
    ensure(t.partner.is_none() && t.role == Role::Admin, Reason::TransferTargetNotAdmin)
}

/// Whether `a` may edit `role`'s toggles at all (the Edit button).
pub(crate) fn toggle_edit_gate(a: &Actor<'_>, role: Role) -> Check {
    a.not_analyst()?;
    a.owner_or_admin()?;
    match role {
        Role::Owner => Err(refuse(Reason::OwnerTogglesFixed)),
        Role::Admin => ensure(a.role == Role::Owner, Reason::OwnerOnlyEditsAdminToggles),
        Role::Developer => Ok(()),
    }
}

pub(super) fn set_toggle(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    role: Role,
    toggle: Toggle,
    on: bool,
) -> Check {
    toggle_edit_gate(a, role)?;
    // No handing out what you do not hold: an Admin may switch a Developer
    // toggle on only if the Admin role has it. Switching off is always fine.
    if on && a.role != Role::Owner {
        ensure(ws.toggles_of(Role::Admin).contains(toggle), Reason::ToggleNotHeldByAdmins)?;
    }
    Ok(())
}

pub(super) fn save_toggles(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    role: Role,
    toggles: &[Toggle],
    base_version: i64,
) -> Check {
    toggle_edit_gate(a, role)?;
    ensure(base_version == ws.data().toggles.version, Reason::StaleVersion)?;
    let current = ws.toggles_of(role);
    let next: ToggleSet = toggles.iter().copied().collect();
    for t in Toggle::ALL {
        if current.contains(t) != next.contains(t) {
            set_toggle(ws, a, role, t, next.contains(t))?;
        }
    }
    Ok(())
}
