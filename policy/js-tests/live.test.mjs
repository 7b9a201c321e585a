// Live access with @gatehouse/policy (SPEC 13): the package refuses facts
// older than the version it holds, and the README's `subscribe` recipe
// (subscribe.ts, checked by tsc, the same text as in the README) reloads on
// news of a newer version, ignores repeated and older ids, never lets an
// older answer replace a newer one, and stops when access ends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Policy } from "@gatehouse/policy";
import { snapshot } from "./fixture.mjs";

const here = import.meta.dirname;

test("load and addPage refuse facts older than the version held", () => {
  const p = new Policy(snapshot(), 5);
  assert.equal(p.version, 5);
  assert.equal(p.load(snapshot(), 4), false, "an older base is refused");
  assert.equal(p.version, 5);
  assert.equal(p.addPage({ workspaces: [] }, 4), false, "an older page is refused");
  assert.equal(p.addPage({ workspaces: [] }, 5), true);
  assert.equal(p.load(snapshot(), 6), true);
  assert.equal(p.version, 6);
  assert.equal(p.addPage({ workspaces: [] }), true, "without a version: no check");
  const unversioned = new Policy(snapshot());
  assert.equal(unversioned.version, undefined);
  assert.equal(unversioned.load(snapshot(), 3), true);
  assert.equal(unversioned.version, 3);
  assert.throws(() => p.load(snapshot(), 1.5), /invalid version/);
});

test("the README's subscribe recipe is subscribe.ts, word for word", () => {
  const readme = readFileSync(join(here, "..", "js", "README.md"), "utf8");
  const code = readFileSync(join(here, "subscribe.ts"), "utf8");
  assert.ok(readme.includes("```ts\n" + code + "```"), "policy/js/README.md shows subscribe.ts as it is");
});

/** subscribe.ts as JavaScript (TypeScript's own transpiler), importable here. */
async function recipe() {
  const ts = createRequire(import.meta.url)("typescript");
  const source = readFileSync(join(here, "subscribe.ts"), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(here, `.subscribe-${process.pid}.mjs`);
  writeFileSync(file, js);
  try {
    return await import(file);
  } finally {
    rmSync(file, { force: true });
  }
}

/** A scripted server: the base it answers, and the streams opened. */
function fakeServer() {
  const server = { version: 3, status: 200, fetches: 0, sources: [], stale: null, offline: false, on: {} };
  globalThis.addEventListener = (type, f) => { server.on[type] = f; };
  globalThis.removeEventListener = (type) => { delete server.on[type]; };
  globalThis.fetch = async (url) => {
    assert.equal(url, "/api/workspaces/1");
    if (server.offline) throw new TypeError("Failed to fetch");
    server.fetches += 1;
    const version = server.stale ?? server.version;
    server.stale = null;
    const body = server.status === 200 ? { slice: snapshot(), version, now: 500 } : { code: "not_a_member", message: "No." };
    return { status: server.status, ok: server.status === 200, json: async () => body };
  };
  globalThis.EventSource = class {
    constructor(url) {
      this.url = url;
      this.listeners = new Map();
      this.closed = false;
      this.readyState = 1;
      server.sources.push(this);
    }
    addEventListener(type, f) { this.listeners.set(type, f); }
    close() { this.closed = true; this.readyState = 2; }
    emit(type, id, data = "{}") { this.listeners.get(type)?.({ lastEventId: String(id), data }); }
  };
  return server;
}

const settle = () => new Promise((ok) => setTimeout(ok, 10));

test("subscribe: loads, follows newer versions, ignores repeats and older ids, refuses older answers", async () => {
  const { subscribe } = await recipe();
  const server = fakeServer();
  const policy = new Policy({ workspaces: [] });
  const seen = [];
  const ended = [];
  const stop = subscribe(policy, 1, { change: (b) => seen.push(b.version), ended: (c) => ended.push(c) });
  await settle();
  assert.deepEqual(seen, [3]);
  const [source] = server.sources;
  assert.equal(source.url, "/api/workspaces/1/events?after=3", "events after the version loaded");

  server.version = 4;
  source.emit("change", 4);
  await settle();
  assert.deepEqual(seen, [3, 4]);
  source.emit("change", 4); // repeated
  source.emit("change", 2); // older
  await settle();
  assert.equal(server.fetches, 2, "repeated and older ids change nothing");

  server.version = 7;
  source.emit("change", 7); // 5 and 6 were lost on the way: 7 says so
  await settle();
  assert.deepEqual(seen, [3, 4, 7]);

  // An answer older than what is held (a lagging replica, a slow response).
  server.version = 8;
  server.stale = 5;
  source.emit("change", 8);
  await settle();
  assert.equal(policy.version, 8, "never older over newer");
  assert.deepEqual(seen, [3, 4, 7, 8], "the older answer was refused, then the news loaded");

  source.emit("resync", 8, '{"why":"overflow"}');
  await settle();
  assert.equal(server.fetches, 6, "resync reloads");

  source.emit("access_ended", 9, '{"code":"not_a_member"}');
  assert.deepEqual(ended, ["not_a_member"]);
  assert.equal(source.closed, true);
  stop();
});

test("subscribe: a refused reload means access ended", async () => {
  const { subscribe } = await recipe();
  const server = fakeServer();
  const ended = [];
  subscribe(new Policy({ workspaces: [] }), 1, { change: () => {}, ended: (c) => ended.push(c) });
  await settle();
  server.status = 403;
  server.sources[0].emit("change", 4);
  await settle();
  assert.deepEqual(ended, ["not_a_member"]);
  assert.equal(server.sources[0].closed, true);
});

test("subscribe: offline while changes land, it catches up when back online and listens again", async () => {
  const { subscribe } = await recipe();
  const server = fakeServer();
  const policy = new Policy({ workspaces: [] });
  const seen = [];
  const stop = subscribe(policy, 1, { change: (b) => seen.push(b.version), ended: () => assert.fail("not ended") });
  await settle();
  const [first] = server.sources;
  // The network goes: the reload fails, and the browser gives the stream up.
  server.offline = true;
  server.version = 6;
  first.emit("change", 4);
  await settle();
  assert.deepEqual(seen, [3], "nothing loaded offline");
  first.readyState = 2;
  first.emit("error", "");
  // Back online: the browser says so, the latest loads, a stream opens after it.
  server.offline = false;
  server.on.online();
  await settle();
  assert.deepEqual(seen, [3, 6]);
  assert.equal(policy.version, 6);
  assert.equal(server.sources.length, 2, "a new stream");
  assert.equal(server.sources[1].url, "/api/workspaces/1/events?after=6");
  stop();
  assert.equal(server.on.online, undefined, "stop removes the listener");
  assert.equal(server.sources[1].closed, true);
});
