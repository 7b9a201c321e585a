//! Helpers for tests that run the real server binary: start it on a free
//! loopback port (SQLite under a temp folder, or a fresh PostgreSQL
//! database), talk to it over HTTP, kill it with SIGKILL, and read its
//! database directly to check what it acknowledged and the invariants.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{AnyPool, Row};

/// Every demo account's password.
pub const PASSWORD: &str = server::demo::PASSWORD;

/// Where a server keeps its data.
#[derive(Clone, Debug)]
pub enum Store {
    /// SQLite in `<data>/gatehouse.db` (the `--data` folder).
    Sqlite,
    /// A PostgreSQL database (`DATABASE_URL`).
    Postgres(String),
}

impl Store {
    pub fn name(&self) -> &'static str {
        match self {
            Store::Sqlite => "SQLite",
            Store::Postgres(_) => "PostgreSQL",
        }
    }
}

/// One running server process.
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub data: PathBuf,
    pub log: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Server {
    /// Starts `server` with `--data data` (and `--demo` if asked) on a free
    /// loopback port and waits until it accepts connections.
    pub async fn start(store: &Store, data: &Path, demo: bool, name: &str) -> Server {
        std::fs::create_dir_all(data).unwrap();
        for attempt in 0..3 {
            let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
            let log = data.join(format!("{name}-{}.log", addr.port()));
            let out = File::create(&log).unwrap();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
            cmd.arg("--addr")
                .arg(addr.to_string())
                .arg("--data")
                .arg(data)
                .env("GATEHOUSE_DIST", data.join("no-spa"))
                // Many sign-ins from one address on purpose.
                .env("GATEHOUSE_SIGN_INS_PER_MINUTE", "100000")
                .env("RUST_LOG", "info,sqlx=warn")
                .env_remove("GATEHOUSE_ADDR")
                .env_remove("GATEHOUSE_DATA")
                .env_remove("GATEHOUSE_PUBLIC_URL")
                .env_remove("SMTP_URL")
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out);
            match store {
                Store::Sqlite => {
                    cmd.env_remove("DATABASE_URL");
                }
                Store::Postgres(url) => {
                    cmd.env("DATABASE_URL", url);
                }
            }
            if demo {
                cmd.arg("--demo");
            }
            let mut child = cmd.spawn().expect("spawn the server binary");
            let deadline = Instant::now() + Duration::from_secs(90);
            loop {
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Server {
                        child: Some(child),
                        addr,
                        base: format!("http://{addr}"),
                        data: data.to_owned(),
                        log,
                    };
                }
                if let Some(status) = child.try_wait().unwrap() {
                    let text = std::fs::read_to_string(&log).unwrap_or_default();
                    if attempt < 2 && text.contains("cannot listen") {
                        break; // the port was taken meanwhile: try another
                    }
                    panic!("{name} exited with {status} before listening:\n{text}");
                }
                assert!(
                    Instant::now() < deadline,
                    "{name} did not listen on {addr} within 90 s:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("{name}: no free port after 3 attempts");
    }

    /// `kill -9`: SIGKILL, no shutdown of any kind; waits for the exit.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL on Unix
            let status = child.wait().unwrap();
            assert!(!status.success(), "killed server exited cleanly: {status}");
        }
    }

    /// The server's output so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of the server's output.
    pub fn tail(&self, lines: usize) -> String {
        let text = self.output();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub email: String,
    cookie: String,
    csrf: String,
}

/// A response: status and JSON body (`Null` when empty, a string when
/// the body is not JSON).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    cookie: Option<String>,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.status.is_success()
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().unwrap_or_else(|| panic!("no id in {self:?}"))
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

/// The HTTP client every test request goes through; it records every 5xx
/// (and every request that got no answer) with the request that caused it.
#[derive(Clone, Debug)]
pub struct Http {
    client: reqwest::Client,
    server_errors: Arc<Mutex<Vec<String>>>,
    pub requests: Arc<AtomicUsize>,
}

impl Default for Http {
    fn default() -> Self {
        Http::new()
    }
}

impl Http {
    pub fn new() -> Http {
        Http {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(64)
                .build()
                .unwrap(),
            server_errors: Arc::default(),
            requests: Arc::default(),
        }
    }

    /// Sends a request; `Err` when no response came (connection refused or
    /// reset: the server is down).
    pub async fn send(
        &self,
        base: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        who: Option<&Session>,
    ) -> Result<Reply, String> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self.client.request(method.clone(), format!("{base}{path}"));
        if let Some(s) = who {
            req = req
                .header("cookie", format!("gatehouse_session={}", s.cookie))
                .header("x-csrf-token", &s.csrf);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.map_err(|e| format!("{method} {base}{path}: {e}"))?;
        let status = res.status();
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("gatehouse_session="))
            .map(|v| {
                v.trim_start_matches("gatehouse_session=").split(';').next().unwrap().to_owned()
            });
        let bytes = res.bytes().await.map_err(|e| format!("{method} {base}{path}: body: {e}"))?;
        let body_out = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        if status.is_server_error() {
            let who = who.map(|s| s.email.as_str()).unwrap_or("-");
            self.server_errors.lock().unwrap().push(format!(
                "{method} {base}{path} as {who} with {}: {status} {body_out}",
                body.unwrap_or(Value::Null)
            ));
        }
        Ok(Reply { status, body: body_out, cookie })
    }

    /// Sends a request that must get an answer.
    pub async fn call(
        &self,
        base: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        who: Option<&Session>,
    ) -> Reply {
        match self.send(base, method, path, body, who).await {
            Ok(r) => r,
            Err(e) => panic!("no answer: {e}"),
        }
    }

    pub async fn get(&self, base: &str, path: &str, who: &Session) -> Reply {
        self.call(base, Method::GET, path, None, Some(who)).await
    }

    pub async fn post(&self, base: &str, path: &str, body: Value, who: &Session) -> Reply {
        self.call(base, Method::POST, path, Some(body), Some(who)).await
    }

    pub async fn put(&self, base: &str, path: &str, body: Value, who: &Session) -> Reply {
        self.call(base, Method::PUT, path, Some(body), Some(who)).await
    }

    pub async fn patch(&self, base: &str, path: &str, body: Value, who: &Session) -> Reply {
        self.call(base, Method::PATCH, path, Some(body), Some(who)).await
    }

    pub async fn delete(&self, base: &str, path: &str, who: &Session) -> Reply {
        self.call(base, Method::DELETE, path, None, Some(who)).await
    }

    /// Every 5xx answered so far, with its request.
    pub fn server_errors(&self) -> Vec<String> {
        self.server_errors.lock().unwrap().clone()
    }

    /// A session from a sign-in or sign-up reply.
    pub fn session_of(reply: &Reply, email: &str) -> Session {
        assert!(reply.ok(), "sign-in {email}: {reply}");
        Session {
            id: reply.body["account"]["id"].as_i64().unwrap(),
            email: email.to_owned(),
            cookie: reply.cookie.clone().expect("a session cookie"),
            csrf: reply.body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Signs in (the demo password unless given).
    pub async fn login(&self, base: &str, email: &str) -> Session {
        self.login_with(base, email, PASSWORD).await
    }

    pub async fn login_with(&self, base: &str, email: &str, password: &str) -> Session {
        let r = self
            .call(
                base,
                Method::POST,
                "/api/auth/login",
                Some(json!({"email": email, "password": password})),
                None,
            )
            .await;
        Http::session_of(&r, email)
    }

    /// Signs up (the account gets a company of its own) and signs in.
    pub async fn signup(&self, base: &str, email: &str, name: &str, company: &str) -> Session {
        let r = self
            .call(
                base,
                Method::POST,
                "/api/auth/signup",
                Some(
                    json!({"email": email, "name": name, "password": PASSWORD, "company": company}),
                ),
                None,
            )
            .await;
        Http::session_of(&r, email)
    }
}

/// A fresh, empty PostgreSQL database on the server named by
/// `GATEHOUSE_TEST_PG_URL` (`cargo xtask test` starts one); its URL.
pub async fn fresh_pg_database() -> String {
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL").expect(
        "GATEHOUSE_TEST_PG_URL must name a PostgreSQL server (cargo xtask test starts one)",
    );
    sqlx::any::install_default_drivers();
    let name = format!("p_{}", server::auth::random_token());
    let pool = AnyPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap();
    format!("{base}/{name}")
}

/// Drops a database made by [`fresh_pg_database`] (after its servers stopped).
pub async fn drop_pg_database(url: &str) {
    let admin = std::env::var("GATEHOUSE_TEST_PG_URL").unwrap();
    let name = url.rsplit_once('/').map(|(_, n)| n).unwrap();
    let pool = AnyPool::connect(&admin).await.unwrap();
    let _ =
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
    pool.close().await;
}

/// A pool on the database a server uses, for checks beside the server.
pub async fn open_db(store: &Store, data: &Path) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = match store {
        Store::Sqlite => format!("sqlite://{}", data.join("gatehouse.db").display()),
        Store::Postgres(url) => url.clone(),
    };
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                use sqlx::Executor;
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA busy_timeout = 5000;").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await
        .unwrap()
}

/// One `i64` (or NULL) from a query.
pub async fn scalar(pool: &AnyPool, sql: &str, binds: &[i64]) -> Option<i64> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let row = q.fetch_optional(pool).await.unwrap()?;
    row.try_get::<Option<i64>, _>(0).unwrap()
}

/// Rows of `(i64, String)`.
pub async fn pairs(pool: &AnyPool, sql: &str, binds: &[i64]) -> Vec<(i64, String)> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get::<i64, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap()))
        .collect()
}

/// The database's invariants; each violation as a sentence.
/// - every workspace has exactly one Owner member, and it is `owner_id`;
/// - at most one live (non-revoked) grant per client company;
/// - every workspace's version is the newest version in its change log
///   (each version bump wrote its change-log rows in the same transaction);
/// - no partner analyst stays a member without a live grant covering the
///   workspace.
pub async fn invariant_violations(pool: &AnyPool) -> Vec<String> {
    let mut out = Vec::new();
    let rows = sqlx::query(
        "SELECT w.id, w.owner_id, w.version, \
         (SELECT COUNT(*) FROM members m WHERE m.workspace_id = w.id AND m.role = 'owner') AS owners, \
         (SELECT MIN(m.account_id) FROM members m WHERE m.workspace_id = w.id AND m.role = 'owner') AS owner, \
         (SELECT MAX(c.version) FROM changes c WHERE c.workspace_id = w.id) AS logged \
         FROM workspaces w ORDER BY w.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for r in &rows {
        let ws: i64 = r.try_get("id").unwrap();
        let owner_id: i64 = r.try_get("owner_id").unwrap();
        let owners: i64 = r.try_get("owners").unwrap();
        let owner: Option<i64> = r.try_get("owner").unwrap();
        let version: i64 = r.try_get("version").unwrap();
        let logged: Option<i64> = r.try_get("logged").unwrap();
        if owners != 1 {
            out.push(format!("workspace {ws} has {owners} Owner members"));
        }
        if owner != Some(owner_id) {
            out.push(format!("workspace {ws}: owner_id {owner_id} but Owner member {owner:?}"));
        }
        if version != logged.unwrap_or(0) {
            out.push(format!(
                "workspace {ws}: version {version} but the change log's newest is {logged:?}"
            ));
        }
    }
    for (client, n) in pairs(
        pool,
        "SELECT client_company_id, CAST(COUNT(*) AS TEXT) FROM grants WHERE revoked = 0 \
         GROUP BY client_company_id HAVING COUNT(*) > 1",
        &[],
    )
    .await
    {
        out.push(format!("client company {client} has {n} live grants"));
    }
    for (ws, account) in pairs(
        pool,
        "SELECT m.workspace_id, CAST(m.account_id AS TEXT) FROM members m \
         JOIN workspaces w ON w.id = m.workspace_id WHERE m.partner_company_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM grants g JOIN grant_workspaces gw ON gw.grant_id = g.id \
           WHERE g.revoked = 0 AND g.partner_company_id = m.partner_company_id \
           AND g.client_company_id = w.company_id AND gw.workspace_id = m.workspace_id)",
        &[],
    )
    .await
    {
        out.push(format!(
            "analyst {account} is still a member of workspace {ws} without a live grant"
        ));
    }
    out
}

/// SQLite only: the file's integrity and foreign keys.
pub async fn sqlite_integrity(pool: &AnyPool) -> Vec<String> {
    let mut out = Vec::new();
    let ok: String =
        sqlx::query("PRAGMA integrity_check").fetch_one(pool).await.unwrap().try_get(0).unwrap();
    if ok != "ok" {
        out.push(format!("integrity_check: {ok}"));
    }
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(pool).await.unwrap();
    if !broken.is_empty() {
        out.push(format!("{} rows break a foreign key", broken.len()));
    }
    out
}

/// Audit entries as a multiset of `(kind, subject)`.
pub async fn audit_multiset(pool: &AnyPool) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in sqlx::query("SELECT kind, subject FROM audit").fetch_all(pool).await.unwrap() {
        let key = (r.try_get::<String, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap());
        *out.entry(key).or_insert(0) += 1;
    }
    out
}

/// Acknowledged writes (`(audit kind, subject)`) that have no audit record
/// of their own (each record accounts for one acknowledgement).
pub async fn unaudited(pool: &AnyPool, acks: &[(String, String)]) -> Vec<(String, String)> {
    let mut have = audit_multiset(pool).await;
    let mut missing = Vec::new();
    for ack in acks {
        match have.get_mut(ack) {
            Some(n) if *n > 0 => *n -= 1,
            _ => missing.push(ack.clone()),
        }
    }
    missing
}

/// The id of the newest audit entry `(kind, subject)`, if any.
pub async fn audit_id(pool: &AnyPool, kind: &str, subject: &str) -> Option<i64> {
    let row = sqlx::query("SELECT MAX(id) FROM audit WHERE kind = $1 AND subject = $2")
        .bind(kind)
        .bind(subject)
        .fetch_one(pool)
        .await
        .unwrap();
    row.try_get::<Option<i64>, _>(0).unwrap()
}

/// Percentile of durations, in milliseconds.
pub fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i].as_secs_f64() * 1000.0
}

/// The ids of the demo: workspace, client company (Beta), partner company
/// (TechHelp).
#[derive(Clone, Copy, Debug)]
pub struct Demo {
    pub ws: i64,
    pub beta: i64,
    pub techhelp: i64,
}

impl Demo {
    pub async fn read(http: &Http, base: &str, owner: &Session, boss: &Session) -> Demo {
        let me = http.get(base, "/api/me", owner).await;
        let boss_me = http.get(base, "/api/me", boss).await;
        Demo {
            ws: me.body["workspaces"][0]["id"].as_i64().unwrap(),
            beta: me.body["companies"][0]["id"].as_i64().unwrap(),
            techhelp: boss_me.body["companies"][0]["id"].as_i64().unwrap(),
        }
    }
}
