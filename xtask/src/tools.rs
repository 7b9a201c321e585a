//! Running commands and installing what is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::Result;

/// The workspace root (where the top `Cargo.toml` is).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
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
