//! The per-workspace change log (SPEC 11): every access-changing write
//! records, in its own transaction and under the workspace version it made,
//! the keys of the records it changed. A process whose cached facts are
//! older reads the keys since its version and reads those records again
//! ([`resolve`]), which turns them into the policy's [`Change`]s.

use std::collections::{BTreeMap, BTreeSet};

use policy::{Change, CompanyHeader, CompanyMember, GroupHeader, Id, WorkspaceHeader};

use crate::db::{Tx, col, placeholders};
use crate::error::AppError;
use crate::load::{self, pair};

/// A record of a workspace's facts that a write changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// The workspace's own fields (company, Data Studio, toggles).
    Workspace,
    Member(Id),
    Invitation(Id),
    Request(Id),
    Group(Id),
    /// (group, account)
    GroupMember(Id, Id),
    Resource(Id),
    /// A company's flags, members and accounts (a company the workspace's
    /// decisions read: its own, or one on the other side of a grant).
    Company(Id),
    /// (company, account)
    CompanyMember(Id, Id),
    Grant(Id),
    Account(Id),
}

impl Key {
    /// The stored form: kind, subject, detail.
    pub fn parts(self) -> (&'static str, Id, Id) {
        match self {
            Key::Workspace => ("workspace", 0, 0),
            Key::Member(a) => ("member", a, 0),
            Key::Invitation(i) => ("invitation", i, 0),
            Key::Request(r) => ("request", r, 0),
            Key::Group(g) => ("group", g, 0),
            Key::GroupMember(g, a) => ("group_member", g, a),
            Key::Resource(r) => ("resource", r, 0),
            Key::Company(c) => ("company", c, 0),
            Key::CompanyMember(c, a) => ("company_member", c, a),
            Key::Grant(g) => ("grant", g, 0),
            Key::Account(a) => ("account", a, 0),
        }
    }

    /// The key a stored row names, if its kind is known.
    pub fn from_parts(kind: &str, subject: Id, detail: Id) -> Option<Key> {
        Some(match kind {
            "workspace" => Key::Workspace,
            "member" => Key::Member(subject),
            "invitation" => Key::Invitation(subject),
            "request" => Key::Request(subject),
            "group" => Key::Group(subject),
            "group_member" => Key::GroupMember(subject, detail),
            "resource" => Key::Resource(subject),
            "company" => Key::Company(subject),
            "company_member" => Key::CompanyMember(subject, detail),
            "grant" => Key::Grant(subject),
            "account" => Key::Account(subject),
            _ => return None,
        })
    }

    /// Keys that concern a company rather than one workspace: a write
    /// records them in every workspace whose facts hold that company.
    pub fn is_company_level(self) -> bool {
        matches!(self, Key::Company(_) | Key::CompanyMember(..) | Key::Grant(_))
    }
}

/// The keys a workspace's log holds after `from` up to `to`, or `None`
/// when the log no longer reaches back that far (pruned) — then the caller
/// reloads in full.
pub async fn since(
    tx: &mut Tx,
    ws: Id,
    from: i64,
    to: i64,
) -> Result<Option<BTreeSet<Key>>, AppError> {
    let rows = sqlx::query(
        "SELECT version, kind, subject, detail FROM changes \
         WHERE workspace_id = $1 AND version > $2 AND version <= $3 ORDER BY version, id",
    )
    .bind(ws)
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await?;
    let mut versions = BTreeSet::new();
    let mut keys = BTreeSet::new();
    for r in &rows {
        versions.insert(col::<i64>(r, "version")?);
        let kind: String = col(r, "kind")?;
        match Key::from_parts(&kind, col(r, "subject")?, col(r, "detail")?) {
            Some(k) => keys.insert(k),
            // A kind this build does not know: only a full reload is safe.
            None => return Ok(None),
        };
    }
    // Every version in between made at least one row; a gap means pruned.
    let complete = i64::try_from(versions.len()).is_ok_and(|n| n == to - from);
    Ok(complete.then_some(keys))
}

/// Records `keys` for each of `versions` (workspace, new version) in one
/// statement per 500 rows.
pub async fn record(
    tx: &mut Tx,
    versions: &[(Id, i64)],
    keys: &BTreeMap<Id, BTreeSet<Key>>,
    now: i64,
) -> Result<(), AppError> {
    let rows: Vec<(Id, i64, Key)> = versions
        .iter()
        .flat_map(|&(ws, version)| {
            keys.get(&ws).into_iter().flatten().map(move |&key| (ws, version, key))
        })
        .collect();
    for chunk in rows.chunks(500) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("({})", placeholders(i * 6 + 1, 6))).collect();
        let sql = format!(
            "INSERT INTO changes (workspace_id, version, kind, subject, detail, at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for &(ws, version, key) in chunk {
            let (kind, subject, detail) = key.parts();
            q = q.bind(ws).bind(version).bind(kind).bind(subject).bind(detail).bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Reads the records `keys` name again, as they stand in `tx`'s snapshot,
/// and returns them as the policy's changes for workspace `ws`: present
/// records as upserts, missing ones as deletions. A fixed number of
/// queries whatever the number of keys: one per kind of record.
pub async fn resolve(tx: &mut Tx, ws: Id, keys: &BTreeSet<Key>) -> Result<Vec<Change>, AppError> {
    let mut out = Vec::new();
    let pick = |f: fn(&Key) -> Option<Id>| -> Vec<Id> { keys.iter().filter_map(f).collect() };
    let mut companies = pick(|k| if let Key::Company(c) = k { Some(*c) } else { None });
    let grants = pick(|k| if let Key::Grant(g) = k { Some(*g) } else { None });
    let mut accounts = pick(|k| if let Key::Account(a) = k { Some(*a) } else { None });

    if keys.contains(&Key::Workspace) {
        let row = sqlx::query(&format!(
            "SELECT {} FROM workspaces WHERE id = $1",
            load::WORKSPACE_COLUMNS
        ))
        .bind(ws)
        .fetch_optional(&mut **tx)
        .await?;
        let header = match row {
            Some(r) => Some(WorkspaceHeader {
                company: col(&r, "company_id")?,
                data_studio: col::<i64>(&r, "data_studio")? != 0,
                toggles: load::toggles_row(&r)?,
            }),
            None => None,
        };
        out.push(Change::Workspace { id: ws, header });
    }

    let members = pick(|k| if let Key::Member(a) = k { Some(*a) } else { None });
    if !members.is_empty() {
        let found = by_key(
            tx,
            &format!(
                "SELECT {} FROM members WHERE workspace_id = $1 AND account_id IN ({{ids}})",
                load::MEMBER_COLUMNS
            ),
            ws,
            &members,
            |r| Ok((col::<Id>(r, "account_id")?, load::member_row(r)?)),
        )
        .await?;
        for a in members {
            out.push(Change::Member { workspace: ws, account: a, member: found.get(&a).copied() });
            accounts.push(a);
        }
    }

    let invitations = pick(|k| if let Key::Invitation(i) = k { Some(*i) } else { None });
    if !invitations.is_empty() {
        let mut found = by_key(
            tx,
            &format!(
                "SELECT {} FROM invitations WHERE workspace_id = $1 AND id IN ({{ids}})",
                load::INVITATION_COLUMNS
            ),
            ws,
            &invitations,
            |r| Ok((col::<Id>(r, "id")?, load::invitation_row(r)?)),
        )
        .await?;
        for id in invitations {
            out.push(Change::Invitation { workspace: ws, id, invitation: found.remove(&id) });
        }
    }

    let requests = pick(|k| if let Key::Request(r) = k { Some(*r) } else { None });
    if !requests.is_empty() {
        let found = by_key(
            tx,
            "SELECT id, account_id FROM access_requests WHERE workspace_id = $1 AND id IN ({ids})",
            ws,
            &requests,
            |r| Ok((col::<Id>(r, "id")?, load::request_row(r)?)),
        )
        .await?;
        for id in requests {
            let request = found.get(&id).copied();
            if let Some(r) = request {
                accounts.push(r.account);
            }
            out.push(Change::Request { workspace: ws, id, request });
        }
    }

    let groups = pick(|k| if let Key::Group(g) = k { Some(*g) } else { None });
    if !groups.is_empty() {
        let mut found = by_key(
            tx,
            "SELECT id, name, is_default FROM groups WHERE workspace_id = $1 AND id IN ({ids})",
            ws,
            &groups,
            |r| {
                Ok((
                    col::<Id>(r, "id")?,
                    GroupHeader {
                        name: col(r, "name")?,
                        is_default: col::<i64>(r, "is_default")? != 0,
                    },
                ))
            },
        )
        .await?;
        for id in groups {
            out.push(Change::Group { workspace: ws, id, header: found.remove(&id) });
        }
    }

    let group_members: Vec<(Id, Id)> = keys
        .iter()
        .filter_map(|k| if let Key::GroupMember(g, a) = k { Some((*g, *a)) } else { None })
        .collect();
    if !group_members.is_empty() {
        let group_ids: Vec<Id> =
            group_members.iter().map(|p| p.0).collect::<BTreeSet<_>>().into_iter().collect();
        let present: BTreeSet<(Id, Id)> = by_key(
            tx,
            "SELECT gm.group_id, gm.account_id FROM group_members gm JOIN groups g ON g.id = gm.group_id \
             WHERE g.workspace_id = $1 AND gm.group_id IN ({ids})",
            ws,
            &group_ids,
            |r| Ok((pair(r, "group_id", "account_id")?, ())),
        )
        .await?
        .into_keys()
        .collect();
        for (group, account) in group_members {
            let present = present.contains(&(group, account));
            out.push(Change::GroupMember { workspace: ws, group, account, present });
        }
    }

    let resources = pick(|k| if let Key::Resource(r) = k { Some(*r) } else { None });
    if !resources.is_empty() {
        let mut found = load::resources_by_id(tx, ws, &resources).await?;
        for id in resources {
            out.push(Change::Resource { workspace: ws, id, resource: found.remove(&id) });
        }
    }

    // Grants, and in full both companies each names (a new grant brings the
    // other side's company into this workspace's facts).
    if !grants.is_empty() {
        let mut found: BTreeMap<Id, policy::Grant> =
            load::grants_by_id(tx, &grants).await?.into_iter().map(|g| (g.id, g)).collect();
        for id in grants {
            let grant = found.remove(&id);
            if let Some(g) = &grant {
                companies.extend([g.client, g.partner]);
            }
            out.push(Change::Grant { id, grant });
        }
    }

    let company_members: Vec<(Id, Id)> = keys
        .iter()
        .filter_map(|k| if let Key::CompanyMember(c, a) = k { Some((*c, *a)) } else { None })
        .collect();
    companies.sort_unstable();
    companies.dedup();
    if !companies.is_empty() {
        let mut found: BTreeMap<Id, policy::Company> = load::companies_by_id(tx, &companies, true)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for id in &companies {
            let company = found.remove(id);
            let header = company.as_ref().map(|c| CompanyHeader {
                partner_enabled: c.partner_enabled,
                client_enabled: c.client_enabled,
            });
            out.push(Change::Company { id: *id, header });
            for m in company.map(|c| c.members).unwrap_or_default() {
                accounts.push(m.account);
                out.push(Change::CompanyMember {
                    company: *id,
                    account: m.account,
                    member: Some(m),
                });
            }
        }
    }
    if !company_members.is_empty() {
        let ids: Vec<Id> =
            company_members.iter().map(|p| p.0).collect::<BTreeSet<_>>().into_iter().collect();
        let present: BTreeMap<(Id, Id), bool> = load::company_members_of(tx, &ids).await?;
        for (company, account) in company_members {
            let member =
                present.get(&(company, account)).map(|&admin| CompanyMember { account, admin });
            if member.is_some() {
                accounts.push(account);
            }
            out.push(Change::CompanyMember { company, account, member });
        }
    }

    accounts.sort_unstable();
    accounts.dedup();
    if !accounts.is_empty() {
        let mut found: BTreeMap<Id, policy::Account> =
            load::accounts_by_id(tx, &accounts).await?.into_iter().map(|a| (a.id, a)).collect();
        // Accounts go first, so members upserted in the same batch find them.
        let mut first: Vec<Change> = accounts
            .into_iter()
            .filter_map(|id| found.remove(&id).map(|a| Change::Account { id, account: Some(a) }))
            .collect();
        first.append(&mut out);
        out = first;
    }
    Ok(out)
}

/// Rows of one workspace's table whose key is among `ids`, by key.
async fn by_key<K: Ord, V>(
    tx: &mut Tx,
    sql: &str,
    ws: Id,
    ids: &[Id],
    map: impl Fn(&sqlx::any::AnyRow) -> Result<(K, V), AppError>,
) -> Result<BTreeMap<K, V>, AppError> {
    let sql = sql.replace("{ids}", &placeholders(2, ids.len()));
    let mut q = sqlx::query(&sql).bind(ws);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut **tx).await?.iter().map(map).collect()
}
