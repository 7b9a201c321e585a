//! Loading the policy's facts from the database, in a fixed number of
//! queries whatever the size of the workspace or company: one per table,
//! never one per row.
//!
//! - [`workspace_facts`]: everything one workspace's decisions read — the
//!   workspace with its members, invitations, requests, groups and resources;
//!   its company, every grant touching that company, the companies on the
//!   other side of those grants with their members, and the accounts of all
//!   these people. This is what the facts cache holds per workspace.
//! - [`company_facts`]: what company-level decisions read — the companies
//!   named, their members, their grants (with the other side's flags) and
//!   their workspaces' ids; never the workspaces' contents.

use std::collections::{BTreeMap, BTreeSet};

use policy::{
    AccessRequest, Account, Company, CompanyMember, Grant, Group, Id, Invitation, Member, Resource,
    ResourceKind, Role, RoleToggles, Section, Snapshot, Toggle, Workspace,
};
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;

use crate::db::{Tx, col, placeholders};
use crate::error::AppError;

/// Parses a stored snake_case enum value (roles, kinds).
pub fn parse_enum<T: DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| AppError::Internal(format!("stored value `{text}`: {e}")))
}

/// The stored name of a role, kind or toggle.
pub fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// A JSON array stored as text (toggle lists, sections).
pub fn parse_list<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("stored list `{text}`: {e}")))
}

/// Runs `sql` with `binds` bound as `$1..$n` and maps every row.
async fn rows<T>(
    tx: &mut Tx,
    sql: &str,
    binds: &[Id],
    map: impl Fn(&AnyRow) -> Result<T, AppError>,
) -> Result<Vec<T>, AppError> {
    let mut q = sqlx::query(sql);
    for id in binds {
        q = q.bind(*id);
    }
    q.fetch_all(&mut **tx).await?.iter().map(map).collect()
}

/// [`rows`] for a query over a list of ids written `IN ({ids})`: `{ids}`
/// becomes `$1..$n`; an empty list runs nothing.
async fn rows_in<T>(
    tx: &mut Tx,
    sql: &str,
    ids: &[Id],
    map: impl Fn(&AnyRow) -> Result<T, AppError>,
) -> Result<Vec<T>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    rows(tx, &sql.replace("{ids}", &placeholders(1, ids.len())), ids, map).await
}

fn flag(r: &AnyRow, name: &str) -> Result<bool, AppError> {
    Ok(col::<i64>(r, name)? != 0)
}

pub(crate) fn member_row(r: &AnyRow) -> Result<Member, AppError> {
    Ok(Member {
        account: col(r, "account_id")?,
        role: parse_enum(&col::<String>(r, "role")?)?,
        partner: col(r, "partner_company_id")?,
    })
}

pub(crate) fn invitation_row(r: &AnyRow) -> Result<Invitation, AppError> {
    Ok(Invitation {
        id: col(r, "id")?,
        email: col(r, "email")?,
        role: parse_enum(&col::<String>(r, "role")?)?,
        expires_at: col(r, "expires_at")?,
    })
}

pub(crate) fn request_row(r: &AnyRow) -> Result<AccessRequest, AppError> {
    Ok(AccessRequest { id: col(r, "id")?, account: col(r, "account_id")? })
}

pub(crate) fn account_row(r: &AnyRow) -> Result<Account, AppError> {
    Ok(Account {
        id: col(r, "id")?,
        email: col(r, "email")?,
        support: flag(r, "support")?,
        verified: flag(r, "verified")?,
    })
}

pub(crate) fn company_row(r: &AnyRow) -> Result<Company, AppError> {
    Ok(Company {
        id: col(r, "id")?,
        partner_enabled: flag(r, "partner_enabled")?,
        client_enabled: flag(r, "client_enabled")?,
        members: Vec::new(),
    })
}

pub(crate) fn toggles_row(r: &AnyRow) -> Result<RoleToggles, AppError> {
    Ok(RoleToggles {
        admin: parse_list::<Toggle>(&col::<String>(r, "toggles_admin")?)?,
        developer: parse_list::<Toggle>(&col::<String>(r, "toggles_developer")?)?,
        version: col(r, "toggles_version")?,
    })
}

pub(crate) fn grant_row(r: &AnyRow) -> Result<Grant, AppError> {
    Ok(Grant {
        id: col(r, "id")?,
        client: col(r, "client_company_id")?,
        partner: col(r, "partner_company_id")?,
        workspaces: Vec::new(),
        role: parse_enum::<Role>(&col::<String>(r, "role")?)?,
        sections: parse_list::<Section>(&col::<String>(r, "sections")?)?,
        redeemed: flag(r, "redeemed")?,
        revoked: flag(r, "revoked")?,
        expires_at: col(r, "expires_at")?,
    })
}

pub(crate) fn resource_row(r: &AnyRow) -> Result<Resource, AppError> {
    Ok(Resource {
        id: col(r, "id")?,
        kind: parse_enum::<ResourceKind>(&col::<String>(r, "kind")?)?,
        groups: Vec::new(),
        integration: col(r, "integration_id")?,
        components: Vec::new(),
    })
}

pub(crate) fn pair(r: &AnyRow, a: &str, b: &str) -> Result<(Id, Id), AppError> {
    Ok((col(r, a)?, col(r, b)?))
}

pub(crate) const MEMBER_COLUMNS: &str = "account_id, role, partner_company_id";
pub(crate) const INVITATION_COLUMNS: &str = "id, email, role, expires_at";
pub(crate) const ACCOUNT_COLUMNS: &str = "id, email, support, CAST(CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS verified";
pub(crate) const COMPANY_COLUMNS: &str = "id, partner_enabled, client_enabled";
pub(crate) const GRANT_COLUMNS: &str =
    "id, client_company_id, partner_company_id, role, sections, redeemed, revoked, expires_at";
pub(crate) const WORKSPACE_COLUMNS: &str =
    "id, company_id, data_studio, toggles_admin, toggles_developer, toggles_version";

/// Attaches `(owner, item)` pairs to their owners' lists, keeping the order
/// the query gave.
fn group_by(pairs: Vec<(Id, Id)>) -> BTreeMap<Id, Vec<Id>> {
    let mut map: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
    for (owner, item) in pairs {
        map.entry(owner).or_default().push(item);
    }
    map
}

/// The SQL set of companies whose facts a workspace of company `$1` reads:
/// its own and those on the other side of its grants.
const COMPANY_SET: &str = "SELECT $1 UNION SELECT partner_company_id FROM grants WHERE client_company_id = $1 \
     UNION SELECT client_company_id FROM grants WHERE partner_company_id = $1";

/// One workspace's resources, with their groups and flow components.
async fn resources(tx: &mut Tx, ws: Id) -> Result<Vec<Resource>, AppError> {
    let mut groups = group_by(
        rows(
            tx,
            "SELECT rg.resource_id, rg.group_id FROM resource_groups rg \
             JOIN resources r ON r.id = rg.resource_id WHERE r.workspace_id = $1 \
             ORDER BY rg.resource_id, rg.group_id",
            &[ws],
            |r| pair(r, "resource_id", "group_id"),
        )
        .await?,
    );
    let mut components = group_by(
        rows(
            tx,
            "SELECT fc.flow_id, fc.job_id FROM flow_components fc \
             JOIN resources r ON r.id = fc.flow_id WHERE r.workspace_id = $1 \
             ORDER BY fc.flow_id, fc.position",
            &[ws],
            |r| pair(r, "flow_id", "job_id"),
        )
        .await?,
    );
    rows(
        tx,
        "SELECT id, kind, integration_id FROM resources WHERE workspace_id = $1 ORDER BY id",
        &[ws],
        resource_row,
    )
    .await
    .map(|mut list| {
        for r in &mut list {
            r.groups = groups.remove(&r.id).unwrap_or_default();
            r.components = components.remove(&r.id).unwrap_or_default();
        }
        list
    })
}

/// One workspace's groups with their members.
async fn groups(tx: &mut Tx, ws: Id) -> Result<Vec<Group>, AppError> {
    let mut members = group_by(
        rows(
            tx,
            "SELECT gm.group_id, gm.account_id FROM group_members gm \
             JOIN groups g ON g.id = gm.group_id WHERE g.workspace_id = $1 \
             ORDER BY gm.group_id, gm.account_id",
            &[ws],
            |r| pair(r, "group_id", "account_id"),
        )
        .await?,
    );
    let mut list = rows(
        tx,
        "SELECT id, name, is_default FROM groups WHERE workspace_id = $1 ORDER BY is_default DESC, id",
        &[ws],
        |r| {
            Ok(Group {
                id: col(r, "id")?,
                name: col(r, "name")?,
                is_default: flag(r, "is_default")?,
                members: Vec::new(),
                size: None,
            })
        },
    )
    .await?;
    for g in &mut list {
        g.members = members.remove(&g.id).unwrap_or_default();
    }
    Ok(list)
}

/// Grants touching `company`, with their workspaces.
async fn grants_of(tx: &mut Tx, company: Id) -> Result<Vec<Grant>, AppError> {
    let mut workspaces = group_by(
        rows(
            tx,
            "SELECT gw.grant_id, gw.workspace_id FROM grant_workspaces gw \
             JOIN grants g ON g.id = gw.grant_id \
             WHERE g.client_company_id = $1 OR g.partner_company_id = $1 \
             ORDER BY gw.grant_id, gw.workspace_id",
            &[company],
            |r| pair(r, "grant_id", "workspace_id"),
        )
        .await?,
    );
    let mut list = rows(
        tx,
        &format!(
            "SELECT {GRANT_COLUMNS} FROM grants \
             WHERE client_company_id = $1 OR partner_company_id = $1 ORDER BY id"
        ),
        &[company],
        grant_row,
    )
    .await?;
    for g in &mut list {
        g.workspaces = workspaces.remove(&g.id).unwrap_or_default();
    }
    Ok(list)
}

/// Companies by id with their members (all of them, or none).
pub(crate) async fn companies_by_id(
    tx: &mut Tx,
    ids: &[Id],
    with_members: bool,
) -> Result<Vec<Company>, AppError> {
    let mut list = rows_in(
        tx,
        &format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE id IN ({{ids}}) ORDER BY id"),
        ids,
        company_row,
    )
    .await?;
    if with_members {
        let mut members: BTreeMap<Id, Vec<CompanyMember>> = BTreeMap::new();
        for (company, m) in rows_in(
            tx,
            "SELECT company_id, account_id, admin FROM company_members \
             WHERE company_id IN ({ids}) ORDER BY company_id, account_id",
            ids,
            |r| {
                Ok((
                    col(r, "company_id")?,
                    CompanyMember { account: col(r, "account_id")?, admin: flag(r, "admin")? },
                ))
            },
        )
        .await?
        {
            members.entry(company).or_default().push(m);
        }
        for c in &mut list {
            c.members = members.remove(&c.id).unwrap_or_default();
        }
    }
    Ok(list)
}

/// Everything one workspace's decisions read (see the module docs), or
/// `None` when the workspace does not exist. 14 queries at any size.
pub async fn workspace_facts(tx: &mut Tx, ws: Id) -> Result<Option<Snapshot>, AppError> {
    let Some(w) = sqlx::query(&format!("SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE id = $1"))
        .bind(ws)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let company: Id = col(&w, "company_id")?;
    let members = rows(
        tx,
        &format!(
            "SELECT {MEMBER_COLUMNS} FROM members WHERE workspace_id = $1 ORDER BY joined_at, account_id"
        ),
        &[ws],
        member_row,
    )
    .await?;
    let invitations = rows(
        tx,
        &format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE workspace_id = $1 ORDER BY id"
        ),
        &[ws],
        invitation_row,
    )
    .await?;
    let requests = rows(
        tx,
        "SELECT id, account_id FROM access_requests WHERE workspace_id = $1 ORDER BY id",
        &[ws],
        request_row,
    )
    .await?;
    let groups = groups(tx, ws).await?;
    let resources = resources(tx, ws).await?;
    let grants = grants_of(tx, company).await?;
    let company_ids: Vec<Id> = rows(
        tx,
        &format!("SELECT id FROM companies WHERE id IN ({COMPANY_SET}) ORDER BY id"),
        &[company],
        |r| col(r, "id"),
    )
    .await?;
    let companies = companies_by_id(tx, &company_ids, true).await?;
    let accounts = rows(
        tx,
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ( \
               SELECT account_id FROM members WHERE workspace_id = $2 \
               UNION SELECT account_id FROM access_requests WHERE workspace_id = $2 \
               UNION SELECT account_id FROM company_members WHERE company_id IN ({COMPANY_SET})) \
             ORDER BY id"
        ),
        &[company, ws],
        account_row,
    )
    .await?;
    let workspace = Workspace {
        id: ws,
        company,
        data_studio: flag(&w, "data_studio")?,
        members,
        invitations,
        requests,
        toggles: toggles_row(&w)?,
        groups,
        resources,
        partial: policy::Partial::default(),
        counts: None,
    };
    Ok(Some(Snapshot { accounts, companies, workspaces: vec![workspace], grants }))
}

/// A workspace as company-level decisions see it: its id and company only.
pub(crate) fn stub(id: Id, company: Id) -> Workspace {
    Workspace {
        id,
        company,
        data_studio: false,
        members: Vec::new(),
        invitations: Vec::new(),
        requests: Vec::new(),
        toggles: RoleToggles::defaults(),
        groups: Vec::new(),
        resources: Vec::new(),
        partial: policy::Partial::default(),
        counts: None,
    }
}

/// What company-level decisions about `named` companies read (see the
/// module docs), plus `actor`'s account: a fixed number of queries
/// whatever the number of companies, grants or workspaces.
pub async fn company_facts(tx: &mut Tx, actor: Id, named: &[Id]) -> Result<Snapshot, AppError> {
    let named: Vec<Id> = named.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    if named.is_empty() {
        let accounts = account(tx, actor).await?.into_iter().collect();
        return Ok(Snapshot { accounts, ..Snapshot::default() });
    }
    let mut grants = rows_in(
        tx,
        &format!(
            "SELECT {GRANT_COLUMNS} FROM grants \
             WHERE client_company_id IN ({{ids}}) OR partner_company_id IN ({{ids}}) ORDER BY id"
        ),
        &named,
        grant_row,
    )
    .await?;
    let mut grant_workspaces = group_by(
        rows_in(
            tx,
            "SELECT gw.grant_id, gw.workspace_id FROM grant_workspaces gw \
             JOIN grants g ON g.id = gw.grant_id \
             WHERE g.client_company_id IN ({ids}) OR g.partner_company_id IN ({ids}) \
             ORDER BY gw.grant_id, gw.workspace_id",
            &named,
            |r| pair(r, "grant_id", "workspace_id"),
        )
        .await?,
    );
    for g in &mut grants {
        g.workspaces = grant_workspaces.remove(&g.id).unwrap_or_default();
    }
    let mut companies = companies_by_id(tx, &named, true).await?;
    let others: Vec<Id> = grants
        .iter()
        .flat_map(|g| [g.client, g.partner])
        .filter(|c| !named.contains(c))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    companies.extend(companies_by_id(tx, &others, false).await?);
    let workspaces = rows_in(
        tx,
        "SELECT id, company_id FROM workspaces WHERE company_id IN ({ids}) ORDER BY id",
        &named,
        |r| Ok(stub(col(r, "id")?, col(r, "company_id")?)),
    )
    .await?;
    let mut binds = vec![actor];
    binds.extend(&named);
    let accounts = rows(
        tx,
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 OR id IN \
             (SELECT account_id FROM company_members WHERE company_id IN ({})) ORDER BY id",
            placeholders(2, named.len())
        ),
        &binds,
        account_row,
    )
    .await?;
    Ok(Snapshot { accounts, companies, workspaces, grants })
}

/// One account as the policy sees it.
pub async fn account(tx: &mut Tx, id: Id) -> Result<Option<Account>, AppError> {
    sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(account_row)
        .transpose()
}

/// A grant row as the policy sees it (with its workspaces).
pub async fn grant_by_id(tx: &mut Tx, id: Id) -> Result<Option<Grant>, AppError> {
    let Some(mut g) = sqlx::query(&format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(grant_row)
        .transpose()?
    else {
        return Ok(None);
    };
    g.workspaces = rows(
        tx,
        "SELECT workspace_id FROM grant_workspaces WHERE grant_id = $1 ORDER BY workspace_id",
        &[id],
        |r| col(r, "workspace_id"),
    )
    .await?;
    Ok(Some(g))
}

/// Resources of workspace `ws` by id (with groups and components).
pub(crate) async fn resources_by_id(
    tx: &mut Tx,
    ws: Id,
    ids: &[Id],
) -> Result<BTreeMap<Id, Resource>, AppError> {
    let mut binds = vec![ws];
    binds.extend(ids);
    let list = placeholders(2, ids.len());
    let mut groups = group_by(
        rows(
            tx,
            &format!(
                "SELECT rg.resource_id, rg.group_id FROM resource_groups rg JOIN resources r \
                 ON r.id = rg.resource_id WHERE r.workspace_id = $1 AND r.id IN ({list}) \
                 ORDER BY rg.resource_id, rg.group_id"
            ),
            &binds,
            |r| pair(r, "resource_id", "group_id"),
        )
        .await?,
    );
    let mut components = group_by(
        rows(
            tx,
            &format!(
                "SELECT fc.flow_id, fc.job_id FROM flow_components fc JOIN resources r \
                 ON r.id = fc.flow_id WHERE r.workspace_id = $1 AND r.id IN ({list}) \
                 ORDER BY fc.flow_id, fc.position"
            ),
            &binds,
            |r| pair(r, "flow_id", "job_id"),
        )
        .await?,
    );
    let list = rows(
        tx,
        &format!(
            "SELECT id, kind, integration_id FROM resources WHERE workspace_id = $1 AND id IN ({list})"
        ),
        &binds,
        resource_row,
    )
    .await?;
    Ok(list
        .into_iter()
        .map(|mut r| {
            r.groups = groups.remove(&r.id).unwrap_or_default();
            r.components = components.remove(&r.id).unwrap_or_default();
            (r.id, r)
        })
        .collect())
}

/// Grants by id, with their workspaces.
pub(crate) async fn grants_by_id(tx: &mut Tx, ids: &[Id]) -> Result<Vec<Grant>, AppError> {
    let mut workspaces = group_by(
        rows_in(
            tx,
            "SELECT grant_id, workspace_id FROM grant_workspaces WHERE grant_id IN ({ids}) \
             ORDER BY grant_id, workspace_id",
            ids,
            |r| pair(r, "grant_id", "workspace_id"),
        )
        .await?,
    );
    let mut list = rows_in(
        tx,
        &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id IN ({{ids}}) ORDER BY id"),
        ids,
        grant_row,
    )
    .await?;
    for g in &mut list {
        g.workspaces = workspaces.remove(&g.id).unwrap_or_default();
    }
    Ok(list)
}

/// Whether each (company, account) pair of `companies` is a member, and an admin.
pub(crate) async fn company_members_of(
    tx: &mut Tx,
    companies: &[Id],
) -> Result<BTreeMap<(Id, Id), bool>, AppError> {
    rows_in(
        tx,
        "SELECT company_id, account_id, admin FROM company_members WHERE company_id IN ({ids})",
        companies,
        |r| Ok((pair(r, "company_id", "account_id")?, flag(r, "admin")?)),
    )
    .await
    .map(|v| v.into_iter().collect())
}

/// Accounts by id.
pub(crate) async fn accounts_by_id(tx: &mut Tx, ids: &[Id]) -> Result<Vec<Account>, AppError> {
    rows_in(
        tx,
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN ({{ids}}) ORDER BY id"),
        ids,
        account_row,
    )
    .await
}
