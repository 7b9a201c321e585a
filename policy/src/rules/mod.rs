//! The rules: [`Facts::decide`] answers any [`Action`] for any actor.
//!
//! Every rule returns `Result<(), Denial>` so checks chain with `?` in the
//! order they are written; the first refusal is the answer. Anything not
//! explicitly allowed is denied.

pub(crate) mod groups;
pub(crate) mod partners;
pub(crate) mod people;
pub(crate) mod resources;

use crate::action::Action;
use crate::decision::{Decision, Denial, Reason};
use crate::facts::entry::Person;
use crate::facts::{Facts, Grant, Id, ResourceRef, Timestamp, WorkspaceView};
use crate::kind::Section;
use crate::role::Role;
use crate::toggle::{Operation, Toggle, ToggleSet};

pub use resources::{RunAs, RunPlan, RunStep};

/// The outcome of one rule.
pub(crate) type Check = Result<(), Denial>;

/// A denial with the reason's usual sentence.
pub(crate) const fn refuse(code: Reason) -> Denial {
    Denial { code, message: std::borrow::Cow::Borrowed(code.default_message()) }
}

/// `Ok` when `ok`, otherwise a refusal for `code`.
pub(crate) fn ensure(ok: bool, code: Reason) -> Check {
    if ok { Ok(()) } else { Err(refuse(code)) }
}

/// Who is asking, as seen from inside one workspace.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Actor<'a> {
    pub(crate) account: Id,
    /// The effective role: for an analyst, capped by the grant's role.
    pub(crate) role: Role,
    pub(crate) toggles: ToggleSet,
    /// Set when the actor is a partner analyst: the grant that lets them in.
    pub(crate) grant: Option<&'a Grant>,
    /// The actor's entry (their groups) when they are an Active member
    /// here; `None` for a stand-in for a role.
    pub(crate) person: Option<&'a Person>,
    /// Answering for an explanation (see [`Facts::explain`]): a resource
    /// the actor may not view keeps its specific reason instead of being
    /// unknown.
    pub(crate) explain: bool,
}

impl Actor<'_> {
    /// Partner analysts never manage people, groups, toggles or billing.
    pub(crate) fn not_analyst(&self) -> Check {
        ensure(self.grant.is_none(), Reason::PartnerAnalystRestricted)
    }

    /// For an analyst, the grant must open `section`; members see everything.
    pub(crate) fn sees(&self, section: Section) -> Check {
        match self.grant {
            Some(g) => ensure(g.sections.contains(&section), Reason::SectionNotGranted),
            None => Ok(()),
        }
    }

    /// The Owner or an Administrator.
    pub(crate) fn owner_or_admin(&self) -> Check {
        ensure(self.role.rank() >= Role::Admin.rank(), Reason::OwnerOrAdminOnly)
    }

    /// The actor's role holds `toggle` in this workspace.
    pub(crate) fn has(&self, toggle: Toggle) -> Check {
        if self.toggles.contains(toggle) {
            Ok(())
        } else {
            Err(Denial {
                code: Reason::MissingToggle,
                message: format!(
                    "Your role does not have the \u{201c}{}\u{201d} permission.",
                    toggle.label()
                )
                .into(),
            })
        }
    }
}

impl Facts {
    /// Decides whether `actor` (an account id) may perform `action` at
    /// time `now` (seconds since the epoch; the policy has no clock: a
    /// grant's or an invitation's expiry is judged against `now`).
    /// Total: every input gets an answer, and unknown things are refused.
    pub fn decide(&self, actor: Id, action: &Action, now: Timestamp) -> Decision {
        self.check(actor, action, now, false).into()
    }

    /// [`Facts::decide`], but about a resource `actor` may not view it
    /// gives the specific reason (not in its groups, section not granted,
    /// Data Studio off, ...) where `decide` answers `unknown_resource` as if
    /// it did not exist. For explanations to those allowed to know why
    /// someone else may not see a resource (the owner and administrators).
    pub fn explain(&self, actor: Id, action: &Action, now: Timestamp) -> Decision {
        self.check(actor, action, now, true).into()
    }

    /// [`Facts::decide`] for many actions at once, in order.
    pub fn decide_all(&self, actor: Id, actions: &[Action], now: Timestamp) -> Vec<Decision> {
        actions.iter().map(|a| self.decide(actor, a, now)).collect()
    }

    fn check(&self, actor: Id, action: &Action, now: Timestamp, explain: bool) -> Check {
        use Action::*;
        match action {
            CreateWorkspace { company } | ViewCompanyAudit { company } => {
                partners::company_admin(self, actor, *company)
            }
            AddCompanyMember { company, account } => {
                partners::add_company_member(self, actor, *company, *account)
            }
            RemoveCompanyMember { company, account } => {
                partners::remove_company_member(self, actor, *company, *account)
            }
            SetCompanyAdmin { company, account, admin } => {
                partners::set_company_admin(self, actor, *company, *account, *admin)
            }
            ViewCompany { company } => partners::view_company(self, actor, *company),
            SetCompanyCapabilities { company } => partners::set_capabilities(self, actor, *company),
            CreateGrant { client, partner, workspaces, role, sections, expires_at } => {
                let scope = partners::Scope { workspaces, role: *role, sections };
                partners::create_grant(self, actor, *client, *partner, scope, *expires_at, now)
            }
            RenewGrant { grant, expires_at } => {
                partners::renew(self, actor, *grant, *expires_at, now)
            }
            RedeemGrant { grant } => partners::redeem(self, actor, *grant, now),
            RegisterAnalyst { grant, workspace, analyst } => {
                partners::register_analyst(self, actor, *grant, *workspace, *analyst, now)
            }
            RemoveAnalyst { grant, workspace, analyst } => {
                partners::remove_analyst(self, actor, *grant, *workspace, *analyst)
            }
            RevokeGrant { grant } => partners::revoke(self, actor, *grant),
            AcceptInvitation { workspace, invitation } => {
                people::accept_invitation(&self.ws(*workspace)?, actor, *invitation, now)
            }
            RequestAccess { workspace } => people::request_access(&self.ws(*workspace)?, actor),
            ViewResource { workspace, resource } => {
                self.resource_question(actor, *workspace, *resource, None, now, explain)
            }
            EditResource { workspace, resource } => {
                let op = Some(Operation::Edit);
                self.resource_question(actor, *workspace, *resource, op, now, explain)
            }
            DeleteResource { workspace, resource } => {
                let op = Some(Operation::Delete);
                self.resource_question(actor, *workspace, *resource, op, now, explain)
            }
            _ => {
                let Some(id) = action.workspace() else {
                    return Err(refuse(Reason::UnknownWorkspace));
                };
                let ws = self.ws(id)?;
                let who = Actor { explain, ..ws.actor(actor, now)? };
                member_action(&ws, &who, action)
            }
        }
    }

    /// View (`op` None) or manage a resource: seen, then managed. The
    /// resource is looked up before the asker so that both lookups (each
    /// likely a cache miss in a large workspace) are under way at once; the
    /// asker's standing is still checked first.
    fn resource_question(
        &self,
        actor: Id,
        workspace: Id,
        resource: Id,
        op: Option<Operation>,
        now: Timestamp,
        explain: bool,
    ) -> Check {
        let ws = self.ws(workspace)?;
        let found = ws.resource_ref(resource);
        let who = Actor { explain, ..ws.actor(actor, now)? };
        let r = resources::sees(&ws, &who, found)?;
        match op {
            Some(op) => resources::manage_seen(&who, r, op),
            None => Ok(()),
        }
    }

    pub(crate) fn ws(&self, id: Id) -> Result<WorkspaceView<'_>, Denial> {
        self.workspace(id).ok_or_else(|| refuse(Reason::UnknownWorkspace))
    }
}

/// An action by someone who must already be in the workspace.
fn member_action(ws: &WorkspaceView<'_>, a: &Actor<'_>, action: &Action) -> Check {
    use Action::*;
    match action {
        ViewWorkspace { .. } => Ok(()),
        ViewUsers { .. } | ViewGroups { .. } => a.sees(Section::Users),
        ViewPermissions { .. } | ViewBilling { .. } | SetDataStudio { .. } => {
            a.not_analyst()?;
            a.owner_or_admin()
        }
        ViewAudit { .. } => {
            a.owner_or_admin()?;
            a.sees(Section::Audit)
        }
        TransferOwnership { target, .. } => people::transfer_ownership(ws, a, *target),
        DeleteWorkspace { .. } => {
            a.not_analyst()?;
            ensure(a.role == Role::Owner, Reason::OwnerOnly)
        }
        Invite { email, role, .. } => people::invite(ws, a, email, *role),
        ResendInvitation { invitation, .. } => people::resend_invitation(ws, a, *invitation),
        DeleteInvitation { invitation, .. } => people::delete_invitation(ws, a, *invitation),
        ManageJoinLink { .. } => {
            a.not_analyst()?;
            a.has(Toggle::UsersAuthorize)
        }
        AuthorizeRequest { request, .. } => people::authorize_request(ws, a, *request),
        RejectRequest { request, .. } => people::reject_request(ws, a, *request),
        ChangeRole { target, role, .. } => people::change_role(ws, a, *target, *role),
        RemoveMember { target, .. } => people::remove_member(ws, a, *target),
        SetToggle { role, toggle, on, .. } => people::set_toggle(ws, a, *role, *toggle, *on),
        SaveToggles { role, toggles, base_version, .. } => {
            people::save_toggles(ws, a, *role, toggles, *base_version)
        }
        CreateGroup { name, description, .. } => groups::create(ws, a, name, description),
        EditGroup { group, name, description, .. } => {
            groups::edit(ws, a, *group, name, description)
        }
        DeleteGroup { group, confirm_name, .. } => groups::delete(ws, a, *group, confirm_name),
        AddGroupMembers { group, accounts, .. } => groups::add_members(ws, a, *group, accounts),
        RemoveGroupMember { group, account, .. } => groups::remove_member(ws, a, *group, *account),
        CreateResource { kind, integration, .. } => resources::create(ws, a, *kind, *integration),
        SetResourceGroups { resource, groups, .. } => {
            resources::set_groups(ws, a, *resource, groups)
        }
        RunFlow { flow, .. } => resources::run_plan(ws, a, *flow).map(|_| ()),
        // Handled in `check` (before an actor is needed, or with the
        // resource looked up beside the actor); listed so the match stays
        // exhaustive without a catch-all.
        ViewResource { .. }
        | EditResource { .. }
        | DeleteResource { .. }
        | AcceptInvitation { .. }
        | RequestAccess { .. }
        | ViewCompany { .. }
        | CreateWorkspace { .. }
        | AddCompanyMember { .. }
        | RemoveCompanyMember { .. }
        | SetCompanyAdmin { .. }
        | ViewCompanyAudit { .. }
        | SetCompanyCapabilities { .. }
        | CreateGrant { .. }
        | RenewGrant { .. }
        | RedeemGrant { .. }
        | RegisterAnalyst { .. }
        | RemoveAnalyst { .. }
        | RevokeGrant { .. } => Err(refuse(Reason::NotAMember)),
    }
}

impl<'a> WorkspaceView<'a> {
    /// The actor's standing here: an Active member, or a partner analyst
    /// whose grant is live, redeemed and covers this workspace.
    pub(crate) fn actor(&self, account: Id, now: Timestamp) -> Result<Actor<'a>, Denial> {
        let person = self
            .person(account)
            .filter(|p| p.is_member())
            .ok_or_else(|| refuse(Reason::NotAMember))?;
        // A member's role is in their entry; an analyst's record names the
        // partner company.
        let partner = if person.is_analyst() {
            self.member(account).ok_or_else(|| refuse(Reason::NotAMember))?.partner
        } else {
            None
        };
        let (role, grant) = match partner {
            None => (person.role(), None),
            Some(partner) => {
                let grant = self
                    .facts()
                    .live_grant(self.data().company, partner)
                    .filter(|g| g.redeemed && g.workspaces.contains(&self.id()))
                    .ok_or_else(|| refuse(Reason::PartnerAccessRevoked))?;
                ensure(grant.opens(self.id(), now), Reason::PartnerAccessExpired)?;
                // Access also rests on still being in the partner company.
                let still_in = self.facts().company(partner).is_some_and(|c| c.is_member(account));
                ensure(still_in, Reason::LeftPartnerCompany)?;
                // An analyst is never more than the grant says, and never Owner.
                (person.role().min(grant.role).min(Role::Admin), Some(grant))
            }
        };
        let toggles = self.toggles_of(role);
        Ok(Actor { account, role, toggles, grant, person: Some(person), explain: false })
    }

    pub(crate) fn find_resource(&self, id: Id) -> Result<ResourceRef<'a>, Denial> {
        self.resource_ref(id).ok_or_else(|| refuse(Reason::UnknownResource))
    }
}
