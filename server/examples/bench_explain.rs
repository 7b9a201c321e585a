//! Native side of the explain-and-preview bench (issue 12, `cargo xtask
//! bench explain`, also run by `cargo xtask bench spa`): the policy's
//! `Facts::who_can`, `Facts::effective_access` and `Facts::preview` on the
//! workspace `server bench-seed l` wrote (the same L the server and SPA
//! benches use), loaded by the server's own loader (`load::workspace_facts`)
//! and indexed as the server's facts cache indexes it (`Facts::new`).
//!
//! Usage: cargo run --release -p server --example bench_explain -- DATA_DIR WS
//!
//! Prints one JSON line: per figure the raw samples in microseconds (xtask
//! computes median, p99 and max) and what the answers held (sanity).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // a benchmark tool

use std::time::Instant;

use policy::{Action, Facts, Id, ResourceKind, Role, Toggle};
use serde_json::json;
use server::db::Db;

/// Random resources per kind for `who_can`.
const PER_KIND: usize = 300;
/// Members whose effective access (first page) is asked.
const MEMBERS: usize = 100;
/// Rows of the first page (`page::DEFAULT_LIMIT`).
const PAGE: usize = 50;
/// Groups whose deletion is previewed.
const GROUPS: usize = 100;
/// Rounds over the sixteen toggles for the toggle previews.
const TOGGLE_ROUNDS: usize = 3;

/// splitmix64, seeded: the same picks on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n.max(1) as u64) as usize
    }
}

fn us(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let data = std::path::PathBuf::from(args.next().expect("usage: bench_explain DATA_DIR WS"));
    let ws: Id = args.next().expect("usage: bench_explain DATA_DIR WS").parse().expect("WS id");
    let db = Db::connect(&Db::sqlite_url(&data).unwrap()).await.unwrap();
    let mut tx = db.begin_read().await.unwrap();
    let t = Instant::now();
    let snapshot = server::load::workspace_facts(&mut tx, ws).await.unwrap().expect("workspace");
    let load_ms = us(t) / 1e3;
    drop(tx);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));

    let w = snapshot.workspaces.iter().find(|w| w.id == ws).expect("workspace in its facts");
    let owner = w.members.iter().find(|m| m.role == Role::Owner).expect("an owner").account;
    let developers: Vec<Id> =
        w.members.iter().filter(|m| m.role == Role::Developer).map(|m| m.account).collect();
    let groups: Vec<(Id, String)> =
        w.groups.iter().filter(|g| !g.is_default).map(|g| (g.id, g.name.clone())).collect();
    let mut by_kind: Vec<(ResourceKind, Vec<Id>)> =
        ResourceKind::ALL.iter().map(|&k| (k, Vec::new())).collect();
    for r in &w.resources {
        if let Some((_, ids)) = by_kind.iter_mut().find(|(k, _)| *k == r.kind) {
            ids.push(r.id);
        }
    }
    let mut first_page: Vec<Id> = w.resources.iter().map(|r| r.id).collect();
    first_page.sort_unstable();
    first_page.truncate(PAGE);
    let toggles_dev: Vec<Toggle> = w.toggles.developer.clone();
    let toggles_admin: Vec<Toggle> = w.toggles.admin.clone();
    let version = w.toggles.version;
    let (members, n_groups, n_resources) = (w.members.len(), w.groups.len(), w.resources.len());

    let t = Instant::now();
    let facts = Facts::new(snapshot);
    let index_ms = us(t) / 1e3;
    let mut rng = Rng(0x5eed_e8b1);

    // who_can: random resources of each kind, asked by the Owner.
    let mut who = serde_json::Map::new();
    let mut counts = Vec::new();
    for (kind, ids) in &by_kind {
        let mut samples = Vec::new();
        for _ in 0..PER_KIND.min(ids.len() * 4) {
            let r = ids[rng.below(ids.len())];
            let t = Instant::now();
            let answer = std::hint::black_box(facts.who_can(owner, ws, r, now));
            samples.push(us(t));
            let answer = answer.expect("the owner may ask");
            counts.push(answer.view.count);
        }
        who.insert(kind.label().to_owned(), json!(samples));
    }

    // effective_access: random Developers, the first page of resources.
    let mut effective = Vec::new();
    let mut effective_rows = 0;
    for _ in 0..MEMBERS {
        let m = developers[rng.below(developers.len())];
        let t = Instant::now();
        let answer = std::hint::black_box(facts.effective_access(owner, ws, m, &first_page, now));
        effective.push(us(t));
        effective_rows = answer.expect("the owner may ask").resources.len();
    }

    // preview: each toggle flipped for a role (the app's SaveToggles).
    let toggle_preview = |role: Role, saved: &[Toggle]| {
        let mut samples = Vec::new();
        let mut lines = Vec::new();
        for _ in 0..TOGGLE_ROUNDS {
            for t in Toggle::ALL {
                let mut toggles: Vec<Toggle> = saved.iter().copied().filter(|&x| x != t).collect();
                if !saved.contains(&t) {
                    toggles.push(t);
                }
                let action =
                    Action::SaveToggles { workspace: ws, role, toggles, base_version: version };
                let t0 = Instant::now();
                let answer = std::hint::black_box(facts.preview(owner, &action, now));
                samples.push(us(t0));
                lines
                    .push(answer.map_or(0, |p| p.workspaces.iter().map(|w| w.changes.len()).sum()));
            }
        }
        (samples, lines)
    };
    let (toggle_dev, toggle_dev_lines) = toggle_preview(Role::Developer, &toggles_dev);
    let (toggle_admin, toggle_admin_lines) = toggle_preview(Role::Admin, &toggles_admin);

    // preview: deleting random groups.
    let mut group_delete = Vec::new();
    let mut group_lines = Vec::new();
    let mut group_resources = Vec::new();
    for _ in 0..GROUPS {
        let (g, name) = &groups[rng.below(groups.len())];
        let action = Action::DeleteGroup { workspace: ws, group: *g, confirm_name: name.clone() };
        let t = Instant::now();
        let answer = std::hint::black_box(facts.preview(owner, &action, now));
        group_delete.push(us(t));
        let p = answer.expect("the owner may delete a group");
        let changes: Vec<_> = p.workspaces.iter().flat_map(|w| &w.changes).collect();
        group_lines.push(changes.len());
        group_resources.push(
            changes
                .iter()
                .flat_map(|c| c.losses.resources.iter().chain(&c.gains.resources))
                .map(|s| s.count)
                .sum::<u32>(),
        );
    }

    counts.sort_unstable();
    println!(
        "{}",
        json!({
            "members": members,
            "groups": n_groups,
            "resources": n_resources,
            "load_ms": load_ms,
            "index_ms": index_ms,
            "who_can_us": who,
            "who_can_view_count_median": counts.get(counts.len() / 2),
            "effective_access_us": effective,
            "effective_access_rows": effective_rows,
            "preview_toggle_developer_us": toggle_dev,
            "preview_toggle_developer_lines": toggle_dev_lines,
            "preview_toggle_admin_us": toggle_admin,
            "preview_toggle_admin_lines": toggle_admin_lines,
            "preview_group_delete_us": group_delete,
            "preview_group_delete_lines": group_lines,
            "preview_group_delete_resources": group_resources,
        })
    );
}
