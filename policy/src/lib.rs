#![doc = include_str!("../README.md")]

mod access;
mod action;
pub mod api;
mod change;
mod de;
mod decision;
mod facts;
mod kind;
mod preview;
mod role;
mod rules;
mod slice;
mod toggle;
mod ui;
pub mod validate;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use access::{
    Audience, EffectiveAccess, ResourceAccess, ResourceOp, RoleRefusal, ToggleAccess, WhoCan,
};
pub use action::Action;
pub use change::{Change, CompanyHeader, GroupHeader, WorkspaceHeader};
pub use decision::{Decision, DecisionWire, Denial, Reason};
pub use facts::{
    AccessRequest, Account, Company, CompanyMember, CompanyView, Facts, GRANT_DEFAULT_SECONDS,
    GRANT_MAX_SECONDS, GRANT_WARNING_SECONDS, Grant, Group, Id, Invitation, Member, Partial,
    Resource, RoleCounts, RoleToggles, Snapshot, Timestamp, Workspace, WorkspaceView,
};
pub use kind::{Grouping, ResourceKind, Section};
pub use preview::{
    Ability, AccessSet, LISTED, People, PeopleChange, Preview, ResourceSet, WorkspaceImpact,
    changes_access,
};
pub use role::Role;
pub use rules::{RunAs, RunPlan, RunStep};
pub use slice::{FlowRule, ResourceVisibility};
pub use toggle::{Category, Operation, Toggle, ToggleSet};
pub use ui::{
    Catalog, MemberControls, ReasonInfo, RunPlanDecision, ToggleControl, ToggleInfo,
    WorkspaceAbilities, catalog,
};
