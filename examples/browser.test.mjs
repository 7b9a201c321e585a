// The examples in a real browser (`cargo xtask test` runs this): the Vite
// build (`vite/dist/`) and the plain page (`plain/`, the installed package's
// web build through an import map) are served by a small static server and
// opened in headless Chromium (playwright-core, Debian's chromium). Each page
// answers the generated questions in GATEHOUSE_CASES with the package; every
// answer must equal the native crate's, and every button must be enabled
// exactly when the native crate allows its action, with the native sentence
// when it is disabled.
//
// Env: GATEHOUSE_CASES (the cases JSON the native side wrote), CHROMIUM
// (default /usr/bin/chromium), GATEHOUSE_EXAMPLES_OUT (screenshots).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join, normalize, extname, resolve } from "node:path";
import { chromium } from "playwright-core";

const here = import.meta.dirname;
const casesPath = process.env.GATEHOUSE_CASES;
assert.ok(casesPath, "set GATEHOUSE_CASES to the cases file (cargo xtask test writes it)");
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const shots = process.env.GATEHOUSE_EXAMPLES_OUT;

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/** Serves `root` (and the cases at /cases.json) on a free loopback port. */
function serve(root) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file =
      path === "/cases.json" ? casesPath : join(root, normalize(path.endsWith("/") ? `${path}index.html` : path));
    if (file !== casesPath && !resolve(file).startsWith(resolve(root))) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () => ok({ url: `http://127.0.0.1:${server.address().port}`, server })),
  );
}

let browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
});
after(async () => {
  await browser?.close();
});

/** Opens `root`'s index.html, waits for its answers, checks them and its buttons. */
async function check(name, root) {
  const { url, server } = await serve(root);
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
  const wasm = [];
  page.on("response", (r) => r.url().endsWith(".wasm") && wasm.push([r.status(), r.headers()["content-type"]]));
  try {
    await page.goto(`${url}/`);
    await page.waitForFunction(() => window.gatehouse !== undefined, null, { timeout: 120_000 });
    const out = JSON.parse(await page.evaluate(() => JSON.stringify(window.gatehouse)));
    assert.equal(out.error, undefined, `${name}: the page failed:\n${out.error}`);
    assert.deepEqual(problems, [], `${name}: errors in the page`);
    assert.deepEqual(wasm, [[200, "application/wasm"]], `${name}: the .wasm is fetched once`);

    let compared = 0;
    const mismatches = [];
    cases.worlds.forEach((world, w) => {
      world.questions.forEach((q, i) => {
        compared++;
        try {
          assert.deepStrictEqual(out.answers[w][i], world.expected[i]);
        } catch {
          mismatches.push(
            `world ${w} (${world.sent}), question ${JSON.stringify(q)}\n  native:  ${JSON.stringify(world.expected[i])}\n  browser: ${JSON.stringify(out.answers[w][i])}`,
          );
        }
      });
    });
    assert.equal(mismatches.length, 0, `${name}: ${mismatches.length} answers differ from native:\n${mismatches.slice(0, 5).join("\n")}`);

    const buttons = await page.$$eval("section[data-world] button[data-question]", (bs) =>
      bs.map((b) => ({
        world: Number(b.closest("section").dataset.world),
        question: Number(b.dataset.question),
        disabled: b.disabled,
        title: b.title,
        code: b.dataset.code ?? null,
      })),
    );
    const decides = cases.worlds.reduce((n, w) => n + w.questions.filter((q) => q[0] === "decide").length, 0);
    assert.equal(buttons.length, decides, `${name}: one button per decide question`);
    let disabled = 0;
    for (const b of buttons) {
      const want = cases.worlds[b.world].expected[b.question];
      const where = `${name}: button for world ${b.world} question ${b.question}`;
      assert.equal(b.disabled, !want.allowed, `${where}: disabled must be ${!want.allowed}`);
      if (!want.allowed) {
        disabled++;
        assert.equal(b.title, want.message, `${where}: the native sentence`);
        assert.equal(b.code, want.code, `${where}: the native code`);
      }
    }
    // A disabled button's reason is what a user hovering it would read.
    const first = page.locator("button[data-question]:disabled").first();
    if (disabled > 0) assert.ok((await first.getAttribute("title")).length > 0);
    if (shots) {
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `${name}.png`) });
    }
    console.log(
      `${name}: ${compared} answers equal the native crate's; ${buttons.length} buttons, ${disabled} disabled with the native sentence`,
    );
  } finally {
    await page.close();
    server.close();
  }
}

test("the Vite + TypeScript example (vite build) decides as the native crate in Chromium", async () => {
  await check("vite", join(here, "vite", "dist"));
});

test("the plain HTML page (web build, no bundler) decides as the native crate in Chromium", async () => {
  await check("plain", join(here, "plain"));
});
