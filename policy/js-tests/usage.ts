// Type-checked by `tsc --noEmit`: the generated declarations describe the API.
import {
  Policy, catalog, normalizeEmail,
  type Action, type Decision, type Reason, type Snapshot, type WorkspaceAbilities, type Role,
  type EffectiveAccess, type WhoCan, type Preview, type People,
} from "@gatehouse/policy";

// Seconds since the epoch: the server's `now`, advanced by a monotonic clock.
const NOW: number = Date.now() / 1000;
const snapshot: Snapshot = { workspaces: [], accounts: [], companies: [], grants: [] };
const policy = new Policy(snapshot);
const action: Action = { type: "change_role", workspace: 1, target: 2, role: "admin" };
const d: Decision = policy.decide(1, action, NOW);
const code: Reason | undefined = d.code;
const tabs: WorkspaceAbilities = policy.abilities(1, 1, NOW);
const roles: Role[] = policy.assignableRoles(1, 1, NOW);
const many: Decision[] = policy.decideMany(1, [action, { type: "view_billing", workspace: 1 }], NOW);
const email: string = normalizeEmail(" A@B.io ");
const labels: string[] = catalog().toggles.map((t) => t.label);
// A page's slice adds to the facts; partial lists are declared on the type.
const page: Snapshot = {
  workspaces: [{ id: 1, company: 1, toggles: { admin: [], developer: [] }, partial: { members: true } }],
};
policy.addPage(page);
const unknown: Decision = policy.decide(1, { type: "invite", workspace: 1, email: "a@b.io", role: "admin" }, NOW);
// @ts-expect-error: partial takes booleans
const badPartial: Snapshot = { workspaces: [{ id: 1, company: 1, toggles: { admin: [], developer: [] }, partial: { members: 1 } }] };
// @ts-expect-error: an unknown action type does not type-check
const wrong: Action = { type: "fly", workspace: 1 };
// @ts-expect-error: roles are a closed set
const badRole: Role = "king";
// Explain and preview (SPEC 10), typed.
const access: EffectiveAccess = policy.effectiveAccess(1, 1, 2, [600], NOW);
const who: WhoCan = policy.whoCan(1, 1, 600, NOW);
const counted: number = who.view.count + access.resources.length;
const p: Preview = policy.preview(1, action, NOW);
const people: People | undefined = p.workspaces[0]?.changes[0]?.people;
const many2 = people?.kind === "role" ? people.count : people?.accounts.length;
void [counted, many2];
void [code, tabs.permissions_tab.allowed, roles, many, email, labels, wrong, badRole, unknown, badPartial];
