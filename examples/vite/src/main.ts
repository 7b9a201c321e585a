// A front end that asks @gatehouse/policy which buttons to enable.
//
// It loads a viewer's slice (here: the fixed generated cases that
// `cargo xtask test` writes, `?cases=URL`; in an app: the `slice` of
// `GET /api/workspaces/{id}` plus each page's `slice`), renders one button
// per action and enables exactly those the policy allows; a disabled button
// carries the policy's sentence. Every answer is also published on
// `window.gatehouse` so the test can compare it with the native crate's.
import init, { Policy, type Action, type Decision, type Snapshot } from "@gatehouse/policy";

/** A generated question, `[kind, ...arguments]`, the package's argument order. */
type Question = [kind: string, ...args: unknown[]];

interface World {
  sent: string;
  snapshot: Snapshot;
  pages: Snapshot[];
  questions: Question[];
}

declare global {
  interface Window {
    gatehouse?: { answers: unknown[][] } | { error: string };
  }
}

const methods = {
  decide: "decide",
  decide_many: "decideMany",
  abilities: "abilities",
  toggle_controls: "toggleControls",
  member_controls: "memberControls",
  assignable_roles: "assignableRoles",
  run_plan: "runPlan",
} as const satisfies Record<string, keyof Policy>;

/** The cases' time (seconds since the epoch), passed last to every question. */
let now: number[] = [];

function answer(policy: Policy, [kind, ...args]: Question): unknown {
  const method = methods[kind as keyof typeof methods];
  if (method === undefined) throw new Error(`unknown question kind ${kind}`);
  // A missing optional argument (JSON null) is passed as `undefined`.
  const call = policy[method] as (...a: unknown[]) => unknown;
  return call.apply(policy, [...args.map((a) => a ?? undefined), ...now]);
}

/** Enabled iff allowed; otherwise disabled, with the policy's sentence. */
function gate(button: HTMLButtonElement, d: Decision): void {
  button.disabled = !d.allowed;
  if (d.allowed) {
    button.removeAttribute("title");
    delete button.dataset.code;
  } else {
    button.title = d.message ?? "";
    button.dataset.code = d.code ?? "";
  }
}

function label(action: Action): string {
  const on = Object.entries(action)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(", ");
  return `${action.type.replaceAll("_", " ")} (${on})`;
}

function render(i: number, world: World, policy: Policy): HTMLElement {
  const section = document.createElement("section");
  section.dataset.world = String(i);
  const h = document.createElement("h2");
  h.textContent = `Facts ${i + 1}: ${world.sent === "Whole" ? "a whole snapshot" : `a viewer's slice (${world.sent})`}`;
  section.append(h);
  world.questions.forEach((q, n) => {
    if (q[0] !== "decide") return;
    const [actor, action] = q.slice(1) as [number, Action];
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.question = String(n);
    button.textContent = `#${actor}: ${label(action)}`;
    gate(button, answer(policy, q) as Decision);
    section.append(button);
  });
  return section;
}

async function main(): Promise<void> {
  const status = document.getElementById("status")!;
  const list = document.getElementById("worlds")!;
  await init(); // fetches the .wasm Vite emitted next to the bundle
  const source = new URLSearchParams(location.search).get("cases") ?? "cases.json";
  const cases = (await (await fetch(source)).json()) as { worlds: World[]; now?: number };
  const worlds = cases.worlds;
  now = cases.now === undefined ? [] : [cases.now];
  const answers = worlds.map((world, i) => {
    const policy = new Policy(world.snapshot);
    for (const page of world.pages) policy.addPage(page);
    list.append(render(i, world, policy));
    const out = world.questions.map((q) => answer(policy, q));
    policy.free();
    return out;
  });
  window.gatehouse = { answers };
  const n = answers.reduce((sum, a) => sum + a.length, 0);
  status.textContent = `Ready: ${n} questions on ${worlds.length} sets of facts.`;
}

main().catch((e: unknown) => {
  window.gatehouse = { error: String(e instanceof Error ? e.stack : e) };
  document.getElementById("status")!.textContent = `Failed: ${String(e)}`;
});
