// A front end that asks @gatehouse/policy which buttons to enable.
//
// It loads a viewer's slice (here: the fixed generated cases that
// `cargo xtask test` writes, `?cases=URL`; in an app: the `slice` of
// `GET /api/workspaces/{id}` plus each page's `slice`), renders one button
// per action and enables exactly those the policy allows; a disabled button
// carries the policy's sentence. Every answer is also published on
// `window.gatehouse` so the test can compare it with the native crate's.
import init, { Policy, type Action, type Decision, type Role, type Snapshot } from "@gatehouse/policy";

/** A generated question, `[kind, now, ...arguments]` (the differential test's form). */
type Question = [kind: string, now: number, ...args: unknown[]];

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

type Id = number;

/** The package's answer to one question, asked at its `now`. */
function answer(policy: Policy, [kind, now, ...args]: Question): unknown {
  const [actor, x, y, z] = args as [Id, unknown, unknown, unknown];
  switch (kind) {
    case "decide":
      return policy.decide(actor, x as Action, now);
    case "decide_many":
      return policy.decideMany(actor, x as Action[], now);
    case "abilities":
      return policy.abilities(actor, x as Id, now);
    case "toggle_controls":
      return policy.toggleControls(actor, x as Id, y as Role, now);
    case "member_controls":
      return policy.memberControls(actor, x as Id, y as Id, now);
    case "assignable_roles":
      return policy.assignableRoles(actor, x as Id, now, (y as Id | null) ?? undefined);
    case "run_plan":
      return policy.runPlan(actor, x as Id, y as Id, now);
    case "effective_access":
      return policy.effectiveAccess(actor, x as Id, y as Id, z as Id[], now);
    case "who_can":
      return policy.whoCan(actor, x as Id, y as Id, now);
    case "preview":
      return policy.preview(actor, x as Action, now);
    default:
      throw new Error(`unknown question kind ${kind}`);
  }
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
    const [, now, actor, action] = q as [string, number, Id, Action];
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.question = String(n);
    button.textContent = `#${actor}: ${label(action)}`;
    gate(button, policy.decide(actor, action, now));
    section.append(button);
  });
  return section;
}

async function main(): Promise<void> {
  const status = document.getElementById("status")!;
  const list = document.getElementById("worlds")!;
  await init(); // fetches the .wasm Vite emitted next to the bundle
  const source = new URLSearchParams(location.search).get("cases") ?? "cases.json";
  const { worlds } = (await (await fetch(source)).json()) as { worlds: World[] };
  const answers = worlds.map((world, i) => {
    const policy = new Policy(world.snapshot);
    for (const page of world.pages) policy.addPage(page);
    list.append(render(i, world, policy));
    // A refusal where a value was asked for (whoCan, preview, ...) throws.
    const out = world.questions.map((q) => {
      try {
        return answer(policy, q);
      } catch (e) {
        return { thrown: e instanceof Error ? e.message : String(e) };
      }
    });
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
