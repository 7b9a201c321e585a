//! `cargo xtask bench spa`: the release SPA at workspace L in headless
//! Chromium (issue 10, "Show").
//!
//! Builds the release SPA (Trunk, into `dist/`) and the release server,
//! seeds workspace L (10,000 members / 1,000 groups / 100,000 resources,
//! `server bench-seed l`) into a fresh SQLite data folder under
//! `target/bench/spa/`, starts the server serving the SPA, and runs
//! `tests/bench/spa.bench.mjs` (playwright-core driving Debian's Chromium)
//! once per phase, each after waiting for the machine to quiet down
//! ([`bench_server::wait_quiet`]):
//!
//! - `open`: bytes a Developer and an Admin receive on opening the
//!   workspace (cold HTTP cache, until idle), API and the SPA's files apart;
//! - `render`: the Users tab's first member row painted, measured on a
//!   second navigation (warm HTTP cache), and its cumulative layout shift;
//! - `search`: a keystroke in the Users search (input to next paint), and
//!   the last keystroke to the updated list;
//! - `switch`: tab switches when nothing changed: requests and bytes;
//! - `preview` (issue 12): as the Owner, a Developer permission switch
//!   flipped and "Delete group X", click to the impact preview's summary
//!   on screen (the dry run `POST .../preview` included), the dry run's
//!   server time apart;
//! - `live` (issue 14): the Owner switches a Developer permission off
//!   while the Developer's tab has a dialog open whose button it governs:
//!   from the write's 200 to that button disabled in the tab.
//!
//! Then, with the server stopped, the same workspace natively
//! ([`bench_explain`]: who has access, effective access, previews).
//! `cargo xtask bench spa PHASE...` runs only the named browser phases (and
//! the native figures).
//!
//! It prints the median and max of each figure next to its target, and the
//! machine's load by others during each phase. Figures, not timed tests:
//! nothing fails on them.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::Result;
use crate::bench_explain;
use crate::bench_server::{Server, max, median, wait_quiet};
use crate::spa;
use crate::tools::{self, Step, cargo, root};

/// Runs of each measurement.
const RUNS: usize = 7;
/// Targets (issue 10).
const OPEN_TARGET_B: f64 = 200.0 * 1024.0;
const FIRST_RENDER_TARGET_MS: f64 = 1000.0;
const INPUT_PAINT_TARGET_MS: f64 = 50.0;
const DEBOUNCE_LIMIT_MS: f64 = 150.0;
const SWITCH_TARGET_B: f64 = 1024.0;
const CLS_TARGET: f64 = 0.1;
/// Target (issue 12): click to the impact preview's summary on screen.
const PREVIEW_TARGET_MS: f64 = 100.0;
/// Targets (issue 14, one process): a change to the control disabled.
const LIVE_P50_MS: f64 = 50.0;
const LIVE_P99_MS: f64 = 250.0;
const LIVE_MAX_MS: f64 = 1000.0;

/// The search debounce as the app defines it (`DEBOUNCE_MS` in
/// `app/src/components/search.rs`).
fn debounce_ms() -> Result<f64> {
    let file = root().join("app/src/components/search.rs");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("pub const DEBOUNCE_MS: u32 ="))
        .and_then(|v| v.trim().trim_end_matches(';').trim().parse().ok())
        .ok_or_else(|| format!("no `pub const DEBOUNCE_MS: u32` in {}", file.display()))
}

/// The seeded workspace.
pub(crate) struct Seeded {
    pub(crate) ws: i64,
    owner: String,
    admin: String,
    developer: String,
    password: String,
}

pub(crate) fn seed_l(data: &Path) -> Result<Seeded> {
    let out = Command::new(root().join("target/release/server"))
        .arg("--data")
        .arg(data)
        .args(["bench-seed", "l", "--tag", "l"])
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .map_err(|e| format!("cannot run server bench-seed: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "server bench-seed l failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = text
        .lines()
        .find_map(|l| serde_json::from_str(l.trim()).ok())
        .ok_or("server bench-seed l printed no workspace")?;
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(Seeded {
        ws: v.get("workspace").and_then(Value::as_i64).ok_or("no workspace id")?,
        owner: s("owner"),
        admin: s("admin"),
        developer: s("developer"),
        password: s("password"),
    })
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_file() {
            let name = path.file_name().unwrap_or_default();
            std::fs::copy(&path, to.join(name)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// One phase of the node script, after waiting for a quiet machine.
fn phase(name: &str, server: &Server, seeded: &Seeded) -> Result<(Value, f64)> {
    Step::new(format!("SPA at L in Chromium: {name}"));
    let before = wait_quiet();
    let out = Command::new("node")
        .arg("tests/bench/spa.bench.mjs")
        .arg(name)
        .current_dir(root())
        .env("GATEHOUSE_URL", format!("http://{}", server.addr))
        .env("GATEHOUSE_WS", seeded.ws.to_string())
        .env("GATEHOUSE_OWNER", &seeded.owner)
        .env("GATEHOUSE_ADMIN", &seeded.admin)
        .env("GATEHOUSE_DEVELOPER", &seeded.developer)
        .env("GATEHOUSE_PASSWORD", &seeded.password)
        .env("GATEHOUSE_RUNS", RUNS.to_string())
        .env("GATEHOUSE_ROOT_PID", std::process::id().to_string())
        .env("CHROMIUM", "/usr/bin/chromium")
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!("spa.bench.mjs {name} failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l.trim()).ok())
        .ok_or_else(|| format!("spa.bench.mjs {name} printed no JSON"))?;
    Ok((v, before))
}

/// `cargo xtask bench spa`.
pub(crate) fn run(only: &[String]) -> Result {
    const PHASES: [&str; 6] = ["open", "render", "search", "switch", "preview", "live"];
    if let Some(bad) = only.iter().find(|p| !PHASES.contains(&p.as_str())) {
        return Err(format!("unknown SPA bench phase `{bad}` (one of {})", PHASES.join(", ")));
    }
    let debounce = debounce_ms()?;
    spa::build()?;
    spa::ensure_chromium()?;
    Step::new("build the release server").run(cargo(["build", "--release", "-p", "server"]))?;
    let data = tools::target_dir()?.join("bench/spa/sqlite");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    // The server serves `./dist` from its working directory, the data folder.
    copy_dir(&spa::dist(), &data.join("dist"))?;
    Step::new("seed L (10,000 / 1,000 / 100,000) on SQLite");
    let seeded = seed_l(&data)?;
    let server = Server::start(&data, None, &data.join("server.log"), false)?;
    let mut results = Vec::new();
    for name in PHASES.into_iter().filter(|p| only.is_empty() || only.iter().any(|o| o == p)) {
        match phase(name, &server, &seeded) {
            Ok(r) => results.push((name, r)),
            Err(e) => {
                server.stop();
                return Err(e);
            }
        }
    }
    server.stop();
    // The same workspace, native: who has access, effective access and the
    // previews in the policy alone (issue 12).
    let native = bench_explain::native(&data, seeded.ws)?;
    println!("{}", report(&results, debounce));
    println!("{}", bench_explain::report(&native));
    Ok(())
}

// ---- the report ----

fn f(v: &Value, path: &[&str]) -> f64 {
    let mut cur = v;
    for k in path {
        match cur.get(k) {
            Some(next) => cur = next,
            None => return f64::NAN,
        }
    }
    cur.as_f64().unwrap_or(f64::NAN)
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn bytes(n: f64) -> String {
    if n.is_nan() {
        return "—".into();
    }
    let s = format!("{n:.0}");
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n >= 1024.0 { format!("{out} B ({:.1} KiB)", n / 1024.0) } else { format!("{out} B") }
}

fn ms(x: f64) -> String {
    if x.is_nan() { "—".into() } else { format!("{x:.0} ms") }
}

fn ms1(x: f64) -> String {
    if x.is_nan() { "—".into() } else { format!("{x:.1} ms") }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "**missed**" }
}

fn pct(x: f64) -> String {
    if x.is_nan() { "—".into() } else { format!("{:.0}%", x * 100.0) }
}

/// Median / max of `values`, formatted by `fmt`, and whether max <= target.
fn row(
    o: &mut String,
    what: &str,
    values: &[f64],
    fmt: fn(f64) -> String,
    target: Option<(f64, String)>,
) {
    let (m, x) = (median(values), max(values));
    let (t, v) = match target {
        Some((limit, text)) => (text, verdict(x <= limit).to_owned()),
        None => (String::new(), String::new()),
    };
    let _ = writeln!(o, "| {what} | {} | {} | {} | {t} | {v} |", fmt(m), fmt(x), values.len());
}

/// Live access: p50 / p99 / max against issue 14's targets (one process).
fn live_rows(o: &mut String, live: &Value) {
    let mut v: Vec<f64> = arr(live, "samples").iter().map(|x| f(x, &["ms"])).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return;
    }
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let (p50, p99, top) = (at(0.5), at(0.99), at(1.0));
    let met = p50 <= LIVE_P50_MS && p99 <= LIVE_P99_MS && top <= LIVE_MAX_MS;
    let _ = writeln!(
        o,
        "| live access: a Developer permission switched off (write's 200) to the Developer's open Create button disabled, p50 / p99 (max in the next column) | {} / {} | {} | {} | p50 <= 50, p99 <= 250, max <= 1,000 ms | {} |",
        ms(p50),
        ms(p99),
        ms(top),
        v.len(),
        verdict(met)
    );
}

fn report(results: &[(&str, (Value, f64))], debounce: f64) -> String {
    let mut o = String::new();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let get = |name: &str| results.iter().find(|(n, _)| *n == name).map(|(_, r)| r);
    let _ = writeln!(o, "\n## SPA at workspace L, in Chromium ({cores} cores)\n");
    let _ = writeln!(
        o,
        "Release SPA served by the release server (SQLite, L = 10,000 members / 1,000 groups / \
         100,000 resources), Debian Chromium headless, 1350x940, via playwright-core. Median and \
         max of the samples; the verdict is on the max.\n"
    );
    let _ = writeln!(o, "| figure | median | max | n | target | |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    if let Some((open, _)) = get("open") {
        for (who, label) in [("developer", "Developer"), ("admin", "Admin")] {
            let s = open.get(who).and_then(Value::as_array).cloned().unwrap_or_default();
            let col = |k: &str| s.iter().map(|x| f(x, &[k])).collect::<Vec<_>>();
            let reqs = median(&col("api_requests"));
            row(
                &mut o,
                &format!(
                    "opening the workspace, {label}: the app's API requests ({reqs:.0}), gzip, headers included"
                ),
                &col("api_bytes"),
                bytes,
                Some((OPEN_TARGET_B, "<= 200 KiB".into())),
            );
            row(
                &mut o,
                &format!(
                    "opening the workspace, {label}: plus the SPA's own files (cold cache; their size is issue 13's)"
                ),
                &col("total_bytes"),
                bytes,
                None,
            );
        }
    }
    if let Some((render, _)) = get("render") {
        let s = arr(render, "samples");
        let col = |when: &str, k: &str| s.iter().map(|x| f(x, &[when, k])).collect::<Vec<_>>();
        let target = Some((FIRST_RENDER_TARGET_MS, "<= 1 s".to_owned()));
        row(
            &mut o,
            "Users tab, navigation start to first member row painted, warm HTTP cache (Element Timing)",
            &col("warm", "first_row_element_ms"),
            ms,
            target.clone(),
        );
        row(
            &mut o,
            "the same, by the task after the next animation frame",
            &col("warm", "first_row_frame_ms"),
            ms,
            target,
        );
        row(
            &mut o,
            "the same, cold HTTP cache (first load)",
            &col("cold", "first_row_frame_ms"),
            ms,
            None,
        );
        let cls = |x: f64| format!("{x:.3}");
        row(
            &mut o,
            "cumulative layout shift of the Users tab's first render (warm)",
            &col("warm", "cls"),
            cls,
            Some((CLS_TARGET, "<= 0.1".into())),
        );
        row(&mut o, "the same, cold HTTP cache", &col("cold", "cls"), cls, None);
    }
    if let Some((search, _)) = get("search") {
        let s = arr(search, "samples");
        let keys: Vec<f64> = s
            .iter()
            .flat_map(|x| arr(x, "input_to_frame_ms").iter().filter_map(Value::as_f64))
            .collect();
        let long: Vec<f64> = s
            .iter()
            .flat_map(|x| arr(x, "event_timing_ms").iter().filter_map(Value::as_f64))
            .collect();
        row(
            &mut o,
            &format!(
                "a keystroke in the Users search: input to next paint ({} ms between keys)",
                f(search, &["delay_ms"])
            ),
            &keys,
            ms,
            Some((INPUT_PAINT_TARGET_MS, "<= 50 ms".into())),
        );
        let _ = writeln!(
            o,
            "| the same, Event Timing: keystroke interactions of 16 ms or more | {} of {} keystrokes{} | | | | |",
            long.len(),
            keys.len(),
            if long.is_empty() { String::new() } else { format!(", longest {}", ms(max(&long))) }
        );
        let target = debounce + 100.0;
        row(
            &mut o,
            &format!("last keystroke to updated list (debounce {debounce:.0} ms)"),
            &s.iter().map(|x| f(x, &["last_key_to_list_ms"])).collect::<Vec<_>>(),
            ms,
            Some((target, format!("<= {target:.0} ms"))),
        );
    }
    if let Some((switch, _)) = get("switch") {
        let s = arr(switch, "samples");
        for tab in ["Groups", "Resources", "Users"] {
            let t: Vec<&Value> =
                s.iter().filter(|x| x.get("tab").and_then(Value::as_str) == Some(tab)).collect();
            let col = |k: &str| t.iter().map(|x| f(x, &[k])).collect::<Vec<_>>();
            row(
                &mut o,
                &format!(
                    "unchanged tab switch to {tab}: received, headers included (requests: {:.0}; sent: {} of request headers)",
                    median(&col("requests")),
                    bytes(median(&col("request_header_bytes")))
                ),
                &col("bytes"),
                bytes,
                Some((SWITCH_TARGET_B, "<= 1,024 B".into())),
            );
        }
    }
    if let Some((preview, _)) = get("preview") {
        let s = arr(preview, "samples");
        let direct = arr(preview, "direct");
        for (part, what) in [
            (
                "toggle",
                "Permissions, Edit Developer permissions, a switch flipped (role-wide change)",
            ),
            ("group", "Groups, \"Delete group X\" (the dialog's preview)"),
        ] {
            let t: Vec<&Value> =
                s.iter().filter(|x| x.get("part").and_then(Value::as_str) == Some(part)).collect();
            let col = |k: &str| t.iter().map(|x| f(x, &[k])).collect::<Vec<_>>();
            row(
                &mut o,
                &format!(
                    "{what}: click to \"Who is affected\" summary painted (task after the next frame), dry run included"
                ),
                &col("click_to_frame_ms"),
                ms,
                Some((PREVIEW_TARGET_MS, "<= 100 ms".into())),
            );
            row(&mut o, "the same, to the summary in the DOM", &col("click_to_dom_ms"), ms, None);
            row(
                &mut o,
                "of which: click to the dry run sent",
                &col("click_to_request_ms"),
                ms1,
                None,
            );
            row(
                &mut o,
                "of which: the dry run, request to first response byte (the server's time on loopback, Resource Timing)",
                &col("dry_run_server_ms"),
                ms1,
                None,
            );
            row(
                &mut o,
                "of which: the dry run, sent to received",
                &col("dry_run_total_ms"),
                ms1,
                None,
            );
            row(
                &mut o,
                "of which: response received to summary painted",
                &col("response_to_frame_ms"),
                ms1,
                None,
            );
            let d: Vec<f64> = direct
                .iter()
                .filter(|x| x.get("part").and_then(Value::as_str) == Some(part))
                .map(|x| f(x, &["ms"]))
                .collect();
            row(
                &mut o,
                "the same dry runs sent again from node (no browser), whole request",
                &d,
                ms1,
                None,
            );
            row(
                &mut o,
                &format!(
                    "the dry run's response, received ({:.0} B of JSON)",
                    median(&col("response_body_bytes"))
                ),
                &col("response_bytes"),
                bytes,
                None,
            );
        }
    }
    if let Some((live, _)) = get("live") {
        live_rows(&mut o, live);
    }
    let _ = writeln!(
        o,
        "\nDebounce: {debounce:.0} ms (`DEBOUNCE_MS`, app/src/components/search.rs): {} (<= {DEBOUNCE_LIMIT_MS:.0} ms).",
        verdict(debounce <= DEBOUNCE_LIMIT_MS)
    );
    let _ = writeln!(
        o,
        "\nMachine load per phase (share of the {cores} cores): other processes before it (after \
         waiting up to 2 minutes for under 10%) / during it: other processes, this bench \
         (server, Chromium, node):\n"
    );
    for (name, (v, before)) in results {
        let _ = writeln!(
            o,
            "- {name}: {} / {}, {}",
            pct(*before),
            pct(f(v, &["load", "others"])),
            pct(f(v, &["load", "ours"]))
        );
    }
    o
}
