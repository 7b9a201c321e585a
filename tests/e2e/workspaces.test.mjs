// A company admin creates a workspace and shares its join link; someone who
// opens it signs in, asks for access, and the owner authorizes the request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, screenshot, PASSWORD } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('create a workspace, share the join link, authorize the request', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  await owner.getByRole('link', { name: 'Beta Company' }).click();
  await owner.getByRole('button', { name: 'Create workspace' }).click();
  const dialog = owner.getByRole('dialog', { name: 'Create workspace' });
  await dialog.getByLabel('Name').fill('Operations');
  await dialog.getByRole('button', { name: 'Create workspace' }).click();
  await owner.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
  await owner.getByRole('rowheader', { name: 'Olivia Owner' }).waitFor();

  // The link is shown once and must survive the reload that follows the change.
  const reloaded = owner.waitForResponse((r) => /\/api\/workspaces\/\d+$/.test(r.url()) && r.request().method() === 'GET');
  await owner.getByRole('button', { name: 'Create a new join link' }).click();
  await reloaded;
  await owner.waitForTimeout(300);
  const link = await owner.getByRole('textbox', { name: 'Join link' }).inputValue({ timeout: 1000 });
  assert.match(link, /\/join\//);

  // Someone signed out opens it: sign in first, then back to the link.
  const dana = await newPage(browser, server);
  await dana.goto(link);
  await dana.getByRole('heading', { name: 'Sign in' }).waitFor();
  await dana.getByLabel('Email').fill('dev@beta.example');
  await dana.getByLabel('Password').fill(PASSWORD);
  await dana.getByRole('button', { name: 'Sign in' }).click();
  await dana.getByRole('button', { name: 'Request access' }).click();
  await dana.getByRole('status').filter({ hasText: 'Your request was sent.' }).waitFor();

  await owner.reload();
  const requests = owner.getByRole('region', { name: 'Access requests' });
  await requests.getByText('Dana Developer (dev@beta.example)').waitFor();
  await screenshot(owner, 'join-request-pending');
  await requests.getByRole('button', { name: 'Authorize Dana Developer' }).click();
  const authorize = owner.getByRole('dialog', { name: 'Authorize Dana Developer' });
  await authorize.getByRole('region', { name: 'Who is affected' }).getByText(/Dana Developer: gain .*open the workspace/).waitFor();
  await screenshot(owner, 'join-request-preview');
  await authorize.getByRole('button', { name: 'Authorize' }).click();
  await owner.getByRole('row', { name: /dev@beta\.example/ }).getByText('Active').waitFor();
  await owner.getByRole('region', { name: 'Access requests' }).waitFor({ state: 'detached' });
  await screenshot(owner, 'join-request-authorized');
  assert.deepEqual(owner.errors, []);
  assert.deepEqual(dana.errors, []);
});
