// `cargo xtask bench spa`: the release SPA, served by the release server
// with workspace L seeded, measured in Debian's headless Chromium (driven by
// playwright-core; no browser is downloaded). One phase per run of this
// script, so xtask can wait for a quiet machine before each:
//
//   node tests/bench/spa.bench.mjs open|render|search|switch|preview|live
//
// Settings come from the environment (xtask sets them): GATEHOUSE_URL,
// GATEHOUSE_WS, GATEHOUSE_OWNER, GATEHOUSE_ADMIN, GATEHOUSE_DEVELOPER, GATEHOUSE_PASSWORD,
// GATEHOUSE_RUNS, CHROMIUM, GATEHOUSE_ROOT_PID (whose process tree is "ours"
// when the machine's load is split into ours and others').
//
// Prints one JSON line (raw samples; xtask computes medians and maxima);
// details of the first run of each phase go to stderr.
//
// How each figure is taken:
// - bytes: Chrome DevTools Protocol Network events; a request's bytes are
//   its `loadingFinished.encodedDataLength` (response headers + body as
//   received, gzip), its response header bytes from
//   `responseReceivedExtraInfo.headersText`; request header bytes are
//   counted from `requestWillBeSentExtraInfo` (name: value CRLF, plus the
//   request line). "Until idle": no request in flight for IDLE_MS after the
//   first member row is on screen.
// - first member row painted: an init script watches the DOM
//   (MutationObserver); when the Users table's first body row appears it
//   marks it for Element Timing (`elementtiming`, whose `renderTime` is the
//   paint) and also takes the time of the task after the next animation
//   frame; both relative to the navigation's start (performance.timeOrigin).
// - input to next paint: from a keydown's event timestamp to the task after
//   the animation frame that follows its input event, plus the Event Timing
//   entries (`event`, durationThreshold 16 ms) of the same interaction.
// - last keystroke to updated list: from the last keydown's timestamp to the
//   task after the animation frame in which every row of the table matches
//   the query.
// - impact preview (issue 12), as the Owner: from the click (the click
//   event's timestamp) on a Developer permission switch, or on "Delete
//   group X", to the task after the animation frame in which the "Who is
//   affected" region first shows its summary (its list of sentences, or
//   "Nobody's access changes."), the dry run (POST .../preview) included;
//   the dry run's own time from Resource Timing (requestStart to
//   responseStart: the server's time on loopback) and, after the clicks,
//   the same request bodies sent again from node alone.
// - live access (issue 14): the Owner switches the Developer permission
//   "Create integration" off from node (as another browser would) while the
//   Developer's tab has the "New resource" dialog open on an Integration;
//   from the moment node reads the write's 200 (Date.now()) to the moment
//   the tab's Create button is first seen disabled (Date.now() in the page,
//   the same clock: checked on every DOM mutation and every animation
//   frame). Switched on again between rounds (not counted).
// - layout shift: `layout-shift` entries without recent input from the
//   navigation's start until idle; CLS is the largest session window (gaps
//   < 1 s, windows <= 5 s), as web-vitals and Lighthouse count it; the sum of
//   all entries is reported too.
import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const env = (k, d) => process.env[k] ?? d;
const URL_BASE = env('GATEHOUSE_URL');
const WS = env('GATEHOUSE_WS');
const OWNER = env('GATEHOUSE_OWNER');
const ADMIN = env('GATEHOUSE_ADMIN');
const DEVELOPER = env('GATEHOUSE_DEVELOPER');
const PASSWORD = env('GATEHOUSE_PASSWORD', 'gatehouse-bench');
const RUNS = Number(env('GATEHOUSE_RUNS', '7'));
const ROOT_PID = Number(env('GATEHOUSE_ROOT_PID', String(process.pid)));
/** No request in flight for this long counts as idle. */
const IDLE_MS = 1000;
/** Lighthouse's desktop viewport. */
const VIEWPORT = { width: 1350, height: 940 };
/** Between keystrokes: a fast typist, inside the 150 ms debounce. */
const TYPE_DELAY_MS = 100;
const USERS = `/w/${WS}/users`;

const log = (...a) => console.error(...a);

// ---- the machine's load: ours (this process tree) and everyone else's ----

function cpuTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const all = f.reduce((a, b) => a + b, 0);
  return { busy: all - f[3] - f[4], all };
}

/** CPU ticks of ROOT_PID and every live descendant (reaped ones are in their parents' cutime). */
function ourTicks() {
  const procs = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      // fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch { /* gone */ }
  }
  let sum = 0;
  for (const [pid, p] of procs) {
    let q = pid;
    for (let i = 0; i < 64 && q > 1; i += 1) {
      if (q === ROOT_PID) { sum += p.ticks; break; }
      q = procs.get(q)?.ppid ?? 0;
    }
  }
  return sum;
}

function loadMeter() {
  const m0 = cpuTicks();
  const o0 = ourTicks();
  return () => {
    const m1 = cpuTicks();
    const o1 = ourTicks();
    const all = m1.all - m0.all;
    const busy = m1.busy - m0.busy;
    const ours = Math.min(busy, Math.max(0, o1 - o0));
    return { machine_busy: busy / all, ours: ours / all, others: Math.max(0, busy - ours) / all };
  };
}

// ---- browser ----

async function launch() {
  return chromium.launch({
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What the page records about itself (installed before any page script). */
function instrument() {
  const b = {
    firstRow: null, // { dom, frame } ms since the navigation started
    elementRender: null,
    shifts: [],
    events: [],
    keys: [],
    query: null,
    listMatched: null, // { dom, frame }
    lcp: null,
  };
  b.impact = null; // { click, dom, frame, text } ms since the navigation started
  b.impactArmed = false;
  window.__bench = b;
  try { performance.setResourceTimingBufferSize(100000); } catch { /* old browser */ }
  const afterFrame = (done) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => done(performance.now());
    ch.port2.postMessage(0);
  });
  const usersRows = () => {
    for (const c of document.querySelectorAll('table > caption')) {
      if (c.textContent === 'Users of this workspace') return c.parentElement.querySelectorAll('tbody > tr');
    }
    return [];
  };
  const impactSummary = () => {
    for (const sec of document.querySelectorAll('section[aria-label="Who is affected"]')) {
      if (sec.querySelector('ul > li')) return sec.innerText;
      const p = sec.querySelector('p');
      const t = p?.textContent ?? '';
      if (p && !t.startsWith('Working out') && t !== 'Nothing changed yet.') return sec.innerText;
    }
    return null;
  };
  document.addEventListener('click', (e) => {
    if (!b.impactArmed || !(e.target instanceof Element)) return;
    const sw = e.target instanceof HTMLInputElement && e.target.getAttribute('role') === 'switch';
    const del = /^Delete group /.test(e.target.closest('button')?.getAttribute('aria-label') ?? '');
    if (sw || del) {
      b.impactArmed = false;
      b.impact = { click: e.timeStamp, dom: null, frame: null, text: null };
    }
  }, true);
  new MutationObserver(() => {
    if (b.impact && b.impact.dom === null) {
      const text = impactSummary();
      if (text !== null) {
        b.impact.dom = performance.now();
        b.impact.text = text;
        afterFrame((t) => { b.impact.frame = t; });
      }
    }
    const rows = usersRows();
    if (!b.firstRow && rows.length > 0) {
      const dom = performance.now();
      b.firstRow = { dom, frame: null };
      const th = rows[0].querySelector('th') ?? rows[0];
      th.setAttribute('elementtiming', 'first-member-row');
      afterFrame((t) => { b.firstRow.frame = t; });
    }
    if (b.query && !b.listMatched && rows.length > 0
      && [...rows].every((r) => r.textContent.toLowerCase().includes(b.query))) {
      b.listMatched = { dom: performance.now(), frame: null };
      afterFrame((t) => { b.listMatched.frame = t; });
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
  const po = (type, fn, extra = {}) => {
    try { new PerformanceObserver((l) => l.getEntries().forEach(fn)).observe({ type, buffered: true, ...extra }); } catch { /* unsupported */ }
  };
  const describe = (n) => {
    if (!n || n.nodeType !== 1) return n ? `#${n.nodeName}` : '?';
    const cls = n.className && typeof n.className === 'string' ? `.${n.className.trim().split(/\s+/).join('.')}` : '';
    return `${n.tagName.toLowerCase()}${cls} "${(n.textContent ?? '').trim().slice(0, 40)}"`;
  };
  po('layout-shift', (e) => b.shifts.push({
    t: e.startTime,
    value: e.value,
    input: e.hadRecentInput,
    sources: (e.sources ?? []).map((s) => ({
      node: describe(s.node),
      from: [s.previousRect.y, s.previousRect.height],
      to: [s.currentRect.y, s.currentRect.height],
    })),
  }));
  po('element', (e) => {
    if (e.identifier === 'first-member-row' && !b.elementRender) b.elementRender = e.renderTime || e.loadTime;
  });
  po('largest-contentful-paint', (e) => { b.lcp = { t: e.startTime, size: e.size }; });
  po('event', (e) => b.events.push({
    name: e.name, start: e.startTime, duration: e.duration, id: e.interactionId,
    processing: e.processingEnd - e.processingStart,
  }), { durationThreshold: 16 });
  const isSearch = (e) => e.target instanceof HTMLInputElement && e.target.type === 'search';
  document.addEventListener('keydown', (e) => {
    if (isSearch(e)) b.keys.push({ key: e.key, down: e.timeStamp, input: null, frame: null });
  }, true);
  document.addEventListener('input', (e) => {
    if (!isSearch(e)) return;
    const k = b.keys[b.keys.length - 1];
    if (!k || k.input !== null) return;
    k.input = performance.now();
    afterFrame((t) => { k.frame = t; });
  }, true);
}

/** Network log over a CDP session: every request with its bytes. */
async function networkLog(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // Resource Timing keeps everything (the default buffer is 250 entries).
  const reqs = new Map();
  const get = (id) => {
    if (!reqs.has(id)) reqs.set(id, { id, url: '', method: '', status: 0, bytes: 0, resHeaders: 0, reqHeaders: 0, done: false, cached: false, type: '' });
    return reqs.get(id);
  };
  let last = Date.now();
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = get(e.requestId);
    const u = new URL(e.request.url);
    r.url = u.pathname + u.search;
    r.method = e.request.method;
    r.type = e.type ?? '';
    r.started = Date.now();
    last = Date.now();
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
    const r = get(e.requestId);
    const h = Object.entries(e.headers ?? {});
    // request line + headers + final CRLF
    r.reqHeaders = h.reduce((n, [k, v]) => n + k.length + 2 + String(v).length + 2, 0) + (r.method.length + r.url.length + 12) + 2;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = get(e.requestId);
    r.status = r.wireStatus ?? e.response.status;
    r.cached = !!(e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromServiceWorker);
    r.mime = e.response.mimeType;
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => {
    const r = get(e.requestId);
    if (e.headersText) r.resHeaders = e.headersText.length;
    // The status on the wire (a revalidated response is a 304 here, while
    // responseReceived may report the cached 200).
    if (e.statusCode) r.status = r.wireStatus = e.statusCode;
  });
  cdp.on('Network.requestServedFromCache', (e) => { get(e.requestId).cached = true; });
  cdp.on('Network.loadingFinished', (e) => {
    const r = get(e.requestId);
    r.bytes = e.encodedDataLength;
    r.done = true;
    last = Date.now();
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = get(e.requestId);
    r.done = true;
    r.failed = e.errorText;
    last = Date.now();
  });
  return {
    reqs,
    /** Requests since `mark` (a count of requests seen before). */
    since(mark) { return [...reqs.values()].slice(mark); },
    mark() { return reqs.size; },
    /** Resolves when nothing was in flight for IDLE_MS (the workspace's
     *  event stream, open for as long as the page is, does not count). */
    async idle(ms = IDLE_MS, timeout = 120_000) {
      const started = Date.now();
      for (;;) {
        const inflight = [...reqs.values()].some((r) => !r.done && r.type !== 'EventSource');
        if (!inflight && Date.now() - last >= ms) return;
        if (Date.now() - started > timeout) throw new Error(`not idle after ${timeout} ms: ${[...reqs.values()].filter((r) => !r.done).map((r) => r.url).join(', ')}`);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    },
  };
}

async function newContext(browser, email) {
  const context = await browser.newContext({ baseURL: URL_BASE, viewport: VIEWPORT });
  const r = await context.request.post('/api/auth/login', { data: { email, password: PASSWORD } });
  if (!r.ok()) throw new Error(`sign-in of ${email}: ${r.status()} ${await r.text()}`);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.errors.push(m.text()); });
  const net = await networkLog(context, page);
  return { context, page, net };
}

const usersTable = (page) => page.getByRole('table', { name: 'Users of this workspace' });

async function firstRowShown(page) {
  await usersTable(page).getByRole('row').nth(1).waitFor({ timeout: 120_000 });
}

function sum(rs, f) { return rs.reduce((n, r) => n + f(r), 0); }

function classify(url) {
  if (url.startsWith('/api/')) return 'api';
  return 'static';
}

/** CLS as web-vitals counts it: the largest session window of shifts
 * without recent input (gap < 1 s, window <= 5 s); and the plain sum. */
function cls(shifts) {
  let best = 0;
  let cur = 0;
  let first = 0;
  let prev = 0;
  let total = 0;
  for (const s of shifts.filter((x) => !x.input)) {
    total += s.value;
    if (cur > 0 && s.t - prev < 1000 && s.t - first < 5000) {
      cur += s.value;
    } else {
      cur = s.value;
      first = s.t;
    }
    prev = s.t;
    best = Math.max(best, cur);
  }
  return { cls: best, sum: total };
}

function table(rs) {
  return rs.map((r) => `    ${String(r.status).padStart(3)} ${r.cached ? '(cache) ' : ''}${r.bytes.toString().padStart(8)} B (headers ${r.resHeaders} B in, ${r.reqHeaders} B out)  ${r.method} ${r.url}`).join('\n');
}

// ---- phases ----

/** Bytes on opening the workspace (cold HTTP cache), per viewer. */
async function open(browser) {
  const out = {};
  for (const [who, email] of [['developer', DEVELOPER], ['admin', ADMIN]]) {
    const samples = [];
    for (let i = 0; i < RUNS; i += 1) {
      const { context, page, net } = await newContext(browser, email);
      await page.goto(USERS);
      await firstRowShown(page);
      await net.idle();
      const rs = net.since(0).filter((r) => !r.cached);
      const api = rs.filter((r) => classify(r.url) === 'api');
      const stat = rs.filter((r) => classify(r.url) === 'static');
      const rowCount = await usersTable(page).getByRole('row').count();
      samples.push({
        api_bytes: sum(api, (r) => r.bytes),
        api_requests: api.length,
        static_bytes: sum(stat, (r) => r.bytes),
        static_requests: stat.length,
        total_bytes: sum(rs, (r) => r.bytes),
        rows: rowCount - 1,
        errors: page.errors.length,
      });
      if (i === 0) log(`  ${who}, opening ${USERS} (cold cache):\n${table(net.since(0))}`);
      await context.close();
    }
    out[who] = samples;
  }
  return out;
}

/** Users tab first render: a cold load, then the measured second navigation (warm HTTP cache). */
async function render(browser) {
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    const { context, page, net } = await newContext(browser, ADMIN);
    const take = async (label) => {
      await firstRowShown(page);
      await net.idle();
      const b = await page.evaluate(() => window.__bench);
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource').map((r) => ({ name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd, size: r.transferSize }));
        return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, res };
      });
      const c = cls(b.shifts);
      if (i === 0) {
        log(`  ${label}: first row at DOM ${b.firstRow.dom.toFixed(0)} ms, frame ${b.firstRow.frame?.toFixed(0)} ms, element timing ${b.elementRender?.toFixed(0)} ms; CLS ${c.cls.toFixed(3)} (sum ${c.sum.toFixed(3)})`);
        log(nav.res.map((r) => `    ${r.start.toFixed(0).padStart(6)} -> ${r.end.toFixed(0).padStart(6)} ms  ${r.size} B  ${r.name}`).join('\n'));
        for (const s of b.shifts) log(`    shift ${s.value.toFixed(4)} at ${s.t.toFixed(0)} ms${s.input ? ' (input)' : ''}: ${s.sources.map((x) => `${x.node} y ${x.from[0]}->${x.to[0]} h ${x.from[1]}->${x.to[1]}`).join('; ')}`);
      }
      return {
        first_row_dom_ms: b.firstRow.dom,
        first_row_frame_ms: b.firstRow.frame,
        first_row_element_ms: b.elementRender,
        cls: c.cls,
        cls_sum: c.sum,
        shifts: b.shifts.filter((s) => !s.input).length,
        lcp_ms: b.lcp?.t ?? null,
      };
    };
    await page.goto(USERS);
    const cold = await take('cold');
    const mark = net.mark();
    await page.goto(USERS);
    const warm = await take('warm');
    const again = net.since(mark);
    if (i === 0) log(`  the warm navigation's requests:\n${table(again)}`);
    samples.push({ cold, warm, warm_requests: again.filter((r) => !r.cached).length, warm_bytes: sum(again, (r) => r.bytes), errors: page.errors.length });
    await context.close();
  }
  return { samples };
}

/** Keystrokes in the Users search. */
async function search(browser) {
  const { context, page, net } = await newContext(browser, ADMIN);
  await page.goto(USERS);
  await firstRowShown(page);
  await net.idle();
  const box = page.getByRole('searchbox', { name: 'Search users' });
  const firstName = async () => usersTable(page).getByRole('row').nth(1).innerText();
  const unfiltered = await firstName();
  const queries = ['dev42', 'dev137', 'admin7', 'dev9001', 'dev31', 'dev2468', 'dev777', 'admin12', 'dev555', 'dev86', 'dev1234', 'dev6'];
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    const q = queries[i % queries.length];
    await page.evaluate((query) => {
      const b = window.__bench;
      b.keys = [];
      b.events = [];
      b.listMatched = null;
      b.query = query;
    }, q);
    const mark = net.mark();
    await box.click();
    await box.pressSequentially(q, { delay: TYPE_DELAY_MS });
    await page.waitForFunction(() => window.__bench.listMatched?.frame != null, null, { timeout: 60_000 });
    await net.idle(500);
    const b = await page.evaluate(() => window.__bench);
    const keys = b.keys.filter((k) => k.frame != null);
    const last = b.keys[b.keys.length - 1];
    // Event Timing: the longest entry of each keystroke's interaction.
    const byId = new Map();
    for (const e of b.events) {
      if (e.id && e.name.startsWith('key')) byId.set(e.id, Math.max(byId.get(e.id) ?? 0, e.duration));
    }
    const rs = net.since(mark);
    samples.push({
      query: q,
      input_to_frame_ms: keys.map((k) => k.frame - k.down),
      event_timing_ms: [...byId.values()],
      event_entries: b.events.length,
      last_key_to_list_ms: b.listMatched.frame - last.down,
      last_key_to_list_dom_ms: b.listMatched.dom - last.down,
      requests: rs.filter((r) => !r.cached && r.url.includes('/members')).length,
    });
    if (i === 0) {
      log(`  search "${q}": keys ${keys.map((k) => (k.frame - k.down).toFixed(1)).join(', ')} ms; list ${(b.listMatched.frame - last.down).toFixed(0)} ms after the last key\n${table(rs)}`);
      log(`  event timing entries: ${JSON.stringify(b.events)}`);
    }
    // Back to the whole list.
    await page.evaluate(() => { window.__bench.query = null; });
    await box.fill('');
    await page.waitForFunction((name) => {
      for (const c of document.querySelectorAll('table > caption')) {
        if (c.textContent === 'Users of this workspace') {
          const r = c.parentElement.querySelector('tbody > tr');
          return r && r.innerText === name;
        }
      }
      return false;
    }, unfiltered, { timeout: 60_000 });
    await net.idle(500);
  }
  const errors = page.errors.length;
  await context.close();
  return { samples, errors, delay_ms: TYPE_DELAY_MS };
}

/** Tab switches when nothing changed (each tab visited once before). */
async function tabSwitch(browser) {
  const { context, page, net } = await newContext(browser, ADMIN);
  await page.goto(USERS);
  await firstRowShown(page);
  await net.idle();
  const tabs = page.getByRole('navigation', { name: 'Workspace' });
  const go = async (name) => {
    await tabs.getByRole('link', { name }).click();
    await page.getByRole('heading', { name, level: 2 }).first().waitFor({ timeout: 120_000 });
    if (name === 'Users') await firstRowShown(page);
    await net.idle();
  };
  const cycle = ['Groups', 'Resources', 'Users'];
  for (const t of cycle) await go(t); // each tab once: the HTTP cache is warm
  const samples = [];
  for (let i = 0; i < RUNS; i += 1) {
    for (const t of cycle) {
      const mark = net.mark();
      await go(t);
      const rs = net.since(mark);
      const sent = rs.filter((r) => !r.cached);
      samples.push({
        tab: t,
        requests: sent.length,
        bytes: sum(sent, (r) => r.bytes),
        response_header_bytes: sum(sent, (r) => r.resHeaders),
        request_header_bytes: sum(sent, (r) => r.reqHeaders),
        statuses: sent.map((r) => r.status),
        from_cache: rs.length - sent.length,
      });
      if (i === 0) log(`  switch to ${t}:\n${table(rs)}`);
    }
  }
  const errors = page.errors.length;
  await context.close();
  return { samples, errors };
}

/** The impact preview, as the Owner: a Developer permission switch flipped,
 * and a group's deletion, click to rendered summary (dry run included). */
async function preview(browser) {
  const { context, page, net } = await newContext(browser, OWNER);
  const bodies = []; // the dry runs' request bodies, sent again from node
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/preview')) bodies.push({ part: page.part, body: r.postData() });
  });
  /** Arms the click watcher; after `click()`, waits for the summary. */
  const measure = async (click, label, i) => {
    await page.evaluate(() => { const b = window.__bench; b.impact = null; b.impactArmed = true; });
    const mark = net.mark();
    const before = await page.evaluate(() => performance.getEntriesByType('resource').length);
    await click();
    await page.waitForFunction(() => window.__bench.impact?.frame != null, null, { timeout: 120_000 });
    await net.idle(300);
    const b = await page.evaluate(() => window.__bench.impact);
    const dry = await page.evaluate((n) => performance.getEntriesByType('resource').slice(n)
      .filter((e) => e.name.endsWith('/preview'))
      .map((e) => ({ start: e.startTime, request_start: e.requestStart, response_start: e.responseStart, end: e.responseEnd, size: e.transferSize, body: e.decodedBodySize })), before);
    const rs = net.since(mark);
    const d = dry[dry.length - 1];
    if (i === 0) {
      log(`  ${label}: summary ${(b.frame - b.click).toFixed(0)} ms after the click (DOM ${(b.dom - b.click).toFixed(0)} ms); dry run sent ${d ? (d.start - b.click).toFixed(0) : '?'} ms after the click, server ${d ? (d.response_start - d.request_start).toFixed(1) : '?'} ms, done ${d ? (d.end - b.click).toFixed(0) : '?'} ms\n${table(rs)}`);
      log(`  summary: ${b.text.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    return {
      what: label,
      click_to_frame_ms: b.frame - b.click,
      click_to_dom_ms: b.dom - b.click,
      dry_runs: dry.length,
      click_to_request_ms: d ? d.start - b.click : null,
      dry_run_server_ms: d ? d.response_start - d.request_start : null,
      dry_run_total_ms: d ? d.end - d.start : null,
      response_to_frame_ms: d ? b.frame - d.end : null,
      response_bytes: d ? d.size : null,
      response_body_bytes: d ? d.body : null,
      summary_lines: b.text.split('\n').filter((l) => l.trim()).length - 1,
      summary: b.text.replace(/\s+/g, ' ').slice(0, 200),
    };
  };
  const samples = [];

  // Permissions: Edit Developer permissions, flip a switch, then Discard.
  page.part = 'toggle';
  await page.goto(`/w/${WS}/permissions`);
  await page.getByRole('button', { name: 'Edit Developer permissions' }).click({ timeout: 120_000 });
  const form = page.getByRole('region', { name: 'Developer permissions' });
  const impact = form.getByRole('region', { name: 'Who is affected' });
  await impact.getByText('Nothing changed yet.').waitFor({ timeout: 120_000 });
  await net.idle();
  const switches = form.locator('input[role="switch"]:not([disabled])');
  const n = await switches.count();
  if (n === 0) throw new Error('no Developer permission the Owner may flip');
  for (let i = 0; i < RUNS; i += 1) {
    const sw = switches.nth(i % n);
    const name = await sw.evaluate((el) => `${el.labels?.[0]?.textContent ?? el.id} ${el.checked ? 'off' : 'on'}`);
    samples.push({ part: 'toggle', ...await measure(() => sw.click(), `Developer permission "${name}"`, i) });
    await form.getByRole('button', { name: 'Discard' }).click();
    await impact.getByText('Nothing changed yet.').waitFor({ timeout: 60_000 });
    await net.idle(300);
  }

  // Groups: "Delete group X", the dialog's impact summary, then Escape.
  page.part = 'group';
  await page.getByRole('navigation', { name: 'Workspace' }).getByRole('link', { name: 'Groups' }).click();
  const deletes = page.getByRole('button', { name: /^Delete group / });
  await deletes.first().waitFor({ timeout: 120_000 });
  await net.idle();
  const groups = await deletes.count();
  for (let i = 0; i < RUNS; i += 1) {
    const button = deletes.nth(i % groups);
    const label = await button.getAttribute('aria-label');
    samples.push({ part: 'group', ...await measure(() => button.click(), label, i) });
    const dialog = page.getByRole('dialog', { name: label });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 60_000 });
    await net.idle(300);
  }

  // The same dry runs from node alone (no browser): the request as the
  // server answers it, a few times each.
  const me = await (await context.request.get('/api/me')).json();
  const direct = [];
  for (const { part, body } of bodies) {
    for (let k = 0; k < 3; k += 1) {
      const t0 = performance.now();
      const r = await context.request.post(`/api/workspaces/${WS}/preview`, {
        data: body, headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      });
      const text = await r.body();
      if (!r.ok()) throw new Error(`dry run from node: ${r.status()} ${text}`);
      direct.push({ part, ms: performance.now() - t0, bytes: text.length });
    }
  }
  const errors = page.errors.length;
  if (errors) log(`  page errors: ${page.errors.join(' | ')}`);
  await context.close();
  return { samples, direct, errors, groups_listed: groups, switches: n };
}

const LIVE_ROUNDS = 40;
const LIVE_TOGGLE = 'integrations.create';

async function live(browser) {
  const owner = await browser.newContext({ baseURL: URL_BASE });
  const signIn = await owner.request.post('/api/auth/login', { data: { email: OWNER, password: PASSWORD } });
  if (!signIn.ok()) throw new Error(`sign-in of ${OWNER}: ${signIn.status()}`);
  const me = await (await owner.request.get('/api/me')).json();
  const setCreate = async (on) => {
    const t = await (await owner.request.get(`/api/workspaces/${WS}/toggles`)).json();
    const set = t.developer.filter((x) => x !== LIVE_TOGGLE);
    if (on) set.push(LIVE_TOGGLE);
    const r = await owner.request.put(`/api/workspaces/${WS}/toggles/developer`, {
      headers: { 'x-csrf-token': me.csrf_token }, data: { toggles: set, base_version: t.version },
    });
    if (r.status() !== 200) throw new Error(`toggle ${on ? 'on' : 'off'}: ${r.status()} ${await r.text()}`);
    return Date.now();
  };
  await setCreate(true);
  const { context, page, net } = await newContext(browser, DEVELOPER);
  await page.goto(`/w/${WS}/resources`);
  await page.getByRole('button', { name: 'New resource' }).click({ timeout: 120_000 });
  const dialog = page.getByRole('dialog', { name: 'New resource' });
  await dialog.getByLabel('Kind').selectOption({ label: 'Integration' });
  const createIs = (disabled) => page.waitForFunction((d) => [...document.querySelectorAll('[role=dialog] button')]
    .some((b) => b.textContent === 'Create' && b.disabled === d), disabled, { timeout: 30_000 });
  await createIs(false);
  await net.idle();
  const samples = [];
  for (let i = 0; i < LIVE_ROUNDS; i += 1) {
    await page.evaluate(() => {
      window.__disabledAt = null;
      const create = () => [...document.querySelectorAll('[role=dialog] button')].find((b) => b.textContent === 'Create');
      const check = () => {
        if (window.__disabledAt == null && create()?.disabled) window.__disabledAt = Date.now();
        return window.__disabledAt != null;
      };
      const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      const frame = () => { if (!check()) requestAnimationFrame(frame); };
      requestAnimationFrame(frame);
    });
    const saved = await setCreate(false);
    await page.waitForFunction(() => window.__disabledAt != null, null, { timeout: 30_000 });
    const disabledAt = await page.evaluate(() => window.__disabledAt);
    samples.push({ ms: Math.max(0, disabledAt - saved), before_200: disabledAt < saved });
    if (i === 0) log(`  live: toggle saved -> Create disabled ${disabledAt - saved} ms`);
    await net.idle(300);
    await setCreate(true);
    await createIs(false);
    await net.idle(300);
  }
  const errors = page.errors.length;
  if (errors) log(`  page errors: ${page.errors.join(' | ')}`);
  await context.close();
  await owner.close();
  return { samples, errors };
}

const phases = { open, render, search, switch: tabSwitch, preview, live };
const phase = process.argv[2];
if (!phases[phase]) {
  console.error(`usage: node spa.bench.mjs ${Object.keys(phases).join('|')}`);
  process.exit(2);
}
const meter = loadMeter();
const browser = await launch();
try {
  const result = await phases[phase](browser);
  const load = meter();
  console.log(JSON.stringify({ phase, runs: RUNS, load, ...result }));
} finally {
  await browser.close();
}
