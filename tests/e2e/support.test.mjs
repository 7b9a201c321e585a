// Platform support turns a company's Partner / Client on; nobody else can.
// A developer's manual run uses each job's saved group where they lack access.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('support enables a company as Partner; others cannot', async () => {
  const support = await newPage(browser, server);
  await signIn(support, 'support@gatehouse.example');
  await support.getByRole('link', { name: 'Platform support' }).click();
  const beta = support.getByRole('checkbox', { name: 'Beta Company is a Partner' });
  assert.equal(await beta.isChecked(), false);
  await beta.check();
  await support.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  await support.reload();
  assert.equal(await support.getByRole('checkbox', { name: 'Beta Company is a Partner' }).isChecked(), true);
  await screenshot(support, 'support-capabilities');

  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  assert.equal(await owner.getByRole('link', { name: 'Platform support' }).count(), 0);
  await owner.goto('/support');
  const box = owner.getByRole('checkbox', { name: 'Beta Company is a Partner' });
  await box.waitFor();
  assert.equal(await box.isDisabled(), true);
  assert.equal(await box.getAttribute('title'), sentence('support_only'));
});

test("a developer's run uses the job's saved group for jobs they cannot access", async () => {
  const dev = await newPage(browser, server);
  await signIn(dev, 'dev@beta.example');
  await openWorkspace(dev, 'Resources');
  await dev.getByRole('button', { name: 'Run Post invoices' }).click();
  const plan = dev.getByRole('dialog', { name: 'Run of Post invoices' });
  await plan.getByText('Nightly ledger export (Data Job) — runs as you').waitFor();
  await plan.getByText("Carrier manifest upload (File Job) — runs as the job's saved group: Logistics").waitFor();
  await screenshot(dev, 'developer-run-plan');
  assert.deepEqual(dev.errors, []);
});
