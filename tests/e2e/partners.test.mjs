// Partners: the client grants, the partner redeems the key and registers an
// analyst, the analyst works in the client's workspace, the client revokes,
// and the analyst's very next click is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

async function revoke(page) {
  await page.getByRole('button', { name: 'Revoke access of TechHelp' }).click();
  await page.getByRole('dialog', { name: 'Revoke partner access' }).getByRole('button', { name: 'Revoke access' }).click();
  await page.getByRole('status').filter({ hasText: 'Access revoked' }).waitFor();
}

test('grant -> redeem -> analyst registered -> revoke -> the next click is refused', async () => {
  const client = await newPage(browser, server);
  await signIn(client, 'owner@beta.example');
  await client.getByRole('link', { name: 'Beta Company' }).click();
  await client.getByRole('heading', { name: 'My partner' }).waitFor();
  // The demo starts with TechHelp as partner; one partner at a time.
  await revoke(client);
  await client.getByLabel('Partner company').selectOption({ label: 'TechHelp' });
  await client.getByRole('group', { name: 'Workspaces' }).getByLabel('Beta Integrations').check();
  await client.getByRole('group', { name: 'Sections they may see' }).getByLabel('Integrations and flows').check();
  await client.getByRole('group', { name: 'Sections they may see' }).getByLabel('Users list').check();
  await client.getByRole('button', { name: 'Grant access' }).click();
  const keyField = client.getByRole('textbox', { name: 'Access key' });
  await keyField.waitFor();
  const key = await keyField.inputValue();
  assert.ok(key.length >= 20, 'an access key is shown');
  await screenshot(client, 'partner-key-shown-once');

  const partner = await newPage(browser, server);
  await signIn(partner, 'boss@techhelp.example');
  await partner.getByRole('link', { name: 'TechHelp' }).click();
  await partner.getByLabel('Access key from a client').fill(key);
  await partner.getByRole('button', { name: 'Redeem key' }).click();
  await partner.getByRole('status').filter({ hasText: 'Access key redeemed' }).waitFor();
  await partner.getByLabel('Analyst to register in Beta Integrations').selectOption({ label: 'Ana Analyst (analyst@techhelp.example)' });
  const analysts = partner.getByRole('region', { name: 'Analysts in Beta Integrations' });
  await analysts.getByRole('region', { name: 'Who is affected' }).getByText(/Ana Analyst: gain .*open the workspace/).waitFor();
  await screenshot(partner, 'partner-analyst-preview');
  await partner.getByRole('button', { name: 'Register analyst in Beta Integrations' }).click();
  await partner.getByRole('status').filter({ hasText: 'Analyst registered.' }).waitFor();
  await partner.getByRole('region', { name: 'Analysts in Beta Integrations' }).getByRole('button', { name: 'Remove Ana Analyst from Beta Integrations' }).waitFor();
  await screenshot(partner, 'partner-analyst-registered');

  const analyst = await newPage(browser, server);
  await signIn(analyst, 'analyst@techhelp.example');
  // This tab never hears of the revocation (its event stream hangs): the
  // server still refuses its next click. (The news itself: live.test.mjs.)
  await analyst.route('**/events*', () => {});
  await openWorkspace(analyst, 'Resources');
  await analyst.getByText('Webshop orders').first().waitFor();
  // Only the granted sections: no modules.
  assert.equal(await analyst.getByText('SAP connector').count(), 0);

  await client.reload();
  await client.getByRole('heading', { name: 'My partner' }).waitFor();
  await revoke(client);

  await analyst.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Users' }).click();
  await analyst.getByRole('alert').filter({ hasText: sentence('not_a_member') }).waitFor();
  await screenshot(analyst, 'analyst-refused-after-revoke');
  assert.deepEqual(client.errors, []);
  assert.deepEqual(partner.errors, []);
});
