//! The number of SQL statements a request sends does not grow with the
//! workspace (issue 9, "Show"): the same requests on a workspace of 10
//! members / 10 resources and on one of 200 members / 1,000 resources send
//! the same number of statements, with the facts cache warm, right after a
//! change made by another server (the cache catches up from the change log),
//! and cold (a server that has not loaded the workspace yet).
//!
//! Statements are counted through a hook, not by reading the code: a global
//! `tracing` layer counts the events sqlx logs for every statement it runs
//! (target `sqlx::query`). sqlx-sqlite runs statements on a worker thread,
//! so the layer is the process-wide default subscriber and requests run one
//! at a time; the tests of this binary take turns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use policy::{ResourceKind, Role};
use serde_json::{Value, json};
use server::AppState;
use server::db::Db;
use server::load::enum_text;
use server::mail::Mailer;
use server::routes::account::{NewAccount, create_account};
use server::routes::workspaces::{create_workspace, insert_member};
use tower::ServiceExt;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Statements sqlx logged since the last reset.
static STATEMENTS: AtomicUsize = AtomicUsize::new(0);
/// Their text, while `RECORDING`.
static TEXTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static RECORDING: AtomicBool = AtomicBool::new(false);

/// Counts sqlx's statement events.
struct CountStatements;

struct StatementText(String);

impl Visit for StatementText {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "db.statement" {
            self.0 = value.split_whitespace().collect::<Vec<_>>().join(" ");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "db.statement" || (field.name() == "summary" && self.0.is_empty()) {
            self.0 = format!("{value:?}").split_whitespace().collect::<Vec<_>>().join(" ");
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountStatements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
            if RECORDING.load(Ordering::SeqCst) {
                let mut text = StatementText(String::new());
                event.record(&mut text);
                let mut t = text.0;
                t.truncate(140);
                TEXTS.lock().unwrap().push(t);
            }
        }
    }
}

fn install_counter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let layer = CountStatements
            .with_filter(tracing_subscriber::filter::filter_fn(|m| m.target() == "sqlx::query"));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("the only global subscriber of this test binary");
    });
}

/// One server's state and router on the shared database (its own pool and
/// its own facts cache, as a separate process would have).
struct Node {
    state: AppState,
    router: Router,
    _dir: tempfile::TempDir,
}

impl Node {
    async fn new(url: &str) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(url).await.unwrap();
        let mailer = Mailer::from_settings(None, dir.path().join("outbox")).unwrap();
        // No verification against fresh loads: count what a server runs.
        let cache = server::facts_cache::FactsCache::new(64, false);
        let state = AppState::new(db, mailer, "http://gatehouse.test".into(), cache);
        let node = Node { router: server::app(state.clone(), None), state, _dir: dir };
        node.fill_pool().await;
        node
    }

    /// Opens every connection the pool may hold, so no connection is opened
    /// (and set up with statements of its own) while counting.
    async fn fill_pool(&self) {
        let pool = &self.state.db.pool;
        let mut held = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            held.push(pool.acquire().await.unwrap());
        }
        drop(held);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        who: &Who,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", format!("gatehouse_session={}", who.cookie))
            .header("x-csrf-token", &who.csrf);
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => {
                req = req.header("content-length", "0");
                req.body(Body::empty()).unwrap()
            }
        };
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn login(&self, email: &str) -> Who {
        let req = Request::builder()
            .method("POST")
            .uri("/api/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(json!({"email": email, "password": PASSWORD}).to_string()))
            .unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login {email}");
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("gatehouse_session="))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .unwrap();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        Who { cookie, csrf: v["csrf_token"].as_str().unwrap().to_owned() }
    }
}

/// A signed-in browser.
#[derive(Clone, Debug)]
struct Who {
    cookie: String,
    csrf: String,
}

const PASSWORD: &str = "statement counting";

/// A seeded workspace and the people the requests are made as.
struct Tenant {
    label: String,
    ws: i64,
    company: i64,
    /// A named group the allowed write adds members to.
    team: i64,
    /// Members not in `team`, added one per allowed write.
    outsiders: Vec<i64>,
    /// A Developer another server changes the role of (the change the cache
    /// catches up with).
    changed: i64,
    owner: String,
    developer: String,
}

/// Seeds a workspace of `members` members (an Owner, an Admin, Developers),
/// `groups` named groups (the first, `team`, holding a fifth of the members)
/// and `resources` resources of every kind (flows with an integration and a
/// job), with the server's own account/workspace/member functions and the
/// same inserts as the server's group and resource creation.
async fn seed(st: &AppState, tag: &str, members: usize, groups: usize, resources: usize) -> Tenant {
    let hash = server::auth::hash_password(PASSWORD).unwrap();
    let now = st.now();
    let mut tx = st.db.begin_write().await.unwrap();
    let account = |i: usize| NewAccount {
        email: format!("m{i}@{tag}.example"),
        name: format!("Member {i:04} {tag}"),
        password_hash: hash.clone(),
    };
    let owner =
        create_account(&mut tx, &account(0), Some(&format!("Company {tag}")), now).await.unwrap();
    let company: i64 =
        sqlx::query_scalar("SELECT company_id FROM company_members WHERE account_id = $1")
            .bind(owner)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let ws = create_workspace(&mut tx, company, owner, &format!("Workspace {tag}"), true, now)
        .await
        .unwrap();
    let mut ids = vec![owner];
    for i in 1..members {
        let id = create_account(&mut tx, &account(i), None, now).await.unwrap();
        let role = if i == 1 { Role::Admin } else { Role::Developer };
        insert_member(&mut tx, ws, id, role, None, now).await.unwrap();
        ids.push(id);
    }
    let default: i64 =
        sqlx::query_scalar("SELECT id FROM groups WHERE workspace_id = $1 AND is_default = 1")
            .bind(ws)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let mut group_ids = Vec::new();
    for g in 0..groups {
        let name = format!("Team {g:03}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO groups (workspace_id, name, name_key, description, is_default) VALUES ($1, $2, $3, $4, 0) RETURNING id",
        )
        .bind(ws)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind("")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        // Every fifth member, shifted per group.
        for (i, a) in ids.iter().enumerate() {
            if (i + g) % 5 == 0 && i > 0 {
                sqlx::query("INSERT INTO group_members (group_id, account_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(a)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        group_ids.push(id);
    }
    let kinds = [
        ResourceKind::Integration,
        ResourceKind::DataJob,
        ResourceKind::Flow,
        ResourceKind::Module,
        ResourceKind::ApiGateway,
        ResourceKind::ApiGatewayUser,
        ResourceKind::ConnectedAccount,
        ResourceKind::FileJob,
        ResourceKind::FileTemplate,
        ResourceKind::Integration,
    ];
    let (mut integration, mut job) = (None, None);
    for i in 0..resources {
        let kind = kinds[i % kinds.len()];
        let flow = kind == ResourceKind::Flow;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO resources (workspace_id, kind, name, integration_id) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(ws)
        .bind(enum_text(&kind))
        .bind(format!("{} {i:05}", kind.label()))
        .bind(if flow { integration } else { None })
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        if kind.grouping() == policy::Grouping::Own {
            let group = if i % 3 == 0 { default } else { group_ids[i % group_ids.len()] };
            sqlx::query("INSERT INTO resource_groups (resource_id, group_id) VALUES ($1, $2)")
                .bind(id)
                .bind(group)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        match kind {
            ResourceKind::Integration => integration = Some(id),
            ResourceKind::DataJob => job = Some(id),
            ResourceKind::Flow => {
                if let Some(j) = job {
                    sqlx::query("INSERT INTO flow_components (flow_id, job_id, position) VALUES ($1, $2, 0)")
                        .bind(id)
                        .bind(j)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
            }
            _ => {}
        }
    }
    tx.commit().await.unwrap();
    let team = group_ids[0];
    let in_team: Vec<i64> =
        sqlx::query_scalar("SELECT account_id FROM group_members WHERE group_id = $1")
            .bind(team)
            .fetch_all(&st.db.pool)
            .await
            .unwrap();
    let outsiders: Vec<i64> = ids[4..].iter().copied().filter(|a| !in_team.contains(a)).collect();
    Tenant {
        label: format!("{members} members / {resources} resources"),
        ws,
        company,
        team,
        changed: ids[2],
        outsiders,
        owner: format!("m0@{tag}.example"),
        developer: format!("m3@{tag}.example"),
    }
}

/// The requests measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Req {
    MembersPage,
    ResourcesPage,
    Toggles,
    AuditPage,
    CompanyPage,
    AllowedWrite,
    DeniedWrite,
}

const REQUESTS: [Req; 7] = [
    Req::MembersPage,
    Req::ResourcesPage,
    Req::Toggles,
    Req::AuditPage,
    Req::CompanyPage,
    Req::AllowedWrite,
    Req::DeniedWrite,
];

impl Req {
    fn name(self) -> &'static str {
        match self {
            Req::MembersPage => "a page of members",
            Req::ResourcesPage => "a page of resources",
            Req::Toggles => "the toggles",
            Req::AuditPage => "a page of the audit log",
            Req::CompanyPage => "the company page",
            Req::AllowedWrite => "an allowed write (add a group member)",
            Req::DeniedWrite => "a denied write (a Developer adds one)",
        }
    }
}

/// The people of a tenant, signed in.
struct People {
    owner: Who,
    developer: Who,
}

/// Sends `req` and returns its status and the number of statements sqlx
/// ran for it (and their text).
async fn measure(
    node: &Node,
    t: &mut Tenant,
    who: &People,
    req: Req,
) -> (StatusCode, usize, Vec<String>) {
    let ws = t.ws;
    let (method, path, body, as_who) = match req {
        Req::MembersPage => {
            ("GET", format!("/api/workspaces/{ws}/members?limit=50"), None, &who.owner)
        }
        Req::ResourcesPage => {
            ("GET", format!("/api/workspaces/{ws}/resources?limit=50"), None, &who.owner)
        }
        Req::Toggles => ("GET", format!("/api/workspaces/{ws}/toggles"), None, &who.owner),
        Req::AuditPage => ("GET", format!("/api/workspaces/{ws}/audit?limit=50"), None, &who.owner),
        Req::CompanyPage => ("GET", format!("/api/companies/{}", t.company), None, &who.owner),
        Req::AllowedWrite => {
            let account = t.outsiders.pop().expect("an account outside the team");
            (
                "POST",
                format!("/api/workspaces/{ws}/groups/{}/members", t.team),
                Some(json!({"accounts": [account]})),
                &who.owner,
            )
        }
        Req::DeniedWrite => (
            "POST",
            format!("/api/workspaces/{ws}/groups/{}/members", t.team),
            Some(json!({"accounts": [t.changed]})),
            &who.developer,
        ),
    };
    // Anything still finishing (a connection going back to the pool) first.
    tokio::time::sleep(Duration::from_millis(50)).await;
    TEXTS.lock().unwrap().clear();
    STATEMENTS.store(0, Ordering::SeqCst);
    RECORDING.store(true, Ordering::SeqCst);
    let (status, body) = node.call(method, &path, body, as_who).await;
    // sqlx-sqlite logs a statement on its worker thread as it finishes.
    tokio::time::sleep(Duration::from_millis(50)).await;
    RECORDING.store(false, Ordering::SeqCst);
    let n = STATEMENTS.load(Ordering::SeqCst);
    let texts = TEXTS.lock().unwrap().clone();
    let expected = if req == Req::DeniedWrite { StatusCode::FORBIDDEN } else { StatusCode::OK };
    assert_eq!(status, expected, "{} on {}: {body}", req.name(), t.label);
    (status, n, texts)
}

/// Another server changes a Developer's role: the first server's cached
/// facts are one version behind.
async fn change_elsewhere(other: &Node, t: &Tenant, owner: &Who, round: usize) {
    let role = if round.is_multiple_of(2) { "admin" } else { "developer" };
    let (s, v) = other
        .call(
            "PATCH",
            &format!("/api/workspaces/{}/members/{}", t.ws, t.changed),
            Some(json!({"role": role})),
            owner,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Counts per phase and request for one tenant.
type Counts = Vec<(&'static str, Req, usize, Vec<String>)>;

async fn count_tenant(url: &str, a: &Node, b: &Node, t: &mut Tenant) -> Counts {
    let people = People { owner: a.login(&t.owner).await, developer: a.login(&t.developer).await };
    let mut out = Vec::new();
    // Warm: the request once to load the cache, then counted.
    for req in REQUESTS {
        measure(a, t, &people, req).await;
        let (_, n, texts) = measure(a, t, &people, req).await;
        out.push(("warm cache", req, n, texts));
    }
    // After a change made through another server: catch-up from the log.
    for (round, req) in REQUESTS.into_iter().enumerate() {
        change_elsewhere(b, t, &people.owner, round).await;
        let (_, n, texts) = measure(a, t, &people, req).await;
        out.push(("after a change elsewhere", req, n, texts));
    }
    // Cold: a server that has not loaded the workspace yet.
    for req in REQUESTS {
        let fresh = Node::new(url).await;
        let (_, n, texts) = measure(&fresh, t, &people, req).await;
        out.push(("cold (full load)", req, n, texts));
    }
    out
}

async fn statements_do_not_grow(url: &str, backend: &str) {
    install_counter();
    let a = Node::new(url).await;
    let b = Node::new(url).await;
    let mut small = seed(&a.state, "small", 10, 2, 10).await;
    let mut large = seed(&a.state, "large", 200, 20, 1_000).await;
    let s = count_tenant(url, &a, &b, &mut small).await;
    let l = count_tenant(url, &a, &b, &mut large).await;
    eprintln!("SQL statements per request on {backend} ({} vs {}):", small.label, large.label);
    let mut differ = Vec::new();
    for ((phase, req, ns, ts), (_, _, nl, tl)) in s.iter().zip(&l) {
        eprintln!("  {phase:<26} {:<40} {ns:>3} {nl:>3}", req.name());
        if ns != nl {
            differ.push(format!(
                "{phase}, {}: {ns} statements at {}, {nl} at {}\n  small:\n    {}\n  large:\n    {}",
                req.name(),
                small.label,
                large.label,
                ts.join("\n    "),
                tl.join("\n    ")
            ));
        }
        assert!(*nl <= 40, "{phase}, {}: {nl} statements", req.name());
    }
    assert!(differ.is_empty(), "statement counts grow with the workspace:\n{}", differ.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_statements_per_request_do_not_grow_with_the_workspace() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let url = Db::sqlite_url(dir.path()).unwrap();
    statements_do_not_grow(&url, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL; cargo xtask test starts one"]
async fn postgres_statements_per_request_do_not_grow_with_the_workspace() {
    let _serial = SERIAL.lock().await;
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL").expect(
        "GATEHOUSE_TEST_PG_URL must name a PostgreSQL server (cargo xtask test starts one)",
    );
    sqlx::any::install_default_drivers();
    let name = format!("s_{}", server::auth::random_token());
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').map(|(b, _)| b).unwrap());
    statements_do_not_grow(&url, "PostgreSQL").await;
    let _ =
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
}
