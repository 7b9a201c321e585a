//! `cargo xtask <command>`: the project's automation, in Rust so it runs
//! wherever cargo does. Each step prints what it is doing.

mod bench_explain;
mod bench_live;
mod bench_pkg;
mod bench_server;
mod bench_spa;
mod examples;
mod npm_pack;
mod pg;
mod pkg;
mod schemathesis;
mod spa;
mod tools;

use std::process::ExitCode;

use tools::{Step, cargo, root};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test    everything CI runs: install what is missing, fmt, clippy, all tests,
          the SPA built and tested end to end in headless Chromium
  demo    build the SPA, start the server with demo data on 127.0.0.1:8080
  e2e     only the SPA build and its end-to-end tests
  contract  the API contract test: schemathesis against the real server,
          signed out and signed in, every operation of /api/openapi.json
  pkg     build the @gatehouse/policy JS/TS package into policy/pkg/
  pack    the package, `npm pack`ed and installed into a fresh folder: its
          file list and size, node tests and tsc from there
  examples  the package, then the Vite example and the plain HTML page
          (examples/) in headless Chromium against native answers
  bench   package size, instantiate time, decisions/s from JS next to native,
          the SPA's size, the server at tenant sizes (S/M/L on SQLite and
          PostgreSQL), the SPA at workspace L in headless Chromium, live
          access (5,000 listeners, kill -9 reconnections, fan-out, idle
          streams; SQLite, then two processes on PostgreSQL);
          `cargo xtask bench server [sqlite|postgres]` runs only the server
          section, `cargo xtask bench spa` only the SPA in Chromium (and
          explain/preview at L, native), `cargo xtask bench explain` only
          explain/preview native, `cargo xtask bench live [sqlite]` only
          live access, `cargo xtask bench pkg` the package and the SPA's
          size
  diff    only the native-vs-wasm differential test [--cases N] [--seed S]
          (e.g. `cargo xtask diff --cases 1000000`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("demo") => demo(),
        Some("pkg") => pkg::pkg().map(|_| ()),
        Some("contract") => schemathesis::contract(),
        Some("pack") => pkg::pkg().and_then(|_| npm_pack::check()),
        Some("examples") => pkg::pkg().and_then(|_| examples::test()),
        Some("diff") => diff(&args[1..]),
        Some("bench") if args.get(1).is_some_and(|a| a == "server") => {
            bench_server::run(&args[2..])
        }
        Some("bench") if args.get(1).is_some_and(|a| a == "pkg") => bench_package(),
        Some("bench") if args.get(1).is_some_and(|a| a == "spa") => bench_spa::run(&args[2..]),
        Some("bench") if args.get(1).is_some_and(|a| a == "explain") => bench_explain::run(),
        Some("bench") if args.get(1).is_some_and(|a| a == "live") => bench_live::run(&args[2..]),
        Some("bench") => bench(),
        Some("e2e") => spa::build().and_then(|()| pkg::pkg().map(|_| ())).and_then(|()| spa::e2e()),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn test() -> Result {
    let started = std::time::Instant::now();
    tools::ensure_wasm_target()?;
    Step::new("format check").run(cargo(["fmt", "--all", "--check"]))?;
    Step::new("clippy (native, all targets)").run(cargo([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    Step::new("clippy (app, wasm32)").run(cargo([
        "clippy",
        "-p",
        "app",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    Step::new("clippy (policy, wasm feature, wasm32)").run(cargo([
        "clippy",
        "-p",
        "policy",
        "--features",
        "wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    Step::new("tests").run(cargo(["test", "--workspace"]))?;
    postgres_tests()?;
    schemathesis::contract()?;
    pkg::pkg()?;
    js_tests()?;
    npm_pack::check()?;
    differential(100_000, None)?;
    examples::test()?;
    spa::build()?;
    spa::e2e()?;
    println!("\nall checks passed in {:.0?} ({})", started.elapsed(), root().display());
    Ok(())
}

/// On a real PostgreSQL started for the run: the API suite again, the SQL
/// statement counts, and the tests with real server processes (two servers
/// on one database racing conflicting writes, kill -9 during a write
/// burst). Every suite runs; the step fails if any failed.
fn postgres_tests() -> Result {
    let cluster = pg::Cluster::start()?;
    let mut failed = Vec::new();
    for (test, name) in [
        ("api_postgres", "API tests on PostgreSQL"),
        ("statements", "SQL statements per request on PostgreSQL"),
        ("processes", "server processes on PostgreSQL (two servers racing, kill -9)"),
        ("live", "live access on PostgreSQL (two processes, NOTIFY, kill -9)"),
    ] {
        let mut c = cargo(["test", "-p", "server", "--test", test, "--", "--ignored"]);
        c.env("GATEHOUSE_TEST_PG_URL", &cluster.url);
        if let Err(e) = Step::new(name).run(c) {
            failed.push(e);
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

/// The package's own tests, run against the built package as a user would
/// install it: `node --test` and `tsc --noEmit` on a typed usage file.
fn js_tests() -> Result {
    let dir = root().join("policy/js-tests");
    Step::new("install @gatehouse/policy into policy/js-tests").run({
        let mut c = std::process::Command::new("npm");
        c.args(["install", "--no-package-lock", "--no-audit", "--no-fund"]).current_dir(&dir);
        c
    })?;
    Step::new("node --test (package API)").run({
        let mut c = std::process::Command::new("node");
        c.args(["--test", "api.test.mjs"]).current_dir(&dir);
        c
    })?;
    Step::new("tsc --noEmit (generated TypeScript declarations)").run({
        let mut c = std::process::Command::new(tools::npm_bin("tsc"));
        c.arg("-p").arg(dir.join("tsconfig.json"));
        c
    })?;
    live_js_tests(&dir)
}

/// Live access with the package: the version checks and the README's
/// `subscribe` recipe (run against a scripted server, and type-checked).
fn live_js_tests(dir: &std::path::Path) -> Result {
    Step::new("node --test (live access: versions, the subscribe recipe)").run({
        let mut c = std::process::Command::new("node");
        c.args(["--test", "live.test.mjs"]).current_dir(dir);
        c
    })?;
    Step::new("tsc --noEmit (the subscribe recipe)").run({
        let mut c = std::process::Command::new(tools::npm_bin("tsc"));
        c.arg("-p").arg(dir.join("tsconfig.live.json"));
        c
    })
}

/// The native-vs-wasm differential test with `cases` questions.
fn differential(cases: u64, seed: Option<u64>) -> Result {
    let mut c =
        cargo(["test", "-p", "policy", "--test", "differential", "--", "--ignored", "--nocapture"]);
    c.env("GATEHOUSE_DIFF_CASES", cases.to_string());
    if let Some(seed) = seed {
        c.env("GATEHOUSE_DIFF_SEED", seed.to_string());
    }
    Step::new(format!("differential test: native vs wasm, {cases} cases")).run(c)
}

fn diff(args: &[String]) -> Result {
    let mut cases = 100_000;
    let mut seed = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.replace('_', "").parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--cases", Some(n)) => cases = n,
            ("--seed", Some(n)) => seed = Some(n),
            _ => return Err(format!("unexpected argument `{flag}`\n\n{USAGE}")),
        }
    }
    pkg::pkg()?;
    js_tests()?;
    differential(cases, seed)
}

fn demo() -> Result {
    spa::build()?;
    let dist = spa::dist();
    Step::new("build the server (release)").run(cargo(["build", "--release", "-p", "server"]))?;
    println!("\n==> starting Gatehouse on http://127.0.0.1:8080 (Ctrl-C to stop)");
    let server = tools::target_dir()?.join("release/server");
    let status = std::process::Command::new(server)
        .args(["--demo", "--addr", "127.0.0.1:8080"])
        .arg("--data")
        .arg(root().join("data"))
        .arg("--dist")
        .arg(&dist)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("the server stopped ({status})")) }
}

/// `cargo xtask bench`: figures measured side by side in one run.
fn bench() -> Result {
    bench_package()?;
    bench_server::run(&[])?;
    bench_spa::run(&[])?;
    bench_live::run(&[])?;
    println!(
        "\ntargets: SPA <= 358,400 B gzip; package .wasm <= 61,440 B gzip, import <= 5 ms, <= 2 us per decision from JS \
         (see BENCHMARKS.md for the recorded figures)"
    );
    Ok(())
}

/// `cargo xtask bench pkg`: the package and the SPA, without the server.
fn bench_package() -> Result {
    pkg::pkg()?;
    js_tests()?;
    let out = tools::target_dir()?.join("bench");
    Step::new("JS package benchmark (writes the shared workload)").run({
        let mut c = std::process::Command::new("node");
        c.arg("bench.mjs").arg(&out).current_dir(root().join("policy/js-tests"));
        c
    })?;
    Step::new("native benchmark on the same workload").run({
        let mut c =
            cargo(["run", "--quiet", "--release", "-p", "policy", "--example", "bench", "--"]);
        c.arg(&out);
        c
    })?;
    spa::build()?;
    let spa_gzip = spa::size_report()?;
    bench_pkg::report(&out, spa_gzip)
}
