// Need to know in the browser: a developer's Resources tab lists only what it
// may see (its run plan still names the job it cannot see, with the job's
// saved group); the Users tab comes in pages and searches as you type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

test('a developer sees only its resources; the run plan names the job it cannot see', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'dev@beta.example'); // Finance
  await openWorkspace(page, 'Resources');
  await page.getByText('ERP sync').first().waitFor();
  const text = await page.locator('main').innerText();
  for (const hidden of ['Public orders API', 'Manifest CSV']) {
    assert.ok(!text.includes(hidden), `a Logistics-only resource is listed: ${hidden}`);
  }
  // Nor is it anywhere in what the server sent.
  const sent = await page.evaluate(async () => {
    const ws = location.pathname.split('/')[2];
    const r = await Promise.all([`/api/workspaces/${ws}`, `/api/workspaces/${ws}/resources?limit=200`].map((u) => fetch(u).then((x) => x.text())));
    return r.join('');
  });
  assert.ok(!sent.includes('Public orders API') && !sent.includes('Manifest CSV'), 'not sent either');
  await page.getByRole('button', { name: 'Run Post invoices' }).click();
  const plan = page.getByRole('dialog', { name: 'Run of Post invoices' });
  await plan.getByText("Carrier manifest upload (File Job) — runs as the job's saved group: Logistics").waitFor();
  await screenshot(page, 'developer-resources-run-plan');
  assert.deepEqual(page.errors, []);
});

test('the Users tab comes in pages and searches as you type', async () => {
  const page = await newPage(browser, server);
  await signIn(page, 'owner@beta.example');
  await openWorkspace(page, 'Users');
  // Sixty more people are invited (through the API, as the app would).
  await page.evaluate(async () => {
    const ws = location.pathname.split('/')[2];
    const me = await (await fetch('/api/me')).json();
    for (let i = 0; i < 60; i += 1) {
      const r = await fetch(`/api/workspaces/${ws}/invitations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
        body: JSON.stringify({ email: `bulk${String(i).padStart(2, '0')}@beta.example`, role: 'developer' }),
      });
      if (!r.ok) throw new Error(`invite ${i}: ${r.status}`);
    }
  });
  await page.reload();
  const rows = page.getByRole('table', { name: 'Users of this workspace' }).getByRole('row');
  await page.getByRole('rowheader', { name: 'bulk00@beta.example' }).waitFor();
  assert.equal(await rows.count(), 51, 'a header and one page of 50');
  await page.getByRole('button', { name: 'Show more' }).click();
  await page.getByRole('rowheader', { name: 'Olivia Owner' }).waitFor();
  assert.ok(await rows.count() > 51, 'the next page is added below');
  await screenshot(page, 'users-paged');
  // Searching waits for a pause in typing, then shows only the matches.
  const search = page.getByRole('searchbox', { name: 'Search users' });
  await search.pressSequentially('dana', { delay: 30 });
  await page.getByRole('rowheader', { name: 'Dana Developer' }).waitFor();
  await page.getByRole('rowheader', { name: 'bulk00@beta.example' }).waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 2);
  assert.deepEqual(page.errors, []);
});

test('after signing in, `next` only ever leads within the site', async () => {
  for (const next of ['/\\evil.example', '//evil.example', '%2F%2Fevil.example', 'https://evil.example/', 'javascript:alert(1)']) {
    const page = await newPage(browser, server);
    await page.goto(`/signin?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill('owner@beta.example');
    await page.getByLabel('Password').fill('gatehouse-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your workspaces' }).waitFor();
    assert.equal(new URL(page.url()).origin, server.url, `next=${next} left the site`);
    await page.context().close();
  }
  // A local path is followed.
  const page = await newPage(browser, server);
  await page.goto('/signin?next=/support');
  await page.getByLabel('Email').fill('support@gatehouse.example');
  await page.getByLabel('Password').fill('gatehouse-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Platform support' }).waitFor();
});
