//! Resources and their groups, and the manual-run plan (SPEC section 6).

use serde::{Deserialize, Serialize};

use super::{Actor, Check, ensure, refuse};
use crate::decision::{Denial, Reason};
use crate::facts::{Id, ResourceRef, WorkspaceView};
use crate::kind::{Grouping, ResourceKind};
use crate::role::Role;
use crate::toggle::{Operation, Toggle};

/// What the actor wants to do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    View,
    Manage(Operation),
}

/// How the actor's role, apart from its own groups, stands with `what` on
/// `r`: `Ok(None)` when the role alone gives it (Owner, Admins, or a kind
/// without groups); `Ok(Some(groups))` when a Developer must be in one of
/// `groups`; otherwise the refusal everyone of that role gets. For the
/// audience of a resource (`Facts::who_can`); [`access`] is the same with
/// the actor's membership checked.
pub(crate) fn role_access<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    r: ResourceRef<'a>,
    what: Access,
) -> Result<Option<&'a [Id]>, Denial> {
    access_steps(ws, a, r, what, false)
}

/// [`access`]'s checks in order: the kind visible, the governing groups
/// (the Owner and Admins need none; a Developer must be in one, when
/// `membership`), the toggle.
fn access_steps<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    r: ResourceRef<'a>,
    what: Access,
    membership: bool,
) -> Result<Option<&'a [Id]>, Denial> {
    kind_visible(ws, a, r.kind())?;
    let groups = governing_groups(ws, r)?.filter(|_| a.role.rank() < Role::Admin.rank());
    match groups {
        Some([]) => return Err(refuse(Reason::NoGroupAdminOnly)),
        Some(gs) if membership => {
            let member = match a.person {
                Some(p) => ws.member_in_any(p, gs),
                None => gs.iter().any(|&g| ws.in_group(g, a.account)),
            };
            ensure(member, Reason::NotInResourceGroups)?;
        }
        _ => {}
    }
    if let Access::Manage(op) = what {
        needs_toggle(a, r.kind(), op)?;
    }
    Ok(groups)
}

/// A toggle-governed action as `a` stands with it: the users toggles are
/// never an analyst's; the others need their kinds visible (Data Studio,
/// the grant's sections) and the toggle held.
pub(crate) fn toggle_access(ws: &WorkspaceView<'_>, a: &Actor<'_>, toggle: Toggle) -> Check {
    let kind =
        ResourceKind::ALL.into_iter().find(|k| k.toggle_category() == Some(toggle.category()));
    match kind {
        Some(kind) => kind_visible(ws, a, kind)?,
        None => a.not_analyst()?,
    }
    a.has(toggle)
}

/// The groups that decide who manages `r`: its own, or for a flow its
/// integration's. `None` for kinds governed by toggles only.
fn governing_groups<'a>(
    ws: &WorkspaceView<'a>,
    r: ResourceRef<'a>,
) -> Result<Option<&'a [Id]>, Denial> {
    match r.kind().grouping() {
        Grouping::Own => Ok(Some(r.governing())),
        Grouping::None => Ok(None),
        Grouping::Integration => {
            let integration = integration(ws, r.governing().first().copied())
                .ok_or_else(|| refuse(Reason::FlowNeedsIntegration))?;
            Ok(Some(integration.governing()))
        }
    }
}

/// The integration `id` names, if it is one.
fn integration<'a>(ws: &WorkspaceView<'a>, id: Option<Id>) -> Option<ResourceRef<'a>> {
    id.and_then(|id| ws.resource_ref(id)).filter(|i| i.kind() == ResourceKind::Integration)
}

/// Data Studio kinds exist only while Data Studio is on; analysts see only
/// the sections their grant opens.
pub(crate) fn kind_visible(ws: &WorkspaceView<'_>, a: &Actor<'_>, kind: ResourceKind) -> Check {
    ensure(!kind.is_data_studio() || ws.data().data_studio, Reason::DataStudioDisabled)?;
    a.sees(kind.section())
}

/// Which resources `a` may see in `ws`, as data (see
/// [`crate::ResourceVisibility`]): the same checks as [`access`] with
/// [`Access::View`], kind by kind.
pub(crate) fn visibility(ws: &WorkspaceView<'_>, a: &Actor<'_>) -> crate::ResourceVisibility {
    let everything = a.role.rank() >= Role::Admin.rank();
    let mut v = crate::ResourceVisibility::default();
    for kind in ResourceKind::ALL {
        if kind_visible(ws, a, kind).is_err() {
            continue;
        }
        match (kind.grouping(), everything) {
            (Grouping::None, _) | (Grouping::Own, true) => v.kinds.push(kind),
            (Grouping::Own, false) => v.grouped.push(kind),
            (Grouping::Integration, true) => v.flows = Some(crate::FlowRule::WithIntegration),
            (Grouping::Integration, false) => {
                v.flows = Some(crate::FlowRule::IntegrationInGroups);
            }
        }
    }
    if !everything {
        v.groups =
            ws.data().groups.iter().map(|g| g.id).filter(|&g| ws.in_group(g, a.account)).collect();
    }
    v
}

/// The toggle `op` needs on `kind`, if the kind has toggles.
fn needs_toggle(a: &Actor<'_>, kind: ResourceKind, op: Operation) -> Check {
    match kind.toggle_category().and_then(|c| Toggle::for_operation(c, op)) {
        Some(t) => a.has(t),
        None => Ok(()),
    }
}

/// [`access`] to manage `r` for an actor that [`seen`] let view it: the
/// toggle is all that is left to check (the kind and the groups passed for
/// viewing, and managing asks the same of them).
pub(crate) fn manage_seen(a: &Actor<'_>, r: ResourceRef<'_>, op: Operation) -> Check {
    needs_toggle(a, r.kind(), op)
}

/// A resource the actor asks about, by id: one it may not view is unknown
/// to it, exactly as if it did not exist (SPEC 9: nobody can probe for what
/// exists); the specific refusals are for resources it may see.
pub(crate) fn seen<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    id: Id,
) -> Result<ResourceRef<'a>, Denial> {
    sees(ws, a, ws.resource_ref(id))
}

/// [`seen`] for a resource already looked up (`None`: there is none).
pub(crate) fn sees<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    found: Option<ResourceRef<'a>>,
) -> Result<ResourceRef<'a>, Denial> {
    let r = found.ok_or_else(|| refuse(Reason::UnknownResource))?;
    access(ws, a, r, Access::View)
        .map_err(|d| if a.explain { d } else { refuse(Reason::UnknownResource) })?;
    Ok(r)
}

/// View or manage one resource (the specific reason when it may not).
pub(crate) fn access<'a>(
    ws: &WorkspaceView<'a>,
    a: &Actor<'_>,
    r: ResourceRef<'a>,
    what: Access,
) -> Check {
    access_steps(ws, a, r, what, true).map(|_| ())
}

pub(super) fn create(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    kind: ResourceKind,
    integration: Option<Id>,
) -> Check {
    kind_visible(ws, a, kind)?;
    needs_toggle(a, kind, Operation::Create)?;
    if kind == ResourceKind::Flow {
        // A new flow lives in an integration the creator can see.
        let i = self::integration(ws, integration)
            .ok_or_else(|| refuse(Reason::FlowNeedsIntegration))?;
        access(ws, a, i, Access::View)
            .map_err(|d| if a.explain { d } else { refuse(Reason::UnknownIntegration) })?;
    }
    Ok(())
}

pub(super) fn set_groups(
    ws: &WorkspaceView<'_>,
    a: &Actor<'_>,
    resource: Id,
    groups: &[Id],
) -> Check {
    super::groups::manage_groups(a)?;
    let r = seen(ws, a, resource)?;
    match r.kind().grouping() {
        Grouping::Own => Ok(()),
        Grouping::Integration => Err(refuse(Reason::FlowFollowsIntegration)),
        Grouping::None => Err(refuse(Reason::KindHasNoGroups)),
    }?;
    ensure(groups.iter().all(|&g| ws.group(g).is_some()), Reason::UnknownGroup)
}

/// Whose identity a component of a manual run executes with.
// `Deserialize` is written out in `de/` (same wire form and
// errors, without serde's buffering of tagged enums).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[serde(tag = "as", rename_all = "snake_case")]
pub enum RunAs {
    /// The user who pressed Run.
    User,
    /// The groups saved on the job, because the user may not access it.
    JobGroups { groups: Vec<Id> },
}

/// One component of a manual run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RunStep {
    pub resource: Id,
    pub kind: ResourceKind,
    pub run_as: RunAs,
}

/// What a manual run from the flow canvas will do, component by component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub struct RunPlan {
    pub flow: Id,
    pub steps: Vec<RunStep>,
}

/// The plan for `a` running `flow`: the user must be able to manage the flow;
/// each Data Job / File Job the user may not access runs with the job's own
/// saved groups (seed: "the execution uses the group saved for that Data
/// Job/File Job, not the user's group").
pub(crate) fn run_plan(ws: &WorkspaceView<'_>, a: &Actor<'_>, flow: Id) -> Result<RunPlan, Denial> {
    let f = seen(ws, a, flow)?;
    ensure(f.kind() == ResourceKind::Flow, Reason::NotAFlow)?;
    access(ws, a, f, Access::Manage(Operation::Edit))?;
    let components = &f.data().components;
    let mut steps = Vec::with_capacity(components.len());
    for &c in components {
        let job = ws.find_resource(c)?;
        ensure(job.kind().is_job(), Reason::UnknownResource)?;
        ensure(ws.data().data_studio, Reason::DataStudioDisabled)?;
        let run_as = if access(ws, a, job, Access::View).is_ok() {
            RunAs::User
        } else {
            let groups = &job.data().groups;
            ensure(!groups.is_empty(), Reason::JobWithoutGroup)?;
            RunAs::JobGroups { groups: groups.clone() }
        };
        steps.push(RunStep { resource: c, kind: job.kind(), run_as });
    }
    Ok(RunPlan { flow, steps })
}
