//! Tests with the real server binary, real databases and real HTTP
//! (issue 9, "Show"):
//!
//! - sign-ins and sign-ups during a burst of writes on SQLite: 0 5xx;
//! - `kill -9` of the server during a write burst, restart on the same data:
//!   every acknowledged write is there with its audit record, and the
//!   invariants hold (SQLite; PostgreSQL in the ignored variant);
//! - two server processes on one PostgreSQL, clients racing conflicting
//!   writes through both for 200 rounds: exactly one Owner always, no
//!   acknowledged write lost, a revoked analyst refused on the very next
//!   request on either process, 0 5xx.
//!
//! The PostgreSQL tests are `#[ignore]`d and run where
//! `GATEHOUSE_TEST_PG_URL` names a server: `cargo xtask test` starts one and
//! runs them with `--ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod process;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use process::{
    Demo, Http, Method, Reply, Server, Session, Store, audit_id, drop_pg_database,
    fresh_pg_database, invariant_violations, open_db, pairs, percentile_ms, scalar,
    sqlite_integrity, unaudited,
};
use serde_json::{Value, json};
use sqlx::AnyPool;
use tokio::task::JoinSet;

/// The tests of this binary start servers and load them: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------
// Sign-ins and sign-ups during a burst of writes (SQLite)
// ---------------------------------------------------------------------------

/// What one client task of a burst did.
struct TaskReport {
    label: &'static str,
    latencies: Vec<Duration>,
    failures: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_sign_ins_and_sign_ups_during_a_write_burst() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Store::Sqlite, dir.path(), true, "server").await;
    let base = server.base.clone();
    let http = Http::new();
    let admin = http.login(&base, "admin@beta.example").await;
    let dev = http.login(&base, "dev@beta.example").await;
    let owner = http.login(&base, "owner@beta.example").await;
    let boss = http.login(&base, "boss@techhelp.example").await;
    let demo = Demo::read(&http, &base, &owner, &boss).await;
    let ws = demo.ws;

    const WRITERS: usize = 12;
    const WRITES: usize = 30;
    const SIGNERS: usize = 6;
    const SIGN_INS: usize = 15;
    const SIGN_UPS: usize = 15;
    let demo_emails = [
        "owner@beta.example",
        "admin@beta.example",
        "dev@beta.example",
        "dev2@beta.example",
        "boss@techhelp.example",
        "analyst@techhelp.example",
        "support@gatehouse.example",
    ];
    let started = Instant::now();
    let mut tasks: JoinSet<TaskReport> = JoinSet::new();
    for t in 0..WRITERS {
        let (http, base, admin, dev) = (http.clone(), base.clone(), admin.clone(), dev.clone());
        tasks.spawn(async move {
            let mut report = TaskReport { label: "write", latencies: vec![], failures: vec![] };
            let mut group = 0;
            for i in 0..WRITES {
                let t0 = Instant::now();
                let (what, r) = match i % 3 {
                    0 => {
                        let r = http
                            .post(
                                &base,
                                &format!("/api/workspaces/{ws}/groups"),
                                json!({"name": format!("burst {t}-{i}")}),
                                &admin,
                            )
                            .await;
                        if r.ok() {
                            group = r.id();
                        }
                        ("create group", r)
                    }
                    1 => (
                        "add group member",
                        http.post(
                            &base,
                            &format!("/api/workspaces/{ws}/groups/{group}/members"),
                            json!({"accounts": [dev.id]}),
                            &admin,
                        )
                        .await,
                    ),
                    _ => (
                        "create resource",
                        http.post(
                            &base,
                            &format!("/api/workspaces/{ws}/resources"),
                            json!({"kind": "integration", "name": format!("burst {t}-{i}")}),
                            &dev,
                        )
                        .await,
                    ),
                };
                report.latencies.push(t0.elapsed());
                if !r.ok() {
                    report.failures.push(format!("{what} ({t}-{i}): {r}"));
                }
            }
            report
        });
    }
    for t in 0..SIGNERS {
        let (http_in, base_in) = (http.clone(), base.clone());
        tasks.spawn(async move {
            let (http, base) = (http_in, base_in);
            let mut report = TaskReport { label: "sign-in", latencies: vec![], failures: vec![] };
            for i in 0..SIGN_INS {
                let email = demo_emails[(t + i) % demo_emails.len()];
                let t0 = Instant::now();
                let r = http
                    .call(
                        &base,
                        Method::POST,
                        "/api/auth/login",
                        Some(json!({"email": email, "password": process::PASSWORD})),
                        None,
                    )
                    .await;
                report.latencies.push(t0.elapsed());
                if !r.ok() {
                    report.failures.push(format!("sign-in {email}: {r}"));
                    continue;
                }
                let s = Http::session_of(&r, email);
                let me = http.get(&base, "/api/me", &s).await;
                if !me.ok() {
                    report.failures.push(format!("/api/me after sign-in {email}: {me}"));
                }
            }
            report
        });
        let (http, base) = (http.clone(), base.clone());
        tasks.spawn(async move {
            let mut report = TaskReport { label: "sign-up", latencies: vec![], failures: vec![] };
            for i in 0..SIGN_UPS {
                let email = format!("burst-{t}-{i}@signup.example");
                let t0 = Instant::now();
                let r = http
                    .call(
                        &base,
                        Method::POST,
                        "/api/auth/signup",
                        Some(json!({"email": email, "name": format!("Burst {t} {i}"), "password": process::PASSWORD})),
                        None,
                    )
                    .await;
                report.latencies.push(t0.elapsed());
                if !r.ok() {
                    report.failures.push(format!("sign-up {email}: {r}"));
                    continue;
                }
                let s = Http::session_of(&r, &email);
                let me = http.get(&base, "/api/me", &s).await;
                if !me.ok() || me.body["companies"].as_array().map(Vec::len) != Some(1) {
                    report.failures.push(format!("/api/me after sign-up {email}: {me}"));
                }
            }
            report
        });
    }
    let mut by_label: BTreeMap<&str, (Vec<Duration>, Vec<String>)> = BTreeMap::new();
    while let Some(report) = tasks.join_next().await {
        let report = report.unwrap();
        let entry = by_label.entry(report.label).or_default();
        entry.0.extend(report.latencies);
        entry.1.extend(report.failures);
    }
    let elapsed = started.elapsed();
    eprintln!(
        "burst on SQLite: {} requests in {elapsed:.1?}",
        http.requests.load(Ordering::Relaxed)
    );
    for (label, (latencies, failures)) in &mut by_label {
        eprintln!(
            "  {label:<8} n={:<4} p50={:>7.1} ms  p99={:>7.1} ms  max={:>7.1} ms  failed={}",
            latencies.len(),
            percentile_ms(latencies, 0.5),
            percentile_ms(latencies, 0.99),
            percentile_ms(latencies, 1.0),
            failures.len()
        );
    }
    let errors = http.server_errors();
    let failures: Vec<&String> = by_label.values().flat_map(|(_, f)| f).collect();
    assert!(
        errors.is_empty() && failures.is_empty(),
        "{} 5xx, {} failed requests:\n{}\n{}\nserver log:\n{}",
        errors.len(),
        failures.len(),
        errors.join("\n"),
        failures.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"),
        server.tail(60)
    );
    let db = open_db(&Store::Sqlite, dir.path()).await;
    let signed_up =
        scalar(&db, "SELECT COUNT(*) FROM accounts WHERE email LIKE '%@signup.example'", &[])
            .await
            .unwrap();
    assert_eq!(signed_up, (SIGNERS * SIGN_UPS) as i64, "every sign-up made its account");
    let groups = scalar(
        &db,
        "SELECT COUNT(*) FROM audit WHERE kind = 'group.create' AND subject LIKE 'burst %'",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(groups, (WRITERS * WRITES.div_ceil(3)) as i64, "every group creation audited");
    let violations = invariant_violations(&db).await;
    assert!(violations.is_empty(), "{violations:#?}");
}

// ---------------------------------------------------------------------------
// kill -9 during a write burst, restart on the same data
// ---------------------------------------------------------------------------

/// An acknowledged (2xx) write of the crash test.
#[derive(Debug, Clone)]
enum Ack {
    Group { id: i64, name: String },
    GroupMember { group: i64, account: i64 },
    Resource { id: i64, name: String },
    Toggles { version: i64, batch: Vec<String> },
    Transfer { to: i64 },
    GrantCreate { id: i64, partner: i64 },
    GrantRevoke { id: i64 },
}

impl Ack {
    /// The audit record the write must have left: (kind, subject).
    fn audit(&self) -> (String, String) {
        let (kind, subject) = match self {
            Ack::Group { name, .. } => ("group.create", name.clone()),
            Ack::GroupMember { group, .. } => ("group.members.add", group.to_string()),
            Ack::Resource { name, .. } => ("resource.create", name.clone()),
            Ack::Toggles { .. } => ("toggles.save", "developer".to_owned()),
            Ack::Transfer { to } => ("ownership.transfer", to.to_string()),
            Ack::GrantCreate { partner, .. } => ("grant.create", partner.to_string()),
            Ack::GrantRevoke { id } => ("grant.revoke", id.to_string()),
        };
        (kind.to_owned(), subject)
    }
}

/// Developer toggle batches: always with `integrations.create` (the burst's
/// developer creates integrations), differing in the rest.
fn toggle_batch(i: usize) -> Vec<String> {
    let optional = [
        "connected_account.create",
        "connected_account.edit",
        "api_gateway.create",
        "api_gateway.edit",
        "api_gateway_users.create",
        "integrations.edit",
        "integrations.delete",
        "users.add",
    ];
    let mut batch = vec!["integrations.create".to_owned()];
    for (bit, t) in optional.iter().enumerate() {
        if (i >> bit) & 1 == 1 {
            batch.push((*t).to_owned());
        }
    }
    batch
}

fn as_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str().map(ToOwned::to_owned)).collect())
        .unwrap_or_default()
}

/// The shared state of the crash test's clients.
#[derive(Clone)]
struct Burst {
    http: Http,
    base: String,
    acks: Arc<Mutex<Vec<Ack>>>,
    /// Non-2xx answers before the kill (none expected).
    refused: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
}

impl Burst {
    /// Sends; `None` once the server is gone (or the burst is over).
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        who: &Session,
    ) -> Option<Reply> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        match self.http.send(&self.base, method.clone(), path, body, Some(who)).await {
            Ok(r) => {
                if !r.ok() && !self.killed.load(Ordering::Relaxed) {
                    self.refused.lock().unwrap().push(format!("{method} {path}: {r}"));
                }
                r.ok().then_some(r)
            }
            Err(_) => {
                self.stop.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    fn ack(&self, ack: Ack) {
        self.acks.lock().unwrap().push(ack);
    }

    fn acked(&self) -> usize {
        self.acks.lock().unwrap().len()
    }
}

/// The people of the crash test.
#[derive(Clone)]
struct Crew {
    owner: Session,
    admin: Session,
    dev: Session,
}

/// Starts the clients of one burst: groups (each with a member added),
/// resources, developer toggle saves in a chain, ownership going back and
/// forth, and the client revoking and granting its partner in turn.
async fn start_burst(
    b: &Burst,
    crew: &Crew,
    demo: Demo,
    db: &AnyPool,
    cycle: usize,
) -> JoinSet<()> {
    let ws = demo.ws;
    let mut tasks = JoinSet::new();
    for t in 0..3 {
        let b = b.clone();
        let who = if t == 0 { crew.owner.clone() } else { crew.admin.clone() };
        let dev_id = crew.dev.id;
        tasks.spawn(async move {
            for i in 0.. {
                let name = format!("crash group {cycle}-{t}-{i}");
                let path = format!("/api/workspaces/{ws}/groups");
                let Some(r) = b.send(Method::POST, &path, Some(json!({"name": name})), &who).await
                else {
                    break;
                };
                let group = r.id();
                b.ack(Ack::Group { id: group, name });
                let path = format!("/api/workspaces/{ws}/groups/{group}/members");
                let body = json!({"accounts": [dev_id]});
                let Some(_) = b.send(Method::POST, &path, Some(body), &who).await else { break };
                b.ack(Ack::GroupMember { group, account: dev_id });
            }
        });
    }
    for t in 0..2 {
        let (b, dev) = (b.clone(), crew.dev.clone());
        tasks.spawn(async move {
            for i in 0.. {
                let name = format!("crash resource {cycle}-{t}-{i}");
                let path = format!("/api/workspaces/{ws}/resources");
                let body = json!({"kind": "integration", "name": name});
                let Some(r) = b.send(Method::POST, &path, Some(body), &dev).await else { break };
                b.ack(Ack::Resource { id: r.id(), name });
            }
        });
    }
    {
        let (b, admin) = (b.clone(), crew.admin.clone());
        tasks.spawn(async move {
            let path = format!("/api/workspaces/{ws}/toggles");
            let Some(t) = b.send(Method::GET, &path, None, &admin).await else { return };
            let mut version = t.body["version"].as_i64().unwrap();
            for i in 1.. {
                let batch = toggle_batch(i + cycle * 7);
                let body = json!({"toggles": batch, "base_version": version});
                let path = format!("/api/workspaces/{ws}/toggles/developer");
                let Some(r) = b.send(Method::PUT, &path, Some(body), &admin).await else { break };
                version = r.body["version"].as_i64().unwrap();
                b.ack(Ack::Toggles { version, batch });
            }
        });
    }
    let owner_now = scalar(db, "SELECT owner_id FROM workspaces WHERE id = $1", &[ws]).await;
    {
        let b = b.clone();
        let mut pair = if owner_now == Some(crew.owner.id) {
            [crew.owner.clone(), crew.admin.clone()]
        } else {
            [crew.admin.clone(), crew.owner.clone()]
        };
        tasks.spawn(async move {
            let path = format!("/api/workspaces/{ws}/transfer");
            loop {
                let body = json!({"target": pair[1].id});
                let Some(_) = b.send(Method::POST, &path, Some(body), &pair[0]).await else {
                    break;
                };
                b.ack(Ack::Transfer { to: pair[1].id });
                pair.swap(0, 1);
            }
        });
    }
    let live = scalar(
        db,
        "SELECT MAX(id) FROM grants WHERE revoked = 0 AND client_company_id = $1",
        &[demo.beta],
    )
    .await;
    {
        let (b, owner) = (b.clone(), crew.owner.clone());
        let (beta, techhelp) = (demo.beta, demo.techhelp);
        tasks.spawn(async move {
            let mut live = live;
            loop {
                if let Some(id) = live.take() {
                    let path = format!("/api/grants/{id}");
                    let Some(_) = b.send(Method::DELETE, &path, None, &owner).await else { break };
                    b.ack(Ack::GrantRevoke { id });
                }
                let body =
                    json!({"partner": techhelp, "workspaces": [ws], "sections": ["integrations"]});
                let path = format!("/api/companies/{beta}/grants");
                let Some(r) = b.send(Method::POST, &path, Some(body), &owner).await else { break };
                live = Some(r.id());
                b.ack(Ack::GrantCreate { id: r.id(), partner: techhelp });
            }
        });
    }
    tasks
}

/// What is wrong in the database after a crash, given every write
/// acknowledged so far.
async fn crash_problems(store: &Store, db: &AnyPool, ws: i64, acks: &[Ack]) -> Vec<String> {
    let mut problems = invariant_violations(db).await;
    if matches!(store, Store::Sqlite) {
        problems.extend(sqlite_integrity(db).await);
    }
    for missing in unaudited(db, &acks.iter().map(Ack::audit).collect::<Vec<_>>()).await {
        problems.push(format!("acknowledged write without its audit record: {missing:?}"));
    }
    let mut toggles = Vec::new();
    let mut transfers = 0;
    for ack in acks {
        match ack {
            Ack::Group { id, name } => {
                let found = pairs(db, "SELECT id, name FROM groups WHERE id = $1", &[*id]).await;
                if found != vec![(*id, name.clone())] {
                    problems.push(format!("acknowledged group {id} {name:?} is {found:?}"));
                }
            }
            Ack::GroupMember { group, account } => {
                let n = scalar(
                    db,
                    "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND account_id = $2",
                    &[*group, *account],
                )
                .await;
                if n != Some(1) {
                    problems
                        .push(format!("acknowledged member {account} of group {group} missing"));
                }
            }
            Ack::Resource { id, name } => {
                let found = pairs(db, "SELECT id, name FROM resources WHERE id = $1", &[*id]).await;
                if found != vec![(*id, name.clone())] {
                    problems.push(format!("acknowledged resource {id} {name:?} is {found:?}"));
                }
            }
            Ack::Toggles { version, batch } => toggles.push((*version, batch.clone())),
            Ack::Transfer { .. } => transfers += 1,
            Ack::GrantCreate { id, .. } => {
                if scalar(db, "SELECT COUNT(*) FROM grants WHERE id = $1", &[*id]).await != Some(1)
                {
                    problems.push(format!("acknowledged grant {id} missing"));
                }
            }
            Ack::GrantRevoke { id } => {
                if scalar(db, "SELECT revoked FROM grants WHERE id = $1", &[*id]).await != Some(1) {
                    problems.push(format!("acknowledged revocation of grant {id} not stored"));
                }
            }
        }
    }
    let (stored_version, stored_batch) =
        pairs(db, "SELECT toggles_version, toggles_developer FROM workspaces WHERE id = $1", &[ws])
            .await[0]
            .clone();
    if let Some((version, batch)) = toggles.iter().max_by_key(|(v, _)| *v) {
        if stored_version < *version {
            problems
                .push(format!("toggles at version {stored_version}, {version} was acknowledged"));
        }
        let stored_set = as_set(&serde_json::from_str(&stored_batch).unwrap());
        if stored_version == *version && stored_set != batch.iter().cloned().collect() {
            problems.push(format!("toggles {stored_set:?}, acknowledged {batch:?}"));
        }
    }
    let owner_now = scalar(db, "SELECT owner_id FROM workspaces WHERE id = $1", &[ws]).await;
    let audited = scalar(
        db,
        "SELECT COUNT(*) FROM audit WHERE kind = 'ownership.transfer' AND workspace_id = $1",
        &[ws],
    )
    .await
    .unwrap();
    if audited < transfers {
        problems.push(format!("{transfers} transfers acknowledged, {audited} audited"));
    }
    let last = pairs(
        db,
        "SELECT id, subject FROM audit WHERE kind = 'ownership.transfer' AND workspace_id = $1 \
         ORDER BY id DESC LIMIT 1",
        &[ws],
    )
    .await;
    if let Some((_, to)) = last.first()
        && Some(to.clone()) != owner_now.map(|o| o.to_string())
    {
        problems
            .push(format!("the last audited transfer went to {to}, the owner is {owner_now:?}"));
    }
    problems
}

/// `kill -9` in the middle of a write burst, restart on the same data,
/// check; `CYCLES` times over.
async fn kill9_during_a_write_burst(store: Store) {
    const CYCLES: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut server = Server::start(&store, data, true, "start").await;
    let http = Http::new();
    let crew = Crew {
        owner: http.login(&server.base, "owner@beta.example").await,
        admin: http.login(&server.base, "admin@beta.example").await,
        dev: http.login(&server.base, "dev@beta.example").await,
    };
    let boss = http.login(&server.base, "boss@techhelp.example").await;
    let demo = Demo::read(&http, &server.base, &crew.owner, &boss).await;
    let ws = demo.ws;
    let db = open_db(&store, data).await;
    let mut acks: Vec<Ack> = Vec::new();
    for cycle in 0..CYCLES {
        let burst = Burst {
            http: http.clone(),
            base: server.base.clone(),
            acks: Arc::default(),
            refused: Arc::default(),
            stop: Arc::default(),
            killed: Arc::default(),
        };
        let mut tasks = start_burst(&burst, &crew, demo, &db, cycle).await;
        // kill -9 once the burst is well under way, at a different point
        // each cycle.
        let target = 120 + 45 * cycle;
        let started = Instant::now();
        while burst.acked() < target && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(3 * cycle as u64)).await;
        burst.killed.store(true, Ordering::Relaxed);
        let acked_at_kill = burst.acked();
        let log = server.output();
        server.kill9();
        let killed_after = started.elapsed();
        let drained = tokio::time::timeout(Duration::from_secs(60), async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        assert!(drained.is_ok(), "clients still running a minute after the kill");
        let new_acks = burst.acks.lock().unwrap().clone();
        let refused = burst.refused.lock().unwrap().clone();
        eprintln!(
            "{} cycle {cycle}: kill -9 after {killed_after:.1?} and {acked_at_kill} acknowledged writes \
             ({} counting answers that raced the kill)",
            store.name(),
            new_acks.len()
        );
        assert!(
            refused.is_empty() && http.server_errors().is_empty(),
            "cycle {cycle}: writes refused during the burst on {}:\n{}\n{}\nserver log:\n{log}",
            store.name(),
            refused.join("\n"),
            http.server_errors().join("\n")
        );
        assert!(
            new_acks.len() >= 100,
            "cycle {cycle}: too few writes before the kill: {}",
            new_acks.len()
        );
        acks.extend(new_acks);

        // Restart on the same data (no --demo: nothing is seeded again).
        server = Server::start(&store, data, false, &format!("restart{cycle}")).await;
        let problems = crash_problems(&store, &db, ws, &acks).await;
        assert!(
            problems.is_empty(),
            "after kill -9 #{cycle} and restart on {}:\n{}\nkilled server's log (tail):\n{}\nrestarted server's log:\n{}",
            store.name(),
            problems.join("\n"),
            log.lines()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n"),
            server.tail(40)
        );

        // The restarted server answers from the recovered data and goes on.
        let base = &server.base;
        let stored_version =
            scalar(&db, "SELECT toggles_version FROM workspaces WHERE id = $1", &[ws]).await;
        let t = http.get(base, &format!("/api/workspaces/{ws}/toggles"), &crew.admin).await;
        assert_eq!(t.body["version"].as_i64(), stored_version, "{t}");
        let owner_id = scalar(&db, "SELECT owner_id FROM workspaces WHERE id = $1", &[ws]).await;
        let (owner, other) = if owner_id == Some(crew.owner.id) {
            (&crew.owner, &crew.admin)
        } else {
            (&crew.admin, &crew.owner)
        };
        let r = http
            .post(
                base,
                &format!("/api/workspaces/{ws}/transfer"),
                json!({"target": other.id}),
                owner,
            )
            .await;
        assert!(r.ok(), "transfer after restart: {r}");
        acks.push(Ack::Transfer { to: other.id });
        let name = format!("after crash {cycle}");
        let r = http
            .post(base, &format!("/api/workspaces/{ws}/groups"), json!({"name": name}), &crew.admin)
            .await;
        assert!(r.ok(), "write after restart: {r}");
        acks.push(Ack::Group { id: r.id(), name });
        let page = http.get(base, &format!("/api/workspaces/{ws}/members"), other).await;
        let roles: BTreeMap<i64, String> = page.body["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .filter(|r| r["id"].as_i64() != Some(0))
            .map(|r| (r["id"].as_i64().unwrap(), r["role"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(roles.get(&other.id).map(String::as_str), Some("owner"), "{page}");
        assert_eq!(roles.get(&owner.id).map(String::as_str), Some("admin"), "{page}");
    }
    let problems = crash_problems(&store, &db, ws, &acks).await;
    assert!(problems.is_empty(), "{problems:#?}");
    let errors = http.server_errors();
    assert!(errors.is_empty(), "5xx answers:\n{}\n{}", errors.join("\n"), server.tail(40));
    eprintln!(
        "{}: {CYCLES} kill -9 cycles, {} acknowledged writes all present with their audit records",
        store.name(),
        acks.len()
    );
    db.close().await;
    drop(server);
    if let Store::Postgres(url) = &store {
        drop_pg_database(url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_kill9_during_a_write_burst_loses_no_acknowledged_write() {
    let _serial = SERIAL.lock().await;
    kill9_during_a_write_burst(Store::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_kill9_during_a_write_burst_loses_no_acknowledged_write() {
    let _serial = SERIAL.lock().await;
    kill9_during_a_write_burst(Store::Postgres(fresh_pg_database().await)).await;
}

// ---------------------------------------------------------------------------
// Two server processes on one PostgreSQL, racing conflicting writes
// ---------------------------------------------------------------------------

/// A person with a session (valid on both servers: sessions live in the
/// database).
#[derive(Clone, Debug)]
struct Person {
    s: Session,
}

impl Person {
    fn id(&self) -> i64 {
        self.s.id
    }
}

/// The race test's world.
struct Race {
    http: Http,
    /// The two servers' base URLs.
    bases: [String; 2],
    db: AnyPool,
    demo: Demo,
    /// The second partner company (support enabled it as a Partner).
    partner2: i64,
    join_token: String,
    /// The demo owner: Beta's company admin, whoever owns the workspace.
    beta_admin: Person,
    /// The demo admin (toggle saves).
    admin: Person,
    /// Current Owner of the workspace.
    owner: Person,
    /// Admins the ownership moves between (and who get removed).
    transfer_pool: Vec<Person>,
    /// Two admins who try to demote each other.
    p: Person,
    q: Person,
    /// A developer an admin promotes while being demoted.
    y: Person,
    boss: Person,
    analyst: Person,
    /// Acknowledged writes: (audit kind, subject).
    acks: Vec<(String, String)>,
    log: Vec<String>,
    /// Which side won, per race.
    wins: BTreeMap<&'static str, usize>,
}

impl Race {
    fn base(&self, i: usize) -> &str {
        &self.bases[i]
    }

    fn won(&mut self, what: &'static str) {
        *self.wins.entry(what).or_default() += 1;
    }

    fn ack(&mut self, kind: &str, subject: impl ToString) {
        self.acks.push((kind.to_owned(), subject.to_string()));
    }

    fn fail(&self, round: usize, what: &str) -> ! {
        panic!(
            "round {round}: {what}\nrecent steps:\n{}",
            self.log[self.log.len().saturating_sub(30)..].join("\n")
        )
    }

    async fn role_of(&self, account: i64) -> Option<String> {
        let rows = pairs(
            &self.db,
            "SELECT account_id, role FROM members WHERE workspace_id = $1 AND account_id = $2",
            &[self.demo.ws, account],
        )
        .await;
        rows.first().map(|(_, r)| r.clone())
    }

    /// Makes `who` (signed up, not a member) an Active member with `role`:
    /// join link, authorization by the admin, role change by the owner.
    async fn join(&mut self, who: &Person, role: &str) {
        let ws = self.demo.ws;
        let (http, a) = (&self.http, &self.bases[0]);
        let r = http.post(a, &format!("/api/join/{}", self.join_token), json!({}), &who.s).await;
        assert!(r.ok(), "join as {}: {r}", who.s.email);
        self.acks.push(("request.create".into(), who.s.email.clone()));
        let request = scalar(
            &self.db,
            "SELECT id FROM access_requests WHERE workspace_id = $1 AND account_id = $2",
            &[ws, who.id()],
        )
        .await
        .unwrap_or_else(|| panic!("no access request of {} stored", who.id()));
        let r = http
            .post(
                &self.bases[1],
                &format!("/api/workspaces/{ws}/requests/{request}/authorize"),
                json!({}),
                &self.admin.s,
            )
            .await;
        assert!(r.ok(), "authorize {}: {r}", who.s.email);
        self.acks.push(("request.authorize".into(), who.id().to_string()));
        if role == "admin" {
            self.set_role(who.id(), "admin").await;
        }
    }

    /// The owner sets a member's role (through the first server).
    async fn set_role(&mut self, account: i64, role: &str) {
        let ws = self.demo.ws;
        let r = self
            .http
            .patch(
                &self.bases[0],
                &format!("/api/workspaces/{ws}/members/{account}"),
                json!({"role": role}),
                &self.owner.s,
            )
            .await;
        assert!(r.ok(), "set role of {account} to {role}: {r}");
        self.ack("member.role", account);
    }

    /// Revokes Beta's live grant, if any.
    async fn revoke_live_grant(&mut self) {
        let live = scalar(
            &self.db,
            "SELECT MAX(id) FROM grants WHERE revoked = 0 AND client_company_id = $1",
            &[self.demo.beta],
        )
        .await;
        if let Some(id) = live {
            let r = self
                .http
                .delete(&self.bases[1], &format!("/api/grants/{id}"), &self.beta_admin.s)
                .await;
            assert!(r.ok(), "revoke grant {id}: {r}");
            self.ack("grant.revoke", id);
        }
    }

    /// Transfer ownership (one server) vs removing the target (the other):
    /// exactly one of them happens.
    async fn transfer_vs_remove(&mut self, round: usize, x: usize, y: usize) {
        let ws = self.demo.ws;
        let i = round % self.transfer_pool.len();
        let target = self.transfer_pool[i].clone();
        let owner = self.owner.clone();
        let transfer_path = format!("/api/workspaces/{ws}/transfer");
        let member_path = format!("/api/workspaces/{ws}/members/{}", target.id());
        let (transfer, remove) = tokio::join!(
            self.http.post(self.base(x), &transfer_path, json!({"target": target.id()}), &owner.s),
            self.http.delete(self.base(y), &member_path, &owner.s),
        );
        self.log.push(format!(
            "round {round}: transfer to {} via {x}: {transfer}; remove via {y}: {remove}",
            target.id()
        ));
        match (transfer.ok(), remove.ok()) {
            (true, false) => {
                self.won("transfer won over removal");
                self.ack("ownership.transfer", target.id());
                self.transfer_pool[i] = owner;
                self.owner = target;
            }
            (false, true) => {
                self.won("removal won over transfer");
                self.ack("member.remove", target.id());
                if self.role_of(target.id()).await.is_some() {
                    self.fail(round, "the removed target is still a member");
                }
                self.join(&target, "admin").await;
            }
            _ => self.fail(round, "exactly one of transfer and removal must succeed"),
        }
        let owner_role = self.role_of(self.owner.id()).await;
        if owner_role.as_deref() != Some("owner") {
            self.fail(round, &format!("the owner {} has role {owner_role:?}", self.owner.id()));
        }
    }

    /// Two admins demoting each other (the policy refuses both: an Admin
    /// may act only on lower roles), then the Owner demoting an admin who is
    /// promoting a developer at the same moment: the admin's write may land
    /// only before the demotion.
    async fn demotions(&mut self, round: usize, x: usize, y: usize) {
        let ws = self.demo.ws;
        let (p, q, yy) = (self.p.clone(), self.q.clone(), self.y.clone());
        let member = |id: i64| format!("/api/workspaces/{ws}/members/{id}");
        let (path_p, path_q, path_y) = (member(p.id()), member(q.id()), member(yy.id()));
        let (pq, qp) = tokio::join!(
            self.http.patch(self.base(x), &path_q, json!({"role": "developer"}), &p.s),
            self.http.patch(self.base(y), &path_p, json!({"role": "developer"}), &q.s),
        );
        self.log.push(format!("round {round}: admins demote each other: {pq}; {qp}"));
        if pq.code() != "target_rank_not_below" || qp.code() != "target_rank_not_below" {
            self.fail(round, "admins demoting each other must both be refused");
        }
        let owner = self.owner.clone();
        let (demote, promote) = tokio::join!(
            self.http.patch(self.base(x), &path_p, json!({"role": "developer"}), &owner.s),
            self.http.patch(self.base(y), &path_y, json!({"role": "admin"}), &p.s),
        );
        self.log.push(format!(
            "round {round}: owner demotes {} via {x}: {demote}; who promotes {} via {y}: {promote}",
            p.id(),
            yy.id()
        ));
        if !demote.ok() {
            self.fail(round, "the owner's demotion must succeed");
        }
        self.ack("member.role", p.id());
        if promote.ok() {
            self.won("promotion landed before the demotion");
            self.ack("member.role", yy.id());
            let promoted = audit_id(&self.db, "member.role", &yy.id().to_string()).await;
            let demoted = audit_id(&self.db, "member.role", &p.id().to_string()).await;
            if promoted.is_none() || promoted >= demoted {
                self.fail(round, &format!("the admin's promotion (audit {promoted:?}) was acknowledged after their demotion (audit {demoted:?})"));
            }
            self.set_role(yy.id(), "developer").await;
        } else if self.role_of(yy.id()).await.as_deref() != Some("developer") {
            self.fail(round, "a refused promotion changed the role");
        } else {
            self.won("demotion refused the promotion");
        }
        self.set_role(p.id(), "admin").await;
    }

    /// Two toggle saves on one base version: exactly one lands, whole, and
    /// both servers show it at once.
    async fn toggle_saves(&mut self, round: usize, x: usize, y: usize) {
        let ws = self.demo.ws;
        let t = self
            .http
            .get(self.base(x), &format!("/api/workspaces/{ws}/toggles"), &self.admin.s)
            .await;
        let version = t.body["version"].as_i64().unwrap();
        let (ba, bb) = (toggle_batch(2 * round + 1), toggle_batch(2 * round + 2));
        let path = format!("/api/workspaces/{ws}/toggles/developer");
        let (owner, admin) = (self.owner.clone(), self.admin.clone());
        let (ra, rb) = tokio::join!(
            self.http.put(
                self.base(x),
                &path,
                json!({"toggles": ba, "base_version": version}),
                &owner.s
            ),
            self.http.put(
                self.base(y),
                &path,
                json!({"toggles": bb, "base_version": version}),
                &admin.s
            ),
        );
        self.log.push(format!("round {round}: toggle saves on version {version}: {ra}; {rb}"));
        let winner = match (ra.ok(), rb.ok()) {
            (true, false) if rb.code() == "stale_version" => ba,
            (false, true) if ra.code() == "stale_version" => bb,
            _ => self.fail(round, "exactly one toggle save must land, the other 409 stale_version"),
        };
        self.ack("toggles.save", "developer");
        let want: BTreeSet<String> = winner.into_iter().collect();
        for i in 0..2 {
            let t = self
                .http
                .get(self.base(i), &format!("/api/workspaces/{ws}/toggles"), &self.admin.s)
                .await;
            if t.body["version"].as_i64() != Some(version + 1)
                || as_set(&t.body["developer"]) != want
            {
                self.fail(
                    round,
                    &format!("server {i} shows {t} after the save of {want:?} at {}", version + 1),
                );
            }
        }
    }

    /// Two grants for one client at once (through both servers, to two
    /// partners): exactly one is created.
    async fn two_grants(&mut self, round: usize, x: usize, y: usize) {
        self.revoke_live_grant().await;
        let (beta, ws) = (self.demo.beta, self.demo.ws);
        let path = format!("/api/companies/{beta}/grants");
        let body = |partner: i64| json!({"partner": partner, "workspaces": [ws], "sections": ["integrations", "users"]});
        let who = self.beta_admin.clone();
        let (ra, rb) = tokio::join!(
            self.http.post(self.base(x), &path, body(self.demo.techhelp), &who.s),
            self.http.post(self.base(y), &path, body(self.partner2), &who.s),
        );
        self.log.push(format!("round {round}: two grants: {ra}; {rb}"));
        let (id, partner) = match (ra.ok(), rb.ok()) {
            (true, false) if rb.code() == "client_has_partner" => (ra.id(), self.demo.techhelp),
            (false, true) if ra.code() == "client_has_partner" => (rb.id(), self.partner2),
            _ => self
                .fail(round, "exactly one grant must be created, the other 409 client_has_partner"),
        };
        self.ack("grant.create", partner);
        let live = pairs(
            &self.db,
            "SELECT id, CAST(partner_company_id AS TEXT) FROM grants WHERE revoked = 0 AND client_company_id = $1",
            &[beta],
        )
        .await;
        if live != vec![(id, partner.to_string())] {
            self.fail(round, &format!("live grants {live:?}, acknowledged {id} to {partner}"));
        }
    }

    /// The client revokes the partner's grant (one server) while the
    /// partner's analyst writes (the other): the analyst's write lands only
    /// before the revocation, and the analyst's very next request is refused
    /// on both servers.
    async fn revoke_vs_analyst(&mut self, round: usize, x: usize, y: usize) {
        self.revoke_live_grant().await;
        let (beta, ws) = (self.demo.beta, self.demo.ws);
        let r = self
            .http
            .post(
                self.base(y),
                &format!("/api/companies/{beta}/grants"),
                json!({"partner": self.demo.techhelp, "workspaces": [ws], "sections": ["integrations", "users"]}),
                &self.beta_admin.s,
            )
            .await;
        assert!(r.ok(), "grant: {r}");
        let (grant, key) = (r.id(), r.body["access_key"].as_str().unwrap().to_owned());
        self.ack("grant.create", self.demo.techhelp);
        let r = self
            .http
            .post(self.base(x), "/api/grants/redeem", json!({"access_key": key}), &self.boss.s)
            .await;
        assert!(r.ok(), "redeem: {r}");
        self.ack("grant.redeem", grant);
        let r = self
            .http
            .post(
                self.base(y),
                &format!("/api/grants/{grant}/analysts"),
                json!({"workspace": ws, "account": self.analyst.id()}),
                &self.boss.s,
            )
            .await;
        assert!(r.ok(), "register analyst: {r}");
        self.ack("analyst.add", self.analyst.id());
        for i in 0..2 {
            let r = self
                .http
                .get(
                    self.base(i),
                    &format!("/api/workspaces/{ws}/resources?limit=1"),
                    &self.analyst.s,
                )
                .await;
            if !r.ok() {
                self.fail(round, &format!("the registered analyst is refused by server {i}: {r}"));
            }
        }
        let name = format!("analyst write {round}");
        let (owner, analyst) = (self.beta_admin.clone(), self.analyst.clone());
        let grant_path = format!("/api/grants/{grant}");
        let resources_path = format!("/api/workspaces/{ws}/resources");
        // The revocation does more work before it locks: every other round
        // the analyst's write starts a millisecond later, so both orders happen.
        let delay =
            if (round / 5).is_multiple_of(2) { None } else { Some(Duration::from_millis(1)) };
        let (revoke, write) =
            tokio::join!(self.http.delete(self.base(x), &grant_path, &owner.s), async {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                let body = json!({"kind": "integration", "name": name});
                self.http.post(self.base(y), &resources_path, body, &analyst.s).await
            },);
        self.log.push(format!(
            "round {round}: revoke {grant} via {x}: {revoke}; analyst write via {y}: {write}"
        ));
        if !revoke.ok() {
            self.fail(round, "the revocation must succeed");
        }
        self.ack("grant.revoke", grant);
        // The very next request of the analyst, on either server: refused.
        for i in [y, x] {
            let r = self
                .http
                .get(self.base(i), &format!("/api/workspaces/{ws}/resources?limit=1"), &analyst.s)
                .await;
            let w = self
                .http
                .post(
                    self.base(i),
                    &format!("/api/workspaces/{ws}/resources"),
                    json!({"kind": "integration", "name": format!("after revoke {round}")}),
                    &analyst.s,
                )
                .await;
            self.log.push(format!("round {round}: analyst after revoke on {i}: {r}; {w}"));
            if r.status != 403 || w.status != 403 {
                self.fail(
                    round,
                    &format!("server {i} did not refuse the revoked analyst: {r}; {w}"),
                );
            }
        }
        if write.ok() {
            self.won("analyst write landed before the revocation");
            let id = write.id();
            self.ack("resource.create", &name);
            if scalar(&self.db, "SELECT COUNT(*) FROM resources WHERE id = $1", &[id]).await
                != Some(1)
            {
                self.fail(round, &format!("the analyst's acknowledged resource {id} is missing"));
            }
            let created = audit_id(&self.db, "resource.create", &name).await;
            let revoked = audit_id(&self.db, "grant.revoke", &grant.to_string()).await;
            if created.is_none() || created >= revoked {
                self.fail(round, &format!("the analyst's write (audit {created:?}) was acknowledged after the revocation (audit {revoked:?})"));
            }
        } else if write.status != 403 {
            self.fail(round, &format!("the analyst's refused write: {write}"));
        } else {
            self.won("revocation refused the analyst write");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_two_servers_race_conflicting_writes() {
    let _serial = SERIAL.lock().await;
    const ROUNDS: usize = 200;
    let url = fresh_pg_database().await;
    let store = Store::Postgres(url.clone());
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = Server::start(&store, dirs[0].path(), true, "a").await;
    let b = Server::start(&store, dirs[1].path(), false, "b").await;
    let http = Http::new();
    let db = open_db(&store, Path::new("")).await;
    let login = |email: &'static str, i: usize| {
        let (http, base) = (http.clone(), [a.base.clone(), b.base.clone()][i].clone());
        async move { Person { s: http.login(&base, email).await } }
    };
    let beta_admin = login("owner@beta.example", 0).await;
    let admin = login("admin@beta.example", 1).await;
    let y = login("dev2@beta.example", 0).await;
    let boss = login("boss@techhelp.example", 1).await;
    let analyst = login("analyst@techhelp.example", 0).await;
    let support = login("support@gatehouse.example", 1).await;
    let demo = Demo::read(&http, &a.base, &beta_admin.s, &boss.s).await;
    let ws = demo.ws;
    // A second partner company, enabled by support.
    let boss2 = http.signup(&b.base, "boss@partner2.example", "Pat Partner", "Partner Two").await;
    let me = http.get(&a.base, "/api/me", &boss2).await;
    let partner2 = me.body["companies"][0]["id"].as_i64().unwrap();
    let r = http
        .post(
            &a.base,
            &format!("/api/companies/{partner2}/capabilities"),
            json!({"partner_enabled": true, "client_enabled": false}),
            &support.s,
        )
        .await;
    assert!(r.ok(), "{r}");
    let link =
        http.post(&b.base, &format!("/api/workspaces/{ws}/join-link"), json!({}), &admin.s).await;
    let join_token = link.body["link"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let mut race = Race {
        http: http.clone(),
        bases: [a.base.clone(), b.base.clone()],
        db: db.clone(),
        demo,
        partner2,
        join_token,
        owner: beta_admin.clone(),
        beta_admin,
        admin,
        transfer_pool: Vec::new(),
        p: y.clone(),
        q: y.clone(),
        y,
        boss,
        analyst,
        acks: Vec::new(),
        log: Vec::new(),
        wins: BTreeMap::new(),
    };
    race.ack("company.capabilities", partner2);
    let mut people = Vec::new();
    for (i, who) in ["p", "q", "t1", "t2", "t3"].iter().enumerate() {
        let s = http
            .signup(race.base(i % 2), &format!("{who}@race.example"), &format!("Racer {who}"), "")
            .await;
        let person = Person { s };
        race.join(&person, "admin").await;
        people.push(person);
    }
    race.p = people[0].clone();
    race.q = people[1].clone();
    race.transfer_pool = people[2..].to_vec();

    // Watch the database while the rounds run: one Owner at every moment.
    let watching = Arc::new(AtomicBool::new(true));
    let looks = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (db, watching, looks) = (db.clone(), watching.clone(), looks.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while watching.load(Ordering::Relaxed) {
                let owners = scalar(
                    &db,
                    "SELECT COUNT(*) FROM members WHERE workspace_id = $1 AND role = 'owner'",
                    &[ws],
                )
                .await;
                if owners != Some(1) {
                    seen.push(format!("{owners:?} Owners"));
                }
                looks.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            seen
        })
    };

    let started = Instant::now();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for round in 0..ROUNDS {
        // Which server gets which side alternates.
        let (x, y) = if round.is_multiple_of(2) { (0, 1) } else { (1, 0) };
        let acks_before = race.acks.len();
        let kind = match round % 5 {
            0 => {
                race.transfer_vs_remove(round, x, y).await;
                "transfer vs remove"
            }
            1 => {
                race.demotions(round, x, y).await;
                "demotions"
            }
            2 => {
                race.toggle_saves(round, x, y).await;
                "toggle saves"
            }
            3 => {
                race.two_grants(round, x, y).await;
                "two grants"
            }
            _ => {
                race.revoke_vs_analyst(round, x, y).await;
                "revoke vs analyst write"
            }
        };
        *outcomes.entry(kind).or_default() += 1;
        let violations = invariant_violations(&db).await;
        if !violations.is_empty() {
            race.fail(round, &format!("{kind}: invariants broken: {violations:#?}"));
        }
        let errors = http.server_errors();
        if !errors.is_empty() {
            race.fail(
                round,
                &format!(
                    "{kind}: 5xx answers:\n{}\nserver a:\n{}\nserver b:\n{}",
                    errors.join("\n"),
                    a.tail(30),
                    b.tail(30)
                ),
            );
        }
        assert!(race.acks.len() > acks_before, "round {round} acknowledged nothing");
    }
    let elapsed = started.elapsed();
    watching.store(false, Ordering::Relaxed);
    let seen = watcher.await.unwrap();
    assert!(seen.is_empty(), "the watcher saw a workspace without exactly one Owner: {seen:?}");
    let missing = unaudited(&db, &race.acks).await;
    assert!(missing.is_empty(), "acknowledged writes without their audit record: {missing:#?}");
    eprintln!(
        "two servers on PostgreSQL: {ROUNDS} rounds {outcomes:?} in {elapsed:.1?}, {} requests, {} acknowledged writes, \
         {} owner checks by the watcher, 0 5xx\n  {:?}",
        http.requests.load(Ordering::Relaxed),
        race.acks.len(),
        looks.load(Ordering::Relaxed),
        race.wins
    );
    db.close().await;
    drop((a, b));
    drop_pg_database(&url).await;
}

/// Writes of both scopes at once through the two servers: a company-level
/// write (revoking or granting the partner: it locks the companies, then
/// their workspaces) beside workspace writes that change the workspace row
/// itself (a toggle save, an ownership transfer). Each is allowed; none may
/// fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_two_servers_company_writes_beside_workspace_writes() {
    let _serial = SERIAL.lock().await;
    const ROUNDS: usize = 40;
    let url = fresh_pg_database().await;
    let store = Store::Postgres(url.clone());
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let a = Server::start(&store, dirs[0].path(), true, "a").await;
    let b = Server::start(&store, dirs[1].path(), false, "b").await;
    let bases = [a.base.clone(), b.base.clone()];
    let http = Http::new();
    let db = open_db(&store, Path::new("")).await;
    let client_admin = http.login(&a.base, "owner@beta.example").await;
    let mut pair = [client_admin.clone(), http.login(&b.base, "admin@beta.example").await];
    let boss = http.login(&b.base, "boss@techhelp.example").await;
    let demo = Demo::read(&http, &a.base, &client_admin, &boss).await;
    let ws = demo.ws;
    let mut failures = Vec::new();
    let started = Instant::now();
    let mut rounds = 0;
    for round in 0..ROUNDS {
        rounds += 1;
        let (x, y) = if round.is_multiple_of(2) { (0, 1) } else { (1, 0) };
        let live = scalar(
            &db,
            "SELECT MAX(id) FROM grants WHERE revoked = 0 AND client_company_id = $1",
            &[demo.beta],
        )
        .await;
        let version = http
            .get(&bases[x], &format!("/api/workspaces/{ws}/toggles"), &pair[1])
            .await
            .body["version"]
            .as_i64()
            .unwrap();
        let company_write = async {
            tokio::time::sleep(Duration::from_micros((round as u64 % 7) * 400)).await;
            match live {
                Some(id) => {
                    http.delete(&bases[y], &format!("/api/grants/{id}"), &client_admin).await
                }
                None => {
                    let body = json!({"partner": demo.techhelp, "workspaces": [ws], "sections": ["integrations"]});
                    http.post(
                        &bases[y],
                        &format!("/api/companies/{}/grants", demo.beta),
                        body,
                        &client_admin,
                    )
                    .await
                }
            }
        };
        let (toggles_path, transfer_path) = (
            format!("/api/workspaces/{ws}/toggles/developer"),
            format!("/api/workspaces/{ws}/transfer"),
        );
        let toggles = http.put(
            &bases[x],
            &toggles_path,
            json!({"toggles": toggle_batch(round), "base_version": version}),
            &pair[1],
        );
        let transfer =
            http.post(&bases[y], &transfer_path, json!({"target": pair[1].id}), &pair[0]);
        let (c, t, o) = tokio::join!(company_write, toggles, transfer);
        for (what, r) in [("company write", &c), ("toggle save", &t), ("transfer", &o)] {
            if !r.ok() {
                failures.push(format!("round {round}: {what}: {r}"));
            }
        }
        if o.ok() {
            pair.swap(0, 1);
        }
        let violations = invariant_violations(&db).await;
        assert!(violations.is_empty(), "round {round}: {violations:#?}");
        if failures.len() >= 10 {
            break; // enough evidence
        }
    }
    eprintln!(
        "company writes beside workspace writes, two servers on PostgreSQL: {rounds} rounds in {:.1?}, {} failed",
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty() && http.server_errors().is_empty(),
        "{} of {} writes failed:\n{}\nthe requests answered 5xx:\n{}\nserver a:\n{}\nserver b:\n{}",
        failures.len(),
        3 * rounds,
        failures.join("\n"),
        http.server_errors().join("\n"),
        a.tail(20),
        b.tail(20)
    );
    db.close().await;
    drop((a, b));
    drop_pg_database(&url).await;
}
