//! `cargo xtask <command>`: the project's automation, in Rust so it runs
//! wherever cargo does. Each step prints what it is doing.

mod tools;

use std::process::ExitCode;

use tools::{Step, cargo, root};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  test    everything CI runs: install what is missing, fmt, clippy, all tests
  demo    build the SPA, start the server with demo data on 127.0.0.1:8080";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("demo") => demo(),
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
    Step::new("policy for wasm32-unknown-unknown (feature wasm)").run(cargo([
        "build",
        "-p",
        "policy",
        "--features",
        "wasm",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    println!("\nall checks passed in {:.0?} ({})", started.elapsed(), root().display());
    Ok(())
}

fn demo() -> Result {
    Err("the demo needs the backend and the SPA, which are not built yet".into())
}
