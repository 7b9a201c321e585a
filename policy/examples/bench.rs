//! Native side of `cargo xtask bench`: the same snapshot and questions the
//! JS benchmark wrote, timed with the native crate in the same run.
//! Usage: cargo run --release -p policy --example bench -- DIR
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark tool

use std::time::Instant;

use policy::{Action, Facts, Id, Snapshot};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bench DIR");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&read("snapshot.json")).unwrap();
    let questions: Vec<(Id, Action)> = serde_json::from_str(&read("questions.json")).unwrap();
    let t = Instant::now();
    let facts = Facts::new(snapshot);
    let load = t.elapsed();
    // The time the JS benchmark asks at (its grant has not expired then).
    let now = 1_800_000_000;
    let round =
        || questions.iter().filter(|(a, act)| facts.decide(*a, act, now).is_allowed()).count();
    round();
    let rounds = 200;
    let t = Instant::now();
    let mut allowed = 0;
    for _ in 0..rounds {
        allowed += std::hint::black_box(round());
    }
    let per = t.elapsed().as_nanos() as f64 / (rounds * questions.len()) as f64;
    println!(
        "{{\"native_ns_per_decision\": {per:.1}, \"load_ms\": {:.1}, \"allowed\": {allowed}}}",
        load.as_secs_f64() * 1e3
    );
}
