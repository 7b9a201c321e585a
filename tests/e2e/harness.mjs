// The end-to-end harness: a real Gatehouse server (fresh SQLite, demo data,
// mail to the outbox folder) on a free loopback port, and Debian's Chromium
// driven by playwright-core. Nothing here downloads a browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const root = resolve(import.meta.dirname, '..', '..');
export const PASSWORD = 'gatehouse-demo';
const SHOTS = process.env.GATEHOUSE_SHOTS ?? join(root, 'target', 'e2e');

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts the server with the demo data; resolves once it listens. */
export async function startServer({ testClock = false } = {}) {
  const bin = process.env.GATEHOUSE_BIN ?? join(root, 'target', 'debug', 'server');
  const dist = process.env.GATEHOUSE_DIST ?? join(root, 'dist');
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const args = ['--addr', `127.0.0.1:${port}`, '--data', data, '--dist', dist, '--public-url', url, '--demo', '--sign-ins-per-minute', '1000'];
  // Test-only: POST /api/test/clock moves the server's clock (see advanceClock).
  if (testClock) args.push('--test-clock');
  const child = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${log}`)), 60_000);
    const check = () => {
      if (log.includes('listening on')) { clearTimeout(timer); ok(); }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`server exited (${code}):\n${log}`)); });
  });
  return {
    url,
    /** The links mailed so far, oldest first (from the outbox .eml files). */
    mailedLinks() {
      const dir = join(data, 'outbox');
      let files = [];
      try { files = readdirSync(dir).sort(); } catch { return []; }
      return files.flatMap((f) => {
        const text = readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
        return [...text.matchAll(/https?:\/\/[^\s"<>]+/g)].map((m) => m[0]);
      });
    },
    async stop() {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
      await new Promise((ok) => { if (child.exitCode !== null) ok(); else child.on('exit', ok); });
      rmSync(data, { recursive: true, force: true });
    },
    log: () => log,
    /** Moves the server's clock forward (needs `startServer({ testClock: true })`). */
    async advanceClock(seconds) {
      const res = await fetch(`${url}/api/test/clock`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: seconds }),
      });
      if (!res.ok) throw new Error(`test clock: ${res.status}`);
      return (await res.json()).now;
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser context (its own cookies) with a page; console errors fail loudly. */
export async function newPage(browser, server, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width, height } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  return page;
}

export async function signIn(page, email) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your workspaces' }).waitFor();
}

/** Opens the demo workspace's tab `tab` from the home page, by clicking. */
export async function openWorkspace(page, tab = 'Users') {
  await page.getByRole('link', { name: 'Beta Integrations' }).first().click();
  await page.getByRole('heading', { name: 'Beta Integrations' }).waitFor();
  if (tab !== 'Users') await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: tab }).click();
  await page.getByRole('heading', { name: tab === 'Audit log' ? 'Audit log' : tab, level: 2 }).first().waitFor();
}

/** WCAG 2.2 A and AA, as axe-core checks them. */
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Fails with every axe-core WCAG 2.2 A/AA violation on the page as it is now. */
export async function checkA11y(page, what) {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  if (violations.length > 0) {
    const lines = violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
    throw new Error(`${what}: ${violations.length} WCAG 2.2 A/AA violation(s):\n${lines.join('\n')}`);
  }
}

/** Every screen or dialog a test looks at: checked for accessibility, then
 * saved as a screenshot under target/e2e/. */
export async function screenshot(page, name) {
  await checkA11y(page, name);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// The policy's own sentences, from the JS package built from the same crate
// (`cargo xtask pkg`): the UI must show exactly these.
const policyPkg = createRequire(import.meta.url)(join(root, 'policy', 'pkg', 'node', 'policy.js'));
const reasons = new Map(policyPkg.catalog().reasons.map((r) => [r.code, r.message]));
export function sentence(code) {
  const s = reasons.get(code);
  if (!s) throw new Error(`no reason ${code}`);
  return s;
}

/** Waits until `locator`'s text matches `re`; on timeout the error says
 * what the text was instead (e.g. an impact preview's error). */
export async function waitForText(locator, re, timeout = 30000) {
  const until = Date.now() + timeout;
  let text = '';
  while (Date.now() < until) {
    text = await locator.innerText({ timeout: Math.max(1, until - Date.now()) }).catch(() => text);
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${re} in ${locator}; its text was:\n${text}`);
}
