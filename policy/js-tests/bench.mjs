// `cargo xtask bench` (package section): builds a large resident workspace,
// writes it and a question list for the native side, and measures the
// package: decisions per second from JS, snapshot load time, sizes.
// Usage: node bench.mjs OUT_DIR
import { writeFileSync, readFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { createRequire } from "node:module";
import { Policy } from "@gatehouse/policy";

const out = process.argv[2];
mkdirSync(out, { recursive: true });

// Deterministic pseudo-random numbers (mulberry32).
let seed = 0x9e3779b9;
const rand = () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (n) => Math.floor(rand() * n);

const MEMBERS = 10_000, GROUPS = 1_000, RESOURCES = 100_000;
const kinds = ["module", "integration", "flow", "api_gateway", "api_gateway_user", "connected_account", "data_job", "file_job", "file_template"];
const toggles = ["users.add", "users.authorize", "users.change_permission", "users.delete",
  "connected_account.create", "connected_account.edit", "connected_account.delete",
  "api_gateway.create", "api_gateway.edit", "api_gateway.delete",
  "api_gateway_users.create", "api_gateway_users.edit", "api_gateway_users.delete",
  "integrations.create", "integrations.edit", "integrations.delete"];

const members = [];
for (let i = 1; i <= MEMBERS; i++) {
  const role = i === 1 ? "owner" : i <= 500 ? "admin" : "developer";
  const m = { account: i, role };
  if (i > MEMBERS - 200) m.partner = 20;
  members.push(m);
}
const groups = [{ id: 1, name: "default", is_default: true, members: [] }];
for (let g = 2; g <= GROUPS; g++) {
  const ms = new Set();
  for (let k = 0; k < 50; k++) ms.add(1 + int(MEMBERS));
  groups.push({ id: g, name: `group ${g}`, members: [...ms] });
}
const resources = [];
const integrations = [];
for (let r = 1; r <= RESOURCES; r++) {
  const kind = r <= 10 ? "integration" : pick(kinds);
  const res = { id: 100_000 + r, kind, groups: [] };
  const n = int(3) + 1;
  for (let k = 0; k < n; k++) res.groups.push(1 + int(GROUPS));
  if (kind === "integration") integrations.push(res.id);
  if (kind === "flow") { res.integration = pick(integrations); res.groups = []; }
  resources.push(res);
}
const accounts = members.map((m) => ({ id: m.account, email: `user${m.account}@example.com` }));
const snapshot = {
  accounts,
  companies: [
    { id: 10, client_enabled: true, members: [{ account: 1, admin: true }] },
    { id: 20, partner_enabled: true, members: members.filter((m) => m.partner).map((m) => ({ account: m.account })) },
  ],
  workspaces: [{
    id: 1, company: 10, data_studio: true, members, invitations: [], requests: [],
    toggles: { admin: toggles, developer: toggles.filter((t) => /create|edit/.test(t) && !t.startsWith("users.")), version: 1 },
    groups, resources,
  }],
  grants: [{ id: 1, client: 10, partner: 20, workspaces: [1], role: "developer", sections: ["integrations", "modules", "users"], redeemed: true, expires_at: 4_000_000_000 }],
};

// The time the questions are asked at: before the grant expires.
const NOW = 1_800_000_000;
const questions = [];
for (let q = 0; q < 10_000; q++) {
  const actor = 1 + int(MEMBERS);
  const resource = 100_001 + int(RESOURCES);
  const x = rand();
  let action;
  if (x < 0.4) action = { type: "view_resource", workspace: 1, resource };
  else if (x < 0.6) action = { type: "edit_resource", workspace: 1, resource };
  else if (x < 0.7) action = { type: "delete_resource", workspace: 1, resource };
  else if (x < 0.8) action = { type: "change_role", workspace: 1, target: 1 + int(MEMBERS), role: pick(["admin", "developer"]) };
  else if (x < 0.9) action = { type: "remove_member", workspace: 1, target: 1 + int(MEMBERS) };
  else action = { type: "set_toggle", workspace: 1, role: "developer", toggle: pick(toggles), on: rand() < 0.5 };
  questions.push([actor, action]);
}
const snapshotJson = JSON.stringify(snapshot);
writeFileSync(join(out, "snapshot.json"), snapshotJson);
writeFileSync(join(out, "questions.json"), JSON.stringify(questions));

const now = () => performance.now();
let t = now();
const policy = new Policy(JSON.parse(snapshotJson));
const loadMs = now() - t;

const time = (label, rounds, f) => {
  f(); // warm up
  const t0 = now();
  for (let i = 0; i < rounds; i++) f();
  return (now() - t0) / rounds;
};
let allowed = 0;
const perRoundSingle = time("decide", 20, () => {
  for (const [a, act] of questions) if (policy.decide(a, act, NOW).allowed) allowed++;
});
const byActor = [];
for (let i = 0; i < questions.length; i += 100) byActor.push([questions[i][0], questions.slice(i, i + 100).map((q) => q[1])]);
const perRoundMany = time("decideMany", 20, () => {
  for (const [a, acts] of byActor) policy.decideMany(a, acts, NOW);
});

const require = createRequire(import.meta.url);
const pkgDir = join(require.resolve("@gatehouse/policy/package.json"), "..");
const size = (p) => { const b = readFileSync(join(pkgDir, p)); return { raw: b.length, gzip: gzipSync(b, { level: 9 }).length }; };

const result = {
  members: MEMBERS, groups: GROUPS, resources: RESOURCES, questions: questions.length,
  load_ms: loadMs,
  js_ns_per_decision: (perRoundSingle * 1e6) / questions.length,
  js_many_ns_per_decision: (perRoundMany * 1e6) / questions.length,
  allowed_fraction: allowed / (questions.length * 21),
  wasm: size("web/policy_bg.wasm"),
  js_glue: size("web/policy.js"),
};
writeFileSync(join(out, "js.json"), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
