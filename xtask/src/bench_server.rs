//! `cargo xtask bench server`: the server at tenant sizes (issue 9, "Show").
//!
//! Builds the release server and `loadgen`, seeds workspaces S, M and L
//! (`server bench-seed`) plus 16 copies of M for the writers, on SQLite (a
//! fresh data folder under `target/bench/server/`; the seeded L database is
//! kept in `target/bench/server/sqlite-l/` and copied in on later runs) and
//! on PostgreSQL (a throwaway cluster), then measures against the running
//! release server:
//!
//! - warm: sequential requests of each kind (after 3 warm-up requests), the
//!   server logging `sqlx::query` at debug level so the statements of each
//!   request are counted from its log;
//! - cold: the first request to each workspace after a server start (the
//!   server has answered `/api/me` once, so a database connection is open):
//!   its facts are loaded in full; median and max over several starts;
//! - throughput, with normal logging: 64 readers of a 50-row members page at
//!   M (gzip, keep-alive), then 1, 2 and 16 writers saving toggles on 1, 2,
//!   16 different M workspaces: req/s, latency, 5xx, the server's CPU time
//!   per request (`/proc/<pid>/stat`) and the load generator's CPU share.
//!
//! It prints markdown tables with the targets beside the figures.
//! `cargo xtask bench server [sqlite|postgres]` runs one database only.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::pg;
use crate::tools::{Step, cargo, root};

/// Bumped when the seed changes shape: a kept L of an older shape is reseeded.
const SEED_FORMAT: u32 = 1;
/// Server starts for cold samples.
const COLD_STARTS: usize = 5;
/// Concurrent readers, and writers on distinct workspaces.
const READERS: usize = 64;
const WRITERS: usize = 16;
const LOAD_SECS: &str = "10";
/// SQLite's busy timeout in `server/src/db.rs`: the longest a write waits.
const BUSY_TIMEOUT_MS: f64 = 5000.0;

/// The request kinds measured one at a time.
const OPS: [(&str, &str, Who); 7] = [
    ("open workspace (Developer)", "open", Who::Developer),
    ("open workspace (Admin)", "open", Who::Admin),
    ("members page, 50 rows (Admin)", "members", Who::Admin),
    ("resources page, 50 rows (Admin)", "resources", Who::Admin),
    ("resources page, 50 rows (Developer)", "resources", Who::Developer),
    ("allowed write: save toggles (Admin)", "toggles", Who::Admin),
    ("denied write: change a role (Developer, 403)", "deny", Who::Developer),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Developer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

// ---- flat JSON lines (from `server bench-seed` and `loadgen`) ----

/// The raw value of `"key":` in a flat JSON object (`null` -> `None`).
fn raw<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\":");
    let rest = json.get(json.find(&needle)? + needle.len()..)?;
    if let Some(s) = rest.strip_prefix('"') {
        return s.split('"').next();
    }
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    let v = rest.get(..end)?.trim();
    (v != "null").then_some(v)
}

fn num(json: &str, key: &str) -> f64 {
    raw(json, key).and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
}

fn int(json: &str, key: &str) -> i64 {
    raw(json, key).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn text(json: &str, key: &str) -> String {
    raw(json, key).unwrap_or_default().to_owned()
}

/// A seeded workspace as `server bench-seed` printed it.
#[derive(Debug, Clone)]
struct Seeded {
    size: String,
    tag: String,
    ws: i64,
    admin: String,
    developer: String,
    password: String,
    target: i64,
    seconds: f64,
}

impl Seeded {
    fn parse(line: &str) -> Option<Seeded> {
        let line = line.trim();
        line.starts_with('{').then(|| Seeded {
            size: text(line, "size"),
            tag: text(line, "tag"),
            ws: int(line, "workspace"),
            admin: text(line, "admin"),
            developer: text(line, "developer"),
            password: text(line, "password"),
            target: int(line, "target"),
            seconds: num(line, "seconds"),
        })
    }
}

/// A signed-in session.
#[derive(Debug, Clone)]
struct Session {
    cookie: String,
    csrf: String,
}

fn bin(name: &str) -> PathBuf {
    root().join("target/release").join(name)
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Runs `server bench-seed` and returns the workspaces it printed.
fn seed(data: &Path, url: Option<&str>, size: &str, copies: u32, tag: &str) -> Result<Vec<Seeded>> {
    let mut c = Command::new(bin("server"));
    c.arg("--data").arg(data).args(["bench-seed", size, "--tag", tag]);
    c.args(["--copies", &copies.to_string()]).env("RUST_LOG", "warn");
    match url {
        Some(u) => c.env("DATABASE_URL", u),
        None => c.env_remove("DATABASE_URL"),
    };
    let out = c.output().map_err(|e| format!("cannot run server bench-seed: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "server bench-seed {size} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let seeded: Vec<Seeded> =
        String::from_utf8_lossy(&out.stdout).lines().filter_map(Seeded::parse).collect();
    if seeded.is_empty() {
        return Err(format!("server bench-seed {size} printed no workspace"));
    }
    Ok(seeded)
}

/// A running release server.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
    log: PathBuf,
}

impl Server {
    /// Starts the server; `sql_log` turns on `sqlx::query=debug` (one log
    /// line per statement), otherwise the default logging.
    pub(crate) fn start(
        data: &Path,
        url: Option<&str>,
        log: &Path,
        sql_log: bool,
    ) -> Result<Server> {
        let addr = format!("127.0.0.1:{}", free_port()?);
        let file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = file.try_clone().map_err(|e| e.to_string())?;
        let mut c = Command::new(bin("server"));
        c.args(["--addr", &addr]).arg("--data").arg(data);
        c.current_dir(data).env("NO_COLOR", "1").stdout(file).stderr(err).stdin(Stdio::null());
        // The bench signs in up to 23 accounts from one address per start.
        c.env("GATEHOUSE_SIGN_INS_PER_MINUTE", "600");
        match url {
            Some(u) => c.env("DATABASE_URL", u),
            None => c.env_remove("DATABASE_URL"),
        };
        if sql_log {
            c.env("RUST_LOG", "sqlx::query=debug");
        } else {
            c.env_remove("RUST_LOG");
        }
        let child = c.spawn().map_err(|e| format!("cannot start the server: {e}"))?;
        let mut server = Server { child, addr, log: log.to_owned() };
        let started = Instant::now();
        loop {
            if std::net::TcpStream::connect(&server.addr).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let tail = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("the server exited ({status}):\n{tail}"));
            }
            if started.elapsed() > Duration::from_secs(120) {
                return Err("the server did not start listening within 120 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM (a graceful stop), then SIGKILL after 20 s.
    pub(crate) fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `loadgen` and returns its JSON line.
fn loadgen(args: &[String]) -> Result<String> {
    let out = Command::new(bin("loadgen"))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run loadgen: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "loadgen {} failed: {}",
            args.first().map(String::as_str).unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn login(server: &Server, email: &str, password: &str) -> Result<Session> {
    let out = loadgen(&["login".into(), server.addr.clone(), email.into(), password.into()])?;
    Ok(Session { cookie: text(&out, "cookie"), csrf: text(&out, "csrf") })
}

fn session_args(server: &Server, s: &Session) -> Vec<String> {
    vec![
        "--addr".into(),
        server.addr.clone(),
        "--cookie".into(),
        s.cookie.clone(),
        "--csrf".into(),
        s.csrf.clone(),
    ]
}

/// One sequential run of a request kind.
#[allow(clippy::too_many_arguments)]
fn seq(
    server: &Server,
    s: &Session,
    op: &str,
    seeded: &Seeded,
    state: Option<&str>,
    warmup: usize,
    n: usize,
) -> Result<String> {
    let mut args = vec!["seq".to_owned()];
    args.extend(session_args(server, s));
    args.extend(["--op".into(), op.into(), "--ws".into(), seeded.ws.to_string()]);
    args.extend(["--target".into(), seeded.target.to_string()]);
    args.extend(["--warmup".into(), warmup.to_string(), "--n".into(), n.to_string()]);
    if n == 1 {
        args.extend(["--min".into(), "1".into()]);
    }
    args.extend(["--log".into(), server.log.display().to_string()]);
    if let Some(state) = state.filter(|_| op == "toggles") {
        args.extend(["--state".into(), state.into()]);
    }
    let out = loadgen(&args)?;
    if int(&out, "unexpected") > 0 {
        return Err(format!(
            "{op} on {} answered {} (unexpected): {out}",
            seeded.tag,
            int(&out, "status")
        ));
    }
    Ok(out)
}

/// Figures of one request kind at one size.
#[derive(Debug, Default, Clone)]
struct Figures {
    warm: String,
    cold_ms: Vec<f64>,
    cold_statements: Vec<i64>,
}

/// Everything measured on one database.
#[derive(Debug, Default)]
struct Measured {
    seeding: Vec<(String, String)>,
    /// [op][size]
    figures: Vec<Vec<Figures>>,
    load: Vec<(String, String)>,
    server_errors: i64,
    /// Share of the machine busy with other processes before the load runs.
    background: f64,
}

/// The throwaway cluster's postmaster (see `pg.rs`: its data folder is
/// `<tmp>/gatehouse-pg-<xtask pid>/data`).
fn db_pid() -> Option<u32> {
    let file = std::env::temp_dir()
        .join(format!("gatehouse-pg-{}", std::process::id()))
        .join("data/postmaster.pid");
    std::fs::read_to_string(file).ok()?.lines().next()?.trim().parse().ok()
}

/// Busy CPU ticks and all ticks of the machine, from `/proc/stat`.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line.split_whitespace().take(8).filter_map(|t| t.parse().ok()).collect();
    let all: u64 = ticks.iter().sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    Some((all - idle, all))
}

/// Waits (at most 2 minutes) until other processes keep less than 10% of
/// the machine busy (two 1 s samples in a row), so they disturb the
/// figures less; returns the last share seen.
pub(crate) fn wait_quiet() -> f64 {
    let started = Instant::now();
    let mut quiet = 0;
    let mut told = false;
    loop {
        let busy = machine_busy(1.0);
        quiet = if busy < 0.10 { quiet + 1 } else { 0 };
        if quiet >= 2 || started.elapsed() > Duration::from_secs(120) {
            if told {
                println!("    (went on with other processes at {:.0}%)", busy * 100.0);
            }
            return busy;
        }
        if !told && busy >= 0.10 {
            println!("    waiting for other processes to quiet down ({:.0}% busy)", busy * 100.0);
            told = true;
        }
    }
}

/// Share of the machine busy over `secs` seconds.
fn machine_busy(secs: f64) -> f64 {
    let a = cpu_ticks();
    std::thread::sleep(Duration::from_secs_f64(secs));
    match (a, cpu_ticks()) {
        (Some((b0, a0)), Some((b1, a1))) if a1 > a0 => (b1 - b0) as f64 / (a1 - a0) as f64,
        _ => f64::NAN,
    }
}

pub(crate) fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

pub(crate) fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NAN, f64::max)
}

/// Measures one database whose workspaces are seeded.
fn measure(
    backend: Backend,
    data: &Path,
    url: Option<&str>,
    sizes: &[Seeded],
    writers: &[Seeded],
) -> Result<Measured> {
    let mut m = Measured {
        figures: vec![vec![Figures::default(); sizes.len()]; OPS.len()],
        ..Measured::default()
    };
    let log = data.join("server.log");
    let who = |w: Who, admin: &Session, dev: &Session| match w {
        Who::Admin => admin.clone(),
        Who::Developer => dev.clone(),
    };

    // Warm, sequential, statements counted.
    Step::new(format!("{}: warm sequential requests (statement log on)", backend.name()));
    wait_quiet();
    let server = Server::start(data, url, &log, true)?;
    let mut sessions = Vec::new();
    for s in sizes {
        sessions.push((
            login(&server, &s.admin, &s.password)?,
            login(&server, &s.developer, &s.password)?,
        ));
    }
    let mut toggles_state: Vec<Option<String>> = vec![None; sizes.len()];
    for (i, (label, op, w)) in OPS.iter().enumerate() {
        for (j, s) in sizes.iter().enumerate() {
            let (admin, dev) = &sessions[j];
            let out =
                seq(&server, &who(*w, admin, dev), op, s, toggles_state[j].as_deref(), 3, 1000)?;
            if *op == "toggles" {
                toggles_state[j] = raw(&out, "state").map(str::to_owned);
            }
            m.server_errors += int(&out, "status_5xx");
            println!(
                "    {label:<46} {:<2} p50 {:>9.3} ms  p99 {:>9.3} ms  n {:>3}  SQL {}",
                s.size,
                num(&out, "p50_ms"),
                num(&out, "p99_ms"),
                int(&out, "n"),
                int(&out, "statements")
            );
            m.figures[i][j].warm = out;
        }
    }
    server.stop();

    // Cold: first request to each workspace after a start.
    Step::new(format!(
        "{}: cold requests ({COLD_STARTS} server starts per request kind)",
        backend.name()
    ));
    wait_quiet();
    for (i, (label, op, w)) in OPS.iter().enumerate() {
        for _ in 0..COLD_STARTS {
            let server = Server::start(data, url, &log, true)?;
            let (admin, _) = &sessions[0];
            seq(&server, admin, "me", &sizes[0], None, 0, 1)?;
            for (j, s) in sizes.iter().enumerate() {
                let (admin, dev) = &sessions[j];
                let out =
                    seq(&server, &who(*w, admin, dev), op, s, toggles_state[j].as_deref(), 0, 1)?;
                if *op == "toggles" {
                    toggles_state[j] = raw(&out, "state").map(str::to_owned);
                }
                m.server_errors += int(&out, "status_5xx");
                m.figures[i][j].cold_ms.push(num(&out, "first_ms"));
                m.figures[i][j].cold_statements.push(int(&out, "statements"));
            }
            server.stop();
        }
        let cold: Vec<String> = m.figures[i]
            .iter()
            .zip(sizes)
            .map(|(f, s)| format!("{} {:.1} ms", s.size, median(&f.cold_ms)))
            .collect();
        println!("    {label:<46} cold median: {}", cold.join(", "));
    }

    // Throughput, normal logging.
    Step::new(format!(
        "{}: {READERS} readers of a members page at M, then 1, 2, {WRITERS} writers",
        backend.name()
    ));
    m.background = wait_quiet();
    let server = Server::start(data, url, &data.join("server-load.log"), false)?;
    let mut watch = vec!["--server-pid".to_owned(), server.pid().to_string()];
    if let Some(db) = db_pid().filter(|_| backend == Backend::Postgres) {
        watch.extend(["--db-pid".to_owned(), db.to_string()]);
    }
    let mid = sizes.iter().position(|s| s.size == "M").unwrap_or(0);
    let reader = login(&server, &sizes[mid].admin, &sizes[mid].password)?;
    let mut args = vec!["read".to_owned()];
    args.extend(session_args(&server, &reader));
    args.extend([
        "--path".into(),
        format!("/api/workspaces/{}/members?limit=50", sizes[mid].ws),
        "--conns".into(),
        READERS.to_string(),
        "--secs".into(),
        LOAD_SECS.into(),
    ]);
    args.extend(watch.iter().cloned());
    wait_quiet();
    let out = loadgen(&args)?;
    println!("    readers: {out}");
    m.server_errors += int(&out, "status_5xx");
    m.load.push((format!("{READERS} readers, members page at M"), out));
    let mut writer_sessions = Vec::new();
    for w in writers {
        let s = login(&server, &w.admin, &w.password)?;
        writer_sessions.push(format!("{}:{}:{}", w.ws, s.cookie, s.csrf));
    }
    for n in [1, 2, WRITERS] {
        let mut args = vec!["writers".to_owned(), "--addr".into(), server.addr.clone()];
        for s in writer_sessions.iter().take(n) {
            args.extend(["--session".into(), s.clone()]);
        }
        args.extend(["--secs".into(), LOAD_SECS.into()]);
        args.extend(watch.iter().cloned());
        wait_quiet();
        let out = loadgen(&args)?;
        println!("    {n} writers: {out}");
        m.server_errors += int(&out, "status_5xx");
        m.load.push((format!("{n} writer{} on {n} M workspace{}", plural(n), plural(n)), out));
    }
    server.stop();
    Ok(m)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The workspaces of one database.
struct Seeds {
    /// S, M, L.
    sizes: Vec<Seeded>,
    /// The writers' copies of M.
    writers: Vec<Seeded>,
    /// What was seeded, and how long it took.
    times: Vec<(String, String)>,
}

/// Seeds S, M and the writers' workspaces (and L unless given) into one
/// database.
fn seed_all(data: &Path, url: Option<&str>, kept_l: Option<(Seeded, String)>) -> Result<Seeds> {
    let mut times = Vec::new();
    let l = match kept_l {
        Some((l, note)) => {
            times.push(("L (10,000 / 1,000 / 100,000)".to_owned(), note));
            l
        }
        None => seed_one(data, url, "l", 1, "l", &mut times)?.remove(0),
    };
    let s = seed_one(data, url, "s", 1, "s", &mut times)?.remove(0);
    let m = seed_one(data, url, "m", 1, "m", &mut times)?.remove(0);
    let writers = seed_one(data, url, "m", 16, "w", &mut times)?;
    Ok(Seeds { sizes: vec![s, m, l], writers, times })
}

fn seed_one(
    data: &Path,
    url: Option<&str>,
    size: &str,
    copies: u32,
    tag: &str,
    times: &mut Vec<(String, String)>,
) -> Result<Vec<Seeded>> {
    let started = Instant::now();
    let label = match size {
        "s" => "S (100 / 20 / 1,000)",
        "m" => "M (1,000 / 100 / 10,000)",
        _ => "L (10,000 / 1,000 / 100,000)",
    };
    let what = if copies > 1 { format!("{copies} x {label}") } else { label.to_owned() };
    Step::new(format!("seed {what}"));
    let seeded = seed(data, url, size, copies, tag)?;
    let inside: f64 = seeded.iter().map(|s| s.seconds).sum();
    let wall = started.elapsed().as_secs_f64();
    println!("    seeded in {wall:.1} s ({inside:.1} s in the seeding transactions)");
    times.push((what, format!("{wall:.1} s ({inside:.1} s in the transactions)")));
    Ok(seeded)
}

/// The SQLite database: a fresh folder with the kept L copied in.
fn sqlite(dir: &Path) -> Result<(PathBuf, Seeds)> {
    let kept = dir.join("sqlite-l");
    let marker = kept.join("seeded.json");
    let kept_line = std::fs::read_to_string(&marker).ok().filter(|t| {
        int(t, "format") == i64::from(SEED_FORMAT) && kept.join("gatehouse.db").exists()
    });
    let kept_l = match kept_line {
        Some(line) => {
            println!("\n==> SQLite: reusing the seeded L in {}", kept.display());
            let l = Seeded::parse(&line).ok_or("unreadable seeded.json")?;
            let note = format!(
                "reused from {} (seeded in {} s on an earlier run)",
                kept.display(),
                text(&line, "wall")
            );
            (l, note)
        }
        None => {
            let _ = std::fs::remove_dir_all(&kept);
            std::fs::create_dir_all(&kept).map_err(|e| e.to_string())?;
            let started = Instant::now();
            let mut times = Vec::new();
            let l = seed_one(&kept, None, "l", 1, "l", &mut times)?.remove(0);
            let wall = started.elapsed().as_secs_f64();
            let line = format!(
                "{{\"format\":{SEED_FORMAT},\"wall\":\"{wall:.1}\",\"size\":\"{}\",\"tag\":\"{}\",\"workspace\":{},\"admin\":\"{}\",\"developer\":\"{}\",\"password\":\"{}\",\"target\":{},\"seconds\":{}}}",
                l.size, l.tag, l.ws, l.admin, l.developer, l.password, l.target, l.seconds
            );
            std::fs::write(&marker, &line).map_err(|e| e.to_string())?;
            let note = times.pop().map(|(_, t)| t).unwrap_or_default();
            (l, note)
        }
    };
    let data = dir.join("sqlite");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    for f in ["gatehouse.db", "gatehouse.db-wal"] {
        if kept.join(f).exists() {
            std::fs::copy(kept.join(f), data.join(f)).map_err(|e| format!("copy {f}: {e}"))?;
        }
    }
    Ok((data.clone(), seed_all(&data, None, Some(kept_l))?))
}

/// `cargo xtask bench server [sqlite|postgres]`.
pub(crate) fn run(args: &[String]) -> Result {
    let (mut do_sqlite, mut do_pg) = (true, true);
    match args.first().map(String::as_str) {
        None => {}
        Some("sqlite") => do_pg = false,
        Some("postgres") => do_sqlite = false,
        Some(other) => {
            return Err(format!("bench server: unknown argument `{other}` (sqlite|postgres)"));
        }
    }
    Step::new("build the release server and loadgen").run(cargo([
        "build",
        "--release",
        "-p",
        "server",
        "-p",
        "loadgen",
    ]))?;
    let dir = root().join("target/bench/server");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    if do_sqlite {
        let (data, seeds) = sqlite(&dir)?;
        let mut m = measure(Backend::Sqlite, &data, None, &seeds.sizes, &seeds.writers)?;
        m.seeding = seeds.times;
        results.push((Backend::Sqlite, seeds.sizes, m));
    }
    if do_pg {
        let cluster = pg::Cluster::start()?;
        let data = dir.join("postgres");
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let seeds = seed_all(&data, Some(&cluster.url), None)?;
        let mut m =
            measure(Backend::Postgres, &data, Some(&cluster.url), &seeds.sizes, &seeds.writers)?;
        m.seeding = seeds.times;
        results.push((Backend::Postgres, seeds.sizes, m));
    }
    println!("{}", report(&results));
    Ok(())
}

fn ratio(l: f64, s: f64) -> f64 {
    if s > 0.0 { l / s } else { f64::NAN }
}

fn kb(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", bytes / 1024.0 / 1024.0)
    } else if bytes >= 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

/// The tables, in markdown, targets beside the figures.
fn report(results: &[(Backend, Vec<Seeded>, Measured)]) -> String {
    let mut o = String::new();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let _ = writeln!(o, "\n## Server at tenant sizes ({cores} cores)\n");
    let _ = writeln!(
        o,
        "Sizes: S = 100 members / 20 groups / 1,000 resources; M = 1,000 / 100 / 10,000; \
         L = 10,000 / 1,000 / 100,000. Warm: n sequential requests after 3 warm-up requests \
         (up to 1,000 or 4 s), the server logging every SQL statement. Cold: the first request to the \
         workspace after a server start (facts loaded in full), median / max of {COLD_STARTS} \
         starts. SQL: statements the server logged for one request (median of the first 10; sqlx logs \
         neither BEGIN nor a read's rollback, and COMMIT on PostgreSQL only). Response: body as \
         sent (gzip)."
    );
    let mut misses = Vec::new();
    let mut lines = Vec::new();
    for (backend, sizes, m) in results {
        let _ = writeln!(o, "\n### {}\n", backend.name());
        let _ = writeln!(o, "Seeding (bulk SQL, `server bench-seed`):\n");
        for (what, time) in &m.seeding {
            let _ = writeln!(o, "- {what}: {time}");
        }
        let _ = writeln!(
            o,
            "\n| request | size | warm p50 | warm p99 | n | cold median / max | SQL warm | SQL cold | response | L vs S, warm p50 / p99 (target <= 2x) |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|---|");
        for (i, (label, op, _)) in OPS.iter().enumerate() {
            let f = &m.figures[i];
            let s_idx = sizes.iter().position(|s| s.size == "S");
            for (j, s) in sizes.iter().enumerate() {
                let w = &f[j].warm;
                let mut cs = f[j].cold_statements.clone();
                cs.sort_unstable();
                let cold_sql = match (cs.first(), cs.last()) {
                    (Some(a), Some(b)) if a == b => a.to_string(),
                    (Some(a), Some(b)) => format!("{a}-{b}"),
                    _ => String::new(),
                };
                let (smin, smax) = (int(w, "statements_min"), int(w, "statements_max"));
                let warm_sql = if smin == smax {
                    smin.to_string()
                } else {
                    format!("{} ({smin}-{smax})", int(w, "statements"))
                };
                let vs = match (s.size.as_str(), s_idx) {
                    ("L", Some(si)) => {
                        let sw = &f[si].warm;
                        let (r50, r99) = (
                            ratio(num(w, "p50_ms"), num(sw, "p50_ms")),
                            ratio(num(w, "p99_ms"), num(sw, "p99_ms")),
                        );
                        let ok = r50 <= 2.0 && r99 <= 2.0;
                        if !ok {
                            misses.push(format!(
                                "{}: {label}: L is {r50:.1}x S at p50, {r99:.1}x at p99",
                                backend.name()
                            ));
                        }
                        format!("{r50:.1}x / {r99:.1}x {}", if ok { "met" } else { "**missed**" })
                    }
                    _ => String::new(),
                };
                let _ = writeln!(
                    o,
                    "| {} | {} | {:.2} ms | {:.2} ms | {} | {:.1} / {:.1} ms | {warm_sql} | {cold_sql} | {} | {vs} |",
                    if j == 0 { *label } else { "" },
                    s.size,
                    num(w, "p50_ms"),
                    num(w, "p99_ms"),
                    int(w, "n"),
                    median(&f[j].cold_ms),
                    max(&f[j].cold_ms),
                    kb(num(w, "bytes")),
                );
                if *op == "toggles" && s.size == "L" && *backend == Backend::Sqlite {
                    let p50 = num(w, "p50_ms");
                    lines.push(format!(
                        "- a write at L <= 10 ms p50 on SQLite: {p50:.2} ms — {}",
                        if p50 <= 10.0 { "met" } else { "**missed**" }
                    ));
                }
            }
        }
        let _ = writeln!(
            o,
            "\n| load | req/s | p50 | p99 | max | 5xx | other errors | CPU / request: server / {db} / loadgen | CPU of the {cores} cores: server / {db} / loadgen / other / idle |",
            db = if *backend == Backend::Postgres { "PostgreSQL" } else { "(in server)" },
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
        let pc = |x: f64| if x.is_nan() { "—".to_owned() } else { format!("{:.0}%", x * 100.0) };
        let us = |x: f64| if x.is_nan() { "—".to_owned() } else { format!("{x:.0} µs") };
        for (what, out) in &m.load {
            let (server, db, lg, busy) = (
                num(out, "server_cpu_share"),
                num(out, "db_cpu_share"),
                num(out, "loadgen_cpu_share"),
                num(out, "machine_cpu_share"),
            );
            let other = (busy - server - lg - if db.is_nan() { 0.0 } else { db }).max(0.0);
            let _ = writeln!(
                o,
                "| {what} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} | {} / {} / {} | {} / {} / {} / {} / {} |",
                num(out, "rps"),
                num(out, "p50_ms"),
                num(out, "p99_ms"),
                num(out, "max_ms"),
                int(out, "status_5xx"),
                int(out, "unexpected") - int(out, "status_5xx") + int(out, "errors"),
                us(num(out, "server_cpu_us_per_req")),
                us(num(out, "db_cpu_us_per_req")),
                us(num(out, "loadgen_cpu_us_per_req")),
                pc(server),
                pc(db),
                pc(lg),
                pc(other),
                pc((1.0 - busy).max(0.0)),
            );
        }
        let _ = writeln!(
            o,
            "\nBefore the load runs (after waiting up to 2 minutes for under 10%), other processes kept {} of the machine busy.",
            pc(m.background)
        );
        let find = |prefix: &str| {
            m.load.iter().find(|(w, _)| w.starts_with(prefix)).map(|(_, o)| o.as_str())
        };
        if let Some(r) = find(&format!("{READERS} readers")) {
            let rps = num(r, "rps");
            lines.push(format!(
                "- reads >= 5,000 req/s at M ({}): {rps:.0} req/s — {}",
                backend.name(),
                if rps >= 5000.0 { "met" } else { "**missed**" }
            ));
        }
        if let (Some(one), Some(many)) = (find("1 writer "), find(&format!("{WRITERS} writers"))) {
            let (r1, rn) = (num(one, "rps"), num(many, "rps"));
            match backend {
                Backend::Postgres => lines.push(format!(
                    "- PostgreSQL writers scale with cores: {rn:.0} req/s with {WRITERS} writers vs {r1:.0} with 1 ({:.2}x; {cores} cores, so up to {cores}x) — {}",
                    rn / r1,
                    if rn / r1 >= 0.75 * cores as f64 { "met" } else { "**missed** (below 75% of linear)" }
                )),
                Backend::Sqlite => {
                    let (p99, max) = (num(many, "p99_ms"), num(many, "max_ms"));
                    // Every other writer's write once, at the measured rate.
                    let bound = WRITERS as f64 * 1000.0 / rn;
                    let ok = p99 <= bound && max < BUSY_TIMEOUT_MS && int(many, "errors") == 0 && int(many, "unexpected") == 0;
                    lines.push(format!(
                        "- SQLite writers' p99 wait bounded: p99 {p99:.1} ms, max {max:.1} ms with {WRITERS} writers; bound = a full queue, one write of each of the {WRITERS} writers at the measured rate ({bound:.1} ms), and under the {BUSY_TIMEOUT_MS:.0} ms busy timeout, no failed write — {}",
                        if ok { "met" } else { "**missed**" }
                    ));
                }
            }
        }
    }
    let errors: i64 = results.iter().map(|(_, _, m)| m.server_errors).sum();
    lines.push(format!("- 0 5xx: {errors} — {}", if errors == 0 { "met" } else { "**missed**" }));
    let _ = writeln!(o, "\n### Targets\n");
    if misses.is_empty() {
        lines.insert(0, "- every request at L within 2x of S (warm p50 and p99): met".into());
    } else {
        lines.insert(0, format!("- every request at L within 2x of S (warm p50 and p99): **missed** for {} of them:", misses.len()));
        for (i, miss) in misses.iter().enumerate() {
            lines.insert(1 + i, format!("  - {miss}"));
        }
    }
    for l in lines {
        let _ = writeln!(o, "{l}");
    }
    o
}
