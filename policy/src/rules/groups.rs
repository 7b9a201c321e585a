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
    let taken = ws.group_named(&name).is_some_and(|id| Some(id) != except);
    ensure(!taken, Reason::GroupNameTaken)?;
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
    ensure(accounts.iter().all(|&m| ws.member(m).is_some()), Reason::NotAnActiveMember)
}

pub(super) fn remove_member(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    group: Id,
    account: Id,
) -> Check {
    editable(ws, a, group)?;
    ensure(ws.in_group(group, account), Reason::NotInGroup)
}
