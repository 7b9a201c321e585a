//! The single-page app: build it with Trunk (offline, installed tools),
//! measure it, and test it end to end in Debian's Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::tools::{self, Step, cargo, root};

/// Trunk's version; 0.22 needs a newer rustc.
const TRUNK: &str = "0.21.14";
const CHROMIUM: &str = "/usr/bin/chromium";

/// `PATH` with the npm tools first, so Trunk finds wasm-opt (binaryen 132).
fn path_with_npm_tools() -> String {
    let npm = root().join("node_modules").join(".bin");
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", npm.display())
}

pub(crate) fn dist() -> PathBuf {
    root().join("dist")
}

/// Builds the release SPA into `dist/`: Trunk with the installed
/// wasm-bindgen and wasm-opt, no network (dependencies fetched first).
pub(crate) fn build() -> Result {
    tools::ensure_wasm_target()?;
    tools::ensure_cargo_tool("trunk", "trunk", TRUNK, true)?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm_tools()?;
    Step::new("cargo fetch (so Trunk can build offline)").run(cargo(["fetch"]))?;
    Step::new("build the SPA (trunk build --release --offline)").run({
        let mut c = Command::new("trunk");
        c.args(["build", "--release", "--offline"])
            .current_dir(root())
            .env("PATH", path_with_npm_tools());
        c
    })
}

/// Debian's Chromium, installed with apt-get when missing (no browser
/// downloads from anywhere else).
pub(crate) fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() {
        println!("==> chromium: present");
        return Ok(());
    }
    Step::new("apt-get update").run({
        let mut c = Command::new("apt-get");
        c.arg("update").env("DEBIAN_FRONTEND", "noninteractive");
        c
    })?;
    Step::new("apt-get install chromium").run({
        let mut c = Command::new("apt-get");
        c.args(["install", "-y", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        c
    })
}

/// The end-to-end tests: the debug server binary on a loopback port with a
/// fresh SQLite database per test file, the release SPA, headless Chromium
/// driven by playwright-core. Screenshots go to `e2e/` in the target
/// directory.
pub(crate) fn e2e() -> Result {
    ensure_chromium()?;
    Step::new("build the server (debug)").run(cargo(["build", "-p", "server"]))?;
    let target = tools::target_dir()?;
    let shots_dir = target.join("e2e");
    let _ = std::fs::remove_dir_all(&shots_dir);
    Step::new("end-to-end tests in headless Chromium").run({
        let mut c = Command::new("node");
        c.args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .current_dir(root())
            .env("GATEHOUSE_BIN", target.join("debug/server"))
            .env("GATEHOUSE_SHOTS", &shots_dir)
            .env("GATEHOUSE_DIST", dist())
            .env("CHROMIUM", CHROMIUM);
        c
    })?;
    let shots = std::fs::read_dir(&shots_dir).map(|d| d.count()).unwrap_or(0);
    println!("    {shots} screenshots in {}", shots_dir.display());
    Ok(())
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    enc.finish().map(|v| v.len()).map_err(|e| e.to_string())
}

/// Prints the release SPA's wasm and JS, raw and gzip (level 9); returns the
/// gzip total in bytes.
pub(crate) fn size_report() -> Result<usize> {
    let mut total_raw = 0;
    let mut total_gz = 0;
    let mut rows = Vec::new();
    for entry in
        std::fs::read_dir(dist()).map_err(|e| format!("dist/: {e} (build the SPA first)"))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if ext != "wasm" && ext != "js" {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let gz = gzip_len(&bytes)?;
        total_raw += bytes.len();
        total_gz += gz;
        rows.push((ext.to_owned(), bytes.len(), gz));
    }
    rows.sort();
    println!("\nSPA (release, dist/):");
    for (ext, raw, gz) in &rows {
        println!(
            "  .{ext:<5} {:>8.1} KB raw  {:>7.1} KB gzip",
            *raw as f64 / 1024.0,
            *gz as f64 / 1024.0
        );
    }
    println!(
        "  total  {:>8.1} KB raw  {:>7.1} KB gzip   (target <= 350 KB gzip)",
        total_raw as f64 / 1024.0,
        total_gz as f64 / 1024.0
    );
    Ok(total_gz)
}
