//! Native side of `cargo xtask bench`: the same snapshot and questions the
//! JS benchmark wrote, timed with the native crate in the same run; then
//! fresh random questions (each asked once, so no round finds the last
//! round's lines in the cache) beside a same-run baseline of dependent
//! random reads over an array as large as the facts' index.
//! Usage: cargo run --release -p policy --example bench -- DIR
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark tool
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // figures

use std::time::Instant;

use policy::{Action, Facts, Id, Snapshot};

/// Fresh questions asked (each once) and dependent reads made.
const FRESH: usize = 2_000_000;

/// xorshift64*: a fixed, seeded stream (the same questions every run).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

/// This process's resident memory in bytes (Linux), if known.
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Nanoseconds per read of a chain of `len` dependent random reads (a
/// single cycle through an array of `len` slots, Sattolo's shuffle).
fn dependent_reads(len: usize, rng: &mut Rng) -> f64 {
    let mut next: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        next.swap(i, rng.below(i));
    }
    let mut at = 0;
    let t = Instant::now();
    for _ in 0..FRESH {
        at = next[at];
    }
    std::hint::black_box(at);
    t.elapsed().as_nanos() as f64 / FRESH as f64
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bench DIR");
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&read("snapshot.json")).unwrap();
    let questions: Vec<(Id, Action)> = serde_json::from_str(&read("questions.json")).unwrap();
    let ws = snapshot.workspaces.first().expect("a workspace");
    let (workspace, members, resources): (Id, Vec<Id>, Vec<Id>) = (
        ws.id,
        ws.members.iter().map(|m| m.account).collect(),
        ws.resources.iter().map(|r| r.id).collect(),
    );
    let before = resident_bytes();
    let t = Instant::now();
    let facts = Facts::new(snapshot);
    let load = t.elapsed();
    let index = before.zip(resident_bytes()).map_or(0, |(b, a)| a.saturating_sub(b));
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

    // Fresh questions: a random member about a random resource, view, edit
    // or delete, each asked once.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let fresh: Vec<(Id, Action)> = (0..FRESH)
        .map(|_| {
            let actor = members[rng.below(members.len())];
            let resource = resources[rng.below(resources.len())];
            let action = match rng.below(3) {
                0 => Action::ViewResource { workspace, resource },
                1 => Action::EditResource { workspace, resource },
                _ => Action::DeleteResource { workspace, resource },
            };
            (actor, action)
        })
        .collect();
    let t = Instant::now();
    let fresh_allowed =
        fresh.iter().filter(|(a, act)| facts.decide(*a, act, now).is_allowed()).count();
    let fresh_ns = t.elapsed().as_nanos() as f64 / FRESH as f64;
    // The baseline: as many dependent random reads, over an array the size
    // of the facts' index (what building it added to this process).
    let slots = (index / std::mem::size_of::<usize>()).max(1 << 16);
    let read_ns = dependent_reads(slots, &mut rng);
    println!(
        "{{\"native_ns_per_decision\": {per:.1}, \"load_ms\": {:.1}, \"allowed\": {allowed}, \
         \"fresh_ns_per_decision\": {fresh_ns:.1}, \"fresh_allowed\": {fresh_allowed}, \
         \"index_bytes\": {index}, \"dependent_read_ns\": {read_ns:.1}}}",
        load.as_secs_f64() * 1e3
    );
    println!(
        "native decision, fresh random questions (each asked once, {FRESH}): {fresh_ns:.1} ns \
         (target <= 100 ns); a dependent random read over {:.1} MiB (the index's size): \
         {read_ns:.1} ns, so a decision costs {:.1} such reads",
        (slots * std::mem::size_of::<usize>()) as f64 / (1 << 20) as f64,
        fresh_ns / read_ns
    );
}
