//! Groups (SPEC section 6): the default group is immutable; names are
//! unique ignoring case; deleting repeats the exact name.

use super::{Actor, Check, ensure, refuse};
use crate::decision::{Denial, Reason};
use crate::facts::{Group, Id, WorkspaceView};
use crate::validate::{GroupNameError, validate_group_description, validate_group_name};

fn name_denial(e: &GroupNameError) -> Denial {
    let message = match e {
        GroupNameError::Empty => "Enter a name for the group.",
        GroupNameError::TooLong(_) => "Group names can be at most 64 characters.",
        GroupNameError::Reserved => {
            "\u{201c}default\u{201d} is the group every member is in; choose another name."
        }
    };
    Denial { code: Reason::InvalidGroupName, message: message.into() }
}

/// Name and description checks shared by create and edit; `except` is the
/// group being renamed, which may keep its own name.
fn check_fields(
    ws: &WorkspaceView<'_>,
    name: &str,
    description: &str,
    except: Option<Id>,
) -> Check {
    let name = validate_group_name(name).map_err(|e| name_denial(&e))?;
    let holder = ws.group_named(&name).map_err(|()| refuse(Reason::IncompleteFacts))?;
    ensure(holder.is_none_or(|id| Some(id) == except), Reason::GroupNameTaken)?;
    validate_group_description(description)
        .map(|_| ())
        .map_err(|_| refuse(Reason::InvalidGroupDescription))
}

/// Owner or Admin, not an analyst, on an existing group that is not
/// the default group.
fn editable<'a>(ws: &WorkspaceView<'a>, a: &Actor<'_>, group: Id) -> Result<&'a Group, Denial> {
    manage_groups(a)?;
    let g = ws.group(group).ok_or_else(|| refuse(Reason::UnknownGroup))?;
    ensure(!g.is_default, Reason::DefaultGroupImmutable)?;
    Ok(g)
}

/// Creating and editing groups is for the Owner and Admins of the client.
pub(crate) fn manage_groups(a: &Actor<'_>) -> Check {
    a.not_analyst()?;
    a.owner_or_admin()
}

pub(super) fn create(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    name: &str,
    description: &str,
) -> Check {
    manage_groups(a)?;
    check_fields(ws, name, description, None)
}

pub(super) fn edit(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    group: Id,
    name: &str,
    description: &str,
) -> Check {
    editable(ws, a, group)?;
    check_fields(ws, name, description, Some(group))
}

pub(super) fn delete(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    group: Id,
    confirm_name: &str,
) -> Check {
    let g = editable(ws, a, group)?;
    ensure(confirm_name == g.name, Reason::ConfirmationMismatch)
}

pub(super) fn add_members(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    group: Id,
    accounts: &[Id],
) -> Check {
    editable(ws, a, group)?;
    for &m in accounts {
        if ws.member(m).is_none() {
            // Not loaded in a slice: unknown, not refused.
            let code = if ws.partial().members {
                Reason::UnknownMember
            } else {
                Reason::NotAnActiveMember
            };
            return Err(refuse(code));
        }
    }
    Ok(())
}

pub(super) fn remove_member(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    group: Id,
    account: Id,
) -> Check {
    editable(ws, a, group)?;
    if ws.in_group(group, account) {
        return Ok(());
    }
    // A membership not loaded in a slice is unknown, not absent.
    let code =
        if ws.partial().group_members { Reason::IncompleteFacts } else { Reason::NotInGroup };
    Err(refuse(code))
}
