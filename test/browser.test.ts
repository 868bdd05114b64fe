// The pages in a real browser: Debian's Chromium driven by playwright-core against the real
// `feedloom serve`, on the newsroom corpus ingested by the real pipeline. A reader's path: the front
// page, the NATO topic, the seed story with all its outlets, its page, a search for "Kherson", a
// subscribe link that gives a valid feed; no console errors, no CSP violations, keyboard focus
// visible, AA contrast in light and dark, nothing wider than a phone. Screenshots at desktop and
// phone widths go to test-artifacts/screenshots/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import Parser from "rss-parser";
import { runFetchCycle } from "../jobs/fetch-cycle.ts";
import { openPglite, openPostgres, type DatabaseHandle } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { addSource } from "../src/store/sources.ts";
import { cliEnv, startServer, type RunningServer } from "./helpers/cli.ts";
import { createServerDatabase, serverUrl } from "./helpers/db.ts";
import { ingestContext } from "./helpers/feeds.ts";
import { labels, repoRoot, startNewsroom, type NewsroomServer } from "./helpers/newsroom.ts";

const CHROMIUM = "/usr/bin/chromium";
const SEED = "NATO And EU Discussing Possibility Of Negotiations With Russia After Kherson Liberation By Ukraine";
const SEED_GUID = "ukranews-964512";
const SHOTS = join(repoRoot, "test-artifacts/screenshots");
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

// Code that runs in the page, as source text: kept out of TypeScript's (DOM-less) types and of the
// test runner's transform.
const IN_PAGE = {
  watchCsp: `window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`,
  focusRing: `(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return { tag: el.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth), visible: r.width > 0 && r.height > 0 && r.bottom > 0 };
  })()`,
  // WCAG 2 contrast of every visible text element against its nearest opaque background.
  lowContrast: `(() => {
    const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = (rgb) => rgb.slice(0, 3).map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const el of document.querySelectorAll("h1, h2, h3, p, a, time, dt, dd, span, li, button, input, code")) {
      if (!el.offsetParent || !el.textContent.trim()) continue;
      const fg = lum(parse(getComputedStyle(el).color));
      const bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < 4.5) out.push(el.tagName + "." + el.className + " " + JSON.stringify(el.textContent.trim().slice(0, 30)) + " " + ratio.toFixed(2));
    }
    return out;
  })()`,
  injectInlineScript: `(async () => {
    const s = document.createElement("script");
    s.textContent = "window.__ran = true";
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 200));
    return window.__ran === true;
  })()`,
};

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the browser tests`;

interface ApiArticle {
  guid: string | null;
  link: string | null;
  title: string;
  source: { title: string | null; url: string };
}
interface ApiStory {
  title: string;
  articles: ApiArticle[];
}

/** The newsroom through the real pipeline: both fetches, as in test/pipeline.test.ts. */
async function ingest(handle: DatabaseHandle, newsroom: NewsroomServer): Promise<void> {
  await migrateToLatest(handle.db);
  const ids = new Map<string, number>();
  for (const s of labels().sources) ids.set(s.slug, (await addSource(handle.db, { url: newsroom.feeds[s.slug]! })).id);
  const ctx = ingestContext(handle.db);
  const first = await runFetchCycle(ctx, { all: true, concurrency: 4 });
  assert.ok(first.every((o) => o.outcome === "updated"), "every source fetched");
  await newsroom.setPhase(2);
  await runFetchCycle(ctx, { sourceIds: [ids.get("capital-daily")!], concurrency: 1 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const targets: Array<"pglite" | "postgres"> = serverUrl ? ["pglite", "postgres"] : ["pglite"];

for (const kind of targets) {
  describe(`the pages in Chromium, on ${kind}`, { skip }, () => {
    let newsroom: NewsroomServer;
    let server: RunningServer;
    let context: BrowserContext;
    let page: Page;
    let base: string;
    let profile: string;
    let cleanup: () => Promise<void> = async () => {};
    const consoleErrors: string[] = [];
    const badResponses: string[] = [];

    before(async () => {
      const started = Date.now();
      const phase = (name: string) => process.stderr.write(`browser test (${kind}): ${name} after ${Date.now() - started} ms\n`);
      newsroom = await startNewsroom();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const env = { FEEDLOOM_BASE_URL: base, FEEDLOOM_LOG_LEVEL: "error" };
      if (kind === "pglite") {
        const dir = mkdtempSync(join(tmpdir(), "feedloom-browser-"));
        const handle = await openPglite({ dataDir: dir });
        await ingest(handle, newsroom);
        await handle.close();
        phase("ingested");
        server = await startServer(["serve", "--port", String(port), "--no-scheduler"], cliEnv({ ...env, FEEDLOOM_DATA_DIR: dir }), 60_000);
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const database = await createServerDatabase();
        const handle = openPostgres(database.url, 4);
        await ingest(handle, newsroom);
        await handle.close();
        server = await startServer(["serve", "--port", String(port), "--no-scheduler"], cliEnv({ ...env, DATABASE_URL: database.url }), 60_000);
        cleanup = () => database.drop();
      }
      phase("server started");
      profile = mkdtempSync(join(tmpdir(), "feedloom-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
        viewport: DESKTOP,
      });
      // Injected by the browser itself (not an inline script), so the page's CSP does not stop it.
      await context.addInitScript(IN_PAGE.watchCsp);
      page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(15_000);
      page.on("console", (m) => {
        if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
      page.on("response", (r) => {
        if (r.status() >= 400) badResponses.push(`${r.status()} ${r.url()}`);
      });
      mkdirSync(SHOTS, { recursive: true });
      phase("browser started");
    });

    after(async () => {
      await context?.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
      await server?.stop();
      await newsroom?.close();
      await cleanup();
    });

    const cspViolations = () => page.evaluate<string[]>("window.__csp");

    /** Both widths, light scheme (and the phone in dark too for the front page). */
    async function screenshots(name: string) {
      const prefix = kind === "pglite" ? "" : `${kind}-`;
      await page.screenshot({ path: join(SHOTS, `${prefix}${name}-desktop.png`), fullPage: true });
      await page.setViewportSize(PHONE);
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
      assert.ok(overflow <= 0, `${name}: nothing wider than a phone (${overflow}px too wide)`);
      await page.screenshot({ path: join(SHOTS, `${prefix}${name}-phone.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
    }

    test("a reader's path: front page → NATO → the seed story with all its outlets → its page → search → a feed", async () => {
      const api = (await (await fetch(`${base}/api/stories?topic=nato&limit=200`)).json()) as { stories: ApiStory[] };
      const seedStory = api.stories.find((s) => s.articles.some((a) => a.guid === SEED_GUID));
      assert.ok(seedStory, "the seed story is in the NATO topic");
      const seedLink = seedStory.articles.find((a) => a.guid === SEED_GUID)!.link!;

      const res = await page.goto(`${base}/`);
      assert.equal(res?.status(), 200);
      assert.equal(await page.title(), "feedloom");
      assert.equal(await page.locator("h1").textContent(), "Topics");
      await screenshots("home");

      await page.getByRole("link", { name: "NATO", exact: true }).click();
      await page.waitForURL(`${base}/topics/nato`);
      assert.equal(await page.locator("h1").textContent(), "NATO");
      await screenshots("topic-nato");

      // The seed story: the listing item that carries the seed article; every outlet it lists must be
      // one of the story's articles (name and link), and every article must be listed.
      const item = page.locator("li.story").filter({ has: page.locator(`a.outlet[href="${seedLink}"]`) });
      assert.equal(await item.count(), 1, "the seed story is listed once");
      assert.equal(await item.locator("h2").textContent(), seedStory.title);
      assert.equal(seedStory.title, SEED);
      const shown = await item.locator(".outlet").evaluateAll((els) => els.map((e) => ({ name: e.textContent ?? "", href: e.getAttribute("href") })));
      const expected = seedStory.articles.map((a) => ({ name: a.source.title ?? new URL(a.source.url).hostname, href: a.link && /^https?:/.test(a.link) ? a.link : null }));
      const key = (o: { name: string; href: string | null }) => `${o.name} <${o.href}>`;
      assert.deepEqual(shown.map(key).sort(), expected.map(key).sort(), "every outlet of the story, each with its own link");
      assert.match((await item.locator("time").getAttribute("datetime")) ?? "", /^2023-09-15T\d\d:\d\d:\d\d\.000Z$/);
      assert.match((await item.locator("time").getAttribute("title")) ?? "", /^15 September 2023 at \d\d:\d\d UTC$/);

      await item.locator("h2 a").click();
      await page.waitForURL(/\/stories\/[0-9a-f-]{36}$/);
      assert.equal(await page.locator("h1").textContent(), SEED);
      const versions = page.locator("li.version");
      assert.equal(await versions.count(), seedStory.articles.length, "every version");
      for (const [i, a] of seedStory.articles.entries()) {
        const v = versions.nth(i);
        assert.equal(await v.locator("h3").textContent(), a.title, "the headline as that outlet published it");
        assert.equal(await v.locator(".outlet").textContent(), a.source.title);
        if (a.link) assert.equal(await v.getByRole("link").getAttribute("href"), a.link);
      }
      assert.ok(await page.getByRole("link", { name: "nato", exact: true }).isVisible(), "the story's topics");
      assert.ok(await page.locator("#related-q").isVisible(), "a search for related stories");
      await screenshots("story");

      await page.locator("#site-q").fill("Kherson");
      await page.locator("#site-q").press("Enter");
      await page.waitForURL(`${base}/search?q=Kherson`);
      assert.equal(await page.locator("h1").textContent(), "Stories matching “Kherson”");
      const results = page.locator("li.story");
      assert.ok((await results.count()) >= 1);
      assert.equal(await results.filter({ has: page.locator(`a.outlet[href="${seedLink}"]`) }).count(), 1, "the seed story is found");
      for (const f of ["rss", "atom", "json"]) assert.equal(await page.locator(`link[rel=alternate][href="/search.${f}?q=Kherson"]`).count(), 1);
      await screenshots("search-kherson");

      // Subscribe: follow the NATO topic's feed links from its page; each must be a valid feed with the seed.
      await page.goto(`${base}/topics/nato`);
      const subscribe = page.getByRole("list", { name: "Subscribe to NATO" });
      const parser = new Parser();
      for (const name of ["RSS", "Atom", "JSON Feed"]) {
        const href = await subscribe.getByRole("link", { name, exact: true }).getAttribute("href");
        assert.ok(href);
        const feed = await context.request.get(new URL(href, page.url()).href);
        assert.equal(feed.status(), 200, name);
        const body = await feed.text();
        if (name === "JSON Feed") {
          assert.match(feed.headers()["content-type"] ?? "", /^application\/feed\+json/);
          const json = JSON.parse(body) as { version: string; items: Array<{ title: string }> };
          assert.equal(json.version, "https://jsonfeed.org/version/1.1");
          assert.ok(json.items.some((i) => i.title === SEED));
        } else {
          assert.match(feed.headers()["content-type"] ?? "", name === "RSS" ? /^application\/rss\+xml/ : /^application\/atom\+xml/);
          const parsed = await parser.parseString(body);
          assert.ok(parsed.items.length > 0, `${name}: items`);
          assert.ok(parsed.items.some((i) => i.title === SEED), `${name}: the seed`);
        }
      }
      // And a real click on the RSS link: the browser gets the feed itself.
      const [feedResponse] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/topics/nato.rss")),
        subscribe.getByRole("link", { name: "RSS", exact: true }).click().catch(() => {}),
      ]);
      assert.equal(feedResponse.status(), 200);
      assert.match((await feedResponse.text()).slice(0, 200), /<rss [^>]*version="2.0"/);

      await page.goto(`${base}/sources`);
      assert.equal(await page.locator("li.source").count(), labels().sources.length);
      await screenshots("sources");

      assert.deepEqual(consoleErrors, [], "no console errors");
      assert.deepEqual(await cspViolations(), [], "no CSP violations");
      assert.deepEqual(badResponses, [], "no failed requests (stylesheet, icon)");

      // An unknown story: the 404 page, styled (its own 404 is the only failed request).
      const missing = await page.goto(`${base}/stories/00000000-0000-4000-8000-000000000000`);
      assert.equal(missing?.status(), 404);
      assert.equal(await page.locator("h1").textContent(), "Not found");
      assert.deepEqual(badResponses, [`404 ${base}/stories/00000000-0000-4000-8000-000000000000`]);
      assert.deepEqual(await cspViolations(), []);
      assert.deepEqual(consoleErrors.filter((e) => !/status of 404/.test(e)), []);
      consoleErrors.length = 0;
      badResponses.length = 0;
    });

    test("keyboard focus is visible; text meets AA contrast in light and in dark", async () => {
      await page.goto(`${base}/topics/nato`);
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate<string>("document.activeElement.textContent"), "Skip to content");
      for (let i = 0; i < 3; i++) {
        const ring = await page.evaluate<{ tag: string; style: string; width: number; visible: boolean }>(IN_PAGE.focusRing);
        assert.notEqual(ring.style, "none", `${ring.tag}: a focus outline`);
        assert.ok(ring.width >= 2, `${ring.tag}: outline at least 2px`);
        assert.ok(ring.visible, `${ring.tag}: on screen`);
        await page.keyboard.press("Tab");
      }

      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        for (const path of ["/", "/topics/nato", "/sources"]) {
          await page.goto(`${base}${path}`);
          const low = await page.evaluate<string[]>(IN_PAGE.lowContrast);
          assert.deepEqual(low, [], `${colorScheme} ${path}: every text at least 4.5:1`);
        }
        const bodyBg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
        assert.equal(bodyBg, colorScheme === "dark" ? "rgb(18, 19, 22)" : "rgb(255, 255, 255)", "the scheme follows prefers-color-scheme");
      }
      await page.goto(`${base}/`);
      await page.setViewportSize(PHONE);
      await page.screenshot({ path: join(SHOTS, `${kind === "pglite" ? "" : `${kind}-`}home-dark-phone.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
      await page.emulateMedia({ colorScheme: "light" });
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(await cspViolations(), []);
    });

    test("the CSP really holds: an injected inline script is refused and reported", async () => {
      await page.goto(`${base}/`);
      const ran = await page.evaluate<boolean>(IN_PAGE.injectInlineScript);
      assert.equal(ran, false, "the inline script did not run");
      const violations = await cspViolations();
      assert.ok(violations.some((v) => v.startsWith("script-src")), `a violation was reported: ${violations.join("; ")}`);
      assert.ok(consoleErrors.some((e) => /Content Security Policy/.test(e)), "and it shows as a console error, so the checks above can fail");
      consoleErrors.length = 0;
    });
  });
}
