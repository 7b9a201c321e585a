//! The native crate and the `@gatehouse/policy` package (WebAssembly, in
//! Node) answer the same generated questions about the same generated
//! worlds; every answer must be identical, JSON value for JSON value.
//!
//! Needs the built package (`cargo xtask pkg`) and its test project's
//! `node_modules`; `cargo xtask test` prepares both and runs this with
//! `--ignored`. `GATEHOUSE_DIFF_CASES` (default 100 000) sets the number of
//! questions, `GATEHOUSE_DIFF_SEED` the seed. On a mismatch the world is
//! shrunk while the mismatch persists and the smallest case is printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use common::world::*;
use policy::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

const QUESTIONS_PER_WORLD: usize = 100;

/// One question, in the oracle's wire form: `[kind, now, ...args]`, asked
/// at `now` (on both sides of the generated expiries).
fn question_strategy() -> impl Strategy<Value = Value> {
    let role = prop_oneof![Just("developer"), Just("admin"), Just("owner")];
    let asked = prop_oneof![
        12 => (actor_strategy(), action_strategy()).prop_map(|(a, act)| json!(["decide", a, act])),
        1 => (actor_strategy(), proptest::collection::vec(action_strategy(), 0..6))
            .prop_map(|(a, acts)| json!(["decide_many", a, acts])),
        1 => (actor_strategy(), prop_oneof![Just(CLIENT_WS), Just(PARTNER_WS), Just(7)])
            .prop_map(|(a, w)| json!(["abilities", a, w])),
        1 => (actor_strategy(), role).prop_map(|(a, r)| json!(["toggle_controls", a, CLIENT_WS, r])),
        1 => (actor_strategy(), 0i64..=12).prop_map(|(a, t)| json!(["member_controls", a, CLIENT_WS, t])),
        1 => (actor_strategy(), proptest::option::of(0i64..=12))
            .prop_map(|(a, t)| json!(["assignable_roles", a, CLIENT_WS, t])),
        1 => (actor_strategy(), 599i64..=614).prop_map(|(a, f)| json!(["run_plan", a, CLIENT_WS, f])),
        1 => (actor_strategy(), 0i64..=12, proptest::collection::vec(598i64..=615, 0..6))
            .prop_map(|(a, m, rs)| json!(["effective_access", a, CLIENT_WS, m, rs])),
        1 => (actor_strategy(), 598i64..=615).prop_map(|(a, r)| json!(["who_can", a, CLIENT_WS, r])),
        2 => (actor_strategy(), action_strategy()).prop_map(|(a, act)| json!(["preview", a, act])),
    ];
    (asked, now_strategy()).prop_map(|(mut q, now)| {
        if let Value::Array(parts) = &mut q {
            parts.insert(1, json!(now));
        }
        q
    })
}

/// The native answer to one question, as JSON.
fn native(facts: &Facts, q: &Value) -> Value {
    let arg = |i: usize| q.get(i + 1).cloned().unwrap_or(Value::Null);
    let id = |i: usize| arg(i).as_i64().unwrap_or_default();
    let kind = q.get(0).and_then(Value::as_str).unwrap_or_default();
    let now = id(0);
    let to = |v: &dyn erased::Json| v.json();
    match kind {
        "decide" => {
            let action: Action = serde_json::from_value(arg(2)).unwrap();
            to(&facts.decide(id(1), &action, now))
        }
        "decide_many" => {
            let actions: Vec<Action> = serde_json::from_value(arg(2)).unwrap();
            to(&facts.decide_all(id(1), &actions, now))
        }
        "abilities" => to(&facts.abilities(id(1), id(2), now)),
        "toggle_controls" => {
            let role: Role = serde_json::from_value(arg(3)).unwrap();
            to(&facts.toggle_controls(id(1), id(2), role, now))
        }
        "member_controls" => to(&facts.member_controls(id(1), id(2), id(3), now)),
        "assignable_roles" => to(&facts.assignable_roles(id(1), id(2), arg(3).as_i64(), now)),
        "run_plan" => to(&RunPlanDecision::from(facts.run_plan(id(1), id(2), id(3), now))),
        "effective_access" => {
            let resources: Vec<Id> = serde_json::from_value(arg(4)).unwrap();
            answer(facts.effective_access(id(1), id(2), id(3), &resources, now))
        }
        "who_can" => answer(facts.who_can(id(1), id(2), id(3), now)),
        "preview" => {
            let action: Action = serde_json::from_value(arg(2)).unwrap();
            answer(facts.preview(id(1), &action, now))
        }
        other => panic!("unknown question kind {other}"),
    }
}

/// A value, or the package's error for a refusal: `code: message`.
fn answer<T: serde::Serialize>(r: Result<T, Denial>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(d) => json!({ "thrown": format!("{}: {}", d.code.code(), d.message) }),
    }
}

mod erased {
    pub(crate) trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

/// The Node process answering for the package.
struct Oracle {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Oracle {
    fn start(tamper: bool) -> Oracle {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/js-tests");
        let pkg = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/js-tests/node_modules/@gatehouse/policy/package.json"
        );
        assert!(
            std::path::Path::new(pkg).exists(),
            "the JS package is not installed in policy/js-tests: run `cargo xtask test` (or `cargo xtask pkg`)"
        );
        let mut child = Command::new("node")
            .arg("oracle.mjs")
            .current_dir(dir)
            .env("GATEHOUSE_ORACLE_TAMPER", if tamper { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Oracle { child, stdin, stdout }
    }

    fn ask(&mut self, sent: &(Snapshot, Vec<Snapshot>), questions: &[Value]) -> Vec<Value> {
        let (snapshot, pages) = sent;
        let line =
            json!({ "snapshot": snapshot, "pages": pages, "questions": questions }).to_string();
        writeln!(self.stdin, "{line}").unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        assert!(!answer.is_empty(), "the oracle exited early");
        serde_json::from_str(&answer).unwrap()
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a world is sent to both sides: whole, or as one viewer's base slice
/// plus its pages (members, resources, every group's members).
#[derive(Debug, Clone, Copy)]
enum Sent {
    Whole,
    Viewer(Id),
}

fn sent(world: &Snapshot, how: Sent) -> (Snapshot, Vec<Snapshot>) {
    let Sent::Viewer(v) = how else { return (world.clone(), Vec::new()) };
    let full = Facts::new(world.clone());
    let Ok(base) = full.base_slice(v, CLIENT_WS, NOW) else { return (world.clone(), Vec::new()) };
    let people: Vec<Id> = (0..=12).collect();
    let mut pages = Vec::new();
    pages.extend(full.members_slice(v, CLIENT_WS, &people, &(298..=305).collect::<Vec<_>>(), NOW));
    pages.extend(full.resources_slice(v, CLIENT_WS, &(598..=615).collect::<Vec<_>>(), NOW));
    pages.extend(
        (49..=54).filter_map(|g| full.group_members_slice(v, CLIENT_WS, g, &people, NOW).ok()),
    );
    (base, pages)
}

/// The native facts for what was sent.
fn facts_of((base, pages): &(Snapshot, Vec<Snapshot>)) -> Facts {
    let mut facts = Facts::new(base.clone());
    for p in pages {
        facts.add(p.clone());
    }
    facts
}

/// The result of a run: how many questions, and the smallest mismatch if any.
struct Outcome {
    cases: usize,
    mismatch: Option<String>,
}

fn run(cases: usize, seed: u64, tamper: bool) -> Outcome {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let worlds = snapshot_strategy();
    let questions = question_strategy();
    let mut oracle = Oracle::start(tamper);
    let mut asked = 0;
    let mut round: i64 = 0;
    while asked < cases {
        let mut world = worlds.new_tree(&mut runner).unwrap();
        let n = QUESTIONS_PER_WORLD.min(cases - asked);
        let qs: Vec<Value> =
            (0..n).map(|_| questions.new_tree(&mut runner).unwrap().current()).collect();
        // Every other world goes as a viewer's slices (SPEC 9), in turn.
        round += 1;
        let how = if round % 2 == 0 { Sent::Viewer(round / 2 % 12 + 1) } else { Sent::Whole };
        let what = sent(&world.current(), how);
        let facts = facts_of(&what);
        let answers = oracle.ask(&what, &qs);
        asked += n;
        for (q, js) in qs.iter().zip(&answers) {
            if native(&facts, q) != *js {
                return Outcome {
                    cases: asked,
                    mismatch: Some(shrink(&mut oracle, &mut world, how, q)),
                };
            }
        }
    }
    Outcome { cases: asked, mismatch: None }
}

/// Simplifies the world while the question still gets different answers.
fn shrink(
    oracle: &mut Oracle,
    world: &mut impl ValueTree<Value = Snapshot>,
    how: Sent,
    q: &Value,
) -> String {
    let differs = |oracle: &mut Oracle, s: &Snapshot| {
        let what = sent(s, how);
        let js = oracle.ask(&what, std::slice::from_ref(q)).remove(0);
        let rust = native(&facts_of(&what), q);
        (rust != js).then_some((rust, js))
    };
    let mut smallest = world.current();
    let mut answers = differs(oracle, &smallest);
    for _ in 0..10_000 {
        let current = world.current();
        let still = differs(oracle, &current);
        let more = if let Some(a) = still {
            smallest = current;
            answers = Some(a);
            world.simplify()
        } else {
            world.complicate()
        };
        if !more {
            break;
        }
    }
    let (rust, js) = answers.unwrap_or_default();
    format!(
        "question: {q} (world sent {how:?})\nnative: {rust}\nwasm:   {js}\nsmallest world: {}",
        serde_json::to_string_pretty(&smallest).unwrap()
    )
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

#[test]
#[ignore = "needs the built JS package; `cargo xtask test` runs it"]
fn native_and_wasm_decide_identically() {
    let cases = env_number("GATEHOUSE_DIFF_CASES", 100_000) as usize;
    let seed = env_number("GATEHOUSE_DIFF_SEED", 0x6a7e_4045);
    let started = std::time::Instant::now();
    let outcome = run(cases, seed, false);
    println!(
        "differential: {} cases (seed {seed:#x}) in {:.1?}, mismatches: {}",
        outcome.cases,
        started.elapsed(),
        usize::from(outcome.mismatch.is_some())
    );
    if let Some(m) = outcome.mismatch {
        panic!("native and wasm disagree; smallest reproducing case:\n{m}");
    }
    assert_eq!(outcome.cases, cases);
}

/// The harness notices a wrong answer and reports a shrunk case: proof the
/// comparison above can fail.
#[test]
#[ignore = "needs the built JS package; `cargo xtask test` runs it"]
fn a_tampered_oracle_is_caught_and_shrunk() {
    let outcome = run(500, 7, true);
    let report = outcome.mismatch.expect("tampering must be detected");
    assert!(report.contains("smallest world"), "{report}");
    assert!(outcome.cases <= QUESTIONS_PER_WORLD, "caught in the first world");
}

/// The browser examples' fixed cases (`examples/`, run by `cargo xtask
/// test`): worlds and questions from the generators above, every other world
/// sent as a viewer's slices, with the native answers, written as JSON to
/// `GATEHOUSE_CASES_OUT`: `{ seed, worlds: [{ sent, snapshot, pages,
/// questions, expected }] }`. The pages answer with the package in a real
/// browser and must get `expected`.
#[test]
#[ignore = "writes the browser examples' cases; `cargo xtask test` runs it"]
fn write_cases_for_browsers() {
    // Run with the other ignored tests (the differential step): nothing to do.
    let Ok(path) = std::env::var("GATEHOUSE_CASES_OUT") else {
        println!("GATEHOUSE_CASES_OUT is not set: no cases written");
        return;
    };
    let worlds = env_number("GATEHOUSE_CASES_WORLDS", 24);
    let seed = env_number("GATEHOUSE_CASES_SEED", 0x0b20_5e25);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let (world_strategy, questions) = (snapshot_strategy(), question_strategy());
    let mut out = Vec::new();
    for round in 1..=worlds as i64 {
        let world = world_strategy.new_tree(&mut runner).unwrap().current();
        let qs: Vec<Value> =
            (0..50).map(|_| questions.new_tree(&mut runner).unwrap().current()).collect();
        let how = if round % 2 == 0 { Sent::Viewer(round / 2 % 12 + 1) } else { Sent::Whole };
        let (snapshot, pages) = sent(&world, how);
        let facts = facts_of(&(snapshot.clone(), pages.clone()));
        let expected: Vec<Value> = qs.iter().map(|q| native(&facts, q)).collect();
        out.push(json!({
            "sent": format!("{how:?}"),
            "snapshot": snapshot,
            "pages": pages,
            "questions": qs,
            "expected": expected,
        }));
    }
    std::fs::write(&path, json!({ "seed": seed, "worlds": out }).to_string()).unwrap();
    println!("wrote {worlds} worlds, {} questions, to {path}", worlds * 50);
}
