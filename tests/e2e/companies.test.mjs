// Company membership and email verification: an admin makes a member admin
// and removes someone, never the last admin (the control says why); a new
// account verifies its address from the mailed link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a company admin promotes and removes members, never the last admin', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await page.getByRole('link', { name: 'Beta Company' }).click();
  const members = page.getByRole('region', { name: 'Members' });
  const last = members.getByRole('button', { name: 'Make Olivia Owner a member' });
  await last.waitFor();
  assert.equal(await last.isDisabled(), true, 'the last admin cannot be demoted');
  assert.equal(await last.getAttribute('title'), sentence('last_company_admin'));
  await members.getByRole('button', { name: 'Make Adam Admin an admin' }).click();
  await page.getByRole('status').filter({ hasText: 'Adam Admin is now a company admin.' }).waitFor();
  // Two admins now: Olivia may step down, and Adam may be removed.
  await members.getByRole('button', { name: 'Make Olivia Owner a member' }).and(page.locator(':enabled')).waitFor();
  await members.getByRole('button', { name: 'Remove Adam Admin' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove Adam Admin' });
  await confirm.getByText("Not an analyst in any client workspace: nobody's workspace access changes.").waitFor();
  await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Adam Admin was removed from the company.' }).waitFor();
  await members.getByText('admin@beta.example').waitFor({ state: 'detached' });
  await screenshot(page, 'company-members');
  assert.deepEqual(page.errors, []);
});

test('a new account verifies its address from the mailed link', async () => {
  const page = await newPage(browser, server);
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Vera Verify');
  await page.getByLabel('Email').fill('vera@verify.example');
  await page.getByLabel('Password').fill('vera verify password');
  await page.getByRole('button', { name: 'Create account' }).click();
  const banner = page.getByRole('region', { name: 'Email verification' });
  await banner.waitFor();
  await screenshot(page, 'verify-banner');
  const link = server.mailedLinks().filter((l) => l.includes('/verify/')).pop();
  assert.ok(link, 'a verification link was mailed');
  await page.goto(link);
  await page.getByRole('status').filter({ hasText: 'Your address is verified.' }).waitFor();
  await page.getByRole('link', { name: 'Continue to your workspaces' }).click();
  await page.getByRole('heading', { name: 'Your workspaces' }).waitFor();
  await banner.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
});
