// Time from nothing to a usable module in a fresh Node process: import of the
// package (reading, compiling and instantiating the .wasm) plus one decision.
const t0 = performance.now();
const { Policy } = await import("@gatehouse/policy");
const t1 = performance.now();
const p = new Policy({ workspaces: [] });
p.decide(1, { type: "view_workspace", workspace: 1 }, Date.now() / 1000);
const t2 = performance.now();
console.log(JSON.stringify({ import_ms: t1 - t0, first_decision_ms: t2 - t1 }));
