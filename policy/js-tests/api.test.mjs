// Every export of @gatehouse/policy, used as an installed package.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Policy, normalizeEmail, validateGroupName, validateGroupDescription, defaultToggles, catalog,
} from "@gatehouse/policy";
import { snapshot, WS, NOW, GRANT_EXPIRES } from "./fixture.mjs";

const policy = new Policy(snapshot());

test("decide: allowed and denied are values, not exceptions", () => {
  assert.deepEqual(policy.decide(100, { type: "change_role", workspace: WS, target: 102, role: "developer" }, NOW), { allowed: true });
  assert.deepEqual(policy.decide(101, { type: "change_role", workspace: WS, target: 102, role: "developer" }, NOW), {
    allowed: false,
    code: "target_rank_not_below",
    message: "You can only manage members whose role is below yours.",
  });
  const d = policy.decide(101, { type: "set_toggle", workspace: WS, role: "admin", toggle: "users.add", on: false }, NOW);
  assert.equal(d.code, "owner_only_edits_admin_toggles");
  assert.equal(d.message, "Only the workspace owner can change administrators' permissions.");
});

test("decide: an admin cannot switch on what the Admin role lacks", () => {
  const on = { type: "set_toggle", workspace: WS, role: "developer", toggle: "integrations.delete", on: true };
  assert.equal(policy.decide(101, on, NOW).code, "toggle_not_held_by_admins");
  assert.equal(policy.decide(100, on, NOW).allowed, true);
});

test("one reason, different sentences: each decision keeps its own", () => {
  const create = (name) => ({ type: "create_group", workspace: WS, name, description: "" });
  const empty = policy.decide(100, create(" "), NOW);
  const reserved = policy.decide(100, create("default"), NOW);
  assert.equal(empty.code, "invalid_group_name");
  assert.equal(reserved.code, "invalid_group_name");
  assert.equal(empty.message, "Enter a name for the group.");
  assert.match(reserved.message, /every member is in/);
  assert.ok(Object.isFrozen(empty), "decisions are immutable values");
});

test("decideMany answers in order", () => {
  const out = policy.decideMany(103, [
    { type: "view_permissions", workspace: WS },
    { type: "edit_resource", workspace: WS, resource: 600 },
    { type: "view_resource", workspace: 999, resource: 1 },
  ], NOW);
  assert.deepEqual(out.map((d) => d.code ?? "ok"), ["owner_or_admin_only", "ok", "unknown_workspace"]);
  assert.deepEqual(policy.decideMany(103, [], NOW), []);
});

test("abilities, toggleControls, memberControls, assignableRoles", () => {
  const dev = policy.abilities(103, WS, NOW);
  assert.equal(dev.role, "developer");
  assert.equal(dev.permissions_tab.allowed, false);
  assert.equal(dev.permissions_tab.code, "owner_or_admin_only");
  const owner = policy.abilities(100, WS, NOW);
  assert.deepEqual(owner.invite_roles, ["developer", "admin"]);
  assert.equal(owner.transfer_ownership.allowed, true);
  const controls = policy.toggleControls(101, WS, "admin", NOW);
  assert.equal(controls.length, 16);
  assert.ok(controls.every((c) => c.flip.code === "owner_only_edits_admin_toggles"));
  assert.equal(controls[0].label, "Add users to the workspace");
  const m = policy.memberControls(101, WS, 103, NOW);
  assert.deepEqual(m.roles, ["admin"]);
  assert.equal(m.remove.allowed, true);
  assert.deepEqual(policy.assignableRoles(101, WS, NOW), ["developer", "admin"]);
  assert.deepEqual(policy.assignableRoles(101, WS, NOW, 102), []);
  assert.deepEqual(policy.assignableRoles(101, WS, NOW, undefined), ["developer", "admin"]);
});

test("runPlan says which identity each job runs as", () => {
  const plan = policy.runPlan(103, WS, 601, NOW);
  assert.equal(plan.allowed, false);
  assert.equal(plan.code, "job_without_group");
  const ok = policy.runPlan(103, WS, 603, NOW);
  assert.deepEqual(ok, { allowed: true, plan: { flow: 603, steps: [{ resource: 702, kind: "file_job", run_as: { as: "user" } }] } });
  const admin = policy.runPlan(101, WS, 601, NOW);
  assert.equal(admin.allowed, true);
  assert.equal(admin.plan.steps.length, 2);
});

test("load replaces the resident snapshot: a revoked grant cuts the analyst off", () => {
  const p = new Policy(snapshot());
  const view = { type: "view_resource", workspace: WS, resource: 600 };
  // Outside its groups: the resource does not exist for the analyst.
  assert.equal(p.decide(105, view, NOW).code, "unknown_resource");
  const s = snapshot();
  s.grants[0].revoked = true;
  p.load(s);
  assert.equal(p.decide(105, view, NOW).code, "partner_access_revoked");
  p.free();
});

test("malformed input throws an error naming the bad field", () => {
  assert.throws(() => policy.decide(100, { type: "change_role", workspace: WS, target: 1 }, NOW), /invalid action: missing field `role`/);
  assert.throws(() => policy.decide(100, { type: "fly", workspace: WS }, NOW), /invalid action.*unknown variant `fly`/);
  assert.throws(() => policy.decide(100, { type: "change_role", workspace: WS, target: 1, role: "king" }, NOW), /invalid action: unknown variant `king`, expected one of `developer`, `admin`, `owner`/);
  assert.throws(() => policy.decide(1.5, { type: "view_workspace", workspace: WS }, NOW), /invalid actor/);
  assert.throws(() => policy.decideMany(100, [{ type: "view_workspace", workspace: WS }, { type: "view_workspace" }], NOW), /invalid actions at `\[1\]`.*missing field `workspace`/);
  const bad = snapshot();
  bad.workspaces[0].members[2].role = "boss";
  assert.throws(() => new Policy(bad), /invalid snapshot at `workspaces\[0\]\.members\[2\]\.role`: unknown variant `boss`/);
  assert.throws(() => new Policy({ workspaces: "nope" }), /invalid snapshot at `workspaces`/);
  assert.throws(() => policy.toggleControls(100, WS, "root", NOW), /invalid role/);
});

test("a server response or anything else instead of a snapshot is named as such", () => {
  const response = { workspace: { id: WS, name: "Beta" }, slice: snapshot(), groups: [], people: [] };
  assert.throws(() => new Policy(response), /this is a server response, not a slice; pass its `slice` field/);
  assert.throws(() => policy.load(response), /pass its `slice` field/);
  assert.throws(() => new Policy({ rows: [] }), /expected a snapshot or slice/);
  assert.throws(() => new Policy([]), /expected an object with `workspaces`/);
  assert.throws(() => new Policy(null), /expected an object/);
  assert.throws(() => policy.addPage({ rows: [], next: null, slice: {} }), /invalid slice: this is a server response/);
});

test("a base slice plus pages decides its rows as the whole facts do", () => {
  // A developer's base: itself only, the rest partial; a page adds rows.
  const whole = snapshot();
  const ws = whole.workspaces[0];
  const base = {
    accounts: [whole.accounts.find((a) => a.id === 101)],
    workspaces: [{
      ...ws,
      members: ws.members.filter((m) => m.account === 101),
      invitations: [], requests: [], resources: [],
      partial: { members: true, invitations: true, resources: true, group_members: true },
    }],
  };
  const slice = new Policy(base);
  const remove = { type: "remove_member", workspace: WS, target: 103 };
  assert.equal(slice.decide(101, remove, NOW).code, "unknown_member", "not loaded: unknown, not refused");
  const invite = { type: "invite", workspace: WS, email: "dev@client.io", role: "developer" };
  assert.equal(slice.decide(101, invite, NOW).code, "incomplete_facts", "a whole-set rule asks the server");
  slice.addPage({
    accounts: [whole.accounts.find((a) => a.id === 103)],
    workspaces: [{ ...base.workspaces[0], members: ws.members.filter((m) => m.account === 103) }],
  });
  assert.deepEqual(slice.decide(101, remove, NOW), policy.decide(101, remove, NOW));
  assert.deepEqual(slice.memberControls(101, WS, 103, NOW), policy.memberControls(101, WS, 103, NOW));
});

test("validation helpers", () => {
  assert.equal(normalizeEmail("  Ana@Example.COM "), "ana@example.com");
  assert.throws(() => normalizeEmail("nope"), /email `nope` needs exactly one `@`/);
  assert.equal(validateGroupName(" Finance "), "Finance");
  assert.throws(() => validateGroupName("Default"), /reserved/);
  assert.throws(() => validateGroupName("x".repeat(65)), /longer than 64/);
  assert.equal(validateGroupDescription(" ok "), "ok");
  assert.throws(() => validateGroupDescription("d".repeat(501)), /at most 500/);
});

test("defaultToggles and catalog", () => {
  const t = defaultToggles();
  assert.equal(t.admin.length, 16);
  assert.deepEqual(t.developer.filter((k) => k.startsWith("users.")), []);
  assert.equal(t.developer.length, 8);
  const c = catalog();
  assert.equal(c.toggles.length, 16);
  assert.equal(c.categories.length, 5);
  assert.ok(c.reasons.some((r) => r.code === "partner_access_revoked"));
  assert.ok(c.reasons.every((r) => r.message.endsWith(".")));
});

test("time is an argument: an analyst is refused from the grant's expiry on", () => {
  const view = { type: "view_workspace", workspace: WS };
  assert.equal(policy.decide(105, view, GRANT_EXPIRES - 1).allowed, true);
  assert.equal(policy.decide(105, view, GRANT_EXPIRES).code, "partner_access_expired");
  assert.equal(policy.abilities(105, WS, GRANT_EXPIRES).open.allowed, false);
  assert.equal(policy.decide(100, view, GRANT_EXPIRES).allowed, true, "members are not affected");
  // Fractions of a second are cut; milliseconds are refused, not read as a far future.
  assert.equal(policy.decide(105, view, GRANT_EXPIRES - 0.5).allowed, true);
  assert.throws(() => policy.decide(105, view, Date.now()), /invalid now: .* seconds since the epoch/);
  assert.throws(() => policy.decide(105, view), /invalid now/);
  assert.throws(() => policy.decide(105, view, -1), /invalid now/);
});

test("whoCan: who can view and manage a resource, by rule, with counts", () => {
  const who = policy.whoCan(100, WS, 600, NOW);
  assert.deepEqual(who.view.roles, ["owner", "admin"]);
  assert.deepEqual(who.view.groups, [51], "developers in Finance");
  assert.deepEqual(who.view.analysts, [], "the analyst is not in Finance");
  assert.equal(who.view.count, 4, "owner, two admins, developer 103");
  // Nobody but the Owner deletes integrations here (admins lack the toggle).
  assert.deepEqual(who.delete.roles, ["owner"]);
  assert.equal(who.delete.others.find((o) => o.role === "admin").decision.code, "missing_toggle");
  assert.throws(() => policy.whoCan(103, WS, 600, NOW), /^Error: owner_or_admin_only: /);
});

test("effectiveAccess: a member's abilities, toggles and resources, with reasons", () => {
  const dev = policy.effectiveAccess(101, WS, 104, [600, 701], NOW);
  assert.equal(dev.member, 104);
  assert.equal(dev.abilities.role, "developer");
  assert.equal(dev.toggles.find((t) => t.toggle === "integrations.delete").decision.code, "missing_toggle");
  assert.equal(dev.resources[0].view.code, "not_in_resource_groups", "explained, not hidden");
  assert.equal(dev.resources[1].view.code, "no_group_admin_only");
  // A member may ask about itself; a developer not about others.
  assert.equal(policy.effectiveAccess(104, WS, 104, [], NOW).member, 104);
  assert.throws(() => policy.effectiveAccess(104, WS, 103, [], NOW), /owner_or_admin_only/);
});

test("preview: who gains and loses what before a change is saved", () => {
  // The owner gives developers "Delete integrations": each gains it, and
  // Delete on every integration and flow they see.
  const on = { type: "set_toggle", workspace: WS, role: "developer", toggle: "integrations.delete", on: true };
  const p = policy.preview(100, on, NOW);
  const devs = p.workspaces[0].changes.find((c) => c.people.kind === "role");
  assert.deepEqual(devs.people, { kind: "role", role: "developer", count: 2 });
  assert.deepEqual(devs.gains.toggles, ["integrations.delete"]);
  assert.deepEqual(devs.gains.resources.map((r) => [r.op, r.kind, r.all_they_see]), [["delete", "integration", true], ["delete", "flow", true]]);
  // Removing developer 103 from Finance: it loses the integration and its flows.
  const out = policy.preview(100, { type: "remove_group_member", workspace: WS, group: 51, account: 103 }, NOW);
  const lost = out.workspaces[0].changes[0];
  assert.deepEqual(lost.people, { kind: "members", accounts: [103] });
  const views = lost.losses.resources.filter((r) => r.op === "view").map((r) => [r.kind, r.resources]);
  assert.deepEqual(views, [["integration", [600]], ["flow", [601, 603]], ["data_job", [700]], ["file_job", [702]]]);
  // Not allowed: the refusal is thrown.
  assert.throws(() => policy.preview(103, on, NOW), /^Error: owner_only_edits_admin_toggles|owner_or_admin_only|missing_toggle/);
});
