//! Companies, partners and clients (SPEC sections 1 and 7).

use super::{Check, ensure, refuse};
use crate::decision::{Denial, Reason};
use crate::facts::{CompanyView, Facts, GRANT_MAX_SECONDS, Grant, Id, Timestamp};
use crate::kind::Section;
use crate::role::Role;

fn company(facts: &Facts, id: Id) -> Result<CompanyView<'_>, Denial> {
    facts.company(id).ok_or_else(|| refuse(Reason::UnknownCompany))
}

fn grant(facts: &Facts, id: Id) -> Result<&Grant, Denial> {
    facts.grant(id).ok_or_else(|| refuse(Reason::UnknownGrant))
}

/// The actor is an admin of `company`: creates workspaces, adds company
/// members and admins, manages partner relations.
pub(crate) fn company_admin(facts: &Facts, actor: Id, id: Id) -> Check {
    ensure(company(facts, id)?.is_admin(actor), Reason::NotCompanyAdmin)
}

/// A company admin adds `account` (when known) to the company: it must be a
/// verified account not already in it.
pub(super) fn add_company_member(facts: &Facts, actor: Id, id: Id, account: Option<Id>) -> Check {
    let c = company(facts, id)?;
    ensure(c.is_admin(actor), Reason::NotCompanyAdmin)?;
    let Some(account) = account else { return Ok(()) };
    let a = facts.account(account).ok_or_else(|| refuse(Reason::UnknownAccount))?;
    ensure(a.verified, Reason::AccountNotVerified)?;
    ensure(!c.is_member(account), Reason::AlreadyInCompany)
}

/// The admins of a company, counted.
fn admins(c: &CompanyView<'_>) -> usize {
    c.data().members.iter().filter(|m| m.admin).count()
}

/// A company admin removes `account` from the company, never its last admin.
pub(super) fn remove_company_member(facts: &Facts, actor: Id, id: Id, account: Id) -> Check {
    let c = company(facts, id)?;
    ensure(c.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(c.is_member(account), Reason::UnknownCompanyMember)?;
    ensure(!c.is_admin(account) || admins(&c) > 1, Reason::LastCompanyAdmin)
}

/// A company admin makes a member an admin or an admin a member, never
/// demoting the last admin.
pub(super) fn set_company_admin(
    facts: &Facts,
    actor: Id,
    id: Id,
    account: Id,
    admin: bool,
) -> Check {
    let c = company(facts, id)?;
    ensure(c.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(c.is_member(account), Reason::UnknownCompanyMember)?;
    ensure(admin || !c.is_admin(account) || admins(&c) > 1, Reason::LastCompanyAdmin)
}

/// Company members and platform support see a company.
pub(crate) fn view_company(facts: &Facts, actor: Id, id: Id) -> Check {
    let c = company(facts, id)?;
    let support = facts.account(actor).is_some_and(|a| a.support);
    ensure(support || c.is_member(actor), Reason::NotCompanyMember)
}

/// Only platform support turns Partner / Client on or off (seed: "you must
/// contact Skyone's support team").
pub(super) fn set_capabilities(facts: &Facts, actor: Id, id: Id) -> Check {
    let support = facts.account(actor).is_some_and(|a| a.support);
    ensure(support, Reason::SupportOnly)?;
    company(facts, id).map(|_| ())
}

/// What a grant opens: which workspaces, as which role, which sections.
pub(super) struct Scope<'a> {
    pub(super) workspaces: &'a [Id],
    pub(super) role: Role,
    pub(super) sections: &'a [Section],
}

/// An expiry chosen at `now`: later than `now`, at most two years on.
fn expiry(expires_at: Timestamp, now: Timestamp) -> Check {
    ensure(expires_at > now, Reason::ExpiryNotInFuture)?;
    ensure(expires_at.saturating_sub(now) <= GRANT_MAX_SECONDS, Reason::ExpiryTooFar)
}

pub(super) fn create_grant(
    facts: &Facts,
    actor: Id,
    client: Id,
    partner: Id,
    scope: Scope<'_>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Check {
    let Scope { workspaces, role, sections } = scope;
    let c = company(facts, client)?;
    ensure(c.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(c.data().client_enabled, Reason::NotAClient)?;
    ensure(partner != client, Reason::OwnPartner)?;
    ensure(company(facts, partner)?.data().partner_enabled, Reason::NotAPartner)?;
    // Seed: "a Client can be linked to only one Partner".
    ensure(!facts.has_live_partner(client), Reason::ClientHasPartner)?;
    ensure(!workspaces.is_empty(), Reason::NoWorkspaces)?;
    let own =
        workspaces.iter().all(|&w| facts.workspace(w).is_some_and(|w| w.data().company == client));
    ensure(own, Reason::WorkspaceNotInClient)?;
    ensure(role.assignable(), Reason::RoleNotAssignable)?;
    ensure(!sections.is_empty(), Reason::NoSections)?;
    expiry(expires_at, now)
}

/// The client's admins renew or shorten a grant that is not deleted, even
/// an expired one (its analysts still registered get their access back).
pub(super) fn renew(
    facts: &Facts,
    actor: Id,
    id: Id,
    expires_at: Timestamp,
    now: Timestamp,
) -> Check {
    let g = grant(facts, id)?;
    ensure(company(facts, g.client)?.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(g.is_live(), Reason::GrantRevoked)?;
    expiry(expires_at, now)
}

pub(super) fn redeem(facts: &Facts, actor: Id, id: Id, now: Timestamp) -> Check {
    let g = grant(facts, id)?;
    ensure(g.is_live(), Reason::GrantRevoked)?;
    ensure(company(facts, g.partner)?.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(!g.redeemed, Reason::AlreadyRedeemed)?;
    ensure(!g.is_expired(now), Reason::GrantExpired)
}

pub(super) fn register_analyst(
    facts: &Facts,
    actor: Id,
    id: Id,
    workspace: Id,
    analyst: Id,
    now: Timestamp,
) -> Check {
    let g = grant(facts, id)?;
    ensure(g.is_live(), Reason::GrantRevoked)?;
    let partner = company(facts, g.partner)?;
    ensure(partner.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(g.redeemed, Reason::GrantNotRedeemed)?;
    ensure(!g.is_expired(now), Reason::GrantExpired)?;
    ensure(g.workspaces.contains(&workspace), Reason::WorkspaceNotGranted)?;
    let ws = facts.ws(workspace)?;
    ensure(partner.is_member(analyst), Reason::AnalystNotInPartner)?;
    let verified = facts.account(analyst).is_some_and(|a| a.verified);
    ensure(verified, Reason::AccountNotVerified)?;
    ensure(ws.member(analyst).is_none(), Reason::AlreadyAMember)
}

pub(super) fn remove_analyst(
    facts: &Facts,
    actor: Id,
    id: Id,
    workspace: Id,
    analyst: Id,
) -> Check {
    let g = grant(facts, id)?;
    // Revoking already cut every analyst off; nothing is left to manage.
    ensure(g.is_live(), Reason::GrantRevoked)?;
    ensure(company(facts, g.partner)?.is_admin(actor), Reason::NotCompanyAdmin)?;
    let ws = facts.ws(workspace)?;
    let is_theirs = ws.member(analyst).is_some_and(|m| m.partner == Some(g.partner));
    ensure(is_theirs && ws.data().company == g.client, Reason::NotAnAnalyst)
}

pub(super) fn revoke(facts: &Facts, actor: Id, id: Id) -> Check {
    let g = grant(facts, id)?;
    ensure(company(facts, g.client)?.is_admin(actor), Reason::NotCompanyAdmin)?;
    ensure(g.is_live(), Reason::GrantRevoked)
}
