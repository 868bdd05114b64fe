// The web pages through the real app (app.request) on each database: every page and its parts,
// paging, 404s and a 500 that tells nothing, hostile text from feeds escaped, and the security
// headers (a strict CSP, no inline script or style anywhere).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../src/db/schema.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/server/app.ts";
import { addSource } from "../src/store/sources.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { matchStories } from "../src/topics/store.ts";

const HOSTILE_TITLE = `Talks <script>alert("title")</script> & "quotes" <img src=x onerror=alert(1)>`;
const HOSTILE_SUMMARY = `<p>Lead <b>bold</b> text.</p><script>alert("summary")</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">click</a>`;
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const HOUR = 3_600_000;
const T0 = Date.parse("2023-09-15T12:00:00Z");

type Db = Kysely<Database>;

async function topicId(db: Db, slug: string): Promise<number> {
  return (await db.selectFrom("topics").select("id").where("slug", "=", slug).executeTakeFirstOrThrow()).id;
}

/** A story of one article per (source, title, link), filed under the given topics and `all`. */
async function addStory(
  db: Db,
  opts: { title: string; published: Date; topics: string[]; articles: Array<{ sourceId: number; title?: string; link: string | null; summary?: string; published?: Date | null }> },
): Promise<{ id: number; uuid: string }> {
  const story = await db
    .insertInto("stories")
    .values({ title: opts.title, published_at: opts.published, updated_at: opts.published, canonical_article_id: null })
    .returning(["id", "uuid"])
    .executeTakeFirstOrThrow();
  let canonical: number | null = null;
  for (const [i, a] of opts.articles.entries()) {
    const row = await db
      .insertInto("articles")
      .values({
        source_id: a.sourceId, story_id: story.id, identity: `${story.id}-${i}`, guid: `${story.id}-${i}`, link: a.link,
        title: a.title ?? opts.title, summary: a.summary ?? null, content: null, author: null, image_url: null, language: "en",
        published_at: a.published === undefined ? new Date(opts.published.getTime() + i * 60_000) : a.published, updated_at: null, content_hash: `h${story.id}-${i}`,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    canonical ??= row.id;
  }
  await db.updateTable("stories").set({ canonical_article_id: canonical }).where("id", "=", story.id).execute();
  for (const slug of ["all", ...opts.topics]) await db.insertInto("story_topics").values({ topic_id: await topicId(db, slug), story_id: story.id }).execute();
  // The search vector, as ingest writes it (no topics given: the filing above stays as set).
  await matchStories(db, [story.id], []);
  return story;
}

function assertNoActiveContent(html: string, where: string) {
  assert.doesNotMatch(html, /<script/i, `${where}: no script element`);
  assert.doesNotMatch(html, /<style|\sstyle=/i, `${where}: no inline style`);
  assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+=/i, `${where}: no event-handler attribute`);
  assert.doesNotMatch(html, /href="javascript:/i, `${where}: no javascript: link`);
}

for (const kind of databaseKinds) {
  describe(`web pages on ${kind}`, () => {
    let t: TestDatabase;
    let app: ReturnType<typeof createApp>;
    let seed: { id: number; uuid: string };
    let hostile: { id: number; uuid: string };
    let topicless: { id: number; uuid: string };
    const src: Record<string, number> = {};

    before(async () => {
      t = await openTestDatabase(kind);
      const db = t.handle.db;
      src.agency = (await addSource(db, { url: "https://agency.example/rss", title: "Agency News" })).id;
      src.mirror = (await addSource(db, { url: "https://mirror.example/feed", title: "News <Mirror> & Co" })).id;
      src.untitled = (await addSource(db, { url: "https://untitled.example/atom.xml" })).id;
      // Health states: one failing with backoff, one paused, one healthy with 304s.
      await db.updateTable("sources").set({ last_success_at: new Date(Date.now() - 2 * HOUR), fetch_count: 8, not_modified_count: 6, last_status: 304 }).where("id", "=", src.agency).execute();
      await db.updateTable("sources").set({ error_count: 3, failing_since: new Date(Date.now() - 5 * HOUR), last_error: "the server answered HTTP 503 <Service Unavailable>", last_status: 503, fetch_count: 4, next_fetch_at: new Date(Date.now() + 2 * HOUR) }).where("id", "=", src.mirror).execute();
      await db.updateTable("sources").set({ enabled: false, disabled_reason: "paused: failing for 7 days", error_count: 40 }).where("id", "=", src.untitled).execute();

      seed = await addStory(db, {
        title: "NATO And EU Discussing Negotiations After Kherson",
        published: new Date(T0 + 100 * HOUR),
        topics: ["nato", "negotiations"],
        articles: [
          { sourceId: src.agency, link: "https://agency.example/news/1", summary: "<p>The <em>seed</em> lead&nbsp;paragraph.</p>" },
          { sourceId: src.mirror, title: "UPDATED: nato and eu discussing negotiations", link: "https://mirror.example/a/1?utm_source=x" },
          { sourceId: src.untitled, link: null, published: null },
        ],
      });
      hostile = await addStory(db, {
        title: HOSTILE_TITLE,
        published: new Date(T0 + 99 * HOUR),
        topics: ["negotiations"],
        articles: [
          { sourceId: src.mirror, link: "javascript:alert(4)", summary: HOSTILE_SUMMARY },
          { sourceId: src.agency, link: "https://agency.example/news/2" },
        ],
      });
      topicless = await addStory(db, { title: "Weather report", published: new Date(T0 - 100 * HOUR), topics: [], articles: [{ sourceId: src.agency, link: "https://agency.example/w" }] });
      // 55 more NATO stories, an hour apart, older than the seed: the topic page needs two pages.
      for (let i = 0; i < 55; i++) {
        await addStory(db, { title: `NATO filler story ${i}`, published: new Date(T0 + i * HOUR), topics: ["nato"], articles: [{ sourceId: src.agency, link: `https://agency.example/n/${i}` }] });
      }
      app = createApp({ db, baseUrl: "http://feedloom.test" });
    });
    after(async () => t?.drop());

    const get = async (path: string) => {
      const res = await app.request(path);
      return { res, html: await res.text() };
    };

    test("every page answers HTML with a title, a description, landmarks, one h1, the stylesheet and the security headers", async () => {
      for (const path of ["/", "/topics/nato", `/stories/${seed.uuid}`, `/stories/${topicless.uuid}`, "/sources", "/search?q=kherson", "/search", "/no-such-page", "/stories/00000000-0000-4000-8000-000000000000"]) {
        const { res, html } = await get(path);
        assert.match(res.headers.get("content-type") ?? "", /^text\/html; charset=utf-8/i, path);
        assert.equal(res.headers.get("content-security-policy"), CSP, `${path}: strict CSP`);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
        assert.equal(res.headers.get("x-frame-options"), "DENY", path);
        assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin", path);
        assert.match(html, /^<!doctype html><html lang="en">/, path);
        assert.match(html, /<title>[^<]+<\/title>/, path);
        assert.match(html, /<meta name="description" content="[^"]+"/, path);
        assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1"/, path);
        assert.match(html, /<link rel="stylesheet" href="\/static\/feedloom\.css\?v=[0-9a-f]{12}"/, path);
        assert.match(html, /<link rel="alternate" type="application\/(rss|atom|feed)\+(xml|json)"/, `${path}: feed autodiscovery`);
        for (const landmark of [/<header class="site-header">/, /<nav aria-label="Main">/, /<main id="main"/, /<footer class="site-footer">/]) assert.match(html, landmark, path);
        assert.equal(html.match(/<h1[ >]/g)?.length, 1, `${path}: one h1`);
        assertNoActiveContent(html, path);
      }
    });

    test("the stylesheet is served from /static with long caching, dark mode and a visible focus", async () => {
      const { html } = await get("/");
      const href = /href="(\/static\/feedloom\.css\?v=[0-9a-f]+)"/.exec(html)?.[1];
      assert.ok(href);
      const res = await app.request(href);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/css/);
      assert.match(res.headers.get("cache-control") ?? "", /immutable/);
      const css = await res.text();
      assert.match(css, /@media \(prefers-color-scheme: dark\)/);
      assert.match(css, /:focus-visible\s*{[^}]*outline: 3px solid/);
      assert.equal((await app.request("/static/nothing.css")).status, 404);
    });

    test("/ lists every topic with its count, newest stories, subscribe links and the OPML link", async () => {
      const { res, html } = await get("/");
      assert.equal(res.status, 200);
      for (const [slug, count] of [["all", 58], ["nato", 56], ["negotiations", 2]] as const) {
        const section = html.slice(html.indexOf(`data-topic="${slug}"`));
        assert.ok(section.length < html.length, `topic ${slug} listed`);
        const own = section.slice(0, section.indexOf("</section>"));
        assert.match(own, new RegExp(`<a href="/topics/${slug}">`));
        assert.match(own, new RegExp(`${count} stories`));
        for (const f of ["rss", "atom", "json"]) assert.match(own, new RegExp(`href="/topics/${slug}\\.${f}"`));
      }
      assert.match(html, /href="\/opml"/);
      assert.ok(html.includes(`href="/stories/${seed.uuid}"`), "newest stories link to their pages");
      assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="NATO \(RSS\)" href="\/topics\/nato\.rss"\/>/);
    });

    test("/topics/{slug}: newest first, 50 a page, each story with its time, outlet, summary, other outlets and topics", async () => {
      const { res, html } = await get("/topics/nato");
      assert.equal(res.status, 200);
      const uuids = [...html.matchAll(/<li class="story" data-story="([0-9a-f-]+)"/g)].map((m) => m[1]);
      assert.equal(uuids.length, 50);
      assert.equal(uuids[0], seed.uuid, "the newest first");
      const filler = [...html.matchAll(/NATO filler story (\d+)/g)].map((m) => Number(m[1]));
      assert.deepEqual(filler, [...filler].sort((a, b) => b - a), "newest first");
      const item = html.slice(html.indexOf(`data-story="${seed.uuid}"`), html.indexOf("</li>", html.indexOf("Also reported by")));
      assert.match(item, /<time datetime="2023-09-19T16:00:00\.000Z" title="19 September 2023 at 16:00 UTC">[^<]*ago<\/time>/);
      assert.match(item, /<a class="outlet" href="https:\/\/agency\.example\/news\/1" rel="noopener noreferrer">Agency News<\/a>/);
      assert.match(item, /<p class="summary">The seed lead paragraph\.<\/p>/, "plain text of the summary");
      const also = html.slice(html.indexOf("Also reported by"), html.indexOf("</div>", html.indexOf("Also reported by")));
      assert.match(also, /href="https:\/\/mirror\.example\/a\/1\?utm_source=x"[^>]*>News &lt;Mirror&gt; &amp; Co<\/a>/);
      assert.match(also, /<span class="outlet">untitled\.example<\/span>/, "an outlet without a link or title is still named");
      const topics = html.slice(html.indexOf(`data-story="${seed.uuid}"`));
      assert.match(topics.slice(0, topics.indexOf("</article>")), /<a href="\/topics\/nato">nato<\/a><\/li><li><a href="\/topics\/negotiations">negotiations<\/a>/);
      assert.match(html, /Stories newest first/);
      for (const f of ["rss", "atom", "json"]) assert.match(html, new RegExp(`<link rel="alternate" type="[^"]+" title="NATO \\([^)]+\\)" href="/topics/nato\\.${f}"/>`));

      const older = /<a href="(\/topics\/nato\?before=[A-Za-z0-9_-]+)" rel="next">/.exec(html)?.[1];
      assert.ok(older, "a link to older stories");
      const second = await get(older);
      const rest = [...second.html.matchAll(/<li class="story" data-story="([0-9a-f-]+)"/g)].map((m) => m[1]);
      assert.equal(rest.length, 6);
      assert.equal(new Set([...uuids, ...rest]).size, 56, "no story skipped or repeated");
      assert.doesNotMatch(second.html, /rel="next"/, "the last page has no older link");
      assert.match(second.html, /href="\/topics\/nato">← Newest stories/);
    });

    test("unknown topics and stories are 404 pages; a bad cursor is a 400 page", async () => {
      for (const path of ["/topics/no-such-topic", "/stories/00000000-0000-4000-8000-000000000000", "/stories/42", "/stories/not-a-uuid", "/nothing/here"]) {
        const { res, html } = await get(path);
        assert.equal(res.status, 404, path);
        assert.match(html, /<h1>Not found<\/h1>/, path);
      }
      const bad = await get("/topics/nato?before=garbage");
      assert.equal(bad.res.status, 400);
      assert.match(bad.html, /not valid; start again from the newest/);
      // The API keeps its plain answers.
      const api = await app.request("/api/nothing");
      assert.equal(api.status, 404);
      assert.equal(await api.text(), "not found");
    });

    test("/stories/{uuid}: every version with outlet, headline as published, time and link; topics; related search", async () => {
      const { res, html } = await get(`/stories/${seed.uuid.toUpperCase()}`);
      assert.equal(res.status, 200);
      assert.match(html, /<h1 id="story-title" lang="en">NATO And EU Discussing Negotiations After Kherson<\/h1>/);
      const versions = [...html.matchAll(/<li class="version" data-article="\d+">([\s\S]*?)<\/li>/g)].map((m) => m[1] ?? "");
      assert.equal(versions.length, 3);
      assert.match(versions[0]!, /<h3 class="headline" lang="en">NATO And EU Discussing Negotiations After Kherson<\/h3>/);
      assert.match(versions[0]!, /<span class="outlet">Agency News<\/span>/);
      assert.match(versions[0]!, /<time datetime="2023-09-19T16:00:00\.000Z"/);
      assert.match(versions[0]!, /<a href="https:\/\/agency\.example\/news\/1" rel="noopener noreferrer">Read it at Agency News<\/a>/);
      assert.match(versions[1]!, /UPDATED: nato and eu discussing negotiations/, "the headline as that outlet published it");
      assert.match(versions[1]!, /<span class="outlet">News &lt;Mirror&gt; &amp; Co<\/span>/);
      assert.match(versions[2]!, /date unknown/);
      assert.match(versions[2]!, /no link given/);
      assert.match(html, /3 versions from 3 outlets/);
      assert.match(html, /<a href="\/topics\/negotiations">negotiations<\/a>/);
      assert.match(html, /<form class="search" role="search" action="\/search" method="get">[\s\S]*?name="q" value="NATO EU Negotiations"/);
      assert.match(html, /<link rel="alternate" type="application\/rss\+xml" title="nato \(RSS\)" href="\/topics\/nato\.rss"\/>/);
    });

    test("hostile headlines, names and summaries from feeds are escaped; javascript: links are dropped", async () => {
      for (const path of ["/topics/negotiations", `/stories/${hostile.uuid}`, "/search?q=talks", "/"]) {
        const { html } = await get(path);
        assert.ok(!html.includes("<script>alert"), `${path}: no live script`);
        assert.ok(!html.includes("<img src=x"), `${path}: no live img`);
        assert.ok(html.includes("Talks &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;quotes&quot; &lt;img src=x onerror=alert(1)&gt;"), `${path}: the headline shown as text`);
        assert.ok(!html.includes("javascript:"), `${path}: no javascript: URL`);
        assertNoActiveContent(html, path);
      }
      const { html } = await get("/topics/negotiations");
      const item = html.slice(html.indexOf(`data-story="${hostile.uuid}"`));
      assert.match(item, /<p class="summary">Lead bold text\. click<\/p>/, "the summary is plain text: markup and scripts gone");
      assert.match(item, /<span class="outlet">News &lt;Mirror&gt; &amp; Co<\/span>/, "an unsafe link leaves the outlet's name unlinked");
    });

    test("/sources: every source's health in plain words, problems first", async () => {
      const { res, html } = await get("/sources");
      assert.equal(res.status, 200);
      assert.match(html, /3 sources: 1 failing, 1 paused, 1 ok\./);
      const order = [...html.matchAll(/<li class="source" data-source="(\d+)"/g)].map((m) => Number(m[1]));
      assert.deepEqual(order, [src.mirror, src.untitled, src.agency]);
      const block = (id: number) => {
        const start = html.indexOf(`data-source="${id}"`);
        return html.slice(start, html.indexOf("</article>", start));
      };
      const failing = block(src.mirror!);
      assert.match(failing, /<h2 id="source-\d+">News &lt;Mirror&gt; &amp; Co<\/h2>/);
      assert.match(failing, /<span class="state state-failing">failing<\/span>/);
      assert.match(failing, /<dt>Last success<\/dt><dd>never yet<\/dd>/);
      assert.match(failing, /<dt>Last error<\/dt><dd>the server answered HTTP 503 &lt;Service Unavailable&gt;<\/dd>/);
      assert.match(failing, /<dt>Backoff<\/dt><dd>3 failed attempts in a row since <time datetime="[^"]+" title="[^"]+">5 hours ago<\/time>/);
      assert.match(failing, /<dt>Next fetch<\/dt><dd><time datetime="[^"]+" title="[^"]+">in 2 hours<\/time>/);
      assert.match(failing, /0% of 4 fetches answered “not modified” \(304\)/);
      const paused = block(src.untitled!);
      assert.match(paused, /<h2 id="source-\d+">untitled\.example<\/h2>/);
      assert.match(paused, /paused: failing for 7 days/);
      assert.match(paused, /not scheduled: resume it with <code>feedloom sources resume \d+<\/code>/);
      const ok = block(src.agency!);
      assert.match(ok, /<span class="state state-ok">ok<\/span>/);
      assert.match(ok, /<dt>Last success<\/dt><dd><time datetime="[^"]+" title="[^"]+">2 hours ago<\/time>/);
      assert.match(ok, /<dt>Last error<\/dt><dd>none<\/dd>/);
      assert.match(ok, /<dt>Backoff<\/dt><dd>none: fetched about every 30 minutes<\/dd>/);
      assert.match(ok, /75% of 8 fetches answered “not modified” \(304\)/);
    });

    test("/search?q=: results newest first with the query's feeds; empty, long and bad queries answered plainly", async () => {
      const { res, html } = await get("/search?q=kherson");
      assert.equal(res.status, 200);
      const found = [...html.matchAll(/<li class="story" data-story="([0-9a-f-]+)"/g)].map((m) => m[1]);
      assert.deepEqual(found, [seed.uuid]);
      for (const f of ["rss", "atom", "json"]) {
        assert.match(html, new RegExp(`<link rel="alternate" type="[^"]+" title="Search “kherson” \\([^)]+\\)" href="/search\\.${f}\\?q=kherson"/>`));
        assert.match(html, new RegExp(`<a href="/search\\.${f}\\?q=kherson" type="[^"]+">`));
      }
      const words = await get("/search?q=NATO%20filler%2054");
      assert.equal(words.res.status, 200);
      assert.match(words.html, /NATO filler story 54/);
      const none = await get("/search?q=%25_%5C");
      assert.match(none.html, /No stories match/, "LIKE wildcards in a query are literal");
      const empty = await get("/search?q=");
      assert.equal(empty.res.status, 200);
      assert.match(empty.html, /<h1>Search<\/h1>/);
      const long = await get(`/search?q=${"x".repeat(201)}`);
      assert.equal(long.res.status, 400);
      assert.match(long.html, /too long/);
      const paged = await get("/search?q=nato&limit=10");
      const older = /<a href="(\/search\?q=nato&amp;before=[A-Za-z0-9_-]+)" rel="next">/.exec(paged.html)?.[1];
      assert.ok(older, "results are paged");
      const next = await get(older.replace(/&amp;/g, "&") + "&limit=10");
      assert.equal([...next.html.matchAll(/data-story="/g)].length, 10);
      const hostileQuery = await get(`/search?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
      assert.ok(!hostileQuery.html.includes("<script>alert(1)"), "the query is escaped where it is shown");
    });

    test("an error is a 500 page that says nothing of the internals (and the log gets them)", async () => {
      const lines: string[] = [];
      const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/nothing", connectionTimeoutMillis: 2000 });
      pool.on("error", () => {});
      const broken = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      try {
        const failing = createApp({ db: broken, baseUrl: "http://feedloom.test", log: createLogger("error", (l) => lines.push(l)) });
        for (const path of ["/", "/topics/nato", "/sources"]) {
          const res = await failing.request(path);
          const html = await res.text();
          assert.equal(res.status, 500, path);
          assert.equal(res.headers.get("content-security-policy"), CSP);
          assert.match(html, /<h1>Something went wrong<\/h1>/);
          assert.doesNotMatch(html, /ECONNREFUSED|127\.0\.0\.1|postgres|nobody|\(\S+:\d+:\d+\)|\.tsx?:\d+/i, `${path}: no internals in the page`);
        }
        assert.ok(lines.some((l) => l.includes("ECONNREFUSED")), "the log has the cause");
        const api = await failing.request("/api/topics");
        assert.equal(api.status, 500);
        assert.equal(await api.text(), "internal error");
      } finally {
        await broken.destroy();
      }
    });

    test("feeds and the API keep their answers (no page headers forced on them)", async () => {
      const rss = await app.request("/topics/nato.rss");
      assert.equal(rss.status, 200);
      assert.match(rss.headers.get("content-type") ?? "", /^application\/rss\+xml/);
      const api = await app.request("/api/stories?topic=nato&limit=1");
      assert.equal(api.status, 200);
      const body = (await api.json()) as { stories: Array<{ title: string }> };
      assert.equal(body.stories[0]?.title, "NATO And EU Discussing Negotiations After Kherson");
    });
  });
}
