//! `cargo xtask contract`: the HTTP API's contract (SPEC 12) checked by a
//! tool no one here wrote. schemathesis (PyPI, pinned) runs from a
//! virtualenv under the target directory against the real server (debug
//! build, a fresh SQLite data folder, the demo data), once signed out and
//! once signed in as the demo workspace's owner, with the checks
//! `not_a_server_error`, `status_code_conformance`,
//! `content_type_conformance` and `response_schema_conformance`. Every
//! operation in `/api/openapi.json` is loaded (none excluded) and must get
//! at least [`MIN_EXAMPLES`] generated requests in each run; each run is
//! bounded in time; any failure or error fails the step.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Result;
use crate::tools::{self, Step, cargo, output};

/// The schemathesis release the contract test runs.
const VERSION: &str = "4.32.5";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";
/// Generated requests each operation must get, per run (`--max-examples`).
const MIN_EXAMPLES: usize = 20;
/// The demo owner (see `server/src/demo.rs`).
const OWNER: &str = "owner@beta.example";
const PASSWORD: &str = "gatehouse-demo";

/// The signed-in run's credentials: a schemathesis auth provider that signs
/// in as the owner and sends the session cookie and its `x-csrf-token` on
/// every request. schemathesis signs in again (and replays the request)
/// after a 401, e.g. once it has exercised `POST /api/auth/logout`.
const HOOKS: &str = r#"import os

import requests
import schemathesis

BASE = os.environ["GATEHOUSE_URL"]


@schemathesis.auth()
class OwnerSession:
    def get(self, case, context):
        body = {"email": os.environ["GATEHOUSE_EMAIL"], "password": os.environ["GATEHOUSE_PASSWORD"]}
        r = requests.post(f"{BASE}/api/auth/login", json=body, timeout=30)
        r.raise_for_status()
        return {"session": r.cookies["gatehouse_session"], "csrf": r.json()["csrf_token"]}

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "x-csrf-token": data["csrf"]}
        case.cookies = {**(case.cookies or {}), "gatehouse_session": data["session"]}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    # The fuzzer learns the owner's address from responses and signs in with
    # it and random passwords; after a few failures the server slows that
    # account's sign-ins down (as it should), and the provider above could
    # no longer sign in. Such a case signs in as an address no account has.
    body = case.body
    email = body.get("email") if isinstance(body, dict) else None
    if case.operation.path == "/api/auth/login" and isinstance(email, str) \
            and email.strip().lower() == os.environ["GATEHOUSE_EMAIL"]:
        case.body = {**body, "email": "fuzzed." + email.strip()}
"#;

/// One run: who, and how long schemathesis may keep generating (it stops
/// at the bound; every operation must have had its examples by then).
struct Run {
    name: &'static str,
    signed_in: bool,
    seconds: u64,
}

const RUNS: [Run; 2] = [
    Run { name: "signed out", signed_in: false, seconds: 60 },
    Run { name: "signed in as the owner", signed_in: true, seconds: 120 },
];

pub(crate) fn contract() -> Result {
    let dir = tools::target_dir()?.join("schemathesis");
    let st = ensure_installed(&dir)?;
    Step::new("build the server (debug)").run(cargo(["build", "-p", "server"]))?;
    let server = Server::start(&tools::target_dir()?.join("debug/server"), &dir)?;
    let operations = operations(&server.url)?;
    println!(
        "    the document at {}/api/openapi.json has {} operations",
        server.url,
        operations.len()
    );
    std::fs::write(dir.join("gatehouse_hooks.py"), HOOKS)
        .map_err(|e| format!("cannot write the schemathesis hooks: {e}"))?;
    let mut failed = Vec::new();
    for run in &RUNS {
        if let Err(e) = contract_run(&st, &dir, &server, run, &operations) {
            failed.push(e);
        }
    }
    drop(server);
    if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
}

/// schemathesis at [`VERSION`] in `dir/venv`, installed with pip unless
/// present; Python's venv module from apt when it is missing.
fn ensure_installed(dir: &Path) -> Result<PathBuf> {
    let venv = dir.join("venv");
    let st = venv.join("bin/st");
    let have = output(Command::new(&st).arg("--version"));
    if have.as_deref().is_some_and(|v| v.split_whitespace().any(|w| w == VERSION)) {
        println!("==> schemathesis {VERSION}: present");
        return Ok(st);
    }
    let python = venv.join("bin/python");
    if !python.exists() {
        let create = || {
            let mut c = Command::new("python3");
            c.args(["-m", "venv", "--clear"]).arg(&venv);
            c
        };
        let step = format!("python3 -m venv {}", venv.display());
        if Step::new(&step).run(create()).is_err() {
            Step::new("apt-get install python3-venv").run({
                let mut c = Command::new("sh");
                c.args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv"]);
                c
            })?;
            Step::new(step).run(create())?;
        }
    }
    Step::new(format!("pip install schemathesis=={VERSION} (PyPI)")).run({
        let mut c = Command::new(&python);
        c.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={VERSION}"));
        c
    })?;
    Ok(st)
}

/// The server for the contract test: a free loopback port, a fresh data
/// folder, the demo data; stopped and its folder removed on drop.
struct Server {
    child: Child,
    data: PathBuf,
    url: String,
}

impl Server {
    fn start(bin: &Path, dir: &Path) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free port: {e}"))?;
        let data = dir.join(format!("data-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(data.with_extension("log"))
            .map_err(|e| format!("cannot create the server log: {e}"))?;
        let child = Command::new(bin)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data")
            .arg(&data)
            .arg("--dist")
            .arg(data.join("no-spa"))
            .args(["--public-url", &url, "--demo"])
            // The signed-in run signs in again after every sign-out it
            // exercises; the per-address limit would refuse those.
            .args(["--sign-ins-per-minute", "100000"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let server = Server { child, data, url };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("the server did not listen on {} within 60 s", server.url));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("==> server (demo data, fresh SQLite) on {}", server.url);
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
        println!("==> contract-test server stopped");
    }
}

/// The document's operations as `METHOD /path`, fetched from the server.
fn operations(url: &str) -> Result<Vec<String>> {
    let host = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).map_err(|e| format!("{url}: {e}"))?;
    // HTTP/1.0: the body ends when the connection closes (never chunked).
    write!(s, "GET /api/openapi.json HTTP/1.0\r\nHost: {host}\r\n\r\n")
        .map_err(|e| format!("{url}: {e}"))?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| format!("{url}: {e}"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    let doc: Value =
        serde_json::from_str(body).map_err(|e| format!("/api/openapi.json is not JSON: {e}"))?;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            if ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
                .contains(&method.as_str())
            {
                ops.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    if ops.is_empty() {
        return Err("the OpenAPI document lists no operations".into());
    }
    Ok(ops)
}

fn contract_run(
    st: &Path,
    dir: &Path,
    server: &Server,
    run: &Run,
    operations: &[String],
) -> Result {
    let reports =
        dir.join(format!("report-{}", if run.signed_in { "signed-in" } else { "signed-out" }));
    let _ = std::fs::remove_dir_all(&reports);
    let step = format!("schemathesis {VERSION}, {} ({} s)", run.name, run.seconds);
    let mut c = Command::new(st);
    c.arg("run")
        .arg(format!("{}/api/openapi.json", server.url))
        .args(["--url", &server.url, "--checks", CHECKS, "--no-color"])
        .args(["--max-examples", &MIN_EXAMPLES.to_string()])
        .args(["--max-time", &run.seconds.to_string()])
        // Every answer takes milliseconds; an event stream never ends and
        // is read until this timeout.
        .args(["--request-timeout", "5", "--report", "json,ndjson"])
        .arg("--report-dir")
        .arg(&reports)
        .current_dir(dir)
        .env("PYTHONPATH", dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    if run.signed_in {
        c.env("SCHEMATHESIS_HOOKS", "gatehouse_hooks")
            .env("GATEHOUSE_URL", &server.url)
            .env("GATEHOUSE_EMAIL", OWNER)
            .env("GATEHOUSE_PASSWORD", PASSWORD);
    }
    // schemathesis exits non-zero on failures; the report says what and how
    // many, so the status alone is not the verdict.
    let status = run_bounded(&step, c, Duration::from_secs(run.seconds + 180))?;
    verdict(&reports, run, operations, status.success())
}

/// Runs `c` printing its output, killing it past `bound`.
fn run_bounded(step: &str, mut c: Command, bound: Duration) -> Result<std::process::ExitStatus> {
    let started = Instant::now();
    println!("\n==> {step}");
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{step}: cannot start schemathesis: {e}"))?;
    let out = child.stdout.take();
    let printer = std::thread::spawn(move || {
        for line in out.map(BufReader::new).into_iter().flat_map(BufRead::lines) {
            match line {
                Ok(l) => println!("    {l}"),
                Err(_) => break,
            }
        }
    });
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("{step}: {e}"))? {
            let _ = printer.join();
            println!("    {step} finished in {:.0?}", started.elapsed());
            return Ok(status);
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{step}: still running after {bound:.0?}; stopped"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Reads the run's reports: every operation loaded and tested, each with
/// at least [`MIN_EXAMPLES`] requests, no failure, no error.
fn verdict(reports: &Path, run: &Run, operations: &[String], exit_ok: bool) -> Result {
    let file = |ext: &str| -> Result<PathBuf> {
        std::fs::read_dir(reports)
            .map_err(|e| format!("{}: {e}", reports.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|x| x == ext))
            .ok_or_else(|| format!("schemathesis wrote no .{ext} report in {}", reports.display()))
    };
    let report: Value = std::fs::read_to_string(file("json")?)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or("the JSON report cannot be read")?;
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let ops = &report["operations"];
    let (total, selected, tested) = (n(&ops["total"]), n(&ops["selected"]), n(&ops["tested"]));
    let failures = report["failures"].as_array().map_or(0, Vec::len);
    let errors = report["errors"].as_array().map_or(0, Vec::len);
    let with_failures = n(&report["test_cases"]["with_failures"]);
    // Requests per operation, from every scenario of every phase.
    let mut per_op: BTreeMap<String, usize> = operations.iter().map(|o| (o.clone(), 0)).collect();
    let events = std::fs::read_to_string(file("ndjson")?).map_err(|e| e.to_string())?;
    for line in events.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else { continue };
        let cases = &event["ScenarioFinished"]["recorder"]["cases"];
        for case in cases.as_object().into_iter().flat_map(|c| c.values()) {
            let v = &case["value"];
            let op = format!(
                "{} {}",
                v["method"].as_str().unwrap_or(""),
                v["path"].as_str().unwrap_or("")
            );
            if let Some(count) = per_op.get_mut(&op) {
                *count += 1;
            }
        }
    }
    let fewest = per_op.iter().min_by_key(|(_, c)| **c);
    println!(
        "    {}: {selected} of {total} operations loaded (the document has {}), {tested} tested, {} test cases, fewest per operation: {}; {failures} failures ({with_failures} cases), {errors} errors",
        run.name,
        operations.len(),
        n(&report["test_cases"]["generated"]),
        fewest.map(|(op, c)| format!("{c} ({op})")).unwrap_or_default(),
    );
    let mut problems = Vec::new();
    if total != selected || selected != tested || total != operations.len() as u64 {
        problems.push(format!(
            "{selected} operations selected and {tested} tested of {total} ({} in the document)",
            operations.len()
        ));
    }
    let thin: Vec<String> = per_op
        .iter()
        .filter(|(_, c)| **c < MIN_EXAMPLES)
        .map(|(op, c)| format!("{op}: {c}"))
        .collect();
    if !thin.is_empty() {
        problems.push(format!("fewer than {MIN_EXAMPLES} examples: {}", thin.join(", ")));
    }
    if failures + errors > 0 || with_failures > 0 {
        problems.push(format!("{failures} failures, {errors} errors (see the output above)"));
    }
    if problems.is_empty() && !exit_ok {
        problems.push("schemathesis exited with an error (see the output above)".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("contract test {}: {}", run.name, problems.join("; ")))
    }
}
