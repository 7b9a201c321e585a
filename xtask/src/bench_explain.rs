//! Explain and preview at workspace L, native (issue 12, "Show"):
//! `cargo xtask bench explain`, and part of `cargo xtask bench spa` (which
//! also measures the previews in Chromium).
//!
//! Runs `server/examples/bench_explain.rs` (release) on the workspace L that
//! `server bench-seed l` wrote (the generator the server and SPA benches
//! use), loaded with the server's own loader and indexed as its facts cache
//! does: `Facts::who_can` for random resources of every kind (the target:
//! <= 10 ms), `Facts::effective_access` of random Developers for a first
//! page of 50 resources, and `Facts::preview` of each toggle flipped for the
//! Developers and for the Administrators (role-wide) and of deleting random
//! groups. Median, p99 and max of each, the machine's load beside it.
//! Figures, not timed tests: nothing fails on them.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::Result;
use crate::bench_server::{max, median, wait_quiet};
use crate::tools::{self, Step, cargo};

/// Target (issue 12): who has access to one resource at L, native.
const WHO_CAN_TARGET_MS: f64 = 10.0;

/// What the native run printed, and the machine's load around it.
pub(crate) struct Native {
    v: Value,
    /// Others' share of the machine before the run (after waiting).
    before: f64,
    /// The machine's busy share during the run, and this run's share.
    during: f64,
    ours: f64,
}

/// Busy and all CPU ticks of the machine (`/proc/stat`).
fn cpu_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: Vec<u64> = stat
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .unwrap_or_default()
        .split_whitespace()
        .take(8)
        .filter_map(|t| t.parse().ok())
        .collect();
    let all: u64 = ticks.iter().sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    (all - idle, all)
}

/// CPU ticks of this process's reaped children (`cutime + cstime`).
fn children_ticks() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0)).collect();
    // after the name: state(0) ppid(1) ... cutime(13) cstime(14)
    f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0)
}

/// Builds and runs the native bench on `data` (a seeded SQLite folder).
pub(crate) fn native(data: &Path, ws: i64) -> Result<Native> {
    Step::new("build the native explain bench (server example, release)").run(cargo([
        "build",
        "--release",
        "-p",
        "server",
        "--example",
        "bench_explain",
    ]))?;
    Step::new("explain and preview at L, native");
    let before = wait_quiet();
    let (b0, a0) = cpu_ticks();
    let c0 = children_ticks();
    let exe = tools::target_dir()?.join("release/examples/bench_explain");
    let out = Command::new(exe)
        .arg(data)
        .arg(ws.to_string())
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run bench_explain: {e}"))?;
    let (b1, a1) = cpu_ticks();
    let c1 = children_ticks();
    if !out.status.success() {
        return Err(format!("bench_explain failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l.trim()).ok())
        .ok_or("bench_explain printed no JSON")?;
    let all = (a1.saturating_sub(a0)).max(1) as f64;
    Ok(Native {
        v,
        before,
        during: b1.saturating_sub(b0) as f64 / all,
        ours: c1.saturating_sub(c0) as f64 / all,
    })
}

fn samples(v: &Value, key: &str) -> Vec<f64> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// The `q` quantile (nearest rank).
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

fn ms(us: f64) -> String {
    if us.is_nan() {
        "—".into()
    } else if us < 1000.0 {
        format!("{:.3} ms", us / 1e3)
    } else {
        format!("{:.1} ms", us / 1e3)
    }
}

fn row(o: &mut String, what: &str, v: &[f64], target_ms: Option<f64>) {
    let (m, p99, x) = (median(v), quantile(v, 0.99), max(v));
    let (t, verdict) = match target_ms {
        Some(t) if x <= t * 1e3 => (format!("<= {t:.0} ms"), "met".to_owned()),
        Some(t) => (format!("<= {t:.0} ms"), format!("**missed** (max {})", ms(x))),
        None => (String::new(), String::new()),
    };
    let _ = writeln!(
        o,
        "| {what} | {} | {} | {} | {} | {t} | {verdict} |",
        ms(m),
        ms(p99),
        ms(x),
        v.len()
    );
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub(crate) fn report(n: &Native) -> String {
    let v = &n.v;
    let num = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let mut o = String::new();
    let _ = writeln!(o, "\n## Explain and preview at workspace L, native\n");
    let _ = writeln!(
        o,
        "Workspace L as `server bench-seed l` writes it ({} members, {} groups, {} resources), \
         loaded by `load::workspace_facts` in {:.0} ms and indexed by `Facts::new` in {:.0} ms; \
         asked by the Owner, release build, one thread. Verdicts on the max.\n",
        num("members"),
        num("groups"),
        num("resources"),
        num("load_ms"),
        num("index_ms"),
    );
    let _ = writeln!(o, "| figure | median | p99 | max | n | target | |");
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    let who = v.get("who_can_us").and_then(Value::as_object);
    let mut all = Vec::new();
    if let Some(who) = who {
        for (kind, s) in who {
            let s: Vec<f64> = s
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            row(&mut o, &format!("`who_can`, one {kind}"), &s, Some(WHO_CAN_TARGET_MS));
            all.extend(s);
        }
    }
    row(&mut o, "`who_can`, every kind together", &all, Some(WHO_CAN_TARGET_MS));
    row(
        &mut o,
        &format!(
            "`effective_access` of one Developer, first page ({:.0} resources)",
            num("effective_access_rows")
        ),
        &samples(v, "effective_access_us"),
        None,
    );
    row(
        &mut o,
        "`preview`: one Developer toggle flipped (role-wide, each of 16)",
        &samples(v, "preview_toggle_developer_us"),
        None,
    );
    row(
        &mut o,
        "`preview`: one Administrator toggle flipped (role-wide, each of 16)",
        &samples(v, "preview_toggle_admin_us"),
        None,
    );
    let res = samples(v, "preview_group_delete_resources");
    row(
        &mut o,
        &format!(
            "`preview`: deleting a group (random groups; answers of median {:.0} lines naming {:.0} resource entries in all)",
            median(&samples(v, "preview_group_delete_lines")),
            median(&res)
        ),
        &samples(v, "preview_group_delete_us"),
        None,
    );
    let _ = writeln!(
        o,
        "\n(`who_can`: median {:.0} people may view the resource.) Machine load: other processes \
         {} before (after waiting up to 2 minutes for under 10%); during the run the machine was \
         {} busy, this bench {} of it.",
        num("who_can_view_count_median"),
        pct(n.before),
        pct(n.during),
        pct(n.ours)
    );
    o
}

/// `cargo xtask bench explain`: the native figures alone, on a freshly
/// seeded L.
pub(crate) fn run() -> Result {
    Step::new("build the release server").run(cargo(["build", "--release", "-p", "server"]))?;
    let data = tools::target_dir()?.join("bench/explain/sqlite");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    Step::new("seed L (10,000 / 1,000 / 100,000) on SQLite");
    let seeded = crate::bench_spa::seed_l(&data)?;
    let n = native(&data, seeded.ws)?;
    println!("{}", report(&n));
    Ok(())
}
