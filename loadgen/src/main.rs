//! `loadgen`: the HTTP load generator of `cargo xtask bench` (server
//! section). It talks HTTP/1.1 over keep-alive connections (hyper, one
//! connection per worker, `accept-encoding: gzip` on measured requests) to
//! a running Gatehouse server, runs one named scenario on one thread and
//! prints one JSON line of results.
//!
//! - `login ADDR EMAIL PASSWORD`: `{cookie, csrf}` of a new session.
//! - `seq`: one request kind, one at a time: latencies, and with `--log`
//!   the SQL statements each request made (counted from the server's
//!   `sqlx::query` log lines appended while it ran).
//! - `read`: `--conns` workers reading one path for `--secs`.
//! - `writers`: one worker per `--session`, each saving its workspace's
//!   Developer toggles with the right base version, for `--secs`.
//!
//! `read` and `writers` also report the server's CPU time
//! (`/proc/<pid>/stat`) and their own (`getrusage`) over the measured window.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Parser, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{ACCEPT_ENCODING, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

type Result<T = ()> = std::result::Result<T, String>;

#[derive(Debug, Parser)]
#[command(name = "loadgen", about = "HTTP load generator for cargo xtask bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in; prints `{"cookie": ..., "csrf": ...}`.
    Login { addr: SocketAddr, email: String, password: String },
    /// One kind of request, sequentially.
    Seq {
        #[command(flatten)]
        session: SessionArgs,
        /// me | open | members | resources | toggles | deny
        #[arg(long)]
        op: String,
        /// `toggles`: the state a previous run printed (`state`), so the
        /// first save needs no read of the workspace (a cold write).
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        ws: i64,
        /// The member whose role `deny` tries to change.
        #[arg(long, default_value_t = 0)]
        target: i64,
        /// Requests before measuring.
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Most measured requests.
        #[arg(long, default_value_t = 1000)]
        n: usize,
        /// With `--log`: requests whose statements are counted (each waits
        /// for the log to settle before and after); the rest run back to back.
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Stop measuring after this many milliseconds (at least `min` requests).
        #[arg(long, default_value_t = 4000)]
        budget_ms: u64,
        #[arg(long, default_value_t = 20)]
        min: usize,
        /// The server's log (RUST_LOG=sqlx::query=debug): count statements.
        #[arg(long)]
        log: Option<PathBuf>,
    },
    /// Concurrent readers of one path.
    Read {
        #[command(flatten)]
        session: SessionArgs,
        #[arg(long)]
        path: String,
        #[arg(long, default_value_t = 64)]
        conns: usize,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
        #[arg(long, default_value_t = 2.0)]
        warmup_secs: f64,
        #[command(flatten)]
        watch: Watch,
    },
    /// Concurrent toggle saves, one worker per session (`WS:COOKIE:CSRF`).
    Writers {
        #[arg(long)]
        addr: SocketAddr,
        #[arg(long = "session", required = true)]
        sessions: Vec<String>,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
        #[arg(long, default_value_t = 2.0)]
        warmup_secs: f64,
        #[command(flatten)]
        watch: Watch,
    },
}

/// Processes whose CPU time a load run reports.
#[derive(Debug, Clone, clap::Args)]
struct Watch {
    /// The server's process.
    #[arg(long)]
    server_pid: Option<u32>,
    /// The database's parent process (PostgreSQL's postmaster): it and its
    /// children (the backends).
    #[arg(long)]
    db_pid: Option<u32>,
}

#[derive(Debug, Clone, clap::Args)]
struct SessionArgs {
    #[arg(long)]
    addr: SocketAddr,
    /// `gatehouse_session=...`
    #[arg(long)]
    cookie: String,
    #[arg(long, default_value = "")]
    csrf: String,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // One thread: connections' tasks are spawned locally.
    let result = tokio::task::LocalSet::new().block_on(&rt, async move {
        match cli.command {
            Command::Login { addr, email, password } => login(addr, &email, &password).await,
            Command::Seq {
                session,
                op,
                state,
                ws,
                target,
                warmup,
                n,
                count,
                budget_ms,
                min,
                log,
            } => {
                let op = match state {
                    Some(state) if op == "toggles" => Op::from_state(ws, &state)?,
                    _ => Op::new(&op, ws, target, &session).await?,
                };
                let count = if log.is_some() { count } else { 0 };
                seq(session, op, warmup, n, count, budget_ms, min, log).await
            }
            Command::Read { session, path, conns, secs, warmup_secs, watch } => {
                read(session, &path, conns, secs, warmup_secs, watch).await
            }
            Command::Writers { addr, sessions, secs, warmup_secs, watch } => {
                writers(addr, &sessions, secs, warmup_secs, watch).await
            }
        }
    });
    match result {
        Ok(out) => {
            println!("{out}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One keep-alive HTTP/1.1 connection, reopened when the server closes it.
struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// A response: status, body bytes as received (gzip stays compressed),
/// and the session cookie if one was set.
struct Response {
    status: StatusCode,
    body: Bytes,
    cookie: Option<String>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        Conn { addr, sender: None }
    }

    async fn connect(&mut self) -> Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
            let stream = tokio::net::TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect {}: {e}", self.addr))?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::task::spawn_local(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| "no connection".to_owned())
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<Response> {
        let sender = self.connect().await?;
        sender.ready().await.map_err(|e| format!("connection: {e}"))?;
        let resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(format!("request: {e}"));
            }
        };
        let status = resp.status();
        let cookie = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("gatehouse_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body = resp.into_body().collect().await.map_err(|e| format!("body: {e}"))?.to_bytes();
        Ok(Response { status, body, cookie })
    }
}

/// A request with the session's cookie (and CSRF token on writes).
fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    session: Option<(&str, &str)>,
    body: Option<&Value>,
    gzip: bool,
) -> Result<Request<Full<Bytes>>> {
    let mut b = Request::builder().method(method.clone()).uri(path).header(HOST, addr.to_string());
    if let Some((cookie, csrf)) = session {
        b = b.header(COOKIE, cookie);
        if method != Method::GET {
            b = b.header("x-csrf-token", csrf);
        }
    }
    if gzip {
        b = b.header(ACCEPT_ENCODING, "gzip");
    }
    let body = match body {
        Some(v) => {
            b = b.header(CONTENT_TYPE, "application/json");
            Bytes::from(v.to_string())
        }
        None => Bytes::new(),
    };
    b.body(Full::new(body)).map_err(|e| e.to_string())
}

fn json_of(body: &Bytes) -> Result<Value> {
    serde_json::from_slice(body).map_err(|e| format!("response is not JSON ({e})"))
}

async fn login(addr: SocketAddr, email: &str, password: &str) -> Result<String> {
    let mut conn = Conn::new(addr);
    let body = json!({"email": email, "password": password});
    let resp = conn
        .send(request(addr, Method::POST, "/api/auth/login", None, Some(&body), false)?)
        .await?;
    if resp.status != StatusCode::OK {
        return Err(format!(
            "sign-in as {email}: {} {}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        ));
    }
    let csrf = json_of(&resp.body)?
        .get("csrf_token")
        .and_then(Value::as_str)
        .ok_or("no csrf_token in the sign-in response")?
        .to_owned();
    let cookie = resp.cookie.ok_or("no session cookie in the sign-in response")?;
    Ok(json!({"cookie": cookie, "csrf": csrf}).to_string())
}

/// A request kind the bench measures.
enum Op {
    Get {
        path: String,
        expect: StatusCode,
    },
    /// Saves the Developer toggles, switching one toggle the Admin role
    /// holds on and off, based on the version last saved.
    Toggles {
        ws: i64,
        version: i64,
        with: Vec<Value>,
        without: Vec<Value>,
        on: bool,
    },
    Deny {
        ws: i64,
        target: i64,
    },
}

struct Outcome {
    status: StatusCode,
    bytes: usize,
    /// The outcome was what the request kind expects.
    expected: bool,
    /// A 409 (stale base version: re-read).
    conflict: bool,
}

impl Op {
    async fn new(kind: &str, ws: i64, target: i64, s: &SessionArgs) -> Result<Op> {
        let get = |path: String| Op::Get { path, expect: StatusCode::OK };
        Ok(match kind {
            "me" => get("/api/me".to_owned()),
            "open" => get(format!("/api/workspaces/{ws}")),
            "members" => get(format!("/api/workspaces/{ws}/members?limit=50")),
            "resources" => get(format!("/api/workspaces/{ws}/resources?limit=50")),
            "deny" => Op::Deny { ws, target },
            "toggles" => {
                let mut conn = Conn::new(s.addr);
                Op::toggles(&mut conn, s, ws).await?
            }
            _ => return Err(format!("unknown op `{kind}`")),
        })
    }

    async fn toggles(conn: &mut Conn, s: &SessionArgs, ws: i64) -> Result<Op> {
        let path = format!("/api/workspaces/{ws}/toggles");
        let resp = conn
            .send(request(s.addr, Method::GET, &path, Some((&s.cookie, &s.csrf)), None, false)?)
            .await?;
        if resp.status != StatusCode::OK {
            return Err(format!("GET {path}: {}", resp.status));
        }
        let t = json_of(&resp.body)?;
        let list = |k: &str| t.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
        let (admin, developer) = (list("admin"), list("developer"));
        let toggle = admin.first().cloned().ok_or("the Admin role holds no toggle")?;
        let without: Vec<Value> = developer.iter().filter(|&v| *v != toggle).cloned().collect();
        let mut with = without.clone();
        with.push(toggle.clone());
        let version = t.get("version").and_then(Value::as_i64).ok_or("no toggles version")?;
        Ok(Op::Toggles { ws, version, on: !developer.contains(&toggle), with, without })
    }

    /// Toggles from a printed state: `VERSION;ON;WITHOUT,...;TOGGLE`.
    fn from_state(ws: i64, state: &str) -> Result<Op> {
        let bad = || format!("--state `{state}`: expected VERSION;ON;WITHOUT,...;TOGGLE");
        let parts: Vec<&str> = state.split(';').collect();
        let [version, on, without, toggle] = parts[..] else { return Err(bad()) };
        let without: Vec<Value> = without
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(t.to_owned()))
            .collect();
        let mut with = without.clone();
        with.push(Value::String(toggle.to_owned()));
        Ok(Op::Toggles {
            ws,
            version: version.parse().map_err(|_| bad())?,
            on: on == "1",
            with,
            without,
        })
    }

    /// The state [`Op::from_state`] reads.
    fn state(&self) -> Option<String> {
        let Op::Toggles { version, on, with, without, .. } = self else { return None };
        fn names(v: &[Value]) -> Vec<&str> {
            v.iter().filter_map(Value::as_str).collect()
        }
        let toggle = names(with).last().copied().unwrap_or_default();
        Some(format!("{version};{};{};{toggle}", u8::from(*on), names(without).join(",")))
    }

    async fn once(&mut self, conn: &mut Conn, s: &SessionArgs) -> Result<Outcome> {
        let session = Some((s.cookie.as_str(), s.csrf.as_str()));
        match self {
            Op::Get { path, expect } => {
                let r = conn.send(request(s.addr, Method::GET, path, session, None, true)?).await?;
                Ok(Outcome {
                    status: r.status,
                    bytes: r.body.len(),
                    expected: r.status == *expect,
                    conflict: false,
                })
            }
            Op::Deny { ws, target } => {
                let path = format!("/api/workspaces/{ws}/members/{target}");
                let body = json!({"role": "admin"});
                let r = conn
                    .send(request(s.addr, Method::PATCH, &path, session, Some(&body), true)?)
                    .await?;
                Ok(Outcome {
                    status: r.status,
                    bytes: r.body.len(),
                    expected: r.status == StatusCode::FORBIDDEN,
                    conflict: false,
                })
            }
            Op::Toggles { ws, version, with, without, on } => {
                let path = format!("/api/workspaces/{ws}/toggles/developer");
                let toggles = if *on { with.clone() } else { without.clone() };
                let body = json!({"toggles": toggles, "base_version": *version});
                let r = conn
                    .send(request(s.addr, Method::PUT, &path, session, Some(&body), true)?)
                    .await?;
                let conflict = r.status == StatusCode::CONFLICT;
                if r.status == StatusCode::OK {
                    *version += 1;
                    *on = !*on;
                } else if conflict {
                    // Stale: read the version again.
                    *self = Op::toggles(conn, s, *ws).await?;
                }
                Ok(Outcome {
                    status: r.status,
                    bytes: r.body.len(),
                    expected: r.status == StatusCode::OK,
                    conflict,
                })
            }
        }
    }
}

/// Nearest-rank percentile of sorted `v`, in milliseconds.
fn pct(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let n = sorted.len();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    sorted.get(rank - 1).map_or(0.0, |d| ms(*d))
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// Lines the server logged for SQL statements in `text`.
fn statements(text: &str) -> u64 {
    u64::try_from(text.matches(" sqlx::query:").count()).unwrap_or(0)
}

fn file_len(path: &PathBuf) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn read_from(path: &PathBuf, offset: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path)
        && f.seek(SeekFrom::Start(offset)).is_ok()
    {
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    text
}

#[allow(clippy::too_many_arguments)]
async fn seq(
    s: SessionArgs,
    mut op: Op,
    warmup: usize,
    n: usize,
    count: usize,
    budget_ms: u64,
    min: usize,
    log: Option<PathBuf>,
) -> Result<String> {
    let mut conn = Conn::new(s.addr);
    // Open the connection outside the measured requests.
    conn.connect().await?;
    for _ in 0..warmup {
        op.once(&mut conn, &s).await?;
    }
    let budget = Duration::from_millis(budget_ms);
    let mut times = Vec::new();
    let mut counts = Vec::new();
    let (mut bytes, mut unexpected, mut server_errors, mut status) = (0usize, 0, 0, 0);
    let mut spent = Duration::ZERO;
    while times.len() < n && (times.len() < min || spent < budget) {
        let counted = log.as_ref().filter(|_| times.len() < count);
        let before = match counted {
            Some(log) => {
                // Let the log settle (statements finishing after the
                // previous response, e.g. a dropped transaction's rollback).
                tokio::time::sleep(Duration::from_millis(15)).await;
                Some(file_len(log))
            }
            None => None,
        };
        let t = Instant::now();
        let out = op.once(&mut conn, &s).await?;
        let dt = t.elapsed();
        if let (Some(log), Some(before)) = (counted, before) {
            tokio::time::sleep(Duration::from_millis(15)).await;
            counts.push(statements(&read_from(log, before)));
        }
        times.push(dt);
        spent += dt;
        bytes = out.bytes;
        status = out.status.as_u16();
        unexpected += usize::from(!out.expected);
        server_errors += usize::from(out.status.is_server_error());
    }
    let mut sorted = times.clone();
    sorted.sort_unstable();
    let (smin, smax) =
        (counts.iter().copied().min().unwrap_or(0), counts.iter().copied().max().unwrap_or(0));
    Ok(json!({
        "state": op.state(),
        "n": times.len(),
        "first_ms": times.first().map_or(0.0, |d| ms(*d)),
        "p50_ms": pct(&sorted, 0.50),
        "p99_ms": pct(&sorted, 0.99),
        "max_ms": pct(&sorted, 1.0),
        "min_ms": pct(&sorted, 0.0),
        "status": status,
        "bytes": bytes,
        "unexpected": unexpected,
        "status_5xx": server_errors,
        "statements": if log.is_some() { json!(median(&mut counts)) } else { json!(null) },
        "statements_min": smin,
        "statements_max": smax,
    })
    .to_string())
}

/// CPU seconds of a process from `/proc/<pid>/stat` (utime + stime).
fn proc_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100);
    #[allow(clippy::cast_precision_loss)]
    Some(ticks as f64 / hz as f64)
}

/// CPU seconds of process `pid` and its children (running now).
fn tree_cpu(pid: u32) -> f64 {
    let mut total = proc_cpu(pid).unwrap_or(0.0);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let ppid = std::fs::read_to_string(format!("/proc/{child}/stat")).ok().and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
            });
            if ppid == Some(pid) {
                total += proc_cpu(child).unwrap_or(0.0);
            }
        }
    }
    total
}

/// The whole machine's busy CPU seconds (every state but idle and
/// iowait), from the first line of `/proc/stat`.
fn machine_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line.split_whitespace().filter_map(|t| t.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is in user)
    let busy: u64 =
        ticks.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum();
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok().flatten().unwrap_or(100);
    #[allow(clippy::cast_precision_loss)]
    Some(busy as f64 / hz as f64)
}

/// This process's CPU seconds (user + system), from getrusage.
fn own_cpu() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| {
        let t = |tv: nix::sys::time::TimeVal| {
            #[allow(clippy::cast_precision_loss)]
            let v = tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
            v
        };
        t(u.user_time()) + t(u.system_time())
    })
}

/// What one worker saw in the measured window.
#[derive(Default)]
struct Tally {
    times: Vec<Duration>,
    bytes: usize,
    server_errors: u64,
    unexpected: u64,
    conflicts: u64,
    errors: u64,
    last_error: Option<String>,
}

/// Runs `workers` (each a session and an op) for `warmup + secs`, counting
/// requests that complete inside the measured window.
async fn load(
    addr: SocketAddr,
    workers: Vec<(SessionArgs, Op)>,
    secs: f64,
    warmup_secs: f64,
    watch: Watch,
    scenario: &str,
) -> Result<String> {
    let scenario = scenario.to_owned();
    let measuring = Rc::new(AtomicBool::new(false));
    let stop = Rc::new(AtomicBool::new(false));
    let n = workers.len();
    let mut handles = Vec::new();
    for (s, mut op) in workers {
        let (measuring, stop) = (measuring.clone(), stop.clone());
        handles.push(tokio::task::spawn_local(async move {
            let mut conn = Conn::new(addr);
            let mut tally = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let out = op.once(&mut conn, &s).await;
                let dt = t.elapsed();
                if !measuring.load(Ordering::Relaxed) {
                    continue;
                }
                match out {
                    Ok(o) => {
                        tally.times.push(dt);
                        tally.bytes = o.bytes;
                        tally.server_errors += u64::from(o.status.is_server_error());
                        tally.unexpected += u64::from(!o.expected);
                        tally.conflicts += u64::from(o.conflict);
                    }
                    Err(e) => {
                        tally.errors += 1;
                        tally.last_error = Some(e);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            tally
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(warmup_secs)).await;
    let server_pid = watch.server_pid;
    let db = |pid: Option<u32>| pid.map(tree_cpu);
    let (server0, db0, own0, all0, t0) =
        (server_pid.and_then(proc_cpu), db(watch.db_pid), own_cpu(), machine_cpu(), Instant::now());
    measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    measuring.store(false, Ordering::Relaxed);
    let (server1, db1, own1, all1, wall) = (
        server_pid.and_then(proc_cpu),
        db(watch.db_pid),
        own_cpu(),
        machine_cpu(),
        t0.elapsed().as_secs_f64(),
    );
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for h in handles {
        let t = h.await.map_err(|e| format!("worker: {e}"))?;
        all.times.extend(t.times);
        all.bytes = all.bytes.max(t.bytes);
        all.server_errors += t.server_errors;
        all.unexpected += t.unexpected;
        all.conflicts += t.conflicts;
        all.errors += t.errors;
        all.last_error = all.last_error.or(t.last_error);
    }
    let mut sorted = all.times;
    sorted.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let requests = sorted.len() as f64;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    #[allow(clippy::cast_precision_loss)]
    let capacity = wall * cores as f64;
    let server_cpu = match (server0, server1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let own = own1 - own0;
    let round = |x: f64, d: f64| (x * d).round() / d;
    Ok(json!({
        "scenario": scenario,
        "workers": n,
        "secs": round(wall, 1000.0),
        "requests": sorted.len(),
        "rps": round(requests / wall, 10.0),
        "p50_ms": pct(&sorted, 0.50),
        "p99_ms": pct(&sorted, 0.99),
        "max_ms": pct(&sorted, 1.0),
        "bytes": all.bytes,
        "status_5xx": all.server_errors,
        "unexpected": all.unexpected,
        "conflicts": all.conflicts,
        "errors": all.errors,
        "last_error": all.last_error,
        "cores": cores,
        "server_cpu_s": server_cpu.map(|c| round(c, 1000.0)),
        "server_cpu_us_per_req": server_cpu.filter(|_| requests > 0.0).map(|c| round(c * 1e6 / requests, 10.0)),
        "server_cpu_share": server_cpu.map(|c| round(c / capacity, 1000.0)),
        "loadgen_cpu_s": round(own, 1000.0),
        "loadgen_cpu_us_per_req": if requests > 0.0 { json!(round(own * 1e6 / requests, 10.0)) } else { json!(null) },
        "loadgen_cpu_share": round(own / capacity, 1000.0),
        "db_cpu_share": match (db0, db1) {
            (Some(a), Some(b)) => json!(round((b - a) / capacity, 1000.0)),
            _ => json!(null),
        },
        "db_cpu_us_per_req": match (db0, db1) {
            (Some(a), Some(b)) if requests > 0.0 => json!(round((b - a) * 1e6 / requests, 10.0)),
            _ => json!(null),
        },
        // Everything busy on the machine (server, loadgen, PostgreSQL, rest).
        "machine_cpu_share": match (all0, all1) {
            (Some(a), Some(b)) => json!(round((b - a) / capacity, 1000.0)),
            _ => json!(null),
        },
    })
    .to_string())
}

async fn read(
    s: SessionArgs,
    path: &str,
    conns: usize,
    secs: f64,
    warmup_secs: f64,
    watch: Watch,
) -> Result<String> {
    let workers = (0..conns)
        .map(|_| (s.clone(), Op::Get { path: path.to_owned(), expect: StatusCode::OK }))
        .collect();
    load(s.addr, workers, secs, warmup_secs, watch, "read").await
}

async fn writers(
    addr: SocketAddr,
    sessions: &[String],
    secs: f64,
    warmup_secs: f64,
    watch: Watch,
) -> Result<String> {
    let mut workers = Vec::new();
    for spec in sessions {
        let mut parts = spec.splitn(3, ':');
        let (Some(ws), Some(cookie), Some(csrf)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("--session `{spec}`: expected WS:COOKIE:CSRF"));
        };
        let ws: i64 = ws.parse().map_err(|_| format!("--session `{spec}`: bad workspace id"))?;
        let s = SessionArgs { addr, cookie: cookie.to_owned(), csrf: csrf.to_owned() };
        let op = Op::toggles(&mut Conn::new(addr), &s, ws).await?;
        workers.push((s, op));
    }
    load(addr, workers, secs, warmup_secs, watch, "writers").await
}
