//! Benchmark workspaces (`server bench-seed`, used by `cargo xtask bench`):
//! tenants of size S, M and L seeded by bulk SQL that writes the same
//! tables and columns as the server's own inserts (`create_account`,
//! `create_workspace`, `insert_member`, group and resource creation), in
//! multi-row statements, one transaction per workspace, on SQLite or
//! PostgreSQL alike.
//!
//! Every workspace has a company of its Owner, Data Studio on, every kind of
//! resource (flows with an integration and one to three Data/File Job
//! components), groups of about 50 members (S: 25) and resources in one or
//! two groups. Every account shares one argon2 hash of [`PASSWORD`]; the
//! sign-ins the bench needs are printed as one JSON line per workspace.

use std::collections::HashMap;
use std::time::Instant;

use policy::{Id, ResourceKind, Role, RoleToggles};
use serde_json::json;
use sqlx::any::AnyRow;

use crate::db::{Backend, Db, Tx, col, placeholders};
use crate::error::AppError;
use crate::load::enum_text;
use crate::write::{Audit, AuditKind};

/// Every benchmark account's password.
pub const PASSWORD: &str = "gatehouse-bench";

/// Most bind parameters in one statement (well under SQLite's 32,766 and
/// PostgreSQL's 65,535).
const MAX_BINDS: usize = 8_000;

/// A tenant size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub name: &'static str,
    pub members: usize,
    pub groups: usize,
    pub resources: usize,
}

pub const S: Size = Size { name: "S", members: 100, groups: 20, resources: 1_000 };
pub const M: Size = Size { name: "M", members: 1_000, groups: 100, resources: 10_000 };
pub const L: Size = Size { name: "L", members: 10_000, groups: 1_000, resources: 100_000 };

impl Size {
    /// `s`, `m` or `l` (any case).
    pub fn parse(text: &str) -> Option<Size> {
        match text.to_ascii_lowercase().as_str() {
            "s" => Some(S),
            "m" => Some(M),
            "l" => Some(L),
            _ => None,
        }
    }

    /// Admins: 5% of the members (at least 2).
    fn admins(self) -> usize {
        (self.members / 20).max(2)
    }

    /// Members of each non-default group.
    fn group_size(self) -> usize {
        (self.members / 4).clamp(1, 50)
    }
}

/// splitmix64: deterministic, so every run seeds the same tenants.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        let n = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next() % n).unwrap_or(0)
    }
}

const FIRST: [&str; 24] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jon", "Kira", "Liam",
    "Mona", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wim",
    "Yara",
];
const LAST: [&str; 20] = [
    "Adams", "Berg", "Costa", "Dahl", "Ek", "Fischer", "Garcia", "Holm", "Ivanov", "Jensen",
    "Kowalski", "Lind", "Moreau", "Novak", "Olsen", "Petrov", "Rossi", "Silva", "Tanaka", "Weber",
];

/// A bound value of a bulk insert.
#[derive(Debug, Clone)]
enum V {
    I(i64),
    N(Option<i64>),
    S(String),
}

/// `INSERT INTO {head} VALUES (...), (...)` in statements of at most
/// [`MAX_BINDS`] values; with `returning`, the returned rows.
async fn insert(
    tx: &mut Tx,
    head: &str,
    rows: &[Vec<V>],
    returning: Option<&str>,
) -> Result<Vec<AnyRow>, AppError> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for chunk in rows.chunks((MAX_BINDS / width.max(1)).max(1)) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("({})", placeholders(i * width + 1, width))).collect();
        let mut sql = format!("INSERT INTO {head} VALUES {}", values.join(", "));
        if let Some(r) = returning {
            sql.push_str(" RETURNING ");
            sql.push_str(r);
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    V::I(i) => q.bind(*i),
                    V::N(n) => q.bind(*n),
                    V::S(s) => q.bind(s.clone()),
                };
            }
        }
        if returning.is_some() {
            out.extend(q.fetch_all(&mut **tx).await?);
        } else {
            q.execute(&mut **tx).await?;
        }
    }
    Ok(out)
}

/// Maps returned `(id, key)` rows by key.
fn ids_by(rows: &[AnyRow], key: &str) -> Result<HashMap<String, Id>, AppError> {
    rows.iter().map(|r| Ok((col::<String>(r, key)?, col::<Id>(r, "id")?))).collect()
}

fn id_of(map: &HashMap<String, Id>, key: &str) -> Result<Id, AppError> {
    map.get(key).copied().ok_or_else(|| AppError::Internal(format!("bench seed: no id for {key}")))
}

/// One seeded workspace: what the bench needs to sign in and to aim its
/// requests, printed as JSON.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub size: Size,
    pub tag: String,
    pub workspace: Id,
    pub owner: String,
    pub admin: String,
    pub developer: String,
    /// A Developer other than [`Seeded::developer`] (target of the denied
    /// role change).
    pub target: Id,
    pub seconds: f64,
}

impl Seeded {
    pub fn json(&self) -> String {
        json!({
            "size": self.size.name,
            "tag": self.tag,
            "workspace": self.workspace,
            "owner": self.owner,
            "admin": self.admin,
            "developer": self.developer,
            "password": PASSWORD,
            "target": self.target,
            "members": self.size.members,
            "groups": self.size.groups,
            "resources": self.size.resources,
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
        })
        .to_string()
    }
}

/// Seeds `copies` workspaces of `size`, tagged `tag` (or `tag01`, `tag02`,
/// ... when more than one); emails are `owner@TAG.bench.example`,
/// `adminN@...`, `devN@...`.
pub async fn seed(
    db: &Db,
    size: Size,
    copies: u32,
    tag: &str,
    now: i64,
) -> Result<Vec<Seeded>, AppError> {
    let password_hash = crate::auth::hash_password_blocking(PASSWORD.to_owned()).await?;
    let mut out = Vec::new();
    for copy in 1..=copies.max(1) {
        let tag = if copies > 1 { format!("{tag}{copy:02}") } else { tag.to_owned() };
        let started = Instant::now();
        let mut tx = db.begin_write().await?;
        let mut seeded = seed_workspace(&mut tx, size, &tag, &password_hash, now).await?;
        tx.commit().await?;
        seeded.seconds = started.elapsed().as_secs_f64();
        out.push(seeded);
    }
    match db.backend {
        // What autovacuum would have done for tables that grew gradually.
        Backend::Postgres => {
            sqlx::query("ANALYZE").execute(&db.pool).await?;
        }
        // Everything in the database file, so it can be copied alone.
        Backend::Sqlite => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await?;
        }
    }
    Ok(out)
}

async fn seed_workspace(
    tx: &mut Tx,
    size: Size,
    tag: &str,
    password_hash: &str,
    now: i64,
) -> Result<Seeded, AppError> {
    let mut rng =
        Rng(tag.bytes().fold(0x5eed_u64, |h, b| h.wrapping_mul(31).wrapping_add(b.into())));
    let domain = format!("{tag}.bench.example");

    // Accounts (create_account): the Owner, Admins, Developers.
    let admins = size.admins();
    let people: Vec<(String, String, Role)> = (0..size.members)
        .map(|i| {
            let (email, role) = match i {
                0 => (format!("owner@{domain}"), Role::Owner),
                i if i <= admins => (format!("admin{i}@{domain}"), Role::Admin),
                i => (format!("dev{}@{domain}", i - admins), Role::Developer),
            };
            let name = format!("{} {}", FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
            (email, name, role)
        })
        .collect();
    let rows: Vec<Vec<V>> = people
        .iter()
        .map(|(email, name, _)| {
            vec![
                V::S(email.clone()),
                V::S(name.clone()),
                V::S(password_hash.to_owned()),
                V::I(0),
                V::I(now),
            ]
        })
        .collect();
    let accounts = ids_by(
        &insert(
            tx,
            "accounts (email, name, password_hash, support, created_at)",
            &rows,
            Some("id, email"),
        )
        .await?,
        "email",
    )?;
    let account_ids: Vec<Id> =
        people.iter().map(|(email, _, _)| id_of(&accounts, email)).collect::<Result<_, _>>()?;
    let owner = account_ids.first().copied().unwrap_or_default();

    // The Owner's company (create_account with a company).
    let company: Id = sqlx::query_scalar("INSERT INTO companies (name) VALUES ($1) RETURNING id")
        .bind(format!("Bench {tag}"))
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO company_members (company_id, account_id, admin) VALUES ($1, $2, 1)")
        .bind(company)
        .bind(owner)
        .execute(&mut **tx)
        .await?;

    // The workspace (create_workspace), Data Studio on, default toggles.
    let defaults = RoleToggles::defaults();
    let name = format!("Bench {} ({tag})", size.name);
    let ws: Id = sqlx::query_scalar(
        "INSERT INTO workspaces (company_id, name, data_studio, toggles_admin, toggles_developer, toggles_version, owner_id) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(company)
    .bind(&name)
    .bind(1_i64)
    .bind(serde_json::to_string(&defaults.admin).unwrap_or_default())
    .bind(serde_json::to_string(&defaults.developer).unwrap_or_default())
    .bind(owner)
    .fetch_one(&mut **tx)
    .await?;

    // Members (insert_member: the sort key is the account's name, lowercased
    // in SQL), one statement per role and chunk.
    for role in [Role::Owner, Role::Admin, Role::Developer] {
        let ids: Vec<Id> = people
            .iter()
            .zip(&account_ids)
            .filter(|((_, _, r), _)| *r == role)
            .map(|(_, &id)| id)
            .collect();
        for chunk in ids.chunks(MAX_BINDS - 3) {
            let sql = format!(
                "INSERT INTO members (workspace_id, account_id, role, partner_company_id, joined_at, name_key) \
                 SELECT $1, id, $2, NULL, $3, lower(name) FROM accounts WHERE id IN ({})",
                placeholders(4, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(ws).bind(enum_text(&role)).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut **tx).await?;
        }
    }

    // Groups: the default group (create_workspace), then named groups.
    let mut group_rows = vec![vec![
        V::I(ws),
        V::S("default".into()),
        V::S("default".into()),
        V::S("Every member of the workspace.".into()),
        V::I(1),
    ]];
    for g in 1..size.groups {
        let name = format!("Team {g:04}");
        group_rows.push(vec![
            V::I(ws),
            V::S(name.clone()),
            V::S(name.to_lowercase()),
            V::S(format!("Bench group {g} of {tag}")),
            V::I(0),
        ]);
    }
    let group_map = ids_by(
        &insert(
            tx,
            "groups (workspace_id, name, name_key, description, is_default)",
            &group_rows,
            Some("id, name_key"),
        )
        .await?,
        "name_key",
    )?;
    let groups: Vec<Id> = group_rows
        .iter()
        .map(|r| match r.get(2) {
            Some(V::S(key)) => id_of(&group_map, key),
            _ => Err(AppError::Internal("bench seed: group row".into())),
        })
        .collect::<Result<_, _>>()?;

    // Group members: each named group gets `group_size` distinct members.
    let mut gm_rows = Vec::new();
    for &g in groups.iter().skip(1) {
        let mut picked = std::collections::BTreeSet::new();
        while picked.len() < size.group_size().min(account_ids.len()) {
            picked.insert(account_ids.get(rng.below(account_ids.len())).copied().unwrap_or(owner));
        }
        gm_rows.extend(picked.into_iter().map(|a| vec![V::I(g), V::I(a)]));
    }
    insert(tx, "group_members (group_id, account_id)", &gm_rows, None).await?;

    // Resources: every kind; flows last (they name an integration and jobs).
    let kinds: Vec<ResourceKind> = (0..size.resources)
        .map(|_| ResourceKind::ALL[rng.below(ResourceKind::ALL.len())])
        .collect();
    let mut order: Vec<usize> = (0..kinds.len()).collect();
    order.sort_by_key(|&i| kinds.get(i) == Some(&ResourceKind::Flow));
    let res_name = |i: usize, kind: ResourceKind| format!("{} {:06}", kind.label(), i + 1);
    let plain: Vec<Vec<V>> = order
        .iter()
        .filter_map(|&i| kinds.get(i).map(|&k| (i, k)))
        .filter(|&(_, k)| k != ResourceKind::Flow)
        .map(|(i, k)| vec![V::I(ws), V::S(enum_text(&k)), V::S(res_name(i, k)), V::N(None)])
        .collect();
    let mut res_ids = ids_by(
        &insert(
            tx,
            "resources (workspace_id, kind, name, integration_id)",
            &plain,
            Some("id, name"),
        )
        .await?,
        "name",
    )?;
    let of_kind = |wanted: &dyn Fn(ResourceKind) -> bool| -> Result<Vec<Id>, AppError> {
        kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| wanted(**k))
            .map(|(i, &k)| id_of(&res_ids, &res_name(i, k)))
            .collect()
    };
    let integrations = of_kind(&|k| k == ResourceKind::Integration)?;
    let jobs = of_kind(&|k| k.is_job())?;
    let mut flow_rows = Vec::new();
    let mut flow_names = Vec::new();
    for (i, &k) in kinds.iter().enumerate() {
        if k == ResourceKind::Flow {
            let integration = integrations.get(rng.below(integrations.len())).copied();
            flow_rows.push(vec![
                V::I(ws),
                V::S(enum_text(&k)),
                V::S(res_name(i, k)),
                V::N(integration),
            ]);
            flow_names.push(res_name(i, k));
        }
    }
    res_ids.extend(ids_by(
        &insert(
            tx,
            "resources (workspace_id, kind, name, integration_id)",
            &flow_rows,
            Some("id, name"),
        )
        .await?,
        "name",
    )?);

    // Resource groups (kinds with their own groups): one or two groups, as
    // `PUT .../groups` stores them.
    let mut rg_rows = Vec::new();
    for (i, &k) in kinds.iter().enumerate() {
        if k.grouping() != policy::Grouping::Own {
            continue;
        }
        let id = id_of(&res_ids, &res_name(i, k))?;
        let mut gs = std::collections::BTreeSet::new();
        for _ in 0..=rng.below(2) {
            gs.insert(groups.get(rng.below(groups.len())).copied().unwrap_or_default());
        }
        rg_rows.extend(gs.into_iter().map(|g| vec![V::I(id), V::I(g)]));
    }
    insert(tx, "resource_groups (resource_id, group_id)", &rg_rows, None).await?;

    // Flow components: one to three distinct jobs each, in order.
    let mut fc_rows = Vec::new();
    for name in &flow_names {
        let flow = id_of(&res_ids, name)?;
        let mut picked: Vec<Id> = Vec::new();
        for _ in 0..=rng.below(3) {
            if let Some(&j) = jobs.get(rng.below(jobs.len()))
                && !picked.contains(&j)
            {
                picked.push(j);
            }
        }
        for (pos, j) in (0_i64..).zip(picked) {
            fc_rows.push(vec![V::I(flow), V::I(j), V::I(pos)]);
        }
    }
    insert(tx, "flow_components (flow_id, job_id, position)", &fc_rows, None).await?;

    crate::write::write_audits(
        tx,
        owner,
        now,
        &[Audit {
            company: Some(company),
            ..Audit::workspace(
                ws,
                AuditKind::WorkspaceCreate,
                &name,
                json!(null),
                json!({"name": name, "data_studio": true, "bench_seed": size.name}),
            )
        }],
    )
    .await?;

    let developer = format!("dev1@{domain}");
    let target = account_ids.get(admins + 2).copied().unwrap_or_default();
    Ok(Seeded {
        size,
        tag: tag.to_owned(),
        workspace: ws,
        owner: format!("owner@{domain}"),
        admin: format!("admin1@{domain}"),
        developer,
        target,
        seconds: 0.0,
    })
}
