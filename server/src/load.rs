//! Loading the facts a decision needs from the database into the policy's
//! `Snapshot`. The server decides on exactly what it loads here, and the
//! snapshot endpoint hands the same facts to the browser.

use std::collections::BTreeSet;

use policy::{
    AccessRequest, Account, Company, CompanyMember, Grant, Group, Id, Invitation, Member, Resource,
    ResourceKind, Role, RoleToggles, Section, Snapshot, Toggle, Workspace,
};
use serde::de::DeserializeOwned;

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

async fn ids(tx: &mut Tx, sql: &str, id: Id) -> Result<Vec<Id>, AppError> {
    let rows = sqlx::query(sql).bind(id).fetch_all(&mut **tx).await?;
    rows.iter().map(|r| col::<i64>(r, "id")).collect()
}

/// One workspace with everything access depends on, or `None`.
pub async fn workspace(tx: &mut Tx, id: Id) -> Result<Option<Workspace>, AppError> {
    let Some(w) = sqlx::query(
        "SELECT id, company_id, data_studio, toggles_admin, toggles_developer, toggles_version \
         FROM workspaces WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let members = sqlx::query(
        "SELECT account_id, role, partner_company_id FROM members WHERE workspace_id = $1 ORDER BY joined_at, account_id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Member {
            account: col(r, "account_id")?,
            role: parse_enum(&col::<String>(r, "role")?)?,
            partner: col(r, "partner_company_id")?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let invitations = sqlx::query(
        "SELECT id, email, role, expires_at FROM invitations WHERE workspace_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(Invitation {
            id: col(r, "id")?,
            email: col(r, "email")?,
            role: parse_enum(&col::<String>(r, "role")?)?,
            expires_at: col(r, "expires_at")?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let requests = sqlx::query(
        "SELECT id, account_id FROM access_requests WHERE workspace_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok(AccessRequest { id: col(r, "id")?, account: col(r, "account_id")? }))
    .collect::<Result<Vec<_>, AppError>>()?;
    let mut groups = Vec::new();
    for g in sqlx::query("SELECT id, name, is_default FROM groups WHERE workspace_id = $1 ORDER BY is_default DESC, id")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
    {
        let gid: i64 = col(&g, "id")?;
        let members = ids(tx, "SELECT account_id AS id FROM group_members WHERE group_id = $1 ORDER BY account_id", gid).await?;
        groups.push(Group {
            id: gid,
            name: col(&g, "name")?,
            is_default: col::<i64>(&g, "is_default")? != 0,
            members,
        });
    }
    let mut resources = Vec::new();
    for r in sqlx::query(
        "SELECT id, kind, integration_id FROM resources WHERE workspace_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    {
        let rid: i64 = col(&r, "id")?;
        let kind: ResourceKind = parse_enum(&col::<String>(&r, "kind")?)?;
        let groups = ids(
            tx,
            "SELECT group_id AS id FROM resource_groups WHERE resource_id = $1 ORDER BY group_id",
            rid,
        )
        .await?;
        let components = if kind == ResourceKind::Flow {
            ids(
                tx,
                "SELECT job_id AS id FROM flow_components WHERE flow_id = $1 ORDER BY position",
                rid,
            )
            .await?
        } else {
            Vec::new()
        };
        resources.push(Resource {
            id: rid,
            kind,
            groups,
            integration: col(&r, "integration_id")?,
            components,
        });
    }
    Ok(Some(Workspace {
        id,
        company: col(&w, "company_id")?,
        data_studio: col::<i64>(&w, "data_studio")? != 0,
        members,
        invitations,
        requests,
        toggles: RoleToggles {
            admin: parse_list::<Toggle>(&col::<String>(&w, "toggles_admin")?)?,
            developer: parse_list::<Toggle>(&col::<String>(&w, "toggles_developer")?)?,
            version: col(&w, "toggles_version")?,
        },
        groups,
        resources,
    }))
}

async fn company(tx: &mut Tx, id: Id) -> Result<Option<Company>, AppError> {
    let Some(c) =
        sqlx::query("SELECT id, partner_enabled, client_enabled FROM companies WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
    else {
        return Ok(None);
    };
    let members = sqlx::query(
        "SELECT account_id, admin FROM company_members WHERE company_id = $1 ORDER BY account_id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(CompanyMember { account: col(r, "account_id")?, admin: col::<i64>(r, "admin")? != 0 })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    Ok(Some(Company {
        id,
        partner_enabled: col::<i64>(&c, "partner_enabled")? != 0,
        client_enabled: col::<i64>(&c, "client_enabled")? != 0,
        members,
    }))
}

/// A grant row as the policy sees it.
pub async fn grant_by_id(tx: &mut Tx, id: Id) -> Result<Option<Grant>, AppError> {
    let Some(g) = sqlx::query(
        "SELECT id, client_company_id, partner_company_id, role, sections, redeemed, revoked FROM grants WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let workspaces = ids(
        tx,
        "SELECT workspace_id AS id FROM grant_workspaces WHERE grant_id = $1 ORDER BY workspace_id",
        id,
    )
    .await?;
    Ok(Some(Grant {
        id,
        client: col(&g, "client_company_id")?,
        partner: col(&g, "partner_company_id")?,
        workspaces,
        role: parse_enum::<Role>(&col::<String>(&g, "role")?)?,
        sections: parse_list::<Section>(&col::<String>(&g, "sections")?)?,
        redeemed: col::<i64>(&g, "redeemed")? != 0,
        revoked: col::<i64>(&g, "revoked")? != 0,
    }))
}

async fn accounts(tx: &mut Tx, wanted: &BTreeSet<Id>) -> Result<Vec<Account>, AppError> {
    let mut out = Vec::with_capacity(wanted.len());
    let list: Vec<Id> = wanted.iter().copied().collect();
    for chunk in list.chunks(500) {
        let sql = format!(
            "SELECT id, email, support FROM accounts WHERE id IN ({}) ORDER BY id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut **tx).await? {
            out.push(Account {
                id: col(&r, "id")?,
                email: col(&r, "email")?,
                support: col::<i64>(&r, "support")? != 0,
            });
        }
    }
    Ok(out)
}

/// The facts for `actor` acting on `workspaces` and `companies`: those
/// records, the companies they belong to, every grant touching those
/// companies (with the other side's company and the grant's workspaces),
/// and the accounts involved.
pub async fn facts(
    tx: &mut Tx,
    actor: Id,
    workspaces: &[Id],
    companies: &[Id],
) -> Result<Snapshot, AppError> {
    let mut snapshot = Snapshot::default();
    let mut company_ids: BTreeSet<Id> = companies.iter().copied().collect();
    let mut workspace_ids: BTreeSet<Id> = workspaces.iter().copied().collect();
    for &w in workspaces {
        if let Some(ws) = workspace(tx, w).await? {
            company_ids.insert(ws.company);
            snapshot.workspaces.push(ws);
        }
    }
    // Grants touching these companies, and the companies on their other side.
    let mut grant_ids = BTreeSet::new();
    for &c in &company_ids {
        for id in ids(
            tx,
            "SELECT id FROM grants WHERE client_company_id = $1 OR partner_company_id = $1",
            c,
        )
        .await?
        {
            grant_ids.insert(id);
        }
    }
    for id in grant_ids {
        if let Some(g) = grant_by_id(tx, id).await? {
            company_ids.insert(g.client);
            company_ids.insert(g.partner);
            snapshot.grants.push(g);
        }
    }
    // Workspaces a grant may name, so `CreateGrant` can check their company.
    for &c in companies {
        for id in ids(tx, "SELECT id FROM workspaces WHERE company_id = $1", c).await? {
            if workspace_ids.insert(id)
                && let Some(ws) = workspace(tx, id).await?
            {
                snapshot.workspaces.push(ws);
            }
        }
    }
    let mut account_ids = BTreeSet::from([actor]);
    for &c in &company_ids {
        if let Some(company) = company(tx, c).await? {
            account_ids.extend(company.members.iter().map(|m| m.account));
            snapshot.companies.push(company);
        }
    }
    for w in &snapshot.workspaces {
        account_ids.extend(w.members.iter().map(|m| m.account));
        account_ids.extend(w.requests.iter().map(|r| r.account));
    }
    snapshot.accounts = accounts(tx, &account_ids).await?;
    Ok(snapshot)
}
