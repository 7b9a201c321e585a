//! The example front ends in `examples/`, tested in a real browser: a Vite +
//! TypeScript app (`examples/vite`) and a plain HTML page using the web build
//! with no bundler (`examples/plain`), both with `@gatehouse/policy`
//! installed as npm installs the published tarball. The native crate writes
//! a fixed set of generated worlds and questions with its answers (the
//! differential test's generators, `write_cases_for_browsers`); both pages
//! answer them with the package in headless Chromium and gate one button per
//! `decide` question, and must agree with the native answers exactly.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::Result;
use crate::tools::{self, Step, cargo, root};

const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) fn test() -> Result {
    tools::ensure_npm_tools()?;
    crate::spa::ensure_chromium()?;
    let out = tools::target_dir()?.join("examples");
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let cases = out.join("cases.json");
    Step::new("the examples' cases: generated worlds and questions with native answers").run({
        let mut c = cargo([
            "test",
            "-p",
            "policy",
            "--test",
            "differential",
            "--",
            "--ignored",
            "--exact",
            "write_cases_for_browsers",
        ]);
        c.env("GATEHOUSE_CASES_OUT", &cases);
        c
    })?;
    let examples = root().join("examples");
    install(&examples.join("plain"))?;
    install(&examples.join("vite"))?;
    Step::new("examples/vite: tsc --noEmit, vite build").run({
        let mut c = Command::new("npm");
        c.args(["run", "build"]).current_dir(examples.join("vite"));
        c
    })?;
    Step::new("the Vite example and the plain page in headless Chromium").run({
        let mut c = Command::new("node");
        c.args(["--test", "--test-concurrency=1", "examples/"])
            .current_dir(root())
            .env("GATEHOUSE_CASES", &cases)
            .env("GATEHOUSE_EXAMPLES_OUT", &out)
            .env("CHROMIUM", CHROMIUM);
        c
    })
}

/// `npm install` in an example: the package (just rebuilt) every time, as a
/// packed copy (`install-links` in the example's `.npmrc`); the other
/// dependencies from its package-lock.json, fetched only when missing and
/// then from npm's cache first.
fn install(dir: &Path) -> Result {
    let installed = dir.join("node_modules/@gatehouse/policy");
    if installed.exists() {
        fs::remove_dir_all(&installed)
            .map_err(|e| format!("cannot remove {}: {e}", installed.display()))?;
    }
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Step::new(format!("npm install in examples/{name}")).run({
        let mut c = Command::new("npm");
        c.args(["install", "--prefer-offline", "--no-audit", "--no-fund"]).current_dir(dir);
        c
    })
}
