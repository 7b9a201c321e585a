//! What the server spends: CPU per change fanned out to 1,000 listeners,
//! memory for 10,000 idle streams, and 5,000 clients reconnecting at once
//! after `kill -9`.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::listeners::{Got, Listeners};
use crate::live_support::{Api, Proc, Who, start_with};
use crate::seed::Tenant;
use crate::{percentiles, round, version};

fn proc_cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap()
}

fn clk_tck_ms() -> f64 {
    // Linux's USER_HZ is 100 on every architecture we run on.
    10.0
}

/// Server CPU per change fanned out to 1,000 listeners of one workspace,
/// beyond the same changes with none.
pub(crate) async fn fan_out(server: &Proc, t: &Tenant) -> Value {
    const CHANGES: usize = 100;
    let api = Api::new(&server.base);
    let pid = server.pid().unwrap();
    let run = |api: Api, t: Tenant| async move {
        let before = proc_cpu_ticks(pid);
        let mut acks = Vec::new();
        for k in 0..CHANGES {
            let (s, _) = api
                .call(
                    Method::PATCH,
                    &format!("/api/workspaces/{}", t.ws),
                    Some(json!({"data_studio": k % 2 == 0})),
                    &t.admin,
                )
                .await;
            assert_eq!(s, 200);
            let at = Instant::now();
            // Which version that write made (read in both runs alike).
            acks.push((version(&api, t.ws, &t.admin).await, at));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        (proc_cpu_ticks(pid) - before, acks)
    };
    let (idle_ticks, _) = run(api.clone(), t.clone()).await;
    let mut l = Listeners::new(server.addr);
    let mut connected = 0;
    for i in 0..1000 {
        let who = &t.members[i % t.members.len()].0;
        connected += usize::from(l.add(t.ws, who.clone(), None).await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (busy_ticks, acks) = run(api.clone(), t.clone()).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let log = l.drain().to_vec();
    let mut last_ms = Vec::new();
    for (v, ack) in &acks {
        let got: Vec<&Got> = log.iter().filter(|g| !g.alive && g.id == *v).collect();
        if got.len() == connected {
            let last = got.iter().map(|g| g.at).max().unwrap();
            last_ms
                .push(last.checked_duration_since(*ack).unwrap_or_default().as_secs_f64() * 1000.0);
        }
    }
    l.stop();
    let per_change = (busy_ticks as f64 - idle_ticks as f64) * clk_tck_ms() / CHANGES as f64;
    json!({
        "listeners": connected, "changes": CHANGES,
        "server_cpu_ms_per_change_with_1000": round(busy_ticks as f64 * clk_tck_ms() / CHANGES as f64),
        "server_cpu_ms_per_change_with_0": round(idle_ticks as f64 * clk_tck_ms() / CHANGES as f64),
        "fan_out_cpu_ms_per_change": round(per_change),
        "changes_reaching_all": last_ms.len(),
        "ack_to_last_listener": percentiles(last_ms),
    })
}

/// 10,000 idle streams: the server's resident memory.
pub(crate) async fn idle(server: &Proc, tenants: &[Tenant]) -> Value {
    let pid = server.pid().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let mut l = Listeners::new(server.addr);
    let mut connected = 0;
    let people: Vec<(i64, &Who)> =
        tenants.iter().flat_map(|t| t.members.iter().map(move |m| (t.ws, &m.0))).collect();
    for i in 0..10_000 {
        let (ws, who) = people[i % people.len()];
        connected += usize::from(l.add(ws, who.clone(), None).await);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    l.stop();
    json!({
        "streams": connected,
        "rss_before_mib": round(before as f64 / 1024.0),
        "rss_with_streams_mib": round(after as f64 / 1024.0),
        "kib_per_stream": round((after.saturating_sub(before)) as f64 / connected.max(1) as f64),
    })
}

/// The floor under [`idle`]: on another fresh process, 10,000 plain
/// HTTP/1.1 keep-alive connections that each asked `GET /api/me` once and
/// stay open (what any idle connection costs this server, before a stream
/// adds its own state).
pub(crate) async fn idle_http(server: &Proc, tenants: &[Tenant]) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pid = server.pid().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let people: Vec<&Who> = tenants.iter().flat_map(|t| t.members.iter().map(|m| &m.0)).collect();
    let mut open = Vec::new();
    for i in 0..10_000 {
        let who = people[i % people.len()];
        let mut sock = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let head = format!(
            "GET /api/me HTTP/1.1\r\nHost: {}\r\nCookie: gatehouse_session={}\r\n\r\n",
            server.addr, who.cookie
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let mut chunk = [0u8; 4096];
            let n = sock.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before the response head");
            got.extend_from_slice(&chunk[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&got));
        open.push(sock);
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kib(pid);
    json!({
        "connections": open.len(),
        "rss_before_mib": round(before as f64 / 1024.0),
        "rss_with_connections_mib": round(after as f64 / 1024.0),
        "kib_per_connection": round((after.saturating_sub(before)) as f64 / open.len().max(1) as f64),
    })
}

/// 5,000 clients connected; `kill -9`; a restart; every client reconnects
/// at once (with its last id) while every workspace changes once more.
pub(crate) async fn storm(server: &mut Proc, data: &Path, tenants: &[Tenant]) -> Value {
    const CLIENTS: usize = 5_000;
    let mut l = Listeners::new(server.addr);
    // 5,000 streams over the members still in (some twice: two tabs).
    let people: Vec<(i64, &Who)> =
        tenants.iter().flat_map(|t| t.members.iter().map(move |m| (t.ws, &m.0))).collect();
    for i in 0..CLIENTS {
        let (ws, who) = people[i % people.len()];
        l.add(ws, who.clone(), None).await;
    }
    let n = CLIENTS;
    server.kill9();
    let mut fresh = start_with(data, None, false, "storm", &[]).await;
    let up = Instant::now();
    *l.addr.lock().unwrap() = fresh.addr;
    let api = Api::new(&fresh.base);
    let mut want = HashMap::new();
    for t in tenants {
        let (s, _) = api
            .call(
                Method::PATCH,
                &format!("/api/workspaces/{}", t.ws),
                Some(json!({"data_studio": true})),
                &t.admin,
            )
            .await;
        assert!(s == 200, "write after the restart: {s}");
        want.insert(t.ws, version(&api, t.ws, &t.admin).await);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let converged = loop {
        let log = l.drain();
        // The version each client (stream) holds.
        let mut at: HashMap<usize, (i64, i64)> = HashMap::new();
        for g in log {
            let e = at.entry(g.listener).or_insert((g.ws, 0));
            e.1 = e.1.max(g.id);
        }
        let done = at.values().filter(|(ws, v)| *v >= want[ws]).count();
        if done == n {
            break Some(up.elapsed());
        }
        if Instant::now() > deadline {
            eprintln!("storm: {done} of {n} converged");
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let refused = l.refused.lock().unwrap().clone();
    l.stop();
    std::mem::swap(server, &mut fresh);
    drop(fresh);
    let five_xx: usize = refused.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum();
    json!({
        "clients": n,
        "converged_s": converged.map(|d| round(d.as_secs_f64())),
        "refused": refused.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "five_xx": five_xx,
    })
}
