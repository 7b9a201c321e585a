// `cargo xtask bench` (package section): the per-decision cost from JS on
// facts assembled the way a front end gets them — a viewer's base slice, then
// pages added with `addPage` (members with their accounts, groups' members,
// resources; 1,000 rows a page) — on the workload bench.mjs wrote (10,000
// members, 1,000 groups, 100,000 resources, 10,000 questions). Each answer is
// checked against the same question on the whole snapshot first.
// Usage: node bench-pages.mjs DIR   (DIR holds snapshot.json, questions.json)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Policy } from "@gatehouse/policy";

const dir = process.argv[2];
const snapshot = JSON.parse(readFileSync(join(dir, "snapshot.json"), "utf8"));
const questions = JSON.parse(readFileSync(join(dir, "questions.json"), "utf8"));
// Seconds since the epoch, passed as the last argument (ignored by a package
// whose decisions take no time).
const NOW = 1_800_000_000;
const PAGE = 1_000;

const ws = snapshot.workspaces[0];
const chunks = (xs, n) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));
const header = { id: ws.id, company: ws.company, data_studio: ws.data_studio, toggles: ws.toggles };
const counts = { owner: 0, admin: 0, developer: 0 };
for (const m of ws.members) counts[m.role]++;
const base = {
  companies: snapshot.companies,
  grants: snapshot.grants,
  workspaces: [{
    ...header,
    members: [], invitations: [], requests: [], resources: [],
    groups: ws.groups.map(({ members, ...g }) => ({ ...g, size: members.length, members: [] })),
    counts,
    partial: { members: true, group_members: true, resources: true },
  }],
};
const accounts = new Map(snapshot.accounts.map((a) => [a.id, a]));
const pages = [
  ...chunks(ws.members, PAGE).map((members) => ({
    accounts: members.map((m) => accounts.get(m.account)),
    workspaces: [{ ...header, members }],
  })),
  // Groups' member lists, ~50 members each: 20 groups a page.
  ...chunks(ws.groups, PAGE / 50).map((groups) => ({ workspaces: [{ ...header, groups }] })),
  ...chunks(ws.resources, PAGE).map((resources) => ({ workspaces: [{ ...header, resources }] })),
];

const now = () => performance.now();
const whole = new Policy(snapshot);
const texts = pages.map((p) => JSON.stringify(p));
let t = now();
const policy = new Policy(base);
for (const text of texts) policy.addPage(JSON.parse(text));
const loadMs = now() - t;

let same = 0;
for (const [a, act] of questions) {
  const x = policy.decide(a, act, NOW);
  const y = whole.decide(a, act, NOW);
  if (x.allowed === y.allowed && x.code === y.code && x.message === y.message) same++;
}
whole.free();

const time = (rounds, f) => {
  f(); // warm up
  const t0 = now();
  for (let i = 0; i < rounds; i++) f();
  return (now() - t0) / rounds;
};
let allowed = 0;
const single = time(20, () => {
  for (const [a, act] of questions) if (policy.decide(a, act, NOW).allowed) allowed++;
});
const byActor = [];
for (let i = 0; i < questions.length; i += 100) byActor.push([questions[i][0], questions.slice(i, i + 100).map((q) => q[1])]);
const many = time(20, () => {
  for (const [a, acts] of byActor) policy.decideMany(a, acts, NOW);
});

const result = {
  pages: pages.length,
  load_pages_ms: loadMs,
  same_as_whole: same,
  questions: questions.length,
  ns_per_decide: (single * 1e6) / questions.length,
  ns_per_decide_many: (many * 1e6) / questions.length,
};
writeFileSync(join(dir, "js-pages.json"), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result));
