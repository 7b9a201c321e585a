//! Helpers for the live-access tests: sign-ins that hand back the session
//! cookie, a minimal server-sent-events client over raw TCP (HTTP/1.0, so
//! the body is the event text itself), a client that follows a workspace
//! the way the package's `subscribe` recipe does, and a proxy that drops,
//! duplicates and reorders events.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A signed-in account: cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Who {
    pub id: i64,
    pub cookie: String,
    pub csrf: String,
}

/// JSON over HTTP with a session (reqwest).
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap(),
        }
    }

    pub async fn login(&self, email: &str) -> Who {
        let res = self
            .client
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({"email": email, "password": server::demo::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "sign-in {email}: {}", res.status());
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("gatehouse_session="))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .unwrap();
        let body: Value = res.json().await.unwrap();
        Who {
            id: body["account"]["id"].as_i64().unwrap(),
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Any request; `Err` when no answer came (server down).
    pub async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        who: &Who,
    ) -> Result<(u16, Value), String> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", format!("gatehouse_session={}", who.cookie))
            .header("x-csrf-token", &who.csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        who: &Who,
    ) -> (u16, Value) {
        self.try_call(method, path, body, who).await.unwrap()
    }

    pub async fn get(&self, path: &str, who: &Who) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None, who).await
    }

    /// The workspace's version as `who` is sent it (the base's `version`).
    pub async fn version(&self, ws: i64, who: &Who) -> Result<i64, u16> {
        match self.try_call(reqwest::Method::GET, &format!("/api/workspaces/{ws}"), None, who).await
        {
            Ok((200, v)) => Ok(v["version"].as_i64().unwrap()),
            Ok((status, _)) => Err(status),
            Err(_) => Err(0),
        }
    }

    /// Saves the Developer toggles with `toggle` on or off (the write the
    /// tests make): reads the current set and its base version first.
    pub async fn set_developer_toggle(
        &self,
        ws: i64,
        who: &Who,
        toggle: &str,
        on: bool,
    ) -> Result<u16, String> {
        let (s, t) = self
            .try_call(reqwest::Method::GET, &format!("/api/workspaces/{ws}/toggles"), None, who)
            .await?;
        if s != 200 {
            return Ok(s);
        }
        let mut set: Vec<Value> = t["developer"].as_array().cloned().unwrap_or_default();
        set.retain(|v| v != toggle);
        if on {
            set.push(json!(toggle));
        }
        let body = json!({"toggles": set, "base_version": t["version"]});
        self.try_call(
            reqwest::Method::PUT,
            &format!("/api/workspaces/{ws}/toggles/developer"),
            Some(body),
            who,
        )
        .await
        .map(|(s, _)| s)
    }
}

/// One server-sent event (or comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Change {
        id: i64,
        kinds: Vec<String>,
    },
    Resync {
        id: i64,
        why: String,
    },
    Ended {
        id: i64,
        code: String,
    },
    /// `:v<version>` keep-alive (or the first message).
    Alive(i64),
}

impl Ev {
    pub fn id(&self) -> i64 {
        match self {
            Ev::Change { id, .. } | Ev::Resync { id, .. } | Ev::Ended { id, .. } => *id,
            Ev::Alive(v) => *v,
        }
    }
}

/// What reading a stream gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    Event(Ev),
    /// The server closed the stream.
    Closed,
    /// Nothing within the wait.
    Quiet,
}

/// One event block (`event:`, `id:`, `data:` lines, or comments).
pub fn parse_block(block: &str) -> Option<Ev> {
    let (mut event, mut id, mut data, mut comment) = (None, None, None, None);
    for line in block.lines() {
        if let Some(c) = line.strip_prefix(':') {
            comment = Some(c.trim().to_owned());
        } else if let Some((k, v)) = line.split_once(':') {
            let v = v.strip_prefix(' ').unwrap_or(v);
            match k {
                "event" => event = Some(v.to_owned()),
                "id" => id = v.parse::<i64>().ok(),
                "data" => data = serde_json::from_str::<Value>(v).ok(),
                _ => {}
            }
        }
    }
    let data = data.unwrap_or(Value::Null);
    match (event.as_deref(), id) {
        (Some("change"), Some(id)) => Some(Ev::Change {
            id,
            kinds: data["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().to_owned())
                .collect(),
        }),
        (Some("resync"), Some(id)) => {
            Some(Ev::Resync { id, why: data["why"].as_str().unwrap().to_owned() })
        }
        (Some("access_ended"), Some(id)) => {
            Some(Ev::Ended { id, code: data["code"].as_str().unwrap().to_owned() })
        }
        (None, None) => comment.and_then(|c| c.strip_prefix('v')?.parse().ok()).map(Ev::Alive),
        _ => panic!("unexpected event block {block:?}"),
    }
}

/// A stream of one workspace's events.
#[derive(Debug)]
pub struct Stream {
    sock: TcpStream,
    buf: Vec<u8>,
    pub closed: bool,
}

impl Stream {
    /// `GET /api/workspaces/{ws}/events` over HTTP/1.0; the status and body
    /// when it is refused.
    pub async fn open(
        addr: SocketAddr,
        ws: i64,
        who: &Who,
        last_event_id: Option<i64>,
    ) -> Result<Stream, (u16, String)> {
        let mut sock = TcpStream::connect(addr).await.map_err(|e| (0, e.to_string()))?;
        let mut head = format!(
            "GET /api/workspaces/{ws}/events HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: gatehouse_session={}\r\n",
            who.cookie
        );
        if let Some(id) = last_event_id {
            head.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        head.push_str("\r\n");
        sock.write_all(head.as_bytes()).await.map_err(|e| (0, e.to_string()))?;
        let mut buf = Vec::new();
        let end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(20), sock.read(&mut chunk))
                .await
                .map_err(|_| (0, "no response head".to_owned()))?
                .map_err(|e| (0, e.to_string()))?;
            if n == 0 {
                return Err((0, "closed before the head".to_owned()));
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let rest = buf[end + 4..].to_vec();
        if status != 200 {
            let mut body = rest;
            let _ = tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut body)).await;
            return Err((status, String::from_utf8_lossy(&body).to_string()));
        }
        Ok(Stream { sock, buf: rest, closed: false })
    }

    /// The next event or comment, waiting at most `wait`.
    pub async fn next(&mut self, wait: Duration) -> Next {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(i) = find(&self.buf, b"\n\n") {
                let block = String::from_utf8_lossy(&self.buf[..i]).to_string();
                self.buf.drain(..i + 2);
                match parse_block(&block) {
                    Some(ev) => return Next::Event(ev),
                    None => continue,
                }
            }
            if self.closed {
                return Next::Closed;
            }
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.sock.read(&mut chunk)).await {
                Err(_) => return Next::Quiet,
                Ok(Ok(0)) | Ok(Err(_)) => self.closed = true,
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The next event that is not a keep-alive comment.
    pub async fn next_event(&mut self, wait: Duration) -> Next {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Next::Event(Ev::Alive(_)) => continue,
                other => return other,
            }
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A client following a workspace the way the package README's `subscribe`
/// recipe does: it holds a version; a `change` right after it is applied
/// (the client revalidates), a gap (an id further on, or a keep-alive
/// naming a newer version) or a `resync` makes it revalidate, and what it
/// revalidates to is never older than what it holds.
#[derive(Debug, Default)]
pub struct Follower {
    /// The version whose state the client shows.
    pub known: i64,
    /// Every version the client's state is known to include.
    pub covered: BTreeSet<i64>,
    /// Gaps it noticed (and closed by revalidating).
    pub gaps: usize,
    /// Events ignored as duplicates or older than what it holds.
    pub ignored: usize,
    /// Whether it ever went from a newer version to an older one.
    pub went_back: bool,
    pub ended: Option<String>,
}

impl Follower {
    pub fn at(version: i64) -> Follower {
        Follower { known: version, covered: (1..=version).collect(), ..Follower::default() }
    }

    /// The client's state now includes everything up to `version`
    /// (a revalidation answered with it).
    pub fn revalidated(&mut self, version: i64) {
        if version < self.known {
            // An older answer than what is shown: refused, never applied.
            self.ignored += 1;
            return;
        }
        self.covered.extend(self.known + 1..=version);
        self.known = version;
    }

    /// Handles one event; returns whether the client must revalidate now.
    pub fn on(&mut self, ev: &Ev) -> bool {
        match ev {
            Ev::Change { id, .. } if *id <= self.known => {
                self.ignored += 1;
                false
            }
            Ev::Change { id, .. } if *id == self.known + 1 => true,
            Ev::Change { .. } => {
                self.gaps += 1;
                true
            }
            Ev::Alive(v) if *v > self.known => {
                self.gaps += 1;
                true
            }
            Ev::Alive(_) => false,
            Ev::Resync { .. } => true,
            Ev::Ended { code, .. } => {
                self.ended = Some(code.clone());
                false
            }
        }
    }

    /// Whether every version up to `version` is covered, nothing else.
    pub fn complete_to(&self, version: i64) -> bool {
        self.known == version && self.covered == (1..=version).collect::<BTreeSet<_>>()
    }
}

/// What the mangling proxy did.
#[derive(Debug, Default, Clone)]
pub struct Mangled {
    pub passed: usize,
    pub dropped: Vec<i64>,
    pub duplicated: usize,
    pub reordered: usize,
}

/// A proxy in front of `upstream`: every connection's request goes through
/// as is; in the response body (HTTP/1.0, close-delimited), each event is
/// dropped, duplicated, or held back and sent after the next one, each
/// with probability `p`; comments pass. Deterministic for a `seed`.
pub async fn mangling_proxy(
    upstream: SocketAddr,
    seed: u64,
    p: f64,
) -> (SocketAddr, Arc<Mutex<Mangled>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Mangled::default()));
    let out = log.clone();
    tokio::spawn(async move {
        let mut n = 0u64;
        loop {
            let Ok((client, _)) = listener.accept().await else { return };
            n += 1;
            tokio::spawn(relay(client, upstream, seed.wrapping_add(n), p, log.clone()));
        }
    });
    (addr, out)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    seed: u64,
    p: f64,
    log: Arc<Mutex<Mangled>>,
) {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return };
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let mut rng = Rng(seed | 1);
    let up = async {
        let mut b = [0u8; 4096];
        loop {
            match cr.read(&mut b).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if sw.write_all(&b[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    };
    let down = async {
        let mut buf = Vec::new();
        let mut in_body = false;
        let mut held: Option<Vec<u8>> = None;
        let mut b = [0u8; 4096];
        loop {
            let n = match sr.read(&mut b).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            buf.extend_from_slice(&b[..n]);
            if !in_body {
                let Some(i) = find(&buf, b"\r\n\r\n") else { continue };
                if cw.write_all(&buf[..i + 4]).await.is_err() {
                    return;
                }
                buf.drain(..i + 4);
                in_body = true;
            }
            while let Some(i) = find(&buf, b"\n\n") {
                let block: Vec<u8> = buf.drain(..i + 2).collect();
                let text = String::from_utf8_lossy(&block).to_string();
                let is_event = text.lines().any(|l| l.starts_with("id:"));
                let mut out = Vec::new();
                if is_event && !text.contains("access_ended") {
                    let r = rng.unit();
                    let id = parse_block(text.trim_end()).map(|e| e.id()).unwrap_or(0);
                    let mut log = log.lock().unwrap();
                    if r < p {
                        log.dropped.push(id);
                    } else if r < 2.0 * p {
                        log.duplicated += 1;
                        out.extend_from_slice(&block);
                        out.extend_from_slice(&block);
                    } else if r < 3.0 * p && held.is_none() {
                        log.reordered += 1;
                        held = Some(block);
                    } else {
                        log.passed += 1;
                        out.extend_from_slice(&block);
                        if let Some(h) = held.take() {
                            out.extend_from_slice(&h);
                        }
                    }
                } else {
                    out.extend_from_slice(&block);
                }
                if !out.is_empty() && cw.write_all(&out).await.is_err() {
                    return;
                }
            }
        }
        if let Some(h) = held.take() {
            let _ = cw.write_all(&h).await;
        }
        let _ = cw.shutdown().await;
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// A server process for these tests (like `process::Server`, with the
/// live settings these tests need: keep-alive comments every second).
#[derive(Debug)]
pub struct Proc {
    child: Option<std::process::Child>,
    pub addr: SocketAddr,
    pub base: String,
    pub log: std::path::PathBuf,
}

/// Where a [`Proc`] keeps its data: SQLite under `data`, or PostgreSQL.
pub async fn start(data: &std::path::Path, pg: Option<&str>, demo: bool, name: &str) -> Proc {
    start_with(data, pg, demo, name, &["--live-keep-alive-secs", "1"]).await
}

/// [`start`] with other arguments than the 1 s keep-alive.
pub async fn start_with(
    data: &std::path::Path,
    pg: Option<&str>,
    demo: bool,
    name: &str,
    args: &[&str],
) -> Proc {
    use std::process::{Command, Stdio};
    std::fs::create_dir_all(data).unwrap();
    for _ in 0..3 {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = data.join(format!("{name}-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.arg("--addr")
            .arg(addr.to_string())
            .arg("--data")
            .arg(data)
            .args(args)
            .args(["--sign-ins-per-minute", "100000"])
            .env("GATEHOUSE_DIST", data.join("no-spa"))
            .env("RUST_LOG", "warn")
            .env_remove("GATEHOUSE_ADDR")
            .env_remove("GATEHOUSE_DATA")
            .env_remove("GATEHOUSE_PUBLIC_URL")
            .env_remove("SMTP_URL")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        match pg {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        if demo {
            cmd.arg("--demo");
        }
        let mut child = cmd.spawn().expect("spawn the server binary");
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Proc { child: Some(child), addr, base: format!("http://{addr}"), log };
            }
            if let Some(status) = child.try_wait().unwrap() {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                if text.contains("cannot listen") {
                    break;
                }
                panic!("{name} exited with {status}:\n{text}");
            }
            assert!(Instant::now() < deadline, "{name} did not listen within 90 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("{name}: no free port");
}

impl Proc {
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(std::process::Child::id)
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            let _ = child.wait();
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}
