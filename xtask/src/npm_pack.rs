//! What npm users get: `npm pack` of `policy/pkg`, the tarball's file list
//! and sizes printed and checked against what the package needs, then the
//! tarball installed (a real copy, not a link) into a fresh folder that runs
//! the package's Node tests and the `tsc` check from there.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::tools::{self, Step, root};

/// Everything the tarball holds, and nothing else: the two builds' glue and
/// declarations, the one `.wasm`, the module-type markers, the manifest and
/// the README.
const FILES: [&str; 9] = [
    "README.md",
    "node/package.json",
    "node/policy.d.ts",
    "node/policy.js",
    "package.json",
    "web/package.json",
    "web/policy.d.ts",
    "web/policy.js",
    "web/policy_bg.wasm",
];

/// The test files copied from `policy/js-tests` into the fresh folder.
const TESTS: [&str; 4] = ["api.test.mjs", "fixture.mjs", "usage.ts", "tsconfig.json"];

/// Packs the built package into `dir` and returns the tarball's path.
pub(crate) fn pack(dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut c = Command::new("npm");
    c.args(["pack", "--json", "--pack-destination"]).arg(dir).current_dir(crate::pkg::pkg_dir());
    let out = tools::output(&mut c).ok_or("npm pack failed")?;
    let json: serde_json::Value =
        serde_json::from_str(&out).map_err(|e| format!("npm pack --json printed no JSON: {e}"))?;
    let info = json.get(0).ok_or("npm pack --json printed no package")?;
    let num = |v: &serde_json::Value, key: &str| v.get(key).and_then(|n| n.as_u64()).unwrap_or(0);
    let filename =
        info.get("filename").and_then(|f| f.as_str()).ok_or("npm pack --json names no tarball")?;
    let mut files: Vec<(String, u64)> = info
        .get("files")
        .and_then(|f| f.as_array())
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    let path = f.get("path").and_then(|p| p.as_str()).unwrap_or_default();
                    (path.to_owned(), num(f, "size"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    println!("\n{filename}: {} files", files.len());
    for (path, size) in &files {
        println!("  {size:>9} B  {path}");
    }
    println!("  tarball {} B (gzip), unpacked {} B", num(info, "size"), num(info, "unpackedSize"));
    let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    if names != FILES {
        return Err(format!(
            "the tarball holds {names:?}; expected exactly {FILES:?} (see \"files\" in pkg.rs)"
        ));
    }
    Ok(dir.join(filename))
}

/// `npm pack`, then the tarball installed into a fresh folder that runs the
/// package's Node tests and `tsc --noEmit` on the typed usage file.
pub(crate) fn check() -> Result {
    let dir = tools::target_dir()?.join("npm-pack");
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    println!("\n==> npm pack of policy/pkg");
    let tarball = pack(&dir)?;
    let app = dir.join("consumer");
    fs::create_dir_all(&app).map_err(|e| format!("cannot create {}: {e}", app.display()))?;
    let manifest = serde_json::json!({
        "name": "gatehouse-policy-consumer",
        "private": true,
        "type": "module",
        "dependencies": { "@gatehouse/policy": format!("file:{}", tarball.display()) },
    });
    fs::write(app.join("package.json"), format!("{manifest:#}\n"))
        .map_err(|e| format!("cannot write the consumer's package.json: {e}"))?;
    let tests = root().join("policy/js-tests");
    for f in TESTS {
        fs::copy(tests.join(f), app.join(f)).map_err(|e| format!("cannot copy {f}: {e}"))?;
    }
    Step::new("npm install the tarball into a fresh folder (offline: no dependencies)").run({
        let mut c = Command::new("npm");
        c.args(["install", "--offline", "--no-package-lock", "--no-audit", "--no-fund"])
            .current_dir(&app);
        c
    })?;
    let installed = app.join("node_modules/@gatehouse/policy");
    let is_copy = fs::symlink_metadata(&installed).map(|m| m.is_dir()).unwrap_or(false);
    if !is_copy {
        return Err(format!("{} is not an installed copy", installed.display()));
    }
    Step::new("node --test (package API), from the installed tarball").run({
        let mut c = Command::new("node");
        c.args(["--test", "api.test.mjs"]).current_dir(&app);
        c
    })?;
    Step::new("tsc --noEmit (declarations), from the installed tarball").run({
        let mut c = Command::new(tools::npm_bin("tsc"));
        c.arg("-p").arg(app.join("tsconfig.json"));
        c
    })
}
