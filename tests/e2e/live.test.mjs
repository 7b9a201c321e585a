// Live access (SPEC 13): open tabs learn of access changes without a
// reload. The Owner switches off a Developer toggle and the Developer's open
// dialog disables the control with the reason, in place, keeping what was
// typed; the client deletes the partner's access key and the analyst's tab
// says its access ended; a tab offline while changes land catches up when
// back; 20 tabs of one browser all update over one connection; when the
// leader tab closes another takes the stream over; a hidden tab checks its
// version when shown again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn, openWorkspace, screenshot } from './harness.mjs';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launchBrowser(); });
after(async () => { await browser?.close(); await server?.stop(); });

/** The signed-in page's API: JSON with its cookie and CSRF token. */
async function api(page) {
  const me = await (await page.request.get('/api/me')).json();
  const headers = { 'x-csrf-token': me.csrf_token };
  const ws = me.workspaces[0]?.id;
  return {
    me,
    ws,
    get: async (path) => (await page.request.get(path)).json(),
    async toggleDeveloper(toggle, on) {
      const t = await this.get(`/api/workspaces/${ws}/toggles`);
      const set = t.developer.filter((x) => x !== toggle);
      if (on) set.push(toggle);
      const r = await page.request.put(`/api/workspaces/${ws}/toggles/developer`, { headers, data: { toggles: set, base_version: t.version } });
      assert.equal(r.status(), 200, await r.text());
    },
    async invite(email) {
      const r = await page.request.post(`/api/workspaces/${ws}/invitations`, { headers, data: { email, role: 'developer' } });
      assert.equal(r.status(), 200, await r.text());
    },
    async del(path) {
      const r = await page.request.delete(path, { headers });
      assert.equal(r.status(), 200, await r.text());
    },
  };
}

/** A browser of dev2's, its first tab on the Users tab, every EventSource
 *  its tabs open counted in `window.__streams`; `another()` opens one more
 *  tab on the same page. */
async function countedTabs() {
  const first = await newPage(browser, server);
  const context = first.context();
  await context.addInitScript(() => {
    const Real = window.EventSource;
    window.__streams = 0;
    window.EventSource = class extends Real { constructor(...a) { super(...a); window.__streams += 1; } };
  });
  await signIn(first, 'dev2@beta.example');
  await openWorkspace(first, 'Users');
  const another = async () => {
    const p = await context.newPage();
    p.errors = [];
    p.on('pageerror', (e) => p.errors.push(String(e)));
    await p.goto(first.url());
    await p.getByRole('heading', { name: 'Users', level: 2 }).waitFor();
    return p;
  };
  return { first, context, another };
}

/** The version the tab shows (the workspace header's data-version). */
const shownVersion = (page) => page.locator('.ws-head').getAttribute('data-version').then(Number);

test('the Owner switches off a Developer toggle: the open dialog disables Create with the reason, in place', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  await openWorkspace(owner, 'Permissions');
  const dev = await newPage(browser, server);
  await signIn(dev, 'dev@beta.example');
  await openWorkspace(dev, 'Resources');
  await dev.evaluate(() => { window.__notReloaded = true; });
  await dev.getByRole('button', { name: 'New resource' }).click();
  const dialog = dev.getByRole('dialog', { name: 'New resource' });
  await dialog.getByLabel('Kind').selectOption({ label: 'Integration' });
  await dialog.getByLabel('Name').fill('Half-typed integration');
  const create = dialog.getByRole('button', { name: 'Create' });
  const createIs = (disabled) => dev.waitForFunction((d) => [...document.querySelectorAll('[role=dialog] button')].some((b) => b.textContent === 'Create' && b.disabled === d), disabled, { timeout: 5000 });
  await createIs(false);
  // Where it is, and where the caret is: both must stay.
  const box = await create.boundingBox();
  await dialog.getByLabel('Name').focus();
  await dev.evaluate(() => document.activeElement.setSelectionRange(4, 4));

  await owner.getByRole('button', { name: 'Edit Developer permissions' }).click();
  const form = owner.getByRole('region', { name: 'Developer permissions' });
  await form.getByRole('switch', { name: 'Create integration', exact: true }).uncheck();
  const saved = owner.waitForResponse((r) => r.url().includes('/toggles/developer') && r.request().method() === 'PUT');
  await form.getByRole('button', { name: 'Save changes' }).click();
  assert.equal((await saved).status(), 200);
  const savedAt = Date.now();

  const why = 'Your role does not have the \u201cCreate integration\u201d permission.';
  await createIs(true);
  console.log(`toggle saved -> the Developer's control disabled: ${Date.now() - savedAt} ms`);
  assert.equal(await create.getAttribute('title'), why);
  await dialog.getByText(why).waitFor();
  // The list behind the dialog reloads too: let it settle.
  await dev.waitForLoadState('networkidle').catch(() => {});
  await create.waitFor();
  const after = await create.boundingBox();
  assert.deepEqual([after.x, after.y, after.width, after.height], [box.x, box.y, box.width, box.height], 'no layout shift');
  assert.equal(await dialog.getByLabel('Name').inputValue(), 'Half-typed integration', 'unsaved input kept');
  await dev.waitForFunction(() => document.activeElement?.value === 'Half-typed integration' && document.activeElement.selectionStart === 4);
  assert.equal(await dev.evaluate(() => window.__notReloaded), true, 'no reload');
  await screenshot(dev, 'live-developer-control-disabled');

  // And back on: enabled again, still the same dialog.
  await (await api(owner)).toggleDeveloper('integrations.create', true);
  await createIs(false);
  assert.equal(await dialog.getByLabel('Name').inputValue(), 'Half-typed integration');
  assert.deepEqual(dev.errors, []);
  assert.deepEqual(owner.errors, []);
  await owner.context().close();
  await dev.context().close();
});

test('the client deletes the access key: the analyst\'s open tab says its access ended', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  const analyst = await newPage(browser, server);
  await signIn(analyst, 'analyst@techhelp.example');
  await openWorkspace(analyst, 'Resources');
  await analyst.evaluate(() => { window.__notReloaded = true; });
  const o = await api(owner);
  const company = await o.get(`/api/companies/${o.me.companies[0].id}`);
  const started = Date.now();
  await o.del(`/api/grants/${company.grants[0].id}`);
  await analyst.getByRole('alert').filter({ hasText: 'Your access to this workspace has ended.' }).waitFor({ timeout: 5000 });
  console.log(`key deleted -> the analyst's tab says access ended: ${Date.now() - started} ms`);
  assert.equal(await analyst.getByRole('navigation', { name: 'Workspace' }).count(), 0, 'the tabs are gone');
  assert.equal(await analyst.evaluate(() => window.__notReloaded), true, 'no reload');
  await screenshot(analyst, 'live-analyst-access-ended');
  assert.deepEqual(analyst.errors.filter((e) => !/status of 40[34]/.test(e)), []);
  await owner.context().close();
  await analyst.context().close();
});

test('a tab taken offline while changes land catches up exactly when back', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  const dev = await newPage(browser, server);
  await signIn(dev, 'dev@beta.example');
  await openWorkspace(dev, 'Users');
  const o = await api(owner);
  const before = await shownVersion(dev);
  await dev.context().setOffline(true);
  await o.invite('offline-1@beta.example');
  await o.toggleDeveloper('users.add', true);
  await o.invite('offline-2@beta.example');
  await dev.waitForTimeout(1500);
  assert.equal(await shownVersion(dev), before, 'offline: nothing new arrived');
  await dev.context().setOffline(false);
  const current = (await o.get(`/api/workspaces/${o.ws}`)).version;
  await dev.waitForFunction((v) => Number(document.querySelector('.ws-head')?.dataset.version) === v, current, { timeout: 10000 });
  await dev.getByRole('cell', { name: 'offline-2@beta.example' }).waitFor();
  await dev.getByRole('cell', { name: 'offline-1@beta.example' }).waitFor();
  // users.add on: the Developer may invite now.
  await dev.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Invite users' && !b.disabled));
  await screenshot(dev, 'live-offline-caught-up');
  await owner.context().close();
  await dev.context().close();
});

test('20 tabs of one browser all update, over one connection', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  const { first, context, another } = await countedTabs();
  const tabs = [first];
  for (let i = 1; i < 20; i += 1) tabs.push(await another());
  const o = await api(owner);
  const invite = (p) => p.getByRole('button', { name: 'Invite users' });
  await o.toggleDeveloper('users.add', false);
  for (const p of tabs) await p.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Invite users' && b.disabled), null, { timeout: 10000 });
  const started = Date.now();
  await o.toggleDeveloper('users.add', true);
  await Promise.all(tabs.map((p) => p.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent === 'Invite users' && !b.disabled), null, { timeout: 10000 })));
  const streams = (await Promise.all(tabs.map((p) => p.evaluate(() => window.__streams)))).reduce((a, b) => a + b, 0);
  console.log(`20 tabs updated ${Date.now() - started} ms after the change; ${streams} event stream(s) opened by the 20 tabs`);
  for (const p of tabs) assert.equal(await invite(p).isDisabled(), false);
  assert.equal(streams, 1, 'one connection for all tabs');
  for (const p of tabs) assert.deepEqual(p.errors, []);
  await owner.context().close();
  await context.close();
});

test('when the leader tab closes, another tab takes the stream over; a hidden tab checks its version when shown', async () => {
  const owner = await newPage(browser, server);
  await signIn(owner, 'owner@beta.example');
  const { first, context, another } = await countedTabs();
  const second = await another();
  const inviteIs = (p, disabled) => p.waitForFunction((d) => [...document.querySelectorAll('button')]
    .some((b) => b.textContent === 'Invite users' && b.disabled === d), disabled, { timeout: 10000 });
  const o = await api(owner);
  await o.toggleDeveloper('users.add', false);
  await inviteIs(first, true);
  await inviteIs(second, true);
  const streams = async () => Promise.all([first, second].map((p) => p.evaluate(() => window.__streams)));
  assert.deepEqual(await streams(), [1, 0], 'the first tab leads');
  await first.close();
  await o.toggleDeveloper('users.add', true);
  await inviteIs(second, false);
  assert.equal(await second.evaluate(() => window.__streams), 1, 'the second tab opened the stream');

  // A tab that heard nothing while hidden (its stream never delivers)
  // reads the workspace's version when it is shown again.
  const deaf = await newPage(browser, server);
  await deaf.context().addInitScript(() => {
    window.EventSource = class {
      constructor() { this.readyState = 0; }
      addEventListener() {}
      removeEventListener() {}
      close() {}
    };
  });
  await signIn(deaf, 'dev@beta.example');
  await openWorkspace(deaf, 'Users');
  const before = await shownVersion(deaf);
  await deaf.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await o.invite('while-hidden@beta.example');
  await deaf.waitForTimeout(1500);
  assert.equal(await shownVersion(deaf), before, 'hidden, with no stream: nothing new arrived');
  await deaf.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const current = (await o.get(`/api/workspaces/${o.ws}`)).version;
  await deaf.waitForFunction((v) => Number(document.querySelector('.ws-head')?.dataset.version) === v, current, { timeout: 10000 });
  await deaf.getByRole('cell', { name: 'while-hidden@beta.example' }).waitFor();
  assert.deepEqual(second.errors, []);
  await owner.context().close();
  await context.close();
  await deaf.context().close();
});
