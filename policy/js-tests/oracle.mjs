// The JavaScript side of the differential test. Reads one JSON batch per
// line on stdin — { snapshot, pages, questions: [[kind, now, ...args], ...] } —
// loads the snapshot (a whole world, or a viewer's base slice) into the
// package, adds the pages, answers every question, and writes one JSON
// array of answers per line. GATEHOUSE_ORACLE_TAMPER=1 flips one answer per
// batch on purpose, so the harness can prove it notices.
import { createInterface } from "node:readline";
import { Policy } from "@gatehouse/policy";

const tamper = process.env.GATEHOUSE_ORACLE_TAMPER === "1";
let policy = null;

function answer(q) {
  const [kind, now, ...args] = q;
  switch (kind) {
    case "decide": return policy.decide(args[0], args[1], now);
    case "decide_many": return policy.decideMany(args[0], args[1], now);
    case "abilities": return policy.abilities(args[0], args[1], now);
    case "toggle_controls": return policy.toggleControls(args[0], args[1], args[2], now);
    case "member_controls": return policy.memberControls(args[0], args[1], args[2], now);
    case "assignable_roles": return policy.assignableRoles(args[0], args[1], now, args[2] ?? undefined);
    case "run_plan": return policy.runPlan(args[0], args[1], args[2], now);
    case "effective_access": return policy.effectiveAccess(args[0], args[1], args[2], args[3], now);
    case "who_can": return policy.whoCan(args[0], args[1], args[2], now);
    case "preview": return policy.preview(args[0], args[1], now);
    default: throw new Error(`unknown question kind ${kind}`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line) continue;
  const batch = JSON.parse(line);
  if (policy === null) policy = new Policy(batch.snapshot);
  else policy.load(batch.snapshot);
  for (const page of batch.pages ?? []) policy.addPage(page);
  const out = batch.questions.map((q) => {
    try {
      return answer(q);
    } catch (e) {
      return { thrown: String(e.message ?? e) };
    }
  });
  if (tamper && out.length > 0) {
    const i = out.length - 1;
    out[i] = out[i] && out[i].allowed === true ? { allowed: false, code: "owner_only", message: "x" } : { allowed: true };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
