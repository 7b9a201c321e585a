//! The one write path (SPEC 11): lock what the write changes, decide on
//! facts read under that lock, let the handler write, then record the
//! change log and the typed audit entries, bump the versions, commit, and
//! only then run the after-commit effects (cache update, emails).
//!
//! Locks: on SQLite the transaction is `BEGIN IMMEDIATE` (one writer at a
//! time, database-wide, waiting at most the busy timeout). On PostgreSQL a
//! workspace write locks its workspace row (`FOR NO KEY UPDATE`); a company write
//! locks its companies' rows, then the rows of every workspace whose facts
//! hold those companies, each in id order. A workspace write never locks
//! anything else, so the order companies -> workspaces cannot deadlock, and
//! writes to unrelated workspaces run in parallel.

use std::collections::{BTreeMap, BTreeSet};

use policy::{Action, Facts, Id};
use serde_json::Value;

use crate::auth::CurrentUser;
use crate::changes::{self, Key};
use crate::db::{Backend, Tx, WriteTurn, col, placeholders};
use crate::error::AppError;
use crate::facts_cache::FactsGuard;
use crate::load;
use crate::mail::Mail;
use crate::state::AppState;

/// What a write locks and decides about.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Changes inside one workspace.
    Workspace(Id),
    /// Changes to companies (flags, members, grants) or to which
    /// workspaces exist: every workspace whose facts hold one of these
    /// companies is locked; those whose facts hold what changed (a grant:
    /// only its client's and its partner's) get a new version.
    Companies(Vec<Id>),
    /// Changes to a person's account (its verification): every workspace
    /// whose facts hold the account (through its companies, its
    /// memberships, its requests) is locked and gets a new version.
    Account(Id),
}

/// The kinds of audit entries, with their stored names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    WorkspaceCreate,
    WorkspaceDataStudio,
    WorkspaceDelete,
    OwnershipTransfer,
    InvitationCreate,
    InvitationResend,
    InvitationDelete,
    InvitationAccept,
    JoinLinkRotate,
    RequestCreate,
    RequestAuthorize,
    RequestReject,
    MemberRole,
    MemberRemove,
    TogglesSave,
    GroupCreate,
    GroupEdit,
    GroupDelete,
    GroupMembersAdd,
    GroupMembersRemove,
    ResourceCreate,
    ResourceEdit,
    ResourceDelete,
    ResourceGroups,
    FlowRun,
    CompanyCapabilities,
    CompanyMemberAdd,
    CompanyMemberRemove,
    CompanyMemberAdmin,
    GrantCreate,
    GrantRedeem,
    GrantRevoke,
    GrantRenew,
    GrantExpire,
    AnalystAdd,
    AnalystRemove,
    AnalystRevoked,
    DemoSeed,
}

impl AuditKind {
    /// The stored name (filters match on its dotted prefixes).
    pub fn as_str(self) -> &'static str {
        use AuditKind::*;
        match self {
            WorkspaceCreate => "workspace.create",
            WorkspaceDataStudio => "workspace.data_studio",
            WorkspaceDelete => "workspace.delete",
            OwnershipTransfer => "ownership.transfer",
            InvitationCreate => "invitation.create",
            InvitationResend => "invitation.resend",
            InvitationDelete => "invitation.delete",
            InvitationAccept => "invitation.accept",
            JoinLinkRotate => "join_link.rotate",
            RequestCreate => "request.create",
            RequestAuthorize => "request.authorize",
            RequestReject => "request.reject",
            MemberRole => "member.role",
            MemberRemove => "member.remove",
            TogglesSave => "toggles.save",
            GroupCreate => "group.create",
            GroupEdit => "group.edit",
            GroupDelete => "group.delete",
            GroupMembersAdd => "group.members.add",
            GroupMembersRemove => "group.members.remove",
            ResourceCreate => "resource.create",
            ResourceEdit => "resource.edit",
            ResourceDelete => "resource.delete",
            ResourceGroups => "resource.groups",
            FlowRun => "flow.run",
            CompanyCapabilities => "company.capabilities",
            CompanyMemberAdd => "company.member.add",
            CompanyMemberRemove => "company.member.remove",
            CompanyMemberAdmin => "company.member.admin",
            GrantCreate => "grant.create",
            GrantRedeem => "grant.redeem",
            GrantRevoke => "grant.revoke",
            GrantRenew => "grant.renew",
            GrantExpire => "grant.expire",
            AnalystAdd => "analyst.add",
            AnalystRemove => "analyst.remove",
            AnalystRevoked => "analyst.revoked",
            DemoSeed => "demo.seed",
        }
    }
}

/// One audit record: who and when come from the write.
#[derive(Debug, Clone)]
pub struct Audit {
    pub kind: AuditKind,
    pub workspace: Option<Id>,
    pub company: Option<Id>,
    /// The other company an entry concerns (a grant's partner): its admins
    /// read it too.
    pub other_company: Option<Id>,
    pub subject: String,
    pub before: Value,
    pub after: Value,
}

impl Audit {
    /// An entry in a workspace's log.
    pub fn workspace(
        ws: Id,
        kind: AuditKind,
        subject: impl Into<String>,
        before: Value,
        after: Value,
    ) -> Audit {
        Audit {
            kind,
            workspace: Some(ws),
            company: None,
            other_company: None,
            subject: subject.into(),
            before,
            after,
        }
    }

    /// An entry in a company's log.
    pub fn company(
        company: Id,
        kind: AuditKind,
        subject: impl Into<String>,
        before: Value,
        after: Value,
    ) -> Audit {
        Audit {
            kind,
            workspace: None,
            company: Some(company),
            other_company: None,
            subject: subject.into(),
            before,
            after,
        }
    }
}

/// The facts a write decides on.
#[derive(Debug)]
enum WriteFacts {
    Cached(FactsGuard),
    Loaded(Box<Facts>),
}

/// A write in progress: the transaction, holding its locks.
#[derive(Debug)]
pub struct Write {
    st: AppState,
    pub tx: Tx,
    pub now: i64,
    pub actor: Id,
    scope: Scope,
    facts: WriteFacts,
    /// Locked workspaces and their versions before this write.
    locked: BTreeMap<Id, i64>,
    /// The company of each workspace a company-scoped write locked.
    company_of: BTreeMap<Id, Id>,
    keys: BTreeMap<Id, BTreeSet<Key>>,
    /// Company-level keys, each with the companies whose workspaces' facts
    /// hold it (`None`: every locked workspace's).
    company_keys: BTreeMap<Key, Option<[Id; 2]>>,
    audits: Vec<Audit>,
    mails: Vec<Mail>,
    forget: Vec<Id>,
    /// SQLite: this writer's turn, released as soon as it commits.
    turn: WriteTurn,
}

impl Write {
    /// Begins a write by `user`: locks `scope`, loads the facts under the
    /// lock and asks the policy about `action`. A refusal ends the write
    /// with nothing changed.
    pub async fn begin(
        st: &AppState,
        user: &CurrentUser,
        scope: Scope,
        action: &Action,
    ) -> Result<Write, AppError> {
        // SQLite has one write lock for the whole database: a refusal is
        // answered on the latest committed facts without queueing for it
        // (final: the request is ordered before any write not yet
        // committed). It is asked again under the lock.
        if let (Backend::Sqlite, Scope::Workspace(ws)) = (st.db.backend, &scope) {
            drop(crate::routes::read(st, user, *ws, action).await?);
        }
        let w = Write::lock(st, user.id, scope).await?;
        w.decide(action)?;
        Ok(w)
    }

    /// Locks `scope` and loads its facts, without deciding yet: for writes
    /// that must read something (a token, a grant) before they can ask.
    pub async fn lock(st: &AppState, actor: Id, scope: Scope) -> Result<Write, AppError> {
        let turn = st.db.write_turn().await;
        let mut tx = st.db.begin_write().await?;
        let now = st.now();
        let mut locked = BTreeMap::new();
        let mut company_of = BTreeMap::new();
        let facts = match &scope {
            Scope::Workspace(ws) => {
                let sql = match st.db.backend {
                    Backend::Postgres => {
                        "SELECT version FROM workspaces WHERE id = $1 FOR NO KEY UPDATE"
                    }
                    Backend::Sqlite => "SELECT version FROM workspaces WHERE id = $1",
                };
                match sqlx::query(sql).bind(ws).fetch_optional(&mut *tx).await? {
                    Some(r) => {
                        let version: i64 = col(&r, "version")?;
                        locked.insert(*ws, version);
                        WriteFacts::Cached(st.cache.at(&mut tx, *ws, version).await?)
                    }
                    // No such workspace: decisions answer `unknown_workspace`.
                    None => WriteFacts::Loaded(Box::default()),
                }
            }
            Scope::Companies(companies) => {
                lock_companies(st, &mut tx, companies, None, &mut locked, &mut company_of).await?;
                let snapshot = load::company_facts(&mut tx, actor, companies).await?;
                WriteFacts::Loaded(Box::new(Facts::new(snapshot)))
            }
            Scope::Account(account) => {
                let companies: Vec<Id> = sqlx::query_scalar(
                    "SELECT company_id FROM company_members WHERE account_id = $1",
                )
                .bind(account)
                .fetch_all(&mut *tx)
                .await?;
                lock_companies(
                    st,
                    &mut tx,
                    &companies,
                    Some(*account),
                    &mut locked,
                    &mut company_of,
                )
                .await?;
                let snapshot = load::company_facts(&mut tx, actor, &companies).await?;
                WriteFacts::Loaded(Box::new(Facts::new(snapshot)))
            }
        };
        Ok(Write {
            st: st.clone(),
            tx,
            now,
            actor,
            scope,
            facts,
            locked,
            company_of,
            keys: BTreeMap::new(),
            company_keys: BTreeMap::new(),
            audits: Vec::new(),
            mails: Vec::new(),
            forget: Vec::new(),
            turn,
        })
    }

    /// The facts read under the lock.
    pub fn facts(&self) -> &Facts {
        match &self.facts {
            WriteFacts::Cached(g) => &g.facts,
            WriteFacts::Loaded(f) => f,
        }
    }

    /// The cached facts of a workspace a company-scoped write has locked,
    /// at its locked version (drop them before committing).
    pub async fn workspace_facts(&mut self, ws: Id) -> Result<Option<FactsGuard>, AppError> {
        match self.locked.get(&ws) {
            Some(&version) => Ok(Some(self.st.cache.at(&mut self.tx, ws, version).await?)),
            None => Ok(None),
        }
    }

    /// Asks the policy; a refusal becomes the matching HTTP error.
    pub fn decide(&self, action: &Action) -> Result<(), AppError> {
        match crate::routes::deny(self.facts(), self.actor, action, self.now) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Makes sure `account` is among the facts (a non-member accepting an
    /// invitation or asking to join is decided on their own account).
    pub async fn with_account(&mut self, account: Id) -> Result<(), AppError> {
        if self.facts().account(account).is_some() {
            return Ok(());
        }
        let Some(a) = load::account(&mut self.tx, account).await? else { return Ok(()) };
        let change = policy::Change::Account { id: account, account: Some(a) };
        if let (WriteFacts::Cached(_), Scope::Workspace(ws)) = (&self.facts, &self.scope) {
            // Accounts are facts like any other: add it to the shared cached
            // facts (same version), then read them again.
            let ws = *ws;
            let version = self.locked.get(&ws).copied().unwrap_or_default();
            self.facts = WriteFacts::Loaded(Box::default());
            self.st.cache.add(ws, change.clone()).await;
            self.facts = WriteFacts::Cached(self.st.cache.at(&mut self.tx, ws, version).await?);
            if self.facts().account(account).is_some() {
                return Ok(());
            }
        }
        // Not cached (or evicted meanwhile): a private copy.
        let mut own = self.facts().clone();
        own.apply([change]);
        self.facts = WriteFacts::Loaded(Box::new(own));
        Ok(())
    }

    /// The write changed `key` in the scope's workspace.
    pub fn changed(&mut self, key: Key) {
        if let Scope::Workspace(ws) = self.scope {
            self.changed_in(ws, key);
        }
    }

    /// The write changed `key` in workspace `ws` (which it has locked).
    pub fn changed_in(&mut self, ws: Id, key: Key) {
        if key.is_company_level() {
            self.company_keys.insert(key, None);
        } else {
            self.keys.entry(ws).or_default().insert(key);
        }
    }

    /// The write changed a company-level record (or an account): recorded
    /// for every workspace the scope locked.
    pub fn changed_company(&mut self, key: Key) {
        self.company_keys.insert(key, None);
    }

    /// The write changed grant `grant` between `client` and `partner`:
    /// recorded only for the locked workspaces whose facts hold it (those
    /// of the two companies; other clients of the partner never load it).
    pub fn changed_grant(&mut self, grant: Id, client: Id, partner: Id) {
        self.company_keys.entry(Key::Grant(grant)).or_insert(Some([client, partner]));
    }

    /// The workspace is gone: its cached facts are dropped after commit.
    pub fn deleted_workspace(&mut self, ws: Id) {
        self.locked.remove(&ws);
        self.keys.remove(&ws);
        self.forget.push(ws);
    }

    /// Records an audit entry with the change.
    pub fn audit(&mut self, entry: Audit) {
        self.audits.push(entry);
    }

    /// Queues an email: stored with the change, sent after commit.
    pub fn mail(&mut self, mail: Mail) {
        self.mails.push(mail);
    }

    /// Records the change log, the audit entries and the outbox, bumps the
    /// versions, commits, then applies the change to the cache and sends
    /// the emails.
    pub async fn commit(mut self) -> Result<(), AppError> {
        for ws in self.locked.keys() {
            // A workspace whose company is unknown (a workspace-scoped
            // write) gets every key.
            let company = self.company_of.get(ws);
            let held = self.company_keys.iter().filter(|(_, holders)| {
                holders.is_none_or(|h| company.is_none_or(|c| h.contains(c)))
            });
            let held: Vec<Key> = held.map(|(key, _)| *key).collect();
            if !held.is_empty() {
                self.keys.entry(*ws).or_default().extend(held);
            }
        }
        let bumped: Vec<(Id, i64)> = self
            .keys
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .filter_map(|(ws, _)| self.locked.get(ws).map(|v| (*ws, *v)))
            .collect();
        let mut versions = Vec::with_capacity(bumped.len());
        for chunk in bumped.chunks(500) {
            let ids: Vec<Id> = chunk.iter().map(|(ws, _)| *ws).collect();
            let sql = format!(
                "UPDATE workspaces SET version = version + 1 WHERE id IN ({}) RETURNING id, version",
                placeholders(1, ids.len())
            );
            let mut q = sqlx::query(&sql);
            for id in &ids {
                q = q.bind(*id);
            }
            for r in q.fetch_all(&mut *self.tx).await? {
                versions.push((col::<i64>(&r, "id")?, col::<i64>(&r, "version")?));
            }
        }
        changes::record(&mut self.tx, &versions, &self.keys, self.now).await?;
        write_audits(&mut self.tx, self.actor, self.now, &self.audits).await?;
        let outbox = crate::mail::store(&mut self.tx, &self.mails, self.now).await?;
        // The records as they now stand, for the cached facts (read before
        // commit, so they are exactly this write's).
        let mut updates = Vec::new();
        for &(ws, after) in &versions {
            if let (Some(&before), Some(keys)) = (self.locked.get(&ws), self.keys.get(&ws))
                && self.st.cache.contains(ws)
            {
                updates.push((ws, before, after, changes::resolve(&mut self.tx, ws, keys).await?));
            }
        }
        crate::live::notify_in(&mut self.tx, self.st.db.backend, &versions, &self.forget).await?;
        drop(self.facts);
        self.tx.commit().await?;
        drop(self.turn);
        self.st.live.published(&versions, &self.forget);
        for ws in self.forget {
            self.st.cache.forget(ws);
        }
        for (ws, before, after, resolved) in updates {
            self.st.cache.apply_committed(ws, before, after, resolved).await;
        }
        crate::mail::send_stored(&self.st, outbox).await;
        Ok(())
    }
}

/// Locks companies, then every workspace whose facts hold one of them (its
/// own workspaces and those of companies on the other side of its grants),
/// in id order; records the workspaces' versions.
async fn lock_companies(
    st: &AppState,
    tx: &mut Tx,
    companies: &[Id],
    person: Option<Id>,
    locked: &mut BTreeMap<Id, i64>,
    company_of: &mut BTreeMap<Id, Id>,
) -> Result<(), AppError> {
    let ids: Vec<Id> = companies.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    if ids.is_empty() && person.is_none() {
        return Ok(());
    }
    let list = placeholders(1, ids.len());
    // NO KEY UPDATE: writers still exclude each other, but a foreign-key
    // check (which takes KEY SHARE on the referenced row, e.g. the company
    // a workspace row names) does not wait on it, so a workspace write that
    // updates its own row twice cannot deadlock with a company write.
    let for_update = if st.db.backend == Backend::Postgres { " FOR NO KEY UPDATE" } else { "" };
    if !ids.is_empty() {
        let sql = format!("SELECT id FROM companies WHERE id IN ({list}) ORDER BY id{for_update}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in &ids {
            q = q.bind(*id);
        }
        q.fetch_all(&mut **tx).await?;
    }
    // The workspaces holding those companies and, for a change to a person,
    // those the person is in or asked to join: one statement, in id order.
    let list = if ids.is_empty() { "NULL".to_owned() } else { list };
    let person_param = ids.len() + 1;
    let sql = format!(
        "SELECT id, version, company_id FROM workspaces WHERE company_id IN ({list}) \
         OR company_id IN (SELECT partner_company_id FROM grants WHERE client_company_id IN ({list})) \
         OR company_id IN (SELECT client_company_id FROM grants WHERE partner_company_id IN ({list})) \
         OR id IN (SELECT workspace_id FROM members WHERE account_id = ${person_param}) \
         OR id IN (SELECT workspace_id FROM access_requests WHERE account_id = ${person_param}) \
         ORDER BY id{for_update}"
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    q = q.bind(person.unwrap_or(0));
    for r in q.fetch_all(&mut **tx).await? {
        let ws = col(&r, "id")?;
        locked.insert(ws, col(&r, "version")?);
        company_of.insert(ws, col(&r, "company_id")?);
    }
    Ok(())
}

/// The audit entries of a write, in one statement.
pub(crate) async fn write_audits(
    tx: &mut Tx,
    actor: Id,
    now: i64,
    audits: &[Audit],
) -> Result<(), AppError> {
    for chunk in audits.chunks(500) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("({})", placeholders(i * 9 + 1, 9))).collect();
        let sql = format!(
            "INSERT INTO audit (workspace_id, company_id, other_company_id, actor_id, at, kind, subject, before, after) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for a in chunk {
            q = q
                .bind(a.workspace)
                .bind(a.company)
                .bind(a.other_company)
                .bind(actor)
                .bind(now)
                .bind(a.kind.as_str())
                .bind(a.subject.clone())
                .bind(a.before.to_string())
                .bind(a.after.to_string());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
