// Explain, preview, expire (SPEC 7, 10): the owner sees who is affected
// before saving a toggle change; an admin opens "Who has access" on a
// resource and a member's "Access"; the owner sees what deleting a group
// takes from whom; a grant's expiry passes and the analyst's next click is
// refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence, waitForText } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer({ testClock: true }); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('the owner turns off an Admin toggle and sees the affected admins before saving', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Permissions');
  await page.getByRole('button', { name: 'Edit Administrator permissions' }).click();
  const form = page.getByRole('region', { name: 'Administrator permissions' });
  await form.getByRole('switch', { name: 'Delete integration', exact: true }).uncheck();
  const impact = form.getByRole('region', { name: 'Who is affected' });
  await impact.getByText(/Administrators \(1\): lose .*Delete integration/).waitFor();
  assert.match(await impact.innerText(), /delete every Integration they can see/);
  await screenshot(page, 'preview-admin-toggle-off');
  // Nothing was saved: the switch goes back on Discard.
  await form.getByRole('button', { name: 'Discard' }).click();
  await impact.getByText('Nothing changed yet.').waitFor();
  assert.deepEqual(page.errors, []);
});

test('an admin opens who has access to a resource, and a member\'s access', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'admin@beta.example');
  await openWorkspace(page, 'Resources');
  await page.getByRole('button', { name: 'Who has access to ERP sync' }).click();
  const dialog = page.getByRole('dialog', { name: 'Who has access to ERP sync' });
  await dialog.getByText(/every Owner, every Administrator, Developers in Finance — 3 people\./).first().waitFor();
  await dialog.getByText(`Developer: ${sentence('not_in_resource_groups')}`).first().waitFor();
  await screenshot(page, 'who-has-access');
  await page.keyboard.press('Escape');

  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Access of Dana Developer' }).click();
  const access = page.getByRole('dialog', { name: 'Access of Dana Developer' });
  await access.getByText('Permission: Developer.').waitFor();
  const erp = access.getByRole('row', { name: /ERP sync/ });
  assert.match(await erp.innerText(), /Yes/);
  await screenshot(page, 'member-access');
  assert.deepEqual(page.errors, []);
});

test('the owner picks a new permission for a member and sees what it gives before confirming', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Users');
  await page.getByLabel('Change permission for Dana Developer').selectOption({ label: 'Administrator' });
  const dialog = page.getByRole('dialog', { name: 'Change permission' });
  await dialog.getByText('Make Dana Developer Administrator?').waitFor();
  await dialog.getByRole('region', { name: 'Who is affected' }).getByText(/Dana Developer: gain .*the Permissions tab/).waitFor();
  await screenshot(page, 'preview-role-change');
  // Cancelled: nothing changes, the menu shows the current permission again.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Change permission for Dana Developer').inputValue(), '');
  assert.deepEqual(page.errors, []);
});

test('a partner admin removing an analyst from the company first sees what it takes in each client workspace', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'boss@techhelp.example');
  await page.getByRole('link', { name: 'TechHelp' }).click();
  await page.getByRole('region', { name: 'Members' }).getByRole('button', { name: 'Remove Ana Analyst' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove Ana Analyst' });
  await dialog.getByRole('heading', { name: 'Beta Company: Beta Integrations' }).waitFor();
  await dialog.getByRole('region', { name: 'Who is affected' }).getByText(/Ana Analyst: lose .*open the workspace/).waitFor();
  await screenshot(page, 'preview-company-member-removal');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
});

test('the owner deletes a group and first sees which developers lose which resources', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Groups');
  await page.getByRole('button', { name: 'Delete group Finance' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete group Finance' });
  const impact = dialog.getByRole('region', { name: 'Who is affected' });
  const text = await waitForText(impact, /Dana Developer: lose .*view Integration ERP sync \(Finance\)/);
  assert.match(text, /Flow Post invoices/);
  await screenshot(page, 'preview-delete-group');
  await page.keyboard.press('Escape');
  assert.deepEqual(page.errors, []);
});

test('a grant expires and the analyst\'s next click is refused; the client renews it', async () => {
  const analyst = await newPage(browser, server);
  await signIn(analyst, 'analyst@techhelp.example');
  await openWorkspace(analyst, 'Resources');
  // The client's owner shortens the grant to a minute (through the API, as
  // the app would), and sees the expiry on the company page.
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  await owner.getByRole('link', { name: 'Beta Company' }).first().click();
  await owner.getByRole('heading', { name: 'My partner' }).waitFor();
  await owner.getByText(/Access ends on \d{4}-\d{2}-\d{2}\./).waitFor();
  await owner.evaluate(async () => {
    const me = await (await fetch('/api/me')).json();
    const company = me.companies[0].id;
    const page = await (await fetch(`/api/companies/${company}`)).json();
    const grant = page.grants[0].id;
    const r = await fetch(`/api/grants/${grant}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ expires_at: page.now + 60 }),
    });
    if (!r.ok) throw new Error(`shorten: ${r.status}`);
  });
  await owner.reload();
  await owner.getByText(/Access ends on .* \(in 0 days\) unless the client renews it\./).waitFor();
  await server.advanceClock(61);
  // The analyst's next click: refused with the policy's reason.
  await analyst.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Users' }).click();
  await analyst.getByText(sentence('partner_access_expired')).first().waitFor();
  await screenshot(analyst, 'analyst-after-expiry');
  // The client renews for a year; the analyst is back.
  await owner.reload();
  await owner.getByText(/Access expired on .*\. The client can renew it\./).waitFor();
  // Before saving: who gets access back by the renewal.
  await waitForText(owner.getByRole('region', { name: 'Who is affected' }).first(), /Ana Analyst: gain .*open the workspace/);
  await owner.getByRole('button', { name: 'Set new expiry for TechHelp' }).click();
  await owner.getByRole('status').filter({ hasText: 'New expiry saved.' }).waitFor();
  await owner.getByText(/Access ends on \d{4}-\d{2}-\d{2}\./).waitFor();
  await screenshot(owner, 'grant-renewed');
  await analyst.reload();
  await analyst.getByRole('heading', { name: 'Beta Integrations' }).waitFor();
  assert.deepEqual(owner.errors, []);
});
