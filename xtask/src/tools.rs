//! Running commands and installing what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::Result;

/// The workspace root (where the top `Cargo.toml` is).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Cargo's target directory for this workspace, as `cargo metadata` reports
/// it: honours `CARGO_TARGET_DIR`, `build.target-dir` in a
/// `.cargo/config.toml` and the like. Asked once per run.
pub(crate) fn target_dir() -> Result<PathBuf> {
    static DIR: std::sync::OnceLock<std::result::Result<PathBuf, String>> =
        std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let mut c = cargo(["metadata", "--format-version", "1", "--no-deps"]);
        c.stderr(std::process::Stdio::inherit());
        let text = output(&mut c).ok_or("`cargo metadata` failed")?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
        v.get("target_directory")
            .and_then(serde_json::Value::as_str)
            .map(PathBuf::from)
            .ok_or_else(|| "`cargo metadata` names no target_directory".to_owned())
    })
    .clone()
}

/// `cargo` with `args`, run from the workspace root.
pub(crate) fn cargo<const N: usize>(args: [&str; N]) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.args(args).current_dir(root());
    c
}

/// A named step: prints a header, runs, prints how long it took.
pub(crate) struct Step {
    name: String,
}

impl Step {
    pub(crate) fn new(name: impl Into<String>) -> Step {
        let name = name.into();
        println!("\n==> {name}");
        Step { name }
    }

    pub(crate) fn run(self, mut cmd: Command) -> Result {
        let started = Instant::now();
        let status =
            cmd.status().map_err(|e| format!("{}: cannot start {cmd:?}: {e}", self.name))?;
        if !status.success() {
            return Err(format!("{} failed ({status})", self.name));
        }
        println!("    {} ok in {:.1?}", self.name, started.elapsed());
        Ok(())
    }
}

/// Output of a command, or `None` if it cannot run or fails.
pub(crate) fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `rustup target add wasm32-unknown-unknown` unless it is installed.
pub(crate) fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|s| s.lines().any(|l| l.trim() == "wasm32-unknown-unknown"));
    if installed {
        println!("==> wasm32-unknown-unknown target: present");
        return Ok(());
    }
    Step::new("install the wasm32-unknown-unknown target").run({
        let mut c = Command::new("rustup");
        c.args(["target", "add", "wasm32-unknown-unknown"]);
        c
    })
}

/// A version string's first `x.y.z` token, e.g. from `wasm-bindgen 0.2.130`.
fn version_in(text: &str) -> Option<&str> {
    text.split_whitespace().find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// The version of `package` that Cargo.lock pins.
pub(crate) fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start =
        lock.find(&needle).ok_or_else(|| format!("{package} is not in Cargo.lock"))? + needle.len();
    let rest = lock.get(start..).unwrap_or_default();
    Ok(rest.split('"').next().unwrap_or_default().to_owned())
}

/// Installs `crate_name` at `version` with cargo unless `bin --version`
/// already reports it (these installs take minutes).
pub(crate) fn ensure_cargo_tool(
    bin: &str,
    crate_name: &str,
    version: &str,
    locked: bool,
) -> Result {
    let have = output(Command::new(bin).arg("--version"));
    if have.as_deref().and_then(version_in) == Some(version) {
        println!("==> {bin} {version}: present");
        return Ok(());
    }
    let mut c = cargo(["install", crate_name, "--version"]);
    c.arg(format!("={version}"));
    if locked {
        c.arg("--locked");
    }
    Step::new(format!("install {crate_name} {version} (takes several minutes)")).run(c)
}

/// wasm-bindgen-cli at the version Cargo.lock pins. Installed without
/// `--locked`: its own lock names a crate the registry lacks.
pub(crate) fn ensure_wasm_bindgen() -> Result {
    let version = locked_version("wasm-bindgen")?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &version, false)
}

/// A binary from the root `node_modules/.bin`.
pub(crate) fn npm_bin(name: &str) -> PathBuf {
    root().join("node_modules").join(".bin").join(name)
}

/// The npm tools in the root package.json (wasm-opt from binaryen, tsc, ...),
/// installed from package-lock.json unless present.
pub(crate) fn ensure_npm_tools() -> Result {
    let wanted = ["wasm-opt", "tsc", "playwright-core"];
    let axe = root().join("node_modules/@axe-core/playwright/package.json");
    if wanted.iter().all(|b| npm_bin(b).exists()) && axe.exists() {
        println!("==> npm tools ({}): present", wanted.join(", "));
        return Ok(());
    }
    Step::new("npm ci (wasm-opt, typescript, playwright-core, axe-core)").run({
        let mut c = Command::new("npm");
        c.args(["ci", "--no-audit", "--no-fund"]).current_dir(root());
        c
    })
}
