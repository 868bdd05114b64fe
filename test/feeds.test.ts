// Topic feeds as readers meet them, on each database: the visible newsroom corpus ingested, the real
// app served on 127.0.0.1 (its base URL being its own address), then every format read over HTTP:
// our own checks of content, escaping, dates, paging and HTTP caching; the rules the W3C Feed
// Validator applies; and the real clients (Debian's python3-feedparser, newsboat, a JSON Feed 1.1
// schema). A client that is not installed skips its test with a message; .ci/run installs them.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { KyselyPlugin } from "kysely";
import { parseStringPromise } from "xml2js";
import { announceTopicChange } from "../src/topics/changes.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { ingestNewsroom, serveApp, type AppServer } from "./helpers/feeds.ts";
import { repoRoot, startNewsroom, visibleDir, type NewsroomServer } from "./helpers/newsroom.ts";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
const TOPICS = ["all", "nato", "negotiations"];

interface DatesLabel { id: string; expected_utc: string | null; tolerance_s?: number }
interface SanitiseLabel { id: string; must_not_contain: string[]; must_contain: string[] }
const extra = JSON.parse(readFileSync(join(visibleDir, "labels.json"), "utf8")) as { dates: DatesLabel[]; sanitise: SanitiseLabel[] };

type Xml = Record<string, unknown>;
const text = (v: unknown): string => {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return "";
  if (typeof first === "string") return first;
  return String((first as { _?: string })._ ?? "");
};
const attrs = (v: unknown): Record<string, string> => ((v as { $?: Record<string, string> }).$ ?? {});
const list = (v: unknown): Xml[] => (Array.isArray(v) ? (v as Xml[]) : v === undefined ? [] : [v as Xml]);

interface Entry {
  id: string;
  link: string;
  title: string;
  published: string;
  updated: string;
  html: string;
  author: string | null;
  categories: string[];
  source: { name: string; url: string } | null;
  image: string | null;
}

async function rssEntries(xml: string): Promise<{ channel: Xml; entries: Entry[] }> {
  const doc = (await parseStringPromise(xml, { strict: true })) as { rss: { $: Record<string, string>; channel: Xml[] } };
  const channel = doc.rss.channel[0]!;
  const entries = list(channel.item).map((i) => ({
    id: text(i.guid),
    link: text(i.link),
    title: text(i.title),
    published: new Date(text(i.pubDate)).toISOString(),
    updated: new Date(text(i["atom:updated"])).toISOString(),
    html: text(i.description),
    author: text(i["dc:creator"]) || null,
    categories: list(i.category).map(text),
    source: i.source ? { name: text(i.source), url: attrs(list(i.source)[0]).url ?? "" } : null,
    image: i.enclosure ? (attrs(list(i.enclosure)[0]).url ?? null) : null,
  }));
  return { channel, entries };
}

async function atomEntries(xml: string): Promise<{ feed: Xml; entries: Entry[] }> {
  const doc = (await parseStringPromise(xml, { strict: true })) as { feed: Xml };
  const entries = list(doc.feed.entry).map((e) => {
    const links = list(e.link).map(attrs);
    const src = list(e.source)[0];
    return {
      id: text(e.id),
      link: links.find((l) => l.rel === "alternate")?.href ?? "",
      title: text(e.title),
      published: new Date(text(e.published)).toISOString(),
      updated: new Date(text(e.updated)).toISOString(),
      html: text(e.summary),
      author: e.author ? text((list(e.author)[0] as Xml).name) : null,
      categories: list(e.category).map((c) => attrs(c).term ?? ""),
      source: src ? { name: text(src.title), url: text(src.id) } : null,
      image: links.find((l) => l.rel === "enclosure")?.href ?? null,
    };
  });
  return { feed: doc.feed, entries };
}

interface JsonFeed {
  version: string;
  title: string;
  feed_url: string;
  home_page_url: string;
  next_url?: string;
  language: string;
  hubs?: Array<{ type: string; url: string }>;
  items: Array<{ id: string; url: string; title: string; content_html: string; date_published: string; date_modified: string; tags?: string[]; authors?: Array<{ name: string }>; image?: string; _feedloom: { also_reported_by: Array<{ name: string; url: string | null }> } }>;
}

const has = (bin: string) => spawnSync(bin, ["--version"], { stdio: "ignore" }).error === undefined && existsSync(bin.startsWith("/") ? bin : `/usr/bin/${bin}`);
const feedparserInstalled = has(PYTHON) && spawnSync(PYTHON, ["-c", "import feedparser"], { stdio: "ignore" }).status === 0;
const newsboatInstalled = spawnSync("newsboat", ["--version"], { stdio: "ignore" }).status === 0;

for (const kind of databaseKinds) {
  describe(`topic feeds on ${kind}`, () => {
    let t: TestDatabase;
    let newsroom: NewsroomServer;
    let app: AppServer;
    let base: string;
    // labels id ("slug:guid") → the story its article is in
    const storyOf = new Map<string, { uuid: string; articles: number; canonical: boolean }>();
    let statements = 0;

    before(async () => {
      t = await openTestDatabase(kind);
      newsroom = await startNewsroom();
      const ids = await ingestNewsroom(t, newsroom);
      const slugOfSource = new Map([...ids].map(([slug, id]) => [id, slug]));
      const rows = await t.handle.db
        .selectFrom("articles as a")
        .innerJoin("stories as s", "s.id", "a.story_id")
        .select((eb) => [
          "a.identity", "a.source_id", "a.id", "s.uuid", "s.canonical_article_id",
          eb.selectFrom("articles as b").select((e2) => e2.fn.countAll<string>().as("n")).whereRef("b.story_id", "=", "s.id").as("n"),
        ])
        .execute();
      for (const r of rows) storyOf.set(`${slugOfSource.get(r.source_id)}:${r.identity}`, { uuid: r.uuid, articles: Number(r.n), canonical: r.canonical_article_id === r.id });
      // Counts the statements the app runs: concurrent requests for one feed must share one build.
      const counter: KyselyPlugin = {
        transformQuery: (args) => {
          statements++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      };
      app = await serveApp({ db: t.handle.db.withPlugin(counter), feeds: { maxAgeSeconds: 60, cacheSeconds: 600, hub: null } });
      base = app.base;
    });
    after(async () => {
      await app?.close();
      await newsroom?.close();
      await t?.drop();
    });

    const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
    const body = async (path: string) => {
      const res = await get(path);
      assert.equal(res.status, 200, `${path}: ${res.status}`);
      return res.text();
    };

    test("every topic in three formats with the right content types; the same stories, ids and links in each", async () => {
      const stories = await t.handle.db.selectFrom("stories").select(["uuid"]).execute();
      const uuids = new Set(stories.map((s) => `urn:uuid:${s.uuid}`));
      for (const slug of TOPICS) {
        const types: Record<string, string> = { rss: "application/rss+xml; charset=utf-8", atom: "application/atom+xml; charset=utf-8", json: "application/feed+json; charset=utf-8" };
        for (const [fmt, type] of Object.entries(types)) assert.equal((await get(`/topics/${slug}.${fmt}`)).headers.get("content-type"), type);
        const rss = await rssEntries(await body(`/topics/${slug}.rss?limit=200`));
        const atom = await atomEntries(await body(`/topics/${slug}.atom?limit=200`));
        const json = JSON.parse(await body(`/topics/${slug}.json?limit=200`)) as JsonFeed;
        assert.ok(rss.entries.length > 0);
        assert.deepEqual(atom.entries.map((e) => e.id), rss.entries.map((e) => e.id), `${slug}: Atom ids = RSS guids`);
        assert.deepEqual(json.items.map((e) => e.id), rss.entries.map((e) => e.id), `${slug}: JSON ids = RSS guids`);
        assert.deepEqual(atom.entries.map((e) => e.link), rss.entries.map((e) => e.link));
        assert.deepEqual(json.items.map((e) => e.url), rss.entries.map((e) => e.link));
        for (const e of rss.entries) assert.ok(uuids.has(e.id), `${e.id} is a story's uuid`);
        if (slug === "all") assert.equal(rss.entries.length, stories.length, "`all` has every story");
      }
    });

    test("entry ids never change when another outlet's copy joins the story later", async () => {
      // The seed story: its id before and after the changing source's second fetch is the story uuid.
      const seed = storyOf.get("ukrnews:ukranews-964512")!;
      const atom = await atomEntries(await body("/topics/all.atom?limit=200"));
      assert.ok(atom.entries.some((e) => e.id === `urn:uuid:${seed.uuid}`));
      const row = await t.handle.db.selectFrom("stories").select("uuid").where("uuid", "=", seed.uuid).executeTakeFirstOrThrow();
      assert.equal(row.uuid, seed.uuid);
      const rss = await body("/topics/all.rss?limit=200");
      assert.match(rss, new RegExp(`<guid isPermaLink="false">urn:uuid:${seed.uuid}</guid>`));
    });

    test("entries carry link, dates, author, categories, source outlet, image and the other outlets", async () => {
      const seed = storyOf.get("ukrnews:ukranews-964512")!;
      const rss = await rssEntries(await body("/topics/nato.rss?limit=200"));
      const atom = await atomEntries(await body("/topics/nato.atom?limit=200"));
      const json = JSON.parse(await body("/topics/nato.json?limit=200")) as JsonFeed;
      const id = `urn:uuid:${seed.uuid}`;
      for (const e of [rss.entries.find((x) => x.id === id)!, atom.entries.find((x) => x.id === id)!]) {
        assert.ok(e, "the seed story is in nato");
        assert.match(e.link, /^https:\/\/ukranews\.example\/en\/news\/964512-/);
        assert.equal(e.published, "2023-09-15T01:43:26.000Z");
        assert.equal(e.author, "Ukrainian news");
        assert.ok(e.categories.includes("nato") && e.categories.includes("negotiations"), "its topics");
        assert.ok(e.categories.length > 2, "and the source's own tags");
        assert.match(e.source?.name ?? "", /^Ukrainian News Agency/);
        assert.equal(e.source?.url, newsroom.feeds["ukrnews"]);
        assert.equal(e.image, "https://ukranews.example/img/2023/09/15/964512.jpg");
        if (seed.articles > 1) assert.match(e.html, /Also reported by: <a href="https?:\/\//);
      }
      const item = json.items.find((i) => i.id === id)!;
      assert.equal(item.date_published, "2023-09-15T01:43:26Z");
      assert.equal(item.image, "https://ukranews.example/img/2023/09/15/964512.jpg");
      assert.deepEqual(item.authors, [{ name: "Ukrainian news" }]);
      assert.equal(item._feedloom.also_reported_by.length > 0, seed.articles > 1);
      // A story of one article names no other outlet; a story of several names the others with links
      // (how many stories have several depends on deduplication; test/feed-build.test.ts covers the markup).
      const articlesOf = new Map([...storyOf.values()].map((s) => [`urn:uuid:${s.uuid}`, s.articles]));
      for (const e of rss.entries) if (articlesOf.get(e.id) === 1) assert.doesNotMatch(e.html, /Also reported by/, e.id);
      const rssXml = await body("/topics/nato.rss");
      assert.match(rssXml, /<enclosure url="https:\/\/ukranews\.example\/img\/2023\/09\/15\/964512\.jpg" length="0" type="image\/jpeg"\/>/);
      assert.match(rssXml, /<source url="[^"]+">Ukrainian News Agency[^<]*<\/source>/);
    });

    test("summaries are sanitised, not dropped (labels.json `sanitise`)", async () => {
      const rss = await rssEntries(await body("/topics/all.rss?limit=200"));
      const atom = await atomEntries(await body("/topics/all.atom?limit=200"));
      const json = JSON.parse(await body("/topics/all.json?limit=200")) as JsonFeed;
      for (const label of extra.sanitise) {
        const story = storyOf.get(label.id);
        assert.ok(story, `${label.id} is stored`);
        const id = `urn:uuid:${story.uuid}`;
        const htmls = [rss.entries.find((e) => e.id === id)?.html, atom.entries.find((e) => e.id === id)?.html, json.items.find((e) => e.id === id)?.content_html];
        for (const html of htmls) {
          assert.ok(html, `${label.id} has an entry`);
          for (const bad of label.must_not_contain) assert.ok(!html.toLowerCase().includes(bad.toLowerCase()), `${label.id}: ${bad} removed`);
          if (story.canonical) for (const good of label.must_contain) assert.ok(html.includes(good), `${label.id}: keeps "${good}"`);
        }
      }
      // Nothing active anywhere, in any entry.
      for (const e of [...rss.entries, ...atom.entries]) {
        assert.doesNotMatch(e.html, /<(script|style|iframe|form|object|embed)\b|\son\w+\s*=|javascript:|data:/i, e.id);
        for (const m of e.html.matchAll(/\s(?:href|src)="([^"]*)"/g)) assert.match(m[1]!, /^(https?:|mailto:)/, `${e.id}: absolute http(s)/mailto URL`);
      }
    });

    test("dates are each format's own syntax and the instants the sources gave (labels.json `dates`)", async () => {
      const rssXml = await body("/topics/all.rss?limit=200");
      const atomXml = await body("/topics/all.atom?limit=200");
      for (const m of rssXml.matchAll(/<(pubDate|lastBuildDate)>([^<]+)</g)) assert.match(m[2]!, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/);
      for (const m of atomXml.matchAll(/<(published|updated)>([^<]+)</g)) assert.match(m[2]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
      const rss = await rssEntries(rssXml);
      const atom = await atomEntries(atomXml);
      let checked = 0;
      const now = Date.now();
      for (const d of extra.dates) {
        const story = storyOf.get(d.id);
        assert.ok(story, `${d.id} is stored`);
        const id = `urn:uuid:${story.uuid}`;
        const r = rss.entries.find((e) => e.id === id)!;
        const a = atom.entries.find((e) => e.id === id)!;
        // RSS dates have whole seconds.
        assert.equal(r.published, new Date(Math.floor(Date.parse(a.published) / 1000) * 1000).toISOString(), `${d.id}: the same instant in RSS and Atom`);
        for (const e of [r, a]) assert.ok(Date.parse(e.published) <= now + 60_000, `${d.id}: never in the future`);
        // A story of one article is dated by it (an undated or future-dated item by when it was seen).
        if (story.articles !== 1 || d.expected_utc === null || Date.parse(d.expected_utc) > now) continue;
        const tolerance = (d.tolerance_s ?? 0) * 1000;
        assert.ok(Math.abs(Date.parse(r.published) - Date.parse(d.expected_utc)) <= tolerance, `${d.id}: ${r.published} vs ${d.expected_utc}`);
        checked++;
      }
      assert.ok(checked > 40, `checked ${checked} dated single-article stories`);
    });

    test("feed level: title, description, self and alternate links, language, generator, ttl, date of the newest entry", async () => {
      const rss = await rssEntries(await body("/topics/nato.rss"));
      const c = rss.channel;
      assert.equal(text(c.title), "NATO · feedloom");
      assert.ok(text(c.description).length > 10);
      assert.equal(text(c.link), `${base}/topics/nato`);
      assert.equal(text(c.language), "en");
      assert.match(text(c.generator), /^feedloom \d/);
      assert.equal(text(c.ttl), "1");
      const links = list(c["atom:link"]).map(attrs);
      assert.deepEqual(links.find((l) => l.rel === "self"), { rel: "self", type: "application/rss+xml", href: `${base}/topics/nato.rss` });
      const newest = rss.entries.map((e) => e.updated).sort().at(-1)!;
      assert.equal(new Date(text(c.lastBuildDate)).toISOString(), newest.replace(/\.\d{3}Z$/, ".000Z"));
      const atom = await atomEntries(await body("/topics/nato.atom"));
      const f = atom.feed;
      const atomLinks = list(f.link).map(attrs);
      assert.equal(atomLinks.find((l) => l.rel === "self")?.href, `${base}/topics/nato.atom`);
      assert.equal(atomLinks.find((l) => l.rel === "alternate")?.href, `${base}/topics/nato`);
      assert.equal(attrs(f)["xml:lang"], "en");
      assert.equal(text(f.generator), "feedloom");
      assert.equal(Date.parse(text(f.updated)), Math.max(...atom.entries.map((e) => Date.parse(e.updated))), "the feed's updated is its newest entry's");
      const json = JSON.parse(await body("/topics/nato.json")) as JsonFeed;
      assert.equal(json.feed_url, `${base}/topics/nato.json`);
      assert.equal(json.home_page_url, `${base}/topics/nato`);
      assert.equal(json.language, "en");
    });

    test("paging (RFC 5005): next and prev-archive links walk every story once; limit defaults to 50, at most 200", async () => {
      const all = await rssEntries(await body("/topics/all.rss?limit=200"));
      assert.equal((await rssEntries(await body("/topics/all.rss"))).entries.length, Math.min(50, all.entries.length));
      for (const fmt of ["rss", "atom", "json"] as const) {
        const seen: string[] = [];
        let url: string | null = `${base}/topics/all.${fmt}?limit=7`;
        let pages = 0;
        while (url) {
          const res = await fetch(url);
          assert.equal(res.status, 200, url);
          const doc = await res.text();
          let next: string | null = null;
          if (fmt === "json") {
            const j = JSON.parse(doc) as JsonFeed;
            seen.push(...j.items.map((i) => i.id));
            next = j.next_url ?? null;
            assert.equal(j.feed_url, url);
          } else {
            const parsed = fmt === "rss" ? await rssEntries(doc) : await atomEntries(doc);
            seen.push(...parsed.entries.map((e) => e.id));
            const container = fmt === "rss" ? (parsed as { channel: Xml }).channel : (parsed as { feed: Xml }).feed;
            const links = list(container[fmt === "rss" ? "atom:link" : "link"]).map(attrs);
            next = links.find((l) => l.rel === "next")?.href ?? null;
            assert.equal(links.find((l) => l.rel === "prev-archive")?.href ?? null, next, "prev-archive names the same older page");
            assert.equal(links.find((l) => l.rel === "self")?.href, url, "self is this page");
            if (pages > 0) assert.equal(links.find((l) => l.rel === "current")?.href, `${base}/topics/all.${fmt}?limit=7`);
          }
          url = next;
          pages++;
        }
        assert.ok(pages > 2);
        assert.deepEqual(seen, all.entries.map((e) => e.id), `${fmt}: every story once, newest first`);
      }
    });

    test("bad parameters are 400s naming them; an unknown topic is a 404 saying so", async () => {
      for (const [query, field] of [["limit=0", "limit"], ["limit=201", "limit"], ["limit=ten", "limit"], ["limit=2.5", "limit"], ["before=nonsense", "before"]] as const) {
        for (const fmt of ["rss", "atom", "json"]) {
          const res = await get(`/topics/nato.${fmt}?${query}`);
          assert.equal(res.status, 400, `${fmt}?${query}`);
          const b = (await res.json()) as { error: string; field: string };
          assert.equal(b.field, field);
          assert.match(b.error, new RegExp(`\`${field}\``));
        }
      }
      assert.equal((await get("/topics/nato.rss?limit=200")).status, 200);
      const missing = await get("/topics/no-such-topic.atom");
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /no topic named "no-such-topic"/);
      assert.equal((await get("/opml?format=xml")).status, 400);
    });

    test("HTTP: strong ETag from the bytes, Last-Modified of the newest entry, 304s without a body, Cache-Control", async () => {
      const a = await get("/topics/nato.rss");
      const bytes = await a.text();
      const etag = a.headers.get("etag")!;
      assert.match(etag, /^"[A-Za-z0-9_-]{20,}"$/, "strong (no W/) and quoted");
      assert.equal(a.headers.get("cache-control"), "public, max-age=60");
      assert.equal(a.headers.get("vary"), "Accept-Encoding");
      const newest = (await rssEntries(bytes)).entries.map((e) => Date.parse(e.updated)).sort((x, y) => y - x)[0]!;
      assert.equal(a.headers.get("last-modified"), new Date(newest).toUTCString());
      // fetch asks for gzip/br: the identity length is read without Accept-Encoding.
      const identity = await rawGet(`${base}/topics/nato.rss`, {});
      assert.equal(identity.headers["content-encoding"], undefined);
      assert.equal(Number(identity.headers["content-length"]), identity.body.length);
      assert.equal(identity.body.toString("utf8"), bytes);
      const again = await get("/topics/nato.rss");
      assert.equal(again.headers.get("etag"), etag, "same content, same ETag");
      assert.equal(await again.text(), bytes);
      assert.notEqual((await get("/topics/nato.atom")).headers.get("etag"), etag, "other bytes, other ETag");

      const inm = await get("/topics/nato.rss", { "if-none-match": etag });
      assert.equal(inm.status, 304);
      assert.equal(await inm.text(), "");
      assert.equal(inm.headers.get("etag"), etag);
      assert.equal(inm.headers.get("cache-control"), "public, max-age=60");
      assert.equal((await get("/topics/nato.rss", { "if-none-match": `"other", ${etag}` })).status, 304);
      assert.equal((await get("/topics/nato.rss", { "if-none-match": '"stale"' })).status, 200);
      const ims = await get("/topics/nato.rss", { "if-modified-since": a.headers.get("last-modified")! });
      assert.equal(ims.status, 304);
      assert.equal(await ims.text(), "");
      assert.equal((await get("/topics/nato.rss", { "if-modified-since": new Date(newest - 1000).toUTCString() })).status, 200);
      // If-None-Match wins over If-Modified-Since.
      assert.equal((await get("/topics/nato.rss", { "if-none-match": '"stale"', "if-modified-since": a.headers.get("last-modified")! })).status, 200);
    });

    test("HTTP: gzip and br, HEAD, and a configurable max-age", async () => {
      const plain = (await rawGet(`${base}/topics/all.atom`, {})).body;
      for (const [enc, decode] of [["gzip", gunzipSync], ["br", brotliDecompressSync]] as const) {
        const res = await fetch(`${base}/topics/all.atom`, { headers: { "accept-encoding": enc } });
        assert.equal(res.headers.get("content-encoding"), enc);
        // fetch decodes bodies itself; read the raw bytes through node:http to see what was sent.
        const raw = await rawGet(`${base}/topics/all.atom`, { "accept-encoding": enc });
        assert.equal(raw.headers["content-encoding"], enc);
        assert.ok(raw.body.length < plain.length / 2, `${enc} is smaller`);
        assert.deepEqual(decode(raw.body), plain);
        const tag = res.headers.get("etag")!;
        assert.equal((await fetch(`${base}/topics/all.atom`, { headers: { "accept-encoding": enc, "if-none-match": tag } })).status, 304);
      }
      const head = await fetch(`${base}/topics/all.rss`, { method: "HEAD", headers: { "accept-encoding": "identity" } });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-type"), "application/rss+xml; charset=utf-8");
      assert.ok(head.headers.get("etag"));
      assert.equal(Number(head.headers.get("content-length")), (await rawGet(`${base}/topics/all.rss`, {})).body.length);
      assert.equal((await head.arrayBuffer()).byteLength, 0);
      assert.equal((await fetch(`${base}/topics/nope.rss`, { method: "HEAD" })).status, 404);
      const other = await serveApp({ db: t.handle.db, feeds: { maxAgeSeconds: 300 } });
      try {
        assert.equal((await fetch(`${other.base}/topics/nato.rss`)).headers.get("cache-control"), "public, max-age=300");
      } finally {
        await other.close();
      }
    });

    test("concurrent requests for a feed not yet built share one build", async () => {
      await get("/topics/negotiations.json?limit=3"); // warm the topic row's plan; not this key
      const before = statements;
      const responses = await Promise.all(Array.from({ length: 25 }, () => get("/topics/negotiations.json?limit=13")));
      const texts = await Promise.all(responses.map((r) => r.text()));
      assert.ok(responses.every((r) => r.status === 200));
      assert.equal(new Set(texts).size, 1);
      // One build: the topic, the page of stories, their articles and their topics.
      assert.equal(statements - before, 4, "25 requests, one build's statements");
      const cached = statements;
      await get("/topics/negotiations.json?limit=13");
      assert.equal(statements, cached, "then served from memory");
    });

    test("/opml lists every topic's feed as OPML 2.0", async () => {
      const res = await get("/opml");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/x-opml; charset=utf-8");
      const doc = (await parseStringPromise(await res.text(), { strict: true })) as { opml: { $: { version: string }; head: Xml[]; body: Array<{ outline: Xml[] }> } };
      assert.equal(doc.opml.$.version, "2.0");
      const outlines = doc.opml.body[0]!.outline.map(attrs);
      const topics = await t.handle.db.selectFrom("topics").select("slug").orderBy("slug").execute();
      assert.deepEqual(outlines.map((o) => o.xmlUrl).sort(), topics.map((tp) => `${base}/topics/${tp.slug}.rss`).sort());
      for (const o of outlines) {
        assert.equal(o.type, "rss");
        assert.ok(o.text && o.htmlUrl?.startsWith(`${base}/topics/`));
      }
      const atom = await (await get("/opml?format=atom")).text();
      assert.match(atom, new RegExp(`xmlUrl="${base}/topics/nato\\.atom"`));
      assert.ok((await get("/opml")).headers.get("etag"));
    });

    describe("the rules the W3C Feed Validator checks", () => {
      test("RSS 2.0: required channel and item elements, namespaces, guid, dates, enclosure, source, no duplicates", async () => {
        for (const slug of TOPICS) {
          const xml = await body(`/topics/${slug}.rss`);
          assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<rss version="2\.0"/);
          for (const ns of ['xmlns:atom="http://www.w3.org/2005/Atom"', 'xmlns:dc="http://purl.org/dc/elements/1.1/"', 'xmlns:media="http://search.yahoo.com/mrss/"']) assert.ok(xml.includes(ns), ns);
          const { channel, entries } = await rssEntries(xml);
          for (const el of ["title", "link", "description"]) assert.ok(text(channel[el]), `channel has ${el}`);
          assert.match(text(channel.ttl), /^\d+$/);
          assert.match(text(channel.language), /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/);
          const items = list(channel.item);
          const guids = items.map((i) => text(i.guid));
          assert.equal(new Set(guids).size, guids.length, "no duplicate guid");
          for (const i of items) {
            assert.equal(attrs(list(i.guid)[0]).isPermaLink, "false");
            assert.match(text(i.guid), /^urn:uuid:[0-9a-f-]{36}$/);
            assert.ok(text(i.title) && text(i.description));
            assert.match(text(i.link), /^https?:\/\//);
            for (const enc of list(i.enclosure)) {
              const a = attrs(enc);
              assert.match(a.url ?? "", /^https?:\/\//);
              assert.match(a.length ?? "", /^\d+$/);
              assert.match(a.type ?? "", /^[a-z]+\/[\w.+-]+$/);
            }
            for (const s of list(i.source)) assert.match(attrs(s).url ?? "", /^https?:\/\//);
            for (const cat of list(i.category)) assert.ok(text(cat).trim(), "no blank category");
            assert.ok(list(i.enclosure).length <= 1, "one enclosure");
            assert.doesNotMatch(text(i.title), /<[a-z]/i, "no HTML in titles");
          }
          for (const e of entries) assert.ok(Date.parse(e.published) <= Date.now() + 60_000, "no implausible (future) dates");
        }
      });

      test("Atom 1.0: ids, titles, updated, author, self link, registered link relations, unique updated, source", async () => {
        for (const slug of TOPICS) {
          const xml = await body(`/topics/${slug}.atom?limit=200`);
          const { feed, entries } = await atomEntries(xml);
          assert.ok(text(feed.id) && text(feed.title) && text(feed.updated));
          assert.ok(feed.author, "feed-level author covers entries without one");
          const rels = new Set(["alternate", "self", "hub", "next", "prev-archive", "current", "enclosure"]);
          for (const l of list(feed.link).map(attrs)) assert.ok(rels.has(l.rel ?? "alternate"), `registered rel ${l.rel}`);
          const updated = entries.map((e) => e.updated);
          assert.equal(new Set(updated).size, updated.length, "no two entries with the same atom:updated");
          const ids = entries.map((e) => e.id);
          assert.equal(new Set(ids).size, ids.length);
          for (const e of list(feed.entry)) {
            assert.match(text(e.id), /^urn:uuid:/);
            assert.equal(attrs(list(e.title)[0]).type, "text");
            assert.equal(attrs(list(e.summary)[0]).type, "html");
            for (const l of list(e.link).map(attrs)) assert.ok(["alternate", "enclosure"].includes(l.rel ?? ""), "no feed-history rels in entries");
            for (const src of list(e.source)) {
              assert.ok(text(src.id) && text(src.title) && text(src.updated), "source has id, title, updated");
              assert.ok(Date.parse(text(src.updated)) <= Date.now() + 60_000);
            }
            assert.ok(Date.parse(text(e.published)) <= Date.parse(text(e.updated)) + 1000, "published not after updated");
          }
        }
      });
    });

    describe("real clients", () => {
      const feedUrls = () => [...TOPICS.flatMap((s) => [`${base}/topics/${s}.rss`, `${base}/topics/${s}.atom`]), `${base}/topics/all.rss?limit=9`, `${base}/topics/all.atom?limit=9`];

      test("python3-feedparser parses every RSS and Atom output with bozo 0 and the same entry ids", { skip: feedparserInstalled ? false : `${PYTHON} with feedparser is not installed (apt-get install python3-feedparser)` }, async () => {
        const urls = feedUrls();
        const { stdout } = await run(PYTHON, [join(repoRoot, "test/clients/feedparser-check.py"), ...urls], { maxBuffer: 64 * 1024 * 1024 });
        const parsed = JSON.parse(stdout) as Record<string, { bozo: number; bozo_exception: string; version: string; self: string; entries: Array<{ id: string; link: string; published: string; updated: string; source: string | null; author: string | null }> }>;
        for (const url of urls) {
          const p = parsed[url]!;
          assert.equal(p.bozo, 0, `${url}: ${p.bozo_exception}`);
          assert.equal(p.version, url.includes(".rss") ? "rss20" : "atom10");
          assert.equal(p.self, url.replace(/\?limit=9$/, "?limit=9"));
          assert.ok(p.entries.length > 0);
          for (const e of p.entries) {
            assert.match(e.id, /^urn:uuid:/);
            assert.ok(e.link && e.published && e.updated, `${url} ${e.id}: link and dates read`);
          }
        }
        for (const slug of TOPICS) {
          const rss = parsed[`${base}/topics/${slug}.rss`]!.entries;
          const atom = parsed[`${base}/topics/${slug}.atom`]!.entries;
          const json = JSON.parse(await body(`/topics/${slug}.json`)) as JsonFeed;
          assert.deepEqual(atom.map((e) => e.id), rss.map((e) => e.id), `${slug}: same ids in RSS and Atom`);
          assert.deepEqual(json.items.map((i) => i.id), rss.map((e) => e.id), `${slug}: and in JSON Feed`);
          assert.deepEqual(atom.map((e) => e.published), rss.map((e) => e.published), `${slug}: same dates`);
          assert.deepEqual(atom.map((e) => e.source), rss.map((e) => e.source), `${slug}: same outlets`);
        }
      });

      test("newsboat -x reload shows every entry of every RSS and Atom feed", { skip: newsboatInstalled ? false : "newsboat is not installed (apt-get install newsboat)" }, async () => {
        for (const url of feedUrls()) {
          // One home per feed: newsboat keeps one item per guid across all its feeds.
          const home = mkdtempSync(join(tmpdir(), "feedloom-newsboat-"));
          try {
            mkdirSync(join(home, ".newsboat"));
            writeFileSync(join(home, ".newsboat/urls"), `${url}\n`);
            const env = { PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8" };
            const reload = await run("newsboat", ["-x", "reload"], { env, cwd: home, timeout: 60_000 });
            assert.doesNotMatch(reload.stderr, /error/i, reload.stderr);
            const unread = await run("newsboat", ["-x", "print-unread"], { env, cwd: home, timeout: 60_000 });
            const expected = url.includes(".rss") ? (await rssEntries(await (await fetch(url)).text())).entries : (await atomEntries(await (await fetch(url)).text())).entries;
            assert.equal(unread.stdout.trim(), `${expected.length} unread articles`, url);
            const { stdout } = await run(PYTHON, ["-c", "import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1]); print(json.dumps(c.execute('select guid, title, url from rss_item').fetchall()))", join(home, ".newsboat/cache.db")]);
            const items = JSON.parse(stdout) as Array<[string, string, string]>;
            assert.deepEqual(items.map((i) => i[0]).sort(), expected.map((e) => e.id).sort(), `${url}: every entry, by id`);
            assert.deepEqual(new Set(items.map((i) => i[2])), new Set(expected.map((e) => e.link)));
          } finally {
            rmSync(home, { recursive: true, force: true });
          }
        }
      });

      test("newsboat imports /opml", { skip: newsboatInstalled ? false : "newsboat is not installed (apt-get install newsboat)" }, async () => {
        const home = mkdtempSync(join(tmpdir(), "feedloom-newsboat-"));
        try {
          mkdirSync(join(home, ".newsboat"));
          writeFileSync(join(home, ".newsboat/urls"), "");
          writeFileSync(join(home, "topics.opml"), await body("/opml"));
          await run("newsboat", ["-i", join(home, "topics.opml")], { env: { PATH: process.env.PATH, HOME: home, LANG: "C.UTF-8" }, cwd: home, timeout: 60_000 });
          const urls = readFileSync(join(home, ".newsboat/urls"), "utf8");
          for (const slug of TOPICS) assert.ok(urls.includes(`${base}/topics/${slug}.rss`), urls);
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      });

      test("every JSON Feed validates against the JSON Feed 1.1 schema", async () => {
        const schema = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/jsonfeed-1.1.schema.json"), "utf8")) as object;
        const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
        addFormats.default(ajv);
        const validate = ajv.compile(schema);
        // The schema is not vacuous: a version 1 document and an item without content fail.
        assert.equal(validate({ version: "https://jsonfeed.org/version/1", title: "x", items: [] }), false);
        assert.equal(validate({ version: "https://jsonfeed.org/version/1.1", title: "x", items: [{ id: "1" }] }), false);
        for (const path of [...TOPICS.map((s) => `/topics/${s}.json`), "/topics/all.json?limit=5", "/topics/nato.json?limit=200"]) {
          const doc = JSON.parse(await body(path)) as JsonFeed;
          assert.ok(validate(doc), `${path}: ${ajv.errorsText(validate.errors)}`);
          assert.equal(doc.version, "https://jsonfeed.org/version/1.1");
        }
      });

      // The validator itself is not ours to commit: point FEEDLOOM_FEEDVALIDATOR at a checkout of
      // w3c/feedvalidator to run it here too (python3-lxml, python3-html5lib, python3-rdflib).
      const validatorDir = process.env.FEEDLOOM_FEEDVALIDATOR;
      test("the W3C Feed Validator: 0 errors and 0 warnings", { skip: validatorDir ? false : "FEEDLOOM_FEEDVALIDATOR (a w3c/feedvalidator checkout) is not set" }, async () => {
        for (const url of TOPICS.flatMap((s) => [`${base}/topics/${s}.rss`, `${base}/topics/${s}.atom`])) {
          const script = "import urllib.request, runpy, sys; sys.argv = ['demo.py', sys.argv[1]]; runpy.run_path('demo.py', run_name='__main__')";
          // Asynchronously: the server answering the validator runs in this process.
          const r = await run(PYTHON, ["-c", script, url], { cwd: join(validatorDir!, "src"), timeout: 120_000 }).catch((err: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: `${err.stdout ?? ""}${err.stderr ?? ""} (exit ${err.code})`, stderr: "" }));
          assert.match(r.stdout, /No errors or warnings/, `${url}:\n${r.stdout}`);
        }
      });
    });

    // Last: it changes the data. Deduplication has joined the republication to the seed's story at
    // ingest; to see a feed change when a copy joins, the copy is first put back in a story of its
    // own (as before it arrived), then joined again, each change announced as ingest does.
    test("when another outlet's copy joins a story, its id stays, the other outlet is named, the cached feed changes at once", async () => {
      const db = t.handle.db;
      const seed = storyOf.get("ukrnews:ukranews-964512")!;
      const seedId = `urn:uuid:${seed.uuid}`;
      const copyLink = "https://blackseawire.example/news/2023/09/15/nato-eu-discussing-negotiations-with-russia-after-kherson";
      const copyArticle = await db.selectFrom("articles").select(["id", "title", "published_at"]).where("link", "=", copyLink).executeTakeFirstOrThrow();
      const seedStory = await db.selectFrom("stories").select("id").where("uuid", "=", seed.uuid).executeTakeFirstOrThrow();
      const published = copyArticle.published_at ?? new Date("2023-09-15T12:00:00Z");
      const lone = await db
        .insertInto("stories")
        .values({ uuid: crypto.randomUUID(), title: copyArticle.title, published_at: published, updated_at: published, canonical_article_id: copyArticle.id })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db.updateTable("articles").set({ story_id: lone.id }).where("id", "=", copyArticle.id).execute();
      const all = await db.selectFrom("topics").select("id").where("slug", "=", "all").executeTakeFirstOrThrow();
      await db.insertInto("story_topics").values({ story_id: lone.id, topic_id: all.id }).execute();
      announceTopicChange(TOPICS);
      const beforeJoin = await rssEntries(await body("/topics/all.rss?limit=200"));
      assert.doesNotMatch(beforeJoin.entries.find((e) => e.id === seedId)!.html, /Black Sea Wire/, "not yet joined");
      const etag = (await get("/topics/all.rss?limit=200")).headers.get("etag")!;
      // The copy joins the seed's story.
      await db.updateTable("articles").set({ story_id: seedStory.id }).where("id", "=", copyArticle.id).execute();
      await db.deleteFrom("story_topics").where("story_id", "=", lone.id).execute();
      await db.deleteFrom("stories").where("id", "=", lone.id).execute();
      announceTopicChange(TOPICS);
      const res = await get("/topics/all.rss?limit=200", { "if-none-match": etag });
      assert.equal(res.status, 200, "the old ETag no longer matches");
      const after = await rssEntries(await res.text());
      assert.equal(after.entries.length, beforeJoin.entries.length - 1, "the copy's own entry is gone");
      const entry = after.entries.find((e) => e.id === seedId)!;
      assert.ok(entry, "the seed story keeps its id");
      assert.match(entry.html, /Also reported by: /);
      assert.ok(entry.html.includes(`<a href="${copyLink}">Black Sea Wire</a>`), "the other outlet is named, with its link");
      assert.match(entry.link, /^https:\/\/ukranews\.example\//, "still the canonical article's link");
      const json = JSON.parse(await body("/topics/all.json?limit=200")) as JsonFeed;
      assert.ok(json.items.find((i) => i.id === seedId)!._feedloom.also_reported_by.some((o) => o.name === "Black Sea Wire"));
    });
  });
}

function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return import("node:http").then(
    ({ get }) =>
      new Promise((resolve, reject) => {
        get(url, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        }).on("error", reject);
      }),
  );
}
