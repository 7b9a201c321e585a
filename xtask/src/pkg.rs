//! `cargo xtask pkg`: the `@gatehouse/policy` package in `policy/pkg/`.
//!
//! Builds `policy` (feature `wasm`) for wasm32, runs wasm-bindgen (the
//! installed CLI, the version Cargo.lock pins) for the `web` and `nodejs`
//! targets (one shared `.wasm`, in `web/`), shrinks it with wasm-opt
//! (npm binaryen, [`WASM_OPT`]), and writes `package.json` with `exports` for browsers and
//! Node.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::tools::{self, Step, cargo, root};

/// wasm features Rust 1.95 emits for wasm32-unknown-unknown by default;
/// wasm-opt must accept them.
pub(crate) const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// How wasm-opt shrinks the package (BENCHMARKS.md, "Package and SPA
/// size"): binaryen's default inlines every function that has one caller,
/// whatever its size, into giant functions that compress badly; capping that
/// at 20 and running -Oz twice is 15% smaller gzipped than one plain -Oz.
const WASM_OPT: [&str; 3] = ["-Oz", "--one-caller-inline-max-function-size=20", "-Oz"];

/// Where the package is written.
pub(crate) fn pkg_dir() -> PathBuf {
    root().join("policy").join("pkg")
}

pub(crate) fn pkg() -> Result<PathBuf> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen()?;
    tools::ensure_npm_tools()?;
    Step::new("build policy (feature wasm) for wasm32, profile wasm-release").run(cargo([
        "build",
        "-p",
        "policy",
        "--lib",
        "--features",
        "wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let input = tools::target_dir()?.join("wasm32-unknown-unknown/wasm-release/policy.wasm");
    let out = pkg_dir();
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    for (target, dir) in [("web", "web"), ("nodejs", "node")] {
        let dir = out.join(dir);
        Step::new(format!("wasm-bindgen --target {target}")).run({
            let mut c = Command::new("wasm-bindgen");
            c.args(["--target", target, "--out-name", "policy", "--weak-refs", "--out-dir"])
                .arg(&dir)
                .arg(&input);
            c
        })?;
        // Declarations of the raw wasm exports: nothing imports them.
        remove(&dir.join("policy_bg.wasm.d.ts"))?;
    }
    share_one_wasm(&out)?;
    let wasm = out.join("web/policy_bg.wasm");
    Step::new(format!("wasm-opt {}", WASM_OPT.join(" "))).run({
        let mut c = Command::new(tools::npm_bin("wasm-opt"));
        c.args(WASM_OPT).args(WASM_FEATURES).arg(&wasm).arg("-o").arg(&wasm);
        c
    })?;
    write(&out.join("web/package.json"), "{ \"type\": \"module\" }\n")?;
    write(&out.join("node/package.json"), "{ \"type\": \"commonjs\" }\n")?;
    write(&out.join("package.json"), &package_json())?;
    let readme = root().join("policy/js/README.md");
    fs::copy(&readme, out.join("README.md"))
        .map_err(|e| format!("cannot copy {}: {e}", readme.display()))?;
    let size = fs::metadata(out.join("web/policy_bg.wasm")).map(|m| m.len()).unwrap_or(0);
    println!("\npackage written to {} (.wasm {} bytes)", out.display(), size);
    Ok(out)
}

/// wasm-bindgen writes the same `.wasm` for `web` and `nodejs` (only the JS
/// glue differs), so the package ships it once, in `web/`, and the Node glue
/// reads it from there: half the download.
fn share_one_wasm(out: &Path) -> Result {
    let web = out.join("web/policy_bg.wasm");
    let node = out.join("node/policy_bg.wasm");
    let read = |p: &Path| fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    if read(&web)? != read(&node)? {
        return Err("wasm-bindgen wrote different .wasm files for web and nodejs".into());
    }
    remove(&node)?;
    let glue = out.join("node/policy.js");
    let js =
        fs::read_to_string(&glue).map_err(|e| format!("cannot read {}: {e}", glue.display()))?;
    let from = "`${__dirname}/policy_bg.wasm`";
    if !js.contains(from) {
        return Err(format!("{} no longer loads {from}; update pkg.rs", glue.display()));
    }
    write(&glue, &js.replace(from, "`${__dirname}/../web/policy_bg.wasm`"))
}

fn remove(path: &Path) -> Result {
    fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn package_json() -> String {
    let version = env!("CARGO_PKG_VERSION");
    format!(
        r#"{{
  "name": "@gatehouse/policy",
  "version": "{version}",
  "description": "Gatehouse's access rules, compiled from the Rust policy crate the server enforces.",
  "license": "MIT OR Apache-2.0",
  "sideEffects": false,
  "types": "./node/policy.d.ts",
  "main": "./node/policy.js",
  "module": "./web/policy.js",
  "exports": {{
    ".": {{
      "node": {{
        "types": "./node/policy.d.ts",
        "default": "./node/policy.js"
      }},
      "browser": {{
        "types": "./web/policy.d.ts",
        "default": "./web/policy.js"
      }},
      "default": {{
        "types": "./web/policy.d.ts",
        "default": "./web/policy.js"
      }}
    }},
    "./web": {{
      "types": "./web/policy.d.ts",
      "default": "./web/policy.js"
    }},
    "./node": {{
      "types": "./node/policy.d.ts",
      "default": "./node/policy.js"
    }},
    "./web/policy_bg.wasm": "./web/policy_bg.wasm",
    "./package.json": "./package.json"
  }},
  "files": [
    "web/policy.js", "web/policy.d.ts", "web/policy_bg.wasm", "web/package.json",
    "node/policy.js", "node/policy.d.ts", "node/package.json"
  ]
}}
"#
    )
}
