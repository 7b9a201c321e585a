//! A reference model of what the server does once an action is allowed:
//! the state change, on the snapshot. Used to walk sequences of allowed
//! operations in the property tests.

use policy::*;

fn ws(s: &mut Snapshot, id: Id) -> Option<&mut Workspace> {
    s.workspaces.iter_mut().find(|w| w.id == id)
}

fn fresh_id(s: &Snapshot) -> Id {
    let mut max = 10_000;
    for w in &s.workspaces {
        max = max.max(w.groups.iter().map(|g| g.id).max().unwrap_or(0));
        max = max.max(w.resources.iter().map(|r| r.id).max().unwrap_or(0));
        max = max.max(w.invitations.iter().map(|i| i.id).max().unwrap_or(0));
    }
    max = max.max(s.grants.iter().map(|g| g.id).max().unwrap_or(0));
    max + 1
}

fn remove_member(w: &mut Workspace, account: Id) {
    w.members.retain(|m| m.account != account);
    for g in &mut w.groups {
        g.members.retain(|m| *m != account);
    }
}

/// Applies an allowed `action` by `actor` to `s`. Views change nothing.
pub fn apply(s: &mut Snapshot, actor: Id, action: &Action) {
    let id = fresh_id(s);
    match action.clone() {
        Action::ViewWorkspace { .. }
        | Action::ViewUsers { .. }
        | Action::ViewGroups { .. }
        | Action::ViewPermissions { .. }
        | Action::ViewBilling { .. }
        | Action::ViewAudit { .. }
        | Action::ViewResource { .. }
        | Action::EditResource { .. }
        | Action::RunFlow { .. }
        | Action::ViewCompany { .. }
        | Action::CreateWorkspace { .. }
        | Action::ViewCompanyAudit { .. }
        | Action::SetCompanyCapabilities { .. }
        | Action::DeleteWorkspace { .. }
        | Action::ManageJoinLink { .. } => {}
        Action::AddCompanyMember { company, account } => {
            if let (Some(c), Some(account)) =
                (s.companies.iter_mut().find(|c| c.id == company), account)
            {
                c.members.push(CompanyMember { account, admin: false });
            }
        }
        Action::RemoveCompanyMember { company, account } => {
            if let Some(c) = s.companies.iter_mut().find(|c| c.id == company) {
                c.members.retain(|m| m.account != account);
            }
        }
        Action::SetCompanyAdmin { company, account, admin } => {
            if let Some(c) = s.companies.iter_mut().find(|c| c.id == company) {
                for m in c.members.iter_mut().filter(|m| m.account == account) {
                    m.admin = admin;
                }
            }
        }
        Action::SetDataStudio { workspace } => {
            if let Some(w) = ws(s, workspace) {
                w.data_studio = !w.data_studio;
            }
        }
        Action::TransferOwnership { workspace, target } => {
            if let Some(w) = ws(s, workspace) {
                for m in &mut w.members {
                    if m.account == actor {
                        m.role = Role::Admin;
                    } else if m.account == target {
                        m.role = Role::Owner;
                    }
                }
            }
        }
        Action::Invite { workspace, email, role } => {
            let email = policy::validate::normalize_email(&email).unwrap_or_default();
            if let Some(w) = ws(s, workspace) {
                match w.invitations.iter_mut().find(|i| i.email.eq_ignore_ascii_case(&email)) {
                    Some(open) => open.role = role,
                    None => w.invitations.push(Invitation { id, email, role, expires_at: 1_000 }),
                }
            }
        }
        Action::ResendInvitation { workspace, invitation } => {
            if let Some(i) =
                ws(s, workspace).and_then(|w| w.invitations.iter_mut().find(|i| i.id == invitation))
            {
                i.expires_at += 1_000;
            }
        }
        Action::DeleteInvitation { workspace, invitation } => {
            if let Some(w) = ws(s, workspace) {
                w.invitations.retain(|i| i.id != invitation);
            }
        }
        Action::AcceptInvitation { workspace, invitation, .. } => {
            if let Some(w) = ws(s, workspace)
                && let Some(pos) = w.invitations.iter().position(|i| i.id == invitation)
            {
                let inv = w.invitations.remove(pos);
                w.members.push(Member { account: actor, role: inv.role, partner: None });
                w.requests.retain(|r| r.account != actor);
            }
        }
        Action::RequestAccess { workspace } => {
            if let Some(w) = ws(s, workspace) {
                w.requests.push(AccessRequest { id, account: actor });
            }
        }
        Action::AuthorizeRequest { workspace, request } => {
            if let Some(w) = ws(s, workspace)
                && let Some(pos) = w.requests.iter().position(|r| r.id == request)
            {
                let r = w.requests.remove(pos);
                w.members.push(Member { account: r.account, role: Role::Developer, partner: None });
            }
        }
        Action::RejectRequest { workspace, request } => {
            if let Some(w) = ws(s, workspace) {
                w.requests.retain(|r| r.id != request);
            }
        }
        Action::ChangeRole { workspace, target, role } => {
            if let Some(m) =
                ws(s, workspace).and_then(|w| w.members.iter_mut().find(|m| m.account == target))
            {
                m.role = role;
            }
        }
        Action::RemoveMember { workspace, target }
        | Action::RemoveAnalyst { workspace, analyst: target, .. } => {
            if let Some(w) = ws(s, workspace) {
                remove_member(w, target);
            }
        }
        Action::SetToggle { workspace, role, toggle, on } => {
            if let Some(w) = ws(s, workspace) {
                let list = if role == Role::Admin {
                    &mut w.toggles.admin
                } else {
                    &mut w.toggles.developer
                };
                list.retain(|t| *t != toggle);
                if on {
                    list.push(toggle);
                }
                w.toggles.version += 1;
            }
        }
        Action::SaveToggles { workspace, role, toggles, .. } => {
            if let Some(w) = ws(s, workspace) {
                if role == Role::Admin {
                    w.toggles.admin = toggles;
                } else {
                    w.toggles.developer = toggles;
                }
                w.toggles.version += 1;
            }
        }
        Action::CreateGroup { workspace, name, .. } => {
            if let Some(w) = ws(s, workspace) {
                w.groups.push(Group {
                    id,
                    name: name.trim().to_owned(),
                    is_default: false,
                    members: vec![],
                    size: None,
                });
            }
        }
        Action::EditGroup { workspace, group, name, .. } => {
            if let Some(g) =
                ws(s, workspace).and_then(|w| w.groups.iter_mut().find(|g| g.id == group))
            {
                g.name = name.trim().to_owned();
            }
        }
        Action::DeleteGroup { workspace, group, .. } => {
            if let Some(w) = ws(s, workspace) {
                w.groups.retain(|g| g.id != group);
                for r in &mut w.resources {
                    r.groups.retain(|g| *g != group);
                }
            }
        }
        Action::AddGroupMembers { workspace, group, accounts } => {
            if let Some(g) =
                ws(s, workspace).and_then(|w| w.groups.iter_mut().find(|g| g.id == group))
            {
                for a in accounts {
                    if !g.members.contains(&a) {
                        g.members.push(a);
                    }
                }
            }
        }
        Action::RemoveGroupMember { workspace, group, account } => {
            if let Some(g) =
                ws(s, workspace).and_then(|w| w.groups.iter_mut().find(|g| g.id == group))
            {
                g.members.retain(|m| *m != account);
            }
        }
        Action::CreateResource { workspace, kind, integration } => {
            if let Some(w) = ws(s, workspace) {
                let default = w.groups.iter().find(|g| g.is_default).map(|g| g.id);
                w.resources.push(Resource {
                    id,
                    kind,
                    groups: if kind.grouping() == Grouping::Own {
                        default.into_iter().collect()
                    } else {
                        vec![]
                    },
                    integration: if kind == ResourceKind::Flow { integration } else { None },
                    components: vec![],
                });
            }
        }
        Action::DeleteResource { workspace, resource } => {
            if let Some(w) = ws(s, workspace) {
                w.resources.retain(|r| r.id != resource && r.integration != Some(resource));
            }
        }
        Action::SetResourceGroups { workspace, resource, groups } => {
            if let Some(r) =
                ws(s, workspace).and_then(|w| w.resources.iter_mut().find(|r| r.id == resource))
            {
                r.groups = groups;
            }
        }
        Action::CreateGrant { client, partner, workspaces, role, sections, expires_at } => {
            s.grants.push(Grant {
                id,
                client,
                partner,
                workspaces,
                role,
                sections,
                redeemed: false,
                revoked: false,
                expires_at,
            });
        }
        Action::RenewGrant { grant, expires_at } => {
            if let Some(g) = s.grants.iter_mut().find(|g| g.id == grant) {
                g.expires_at = expires_at;
            }
        }
        Action::RedeemGrant { grant } => {
            if let Some(g) = s.grants.iter_mut().find(|g| g.id == grant) {
                g.redeemed = true;
            }
        }
        Action::RegisterAnalyst { grant, workspace, analyst } => {
            let g = s.grants.iter().find(|g| g.id == grant).cloned();
            if let (Some(g), Some(w)) = (g, ws(s, workspace)) {
                w.members.push(Member { account: analyst, role: g.role, partner: Some(g.partner) });
            }
        }
        Action::RevokeGrant { grant } => {
            // Rows are kept on purpose: the policy alone must shut analysts out.
            if let Some(g) = s.grants.iter_mut().find(|g| g.id == grant) {
                g.revoked = true;
            }
        }
    }
}
