// Invitations: the owner invites, the emailed link (from the outbox) opens
// in a fresh browser, the invitee creates an account, and shows as Active.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot, sentence } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('invite -> link from the outbox in a fresh browser -> account created -> Active', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  await openWorkspace(owner, 'Users');
  // Keyboard: open with Enter, the email field has focus, Escape closes and
  // focus returns to the button that opened it.
  await owner.getByRole('button', { name: 'Invite users' }).focus();
  await owner.keyboard.press('Enter');
  await owner.getByRole('dialog', { name: 'Invite users' }).waitFor();
  await owner.waitForFunction(() => document.activeElement?.type === 'email');
  await owner.keyboard.press('Escape');
  await owner.getByRole('dialog', { name: 'Invite users' }).waitFor({ state: 'detached' });
  await owner.waitForFunction(() => document.activeElement?.textContent === 'Invite users');
  await owner.getByRole('button', { name: 'Invite users' }).click();
  const dialog = owner.getByRole('dialog', { name: 'Invite users' });
  // Only the roles this actor may give are offered; never Owner.
  const roles = await dialog.getByLabel('Permission').locator('option').allTextContents();
  assert.deepEqual(roles, ['Developer', 'Administrator']);
  // Inline check with the policy: an existing member is refused before sending.
  await dialog.getByLabel('Email').fill('dev@beta.example');
  await dialog.getByText(sentence('already_a_member')).waitFor();
  assert.equal(await dialog.getByRole('button', { name: 'Send invitation' }).isDisabled(), true);
  await dialog.getByLabel('Email').fill('nina@beta.example');
  await dialog.getByLabel('Permission').selectOption({ label: 'Developer' });
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await owner.getByRole('status').filter({ hasText: 'Invitation sent to nina@beta.example.' }).waitFor();
  const row = owner.getByRole('row', { name: /nina@beta\.example/ });
  await row.getByText('Waiting').waitFor();
  await screenshot(owner, 'invite-waiting');

  const link = server.mailedLinks().find((l) => l.includes('/invite/'));
  assert.ok(link, 'the invitation email is in the outbox');
  const invitee = await newPage(browser, server);
  await invitee.goto(link);
  await invitee.getByText('You are invited to the workspace Beta Integrations as Developer.').waitFor();
  await invitee.getByLabel('Your name').fill('Nina Newcomer');
  await invitee.getByLabel('Password').fill('a-long-password');
  await invitee.getByRole('button', { name: 'Create account and join' }).click();
  await invitee.getByRole('heading', { name: 'Beta Integrations' }).waitFor();
  await invitee.getByRole('rowheader', { name: 'Nina Newcomer' }).waitFor();
  await screenshot(invitee, 'invite-accepted');

  await owner.reload();
  const active = owner.getByRole('row', { name: /nina@beta\.example/ });
  await active.getByText('Active').waitFor();
  await active.getByRole('rowheader', { name: 'Nina Newcomer' }).waitFor();
  await screenshot(owner, 'invite-active');

  // The link worked once.
  const again = await newPage(browser, server);
  await again.goto(link);
  await again.getByRole('alert').waitFor();
  assert.deepEqual(owner.errors, []);
  assert.deepEqual(invitee.errors, []);
});
