//! `cargo xtask bench`, the package and SPA figures next to their targets
//! (SPEC 12, issue 13): the package's `.wasm` raw and gzip -9, its import
//! time in fresh Node processes, the cost of a decision from JS on facts
//! assembled through the page-loading API (single and batched), and the
//! SPA's size. Figures, not timed tests: nothing fails on them.

use std::path::Path;
use std::process::Command;

use crate::Result;
use crate::tools::{self, Step, root};

const WASM_GZIP_TARGET: usize = 61_440;
const SPA_GZIP_TARGET: usize = 358_400;
const IMPORT_MS_TARGET: f64 = 5.0;
const DECIDE_NS_TARGET: f64 = 2_000.0;
const IMPORT_RUNS: usize = 7;

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).map_err(|e| e.to_string())?;
    enc.finish().map(|v| v.len()).map_err(|e| e.to_string())
}

fn number(json: &serde_json::Value, key: &str) -> f64 {
    json.get(key).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN)
}

fn bytes(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} B")
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// Measures what is not measured yet (import time, decisions on paged
/// facts; `bench.mjs` wrote the workload into `out`) and prints the table.
/// `spa_gzip` is the SPA's wasm + JS at gzip -9.
pub(crate) fn report(out: &Path, spa_gzip: usize) -> Result {
    let js_tests = root().join("policy/js-tests");
    let wasm_path = crate::pkg::pkg_dir().join("web/policy_bg.wasm");
    let wasm = std::fs::read(&wasm_path)
        .map_err(|e| format!("cannot read {}: {e}", wasm_path.display()))?;
    let wasm_gz = gzip_len(&wasm)?;

    println!("\n==> import in a fresh Node process ({IMPORT_RUNS} runs)");
    let mut imports = Vec::new();
    for _ in 0..IMPORT_RUNS {
        let mut c = Command::new("node");
        c.arg("instantiate.mjs").current_dir(&js_tests);
        let line = tools::output(&mut c).ok_or("node instantiate.mjs failed")?;
        let json: serde_json::Value =
            serde_json::from_str(line.trim()).map_err(|e| format!("instantiate.mjs: {e}"))?;
        imports.push(number(&json, "import_ms"));
    }
    imports.sort_by(f64::total_cmp);
    let median = imports.get(IMPORT_RUNS / 2).copied().unwrap_or(f64::NAN);
    let (fastest, slowest) = (imports[0], imports[IMPORT_RUNS - 1]);

    Step::new("decisions from JS on facts assembled with addPage (base slice + pages)").run({
        let mut c = Command::new("node");
        c.arg("bench-pages.mjs").arg(out).current_dir(&js_tests);
        c
    })?;
    let pages: serde_json::Value = std::fs::read_to_string(out.join("js-pages.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or("bench-pages.mjs wrote no js-pages.json")?;
    let single = number(&pages, "ns_per_decide");
    let many = number(&pages, "ns_per_decide_many");

    println!(
        "\npackage and SPA, next to their targets (gzip -9; {} pages of 1,000 rows; \
         {} of {} paged answers equal to the whole snapshot's):\n",
        number(&pages, "pages"),
        number(&pages, "same_as_whole"),
        number(&pages, "questions"),
    );
    println!("| figure | measured | target | |");
    println!("|---|---|---|---|");
    println!("| package `.wasm`, raw | {} | | |", bytes(wasm.len()));
    println!(
        "| package `.wasm`, gzip -9 | {} | <= {} | {} |",
        bytes(wasm_gz),
        bytes(WASM_GZIP_TARGET),
        verdict(wasm_gz <= WASM_GZIP_TARGET)
    );
    println!(
        "| import in a fresh Node process, median of {IMPORT_RUNS} | {median:.1} ms ({fastest:.1}–{slowest:.1}) | <= {IMPORT_MS_TARGET} ms | {} |",
        verdict(median <= IMPORT_MS_TARGET)
    );
    println!(
        "| `decide()` at 100,000 resources, one call each | {:.2} µs | <= {:.0} µs | {} |",
        single / 1e3,
        DECIDE_NS_TARGET / 1e3,
        verdict(single <= DECIDE_NS_TARGET)
    );
    println!(
        "| `decideMany()`, batches of 100, per decision | {:.2} µs | <= {:.0} µs | {} |",
        many / 1e3,
        DECIDE_NS_TARGET / 1e3,
        verdict(many <= DECIDE_NS_TARGET)
    );
    println!(
        "| loading base + pages (`addPage`) | {:.0} ms | | |",
        number(&pages, "load_pages_ms")
    );
    println!(
        "| SPA wasm + JS, gzip -9 | {} | <= {} | {} |",
        bytes(spa_gzip),
        bytes(SPA_GZIP_TARGET),
        verdict(spa_gzip <= SPA_GZIP_TARGET)
    );
    Ok(())
}
