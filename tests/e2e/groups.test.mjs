// Groups: create with inline validation, add several users at once, remove
// with an x, and delete only after typing the exact name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('create a group, add users at once, remove one with the x', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Groups');
  await page.getByText('Default · not editable').waitFor();
  await page.getByRole('button', { name: 'Create group' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create group' });
  await dialog.getByLabel('Name').fill('Finance');
  await dialog.getByLabel('Name').blur();
  await dialog.getByText(sentence('group_name_taken')).waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Create group' }).isDisabled(), true);
  await dialog.getByLabel('Name').fill('Quality');
  await dialog.getByLabel('Description').fill('Release checks');
  await dialog.getByRole('button', { name: 'Create group' }).click();
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Quality' }) });
  await card.waitFor();
  await card.getByRole('button', { name: 'Add users to Quality' }).click();
  const add = page.getByRole('dialog', { name: 'Add users to Quality' });
  await add.getByLabel(/Dana Developer/).check();
  await add.getByLabel(/Devon Developer/).check();
  // Quality governs no resource yet: adding people changes nobody's access.
  await add.getByRole('region', { name: 'Who is affected' }).getByText("Nobody's access changes.").waitFor();
  await add.getByRole('button', { name: 'Add to group' }).click();
  const members = page.getByRole('list', { name: 'Members of Quality' });
  await members.getByText('Dana Developer').waitFor();
  await members.getByText('Devon Developer').waitFor();
  await members.getByRole('button', { name: 'Remove Dana Developer from Quality' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove Dana Developer from Quality' });
  await confirm.getByRole('region', { name: 'Who is affected' }).getByText("Nobody's access changes.").waitFor();
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Removed from the group.' }).waitFor();
  await page.getByRole('list', { name: 'Members of Quality' }).getByText('Dana Developer').waitFor({ state: 'detached' });
  await screenshot(page, 'groups-created');
});

test('a group is deleted only after typing its exact name', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Groups');
  await page.getByRole('button', { name: 'Delete group Finance' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete group Finance' });
  await dialog.getByText(/will become admin-only/).waitFor();
  const confirm = dialog.getByRole('button', { name: 'Delete group' });
  assert.equal(await confirm.isDisabled(), true);
  assert.equal(await confirm.getAttribute('title'), sentence('confirmation_mismatch'));
  await dialog.getByLabel('Type Finance to confirm').fill('finance');
  assert.equal(await confirm.isDisabled(), true, 'the name must match exactly');
  await screenshot(page, 'group-delete-mismatch');
  await dialog.getByLabel('Type Finance to confirm').fill('Finance');
  assert.equal(await confirm.isDisabled(), false);
  await confirm.click();
  await page.getByRole('status').filter({ hasText: 'Group deleted.' }).waitFor();
  await page.getByRole('heading', { name: 'Finance' }).waitFor({ state: 'detached' });
  await screenshot(page, 'group-deleted');
  // The audit log has it, with what the deletion left admin-only.
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Audit log' }).click();
  const seedRow = page.getByRole('row').filter({ hasText: 'demo.seed' });
  await seedRow.waitFor();
  await page.getByLabel('Kind').selectOption({ label: 'Groups' });
  await seedRow.waitFor({ state: 'detached' });
  const row = page.getByRole('row').filter({ hasText: 'group.delete' });
  await row.getByText('resources_left_admin_only').waitFor();
  await screenshot(page, 'audit-filtered');
  assert.deepEqual(page.errors, []);
});

test('past 50 groups the tab shows 50, more on request, and finds a group by name', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Groups');
  // 55 more groups through the API, as the signed-in owner.
  await page.evaluate(async () => {
    const me = await (await fetch('/api/me')).json();
    const ws = me.workspaces.find((w) => w.name === 'Beta Integrations').id;
    for (let i = 1; i <= 55; i += 1) {
      const r = await fetch(`/api/workspaces/${ws}/groups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
        body: JSON.stringify({ name: `Bulk ${String(i).padStart(2, '0')}`, description: '' }),
      });
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
    }
  });
  await page.reload();
  await page.getByRole('heading', { name: 'Groups', level: 2 }).waitFor();
  const cards = page.locator('ul.group-list > li');
  const more = page.getByRole('button', { name: /^Show more \(50 of \d+ shown\)$/ });
  await more.waitFor();
  assert.equal(await cards.count(), 50);
  await more.click();
  await page.getByRole('heading', { name: 'Bulk 55' }).waitFor();
  assert.equal(await more.count(), 0, 'everything shown');
  const search = page.getByRole('searchbox', { name: 'Search groups' });
  await search.fill('bulk 4');
  await page.getByRole('heading', { name: 'Bulk 40' }).waitFor();
  await page.getByRole('heading', { name: 'Bulk 05' }).waitFor({ state: 'detached' });
  assert.equal(await cards.count(), 10, 'Bulk 40 to Bulk 49');
  await screenshot(page, 'groups-search');
  await search.fill('no such group');
  await page.getByText('No group matches.').waitFor();
  assert.deepEqual(page.errors, []);
});
