//! The live-access benchmark (issue 14), run by `cargo xtask bench live`
//! (ignored here; `--release`). Against the release server binary:
//!
//! - 5,000 listeners (every member of 50 seeded workspaces of 100 members,
//!   one stream each), then, paced at about 100 writes/s over the 50
//!   workspaces, 1,000 of each change: a Developer toggle switched off
//!   (and on again between, not counted), a member removed, a partner's
//!   access key deleted. Latency = the moment the affected client read the
//!   event minus the moment the writer read the write's 200 (0 when the
//!   event came first): for a toggle every listener of the workspace, for
//!   a removal and a key the removed member's or analyst's `access_ended`;
//! - 5,000 clients reconnecting at once after `kill -9` and a restart,
//!   while each workspace changes once more: time until every client holds
//!   its workspace's version, and the 5xx among the reconnections;
//! - one change fanned out to 1,000 listeners of one workspace: the
//!   server's CPU time per change (`/proc/<pid>/stat`) beyond the same
//!   changes with no listener;
//! - 10,000 idle streams: the server's resident memory.
//!
//! On PostgreSQL (`GATEHOUSE_LIVE_BENCH_PG`): two server processes, writes
//! on one, the 5,000 listeners on the other, the three kinds of change.
//! Results go to `GATEHOUSE_LIVE_BENCH_OUT` as JSON lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)]

mod capacity;
mod listeners;
#[path = "../live_support/mod.rs"]
mod live_support;
mod seed;
mod writes;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use live_support::{Api, Proc, Who, start_with};
use serde_json::{Value, json};
use sqlx::AnyPool;

use capacity::{fan_out, idle, idle_http, storm};
use listeners::{Got, Listeners};
use seed::{Tenant, seed};
use writes::{keys, removals, toggles};

const WORKSPACES: u32 = 50;
/// Changes of each kind per workspace (50 x 20 = 1,000).
const PER_WS: usize = 20;
/// Pause between one workspace's writes: 50 workspaces, ~100 writes/s.
const PACE: Duration = Duration::from_millis(500);

/// `(ws, version) -> when the writer read the 200`.
pub(crate) type Acks = Arc<Mutex<HashMap<(i64, i64), Instant>>>;

pub(crate) fn percentiles(mut ms: Vec<f64>) -> Value {
    if ms.is_empty() {
        return json!(null);
    }
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    json!({"n": ms.len(), "p50_ms": round(at(0.5)), "p99_ms": round(at(0.99)), "max_ms": round(at(1.0))})
}

pub(crate) fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Latencies of events matching `pick` against the acknowledgements.
pub(crate) fn latencies(
    log: &[Got],
    acks: &HashMap<(i64, i64), Instant>,
    pick: impl Fn(&Got) -> bool,
) -> (Value, usize, usize) {
    let mut ms = Vec::new();
    let mut before_ack = 0;
    for g in log.iter().filter(|g| pick(g)) {
        if let Some(ack) = acks.get(&(g.ws, g.id)) {
            let d = g.at.checked_duration_since(*ack).unwrap_or_else(|| {
                before_ack += 1;
                Duration::ZERO
            });
            ms.push(d.as_secs_f64() * 1000.0);
        }
    }
    let n = ms.len();
    (percentiles(ms), n, before_ack)
}

pub(crate) async fn version(api: &Api, ws: i64, who: &Who) -> i64 {
    api.version(ws, who).await.unwrap()
}

/// The three kinds of change against `write` with the listeners on
/// `listen`; the latencies as JSON.
async fn changes(
    write: &Proc,
    listen: &Proc,
    tenants: &[Tenant],
    boss: &Who,
    partner: i64,
    label: &str,
) -> (Value, HashSet<(i64, i64)>) {
    let api = Api::new(&write.base);
    let mut l = Listeners::new(listen.addr);
    let started = Instant::now();
    for t in tenants {
        for (who, _) in &t.members {
            l.add(t.ws, who.clone(), None).await;
        }
    }
    let connected = started.elapsed();
    eprintln!(
        "{label}: {} listeners connected in {connected:?}",
        tenants.iter().map(|t| t.members.len()).sum::<usize>()
    );

    let (acks, offs) = toggles(&api, tenants).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let acks_map = acks.lock().unwrap().clone();
    let offs: HashSet<(i64, i64)> = offs.into_iter().collect();
    let (toggle, n_toggle, early_toggle) =
        latencies(l.drain(), &acks_map, |g| !g.ended && !g.alive && offs.contains(&(g.ws, g.id)));
    let expected: usize = offs.len() * tenants[0].members.len();
    eprintln!("{label}: toggle off {toggle} ({n_toggle} of {expected} events)");

    let (acks, removed) = removals(&api, tenants).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let acks_map = acks.lock().unwrap().clone();
    let removed: HashSet<(i64, i64)> = removed.into_iter().collect();
    let (removal, n_removal, early_removal) =
        latencies(l.drain(), &acks_map, |g| g.ended && removed.contains(&(g.ws, g.account)));
    eprintln!("{label}: member removed {removal} ({n_removal} of {} final events)", removed.len());

    let shared = Arc::new(tokio::sync::Mutex::new(l));
    let deleted = keys(&api, tenants, boss, partner, &shared).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut l = Arc::try_unwrap(shared).ok().unwrap().into_inner();
    let log = l.drain().to_vec();
    let mut ms = Vec::new();
    let mut early_key = 0;
    for d in &deleted {
        // The analyst's first final event once that DELETE was sent (an
        // earlier cycle's came before it was sent).
        if let Some(g) = log
            .iter()
            .filter(|g| g.ended && g.ws == d.ws && g.account == d.analyst && g.at >= d.sent)
            .min_by_key(|g| g.at)
        {
            let late = g.at.checked_duration_since(d.at).unwrap_or_else(|| {
                early_key += 1;
                Duration::ZERO
            });
            ms.push(late.as_secs_f64() * 1000.0);
        }
    }
    let n_key = ms.len();
    let key = percentiles(ms);
    eprintln!("{label}: key deleted {key} ({n_key} of {} final events)", deleted.len());
    l.stop();
    let r = json!({
        "label": label,
        "listeners": tenants.iter().map(|t| t.members.len()).sum::<usize>(),
        "connect_s": round(connected.as_secs_f64()),
        "toggle_off": toggle, "toggle_events": n_toggle, "toggle_expected": expected, "toggle_before_200": early_toggle,
        "member_removed": removal, "removed_events": n_removal, "removed_expected": removed.len(), "removal_before_200": early_removal,
        "key_deleted": key, "key_events": n_key, "key_expected": deleted.len(), "key_before_200": early_key,
    });
    (r, removed)
}

fn out(line: &Value) {
    eprintln!("RESULT {line}");
    if let Ok(path) = std::env::var("GATEHOUSE_LIVE_BENCH_OUT") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        writeln!(f, "{line}").unwrap();
    }
}

fn work_dir(name: &str) -> PathBuf {
    let base = std::env::var("GATEHOUSE_LIVE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("gatehouse-live-bench"));
    let dir = base.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo xtask bench live"]
async fn live_bench_sqlite() {
    let data = work_dir("sqlite");
    let url = server::db::Db::sqlite_url(&data).unwrap();
    let (tenants, boss, partner) = seed(&url).await;
    let mut server = start_with(&data, None, false, "server", &[]).await;
    let (r, removed) =
        changes(&server, &server, &tenants, &boss, partner, "SQLite, one process").await;
    out(&json!({"phase": "changes", "db": "sqlite", "result": r}));
    // The members removed are refused from here on: the rest listen.
    let tenants: Vec<Tenant> = tenants
        .into_iter()
        .map(|mut t| {
            t.members.retain(|m| !removed.contains(&(t.ws, m.0.id)));
            t
        })
        .collect();
    let r = storm(&mut server, &data, &tenants).await;
    out(&json!({"phase": "reconnect", "db": "sqlite", "result": r}));
    let r = fan_out(&server, &tenants[1]).await;
    out(&json!({"phase": "fan_out", "db": "sqlite", "result": r}));
    // Idle streams on a fresh process (the phases before grew its heap).
    server.kill9();
    let server = start_with(&data, None, false, "idle", &[]).await;
    let r = idle(&server, &tenants[2..]).await;
    out(&json!({"phase": "idle", "db": "sqlite", "result": r}));
    drop(server);
    let server = start_with(&data, None, false, "idle-http", &[]).await;
    let r = idle_http(&server, &tenants[2..]).await;
    out(&json!({"phase": "idle_http", "db": "sqlite", "result": r}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: cargo xtask bench live"]
async fn live_bench_postgres_two_processes() {
    let Ok(admin) = std::env::var("GATEHOUSE_LIVE_BENCH_PG") else {
        eprintln!("GATEHOUSE_LIVE_BENCH_PG is not set: PostgreSQL skipped");
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("live_bench_{}", std::process::id());
    let pool = AnyPool::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let (tenants, boss, partner) = seed(&url).await;
    let data = work_dir("postgres");
    let a = start_with(&data.join("a"), Some(&url), false, "a", &[]).await;
    let b = start_with(&data.join("b"), Some(&url), false, "b", &[]).await;
    let (r, _) =
        changes(&a, &b, &tenants, &boss, partner, "PostgreSQL, write on A, listen on B").await;
    out(&json!({"phase": "changes", "db": "postgres", "result": r}));
    drop((a, b));
    let _ =
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
}
