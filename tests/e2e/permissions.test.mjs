// Permissions: the owner edits Admin toggles; an admin sees them read-only
// with the policy's reason and edits Developer toggles within its own; a
// developer gets no Permissions tab and no remove/change controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('owner switches off an Admin toggle; it stays off after a reload', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Permissions');
  await page.getByRole('button', { name: 'Edit Administrator permissions' }).click();
  const form = page.getByRole('region', { name: 'Administrator permissions' });
  const toggle = form.getByRole('switch', { name: 'Delete integration', exact: true });
  assert.equal(await toggle.isChecked(), true, 'admins start with every toggle');
  await toggle.uncheck();
  await form.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: 'Administrator permissions saved.' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Edit Administrator permissions' }).click();
  const after = page.getByRole('region', { name: 'Administrator permissions' }).getByRole('switch', { name: 'Delete integration', exact: true });
  assert.equal(await after.isChecked(), false, 'the change persisted');
  await screenshot(page, 'owner-edits-admin-toggles');
  assert.deepEqual(page.errors, []);
});

test('admin sees Admin toggles disabled with the reason and edits Developer toggles', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'admin@beta.example');
  await openWorkspace(page, 'Permissions');
  await page.getByRole('button', { name: 'View Administrator permissions' }).click();
  const adminForm = page.getByRole('region', { name: 'Administrator permissions' });
  const switches = adminForm.getByRole('switch');
  assert.equal(await switches.count(), 16);
  for (let i = 0; i < 16; i += 1) assert.equal(await switches.nth(i).isDisabled(), true);
  const why = sentence('owner_only_edits_admin_toggles');
  assert.equal(await switches.first().getAttribute('title'), why);
  await adminForm.getByText(why).first().waitFor();
  assert.equal(await adminForm.getByRole('button', { name: 'Save changes' }).count(), 0, 'no save for a read-only form');
  await screenshot(page, 'admin-sees-admin-toggles-read-only');
  await adminForm.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Edit Developer permissions' }).click();
  const devForm = page.getByRole('region', { name: 'Developer permissions' });
  // The owner took "Delete integration" from Admins: an admin cannot give it to Developers.
  const lacking = devForm.getByRole('switch', { name: 'Delete integration', exact: true });
  assert.equal(await lacking.isDisabled(), true);
  assert.equal(await lacking.getAttribute('title'), sentence('toggle_not_held_by_admins'));
  const gateway = devForm.getByRole('switch', { name: 'Delete API Gateway', exact: true });
  assert.equal(await gateway.isDisabled(), false);
  await gateway.check();
  await devForm.getByRole('button', { name: 'Save changes' }).click();
  await page.getByRole('status').filter({ hasText: 'Developer permissions saved.' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Edit Developer permissions' }).click();
  assert.equal(await page.getByRole('region', { name: 'Developer permissions' }).getByRole('switch', { name: 'Delete API Gateway', exact: true }).isChecked(), true);
  await screenshot(page, 'admin-edits-developer-toggles');
  assert.deepEqual(page.errors, []);
});

test('developer has no Permissions tab and no remove or change controls', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'dev@beta.example');
  await openWorkspace(page, 'Users');
  const tabs = page.getByRole('navigation', { name: 'Workspace' });
  await tabs.getByRole('link', { name: 'Users' }).waitFor();
  assert.equal(await tabs.getByRole('link', { name: 'Permissions' }).count(), 0);
  await page.getByRole('cell', { name: 'admin@beta.example' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Remove access/ }).count(), 0);
  assert.equal(await page.getByRole('combobox', { name: /Change permission/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /Change permission/ }).count(), 0);
  assert.equal(await page.getByRole('columnheader', { name: 'Actions' }).count(), 0);
  // Search by name or email, case-insensitive.
  await page.getByRole('searchbox', { name: 'Search users' }).fill('DEVON');
  await page.getByRole('rowheader', { name: 'Adam Admin' }).waitFor({ state: 'detached' });
  await page.getByRole('rowheader', { name: 'Devon Developer' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search users' }).fill('nobody-here');
  await page.getByText('No users match your search.').waitFor();
  // Typing the address does not help: the tab says why.
  await page.goto(page.url().replace(/\/users$/, '/permissions'));
  await page.getByRole('alert').filter({ hasText: sentence('owner_or_admin_only') }).waitFor();
  await screenshot(page, 'developer-no-permissions');
});

test('the Users page holds at 390 px wide', async () => {
  const page = await newPage(browser, server, { width: 390, height: 844 });
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Users');
  await page.getByRole('cell', { name: 'admin@beta.example' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await screenshot(page, 'users-390px');
});

test('two people save the same toggles: the second sees the conflict and the latest state', async () => {
  const owner = await newPage(browser, server);
  const admin = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  await signIn(admin, 'admin@beta.example');
  for (const page of [owner, admin]) {
    await openWorkspace(page, 'Permissions');
    await page.getByRole('button', { name: 'Edit Developer permissions' }).click();
  }
  // The owner starts an edit; meanwhile the admin saves.
  const ownerForm = owner.getByRole('region', { name: 'Developer permissions' });
  await ownerForm.getByRole('switch', { name: 'Edit connected account', exact: true }).uncheck();
  const adminForm = admin.getByRole('region', { name: 'Developer permissions' });
  await adminForm.getByRole('switch', { name: 'Create connected account', exact: true }).uncheck();
  await adminForm.getByRole('button', { name: 'Save changes' }).click();
  await admin.getByRole('status').filter({ hasText: 'Developer permissions saved.' }).waitFor();
  // The owner's tab hears of it (live access) and keeps the unsaved edit.
  const ws = (await (await admin.request.get('/api/me')).json()).workspaces[0].id;
  const { version } = await (await admin.request.get(`/api/workspaces/${ws}`)).json();
  await owner.waitForFunction((v) => Number(document.querySelector('.ws-head')?.dataset.version) >= v, version);
  assert.equal(await ownerForm.getByRole('switch', { name: 'Edit connected account', exact: true }).isChecked(), false);
  // Saving it now would be a conflict: the form says so before the click.
  const save = ownerForm.getByRole('button', { name: 'Save changes' });
  await owner.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Save changes' && b.disabled));
  assert.equal(await save.getAttribute('title'), sentence('stale_version'));
  await ownerForm.getByRole('button', { name: 'Discard' }).click();
  // The latest, not a merge: the admin's change shows, the owner's unsaved one is gone.
  const fresh = owner.getByRole('region', { name: 'Developer permissions' });
  await fresh.getByRole('switch', { name: 'Create connected account', exact: true }).and(owner.locator(':not(:checked)')).waitFor();
  assert.equal(await fresh.getByRole('switch', { name: 'Edit connected account', exact: true }).isChecked(), true);
  await screenshot(owner, 'toggles-conflict');
});
