// The whole path, end to end, on each database: the newsroom corpus served from 127.0.0.1, its
// sources added, two fetch cycles (the changing source switches to its second version between
// them), then the topic feeds and /api/stories read over HTTP from the real app.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { serve, type ServerType } from "@hono/node-server";
import { runFetchCycle } from "../jobs/fetch-cycle.ts";
import { createGate, type IngestContext } from "../src/ingest/source.ts";
import { createApp } from "../src/server/app.ts";
import { addSource } from "../src/store/sources.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { ingestContext } from "./helpers/feeds.ts";
import { labels, startNewsroom, type NewsroomServer } from "./helpers/newsroom.ts";

const SEED = "NATO And EU Discussing Possibility Of Negotiations With Russia After Kherson Liberation By Ukraine";

interface ApiStory {
  id: number;
  title: string;
  published: string;
  topics: string[];
  articles: Array<{ id: number; source: { id: number; title: string | null; url: string }; guid: string | null; link: string | null; title: string; published: string | null }>;
}

for (const kind of databaseKinds) {
  describe(`pipeline on ${kind}`, () => {
    let t: TestDatabase;
    let newsroom: NewsroomServer;
    let http: ServerType;
    let base: string;
    const sourceIds = new Map<string, number>();
    const L = labels();

    before(async () => {
      t = await openTestDatabase(kind);
      newsroom = await startNewsroom();
      for (const s of L.sources) sourceIds.set(s.slug, (await addSource(t.handle.db, { url: newsroom.feeds[s.slug]! })).id);
      const app = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test" });
      http = await new Promise((resolve) => {
        const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
      });
      const addr = http.address();
      base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    });
    after(async () => {
      await new Promise((r) => http?.close(r));
      await newsroom?.close();
      await t?.drop();
    });

    const ctx = (): IngestContext => ingestContext(t.handle.db);

    test("first cycle: every source fetched, the ill-formed one read leniently", async () => {
      const outcomes = await runFetchCycle(ctx(), { all: true, concurrency: 4 });
      assert.equal(outcomes.length, L.sources.length);
      for (const o of outcomes) assert.equal(o.outcome, "updated", `${o.url}: ${o.message}`);
      const dnipro = outcomes.find((o) => o.sourceId === sourceIds.get("dnipro-daily"))!;
      assert.equal(dnipro.newArticles, 3);
      assert.match(dnipro.message ?? "", /not well-formed|leniently|repaired/i, "the fetch says what was wrong with the feed");
      const row = await t.handle.db.selectFrom("sources").selectAll().where("id", "=", sourceIds.get("dnipro-daily")!).executeTakeFirstOrThrow();
      assert.equal(row.last_error, null, "read leniently is a success, not an error");
      assert.match(row.last_warning ?? "", /unescaped &/);
      assert.equal(row.last_status, 200);
      assert.equal(row.title, "Dnipro Daily", "the feed's own title fills an untitled source");
    });

    test("second cycle: the changed feed adds two articles and updates one in place", async () => {
      await newsroom.setPhase(2);
      const outcomes = await runFetchCycle(ctx(), { sourceIds: [sourceIds.get("capital-daily")!], concurrency: 1 });
      assert.equal(outcomes.length, 1);
      assert.equal(outcomes[0]!.newArticles, 2);
      assert.equal(outcomes[0]!.updatedArticles, 1);
      // Fetching everything again changes nothing.
      const again = await runFetchCycle(ctx(), { all: true, concurrency: 4 });
      assert.deepEqual(again.map((o) => o.newArticles + o.updatedArticles), again.map(() => 0));
    });

    test("every labelled article is stored once, with its text decoded in every encoding", async () => {
      const rows = await t.handle.db
        .selectFrom("articles")
        .innerJoin("sources", "sources.id", "articles.source_id")
        .select(["articles.identity", "articles.title", "articles.link", "sources.url"])
        .execute();
      const slugOf = new Map([...sourceIds.keys()].map((slug) => [newsroom.feeds[slug], slug]));
      const stored = new Map(rows.map((r) => [`${slugOf.get(r.url)}:${r.identity}`, r]));
      assert.equal(rows.length, L.articles.length, "one row per distinct article, nothing doubled");
      for (const a of L.articles) {
        const row = stored.get(a.id);
        assert.ok(row, `article ${a.id} is stored`);
        assert.equal(row.title, a.title, `title of ${a.id}`);
        assert.equal(row.link, a.link, `link of ${a.id}`);
      }
      const update = L.updates[0]!;
      assert.equal(stored.get(update.id)?.title, update.v2_title);
    });

    test("bodies decode as cleanly as titles: no replacement characters, no mojibake", async () => {
      const rows = await t.handle.db.selectFrom("articles").select(["identity", "title", "summary", "content", "language"]).execute();
      const mojibake = /\uFFFD|Ã[\u0080-\u00BF]|Ð[\u0080-\u00BF]|Ñ[\u0080-\u00BF]|â€/;
      for (const r of rows) {
        for (const text of [r.title, r.summary ?? "", r.content ?? ""]) assert.doesNotMatch(text, mojibake, `${r.identity}: ${text.slice(0, 80)}`);
      }
      const ukrainian = rows.filter((r) => r.language?.startsWith("uk"));
      assert.equal(ukrainian.length, 11, "the windows-1251 and KOI8-U sources' articles");
      for (const r of ukrainian) assert.match(`${r.summary ?? ""}${r.content ?? ""}`, /[іїєґ]/i, `${r.identity} has Ukrainian text`);
    });

    test("the seed story is in /topics/nato.rss, /topics/negotiations.rss and /api/stories", async () => {
      for (const slug of ["nato", "negotiations", "all"]) {
        const res = await fetch(`${base}/topics/${slug}.rss`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /^application\/rss\+xml; charset=utf-8/);
        const xml = await res.text();
        assert.match(xml, /<rss [^>]*version="2.0"/);
        assert.ok(xml.includes(SEED), `seed story in ${slug}.rss`);
      }
      for (const fmt of ["atom", "json"]) {
        const res = await fetch(`${base}/topics/nato.${fmt}`);
        assert.equal(res.status, 200);
        assert.ok((await res.text()).includes(SEED));
      }
      const api = (await (await fetch(`${base}/api/stories?topic=nato&limit=200`)).json()) as { stories: ApiStory[]; next: string | null };
      const seed = api.stories.find((s) => s.title === SEED);
      assert.ok(seed, "seed story in /api/stories?topic=nato");
      assert.deepEqual(seed.topics, ["nato", "negotiations"]);
      assert.match(seed.published, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const article = seed.articles[0]!;
      assert.equal(article.source.url, newsroom.feeds["ukrnews"]);
      assert.equal(article.guid, "ukranews-964512");
      assert.match(article.link ?? "", /^https?:\/\//);
      assert.deepEqual(Object.keys(seed).sort(), ["articles", "id", "published", "title", "topics", "updated"]);
      assert.deepEqual(Object.keys(article).sort(), ["guid", "id", "link", "published", "source", "title"]);
    });

    test("republications are one story naming every outlet; independent reports stay apart", async () => {
      const rows = await t.handle.db.selectFrom("articles").select(["id", "story_id", "source_id", "identity"]).execute();
      const slugOf = new Map([...sourceIds].map(([slug, id]) => [id, slug]));
      const storyOf = new Map(rows.map((r) => [`${slugOf.get(r.source_id)}:${r.identity}`, r.story_id]));
      const lang = new Map(L.articles.map((a) => [a.id, a.lang]));
      const seen = new Map<number, number>();
      L.stories.forEach((members, i) => {
        // Translations are a stretch goal: each language's part of a labelled story is one stored story.
        for (const language of new Set(members.map((id) => lang.get(id)))) {
          const stored = new Set(members.filter((id) => lang.get(id) === language).map((id) => storyOf.get(id)));
          assert.equal(stored.size, 1, `labelled story ${i} (${language}) is one stored story: ${members.join(", ")}`);
          const id = [...stored][0]!;
          assert.ok(seen.get(id) === undefined || seen.get(id) === i, `stored story ${id} holds two labelled stories`);
          seen.set(id, i);
        }
      });
      for (const h of L.story_hard_negatives) assert.notEqual(storyOf.get(h.a), storyOf.get(h.b), `${h.kind}: ${h.a} / ${h.b}`);

      const api = (await (await fetch(`${base}/api/stories?limit=200`)).json()) as { stories: ApiStory[] };
      const seeds = api.stories.filter((s) => s.articles.some((a) => a.guid === "ukranews-964512"));
      assert.equal(seeds.length, 1, "one entry for the seed story");
      const seed = seeds[0]!;
      assert.equal(seed.title, SEED);
      assert.equal(seed.articles[0]!.guid, "ukranews-964512", "the original is the canonical article");
      const outlets = new Set(seed.articles.map((a) => [...sourceIds].find(([, id]) => id === a.source.id)![0]));
      assert.deepEqual([...outlets].sort(), ["blacksea-wire", "capital-daily", "kyiv-pulse", "newsagg", "newsmirror", "ukrnews"]);
      const rss = await (await fetch(`${base}/topics/nato.rss?limit=200`)).text();
      assert.equal(rss.split(`<guid isPermaLink="false">urn:uuid:`).length - 1, new Set((await (await fetch(`${base}/api/stories?topic=nato&limit=200`)).json() as { stories: ApiStory[] }).stories.map((s) => s.id)).size);
      assert.equal(rss.split(SEED).length > 1, true);
      assert.match(rss, /Also reported by: /, "the entry names the other outlets");
    });

    test("feed dates come from the stories, never from the clock", async () => {
      const first = await (await fetch(`${base}/topics/all.atom`)).text();
      await new Promise((r) => setTimeout(r, 1100));
      const second = await (await fetch(`${base}/topics/all.atom`)).text();
      assert.equal(first, second, "the same stories give the same bytes");
      const updated = [...first.matchAll(/<updated>([^<]+)<\/updated>/g)].map((m) => m[1]!);
      const newestEntry = updated.slice(1).sort().at(-1)!;
      assert.equal(updated[0], newestEntry, "the feed's <updated> is its newest entry's");
      const rss = await fetch(`${base}/topics/all.rss`);
      assert.equal(rss.headers.get("last-modified"), new Date(newestEntry).toUTCString());
      // A story is dated by its article: an item from 2023 does not look updated today.
      const seed = await t.handle.db
        .selectFrom("stories")
        .innerJoin("articles", "articles.story_id", "stories.id")
        .select(["stories.published_at", "stories.updated_at"])
        .where("articles.guid", "=", "ukranews-964512")
        .executeTakeFirstOrThrow();
      assert.equal(seed.published_at.toISOString(), "2023-09-15T01:43:26.000Z");
      // Its republications joined it: it is as new as the latest of them, not as the fetch.
      const members = await t.handle.db
        .selectFrom("articles")
        .select((eb) => eb.fn.max("published_at").as("latest"))
        .where("story_id", "=", (await t.handle.db.selectFrom("articles").select("story_id").where("guid", "=", "ukranews-964512").executeTakeFirstOrThrow()).story_id)
        .executeTakeFirstOrThrow();
      assert.equal(seed.updated_at.toISOString(), new Date(members.latest as Date).toISOString());
    });

    test("/api/stories pages newest first without gaps or repeats", async () => {
      const all: ApiStory[] = [];
      let next: string | null = "";
      let pages = 0;
      while (next !== null) {
        const url: string = `${base}/api/stories?limit=7${next ? `&before=${encodeURIComponent(next)}` : ""}`;
        const body = (await (await fetch(url)).json()) as { stories: ApiStory[]; next: string | null };
        all.push(...body.stories);
        next = body.next;
        pages++;
      }
      const total = await t.handle.db.selectFrom("stories").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      assert.equal(all.length, Number(total.n));
      assert.equal(new Set(all.map((s) => s.id)).size, all.length, "no story twice");
      assert.ok(pages > 2);
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.published >= all[i]!.published, "newest first");
    });

    test("bad parameters are 400s that name the parameter; unknown topics are 404s", async () => {
      for (const [query, field] of [["limit=0", "limit"], ["limit=201", "limit"], ["limit=abc", "limit"], ["before=nonsense", "before"]] as const) {
        const res = await fetch(`${base}/api/stories?${query}`);
        assert.equal(res.status, 400, query);
        const body = (await res.json()) as { error: string; field: string };
        assert.equal(body.field, field);
        assert.match(body.error, new RegExp(field));
      }
      assert.equal((await fetch(`${base}/topics/nato.rss?limit=500`)).status, 400);
      const missing = await fetch(`${base}/topics/no-such-topic.rss`);
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /no topic named "no-such-topic"/);
      assert.equal((await fetch(`${base}/api/stories?topic=nope`)).status, 404);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });
  });
}

for (const kind of databaseKinds) {
  describe(`a source that breaks, on ${kind}`, () => {
    let t: TestDatabase;
    let server: Server;
    let url: string;
    let body = "";
    before(async () => {
      t = await openTestDatabase(kind);
      server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(body));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/feed.xml`;
    });
    after(async () => {
      server.close();
      await t.drop();
    });

    test("keeps what it had, records the error in plain words, and recovers", async () => {
      const source = await addSource(t.handle.db, { url });
      const ctx = ingestContext(t.handle.db);
      const cycle = () => runFetchCycle(ctx, { sourceIds: [source.id], concurrency: 1 });
      const item = (n: number) => `<item><guid>g${n}</guid><title>Item ${n}</title><link>https://x.example/${n}</link></item>`;

      body = `<rss version="2.0"><channel><title>Breaks</title>${item(1)}${item(2)}</channel></rss>`;
      assert.equal((await cycle())[0]!.newArticles, 2);

      for (const broken of ["<html><body>Maintenance</body></html>", "", "{\"not\": \"a feed\"}"]) {
        body = broken;
        const [o] = await cycle();
        assert.equal(o!.outcome, "error");
        assert.match(o!.message ?? "", /not a feed|empty document/);
      }
      const row = await t.handle.db.selectFrom("sources").selectAll().where("id", "=", source.id).executeTakeFirstOrThrow();
      assert.equal(row.error_count, 3);
      assert.match(row.last_error ?? "", /not a feed: the document is JSON/);
      assert.ok(row.next_fetch_at > new Date(), "backed off, not dropped");
      const kept = await t.handle.db.selectFrom("articles").select("title").where("source_id", "=", source.id).orderBy("title").execute();
      assert.deepEqual(kept.map((a) => a.title), ["Item 1", "Item 2"]);

      body = `<rss version="2.0"><channel><title>Breaks</title>${item(2)}${item(3)}</channel></rss>`;
      const [ok] = await cycle();
      assert.deepEqual([ok!.outcome, ok!.newArticles], ["updated", 1]);
      const healed = await t.handle.db.selectFrom("sources").selectAll().where("id", "=", source.id).executeTakeFirstOrThrow();
      assert.deepEqual([healed.error_count, healed.last_error], [0, null]);
    });
  });
}

describe("the store gate (fetched bodies wait there, not their articles)", () => {
  test("never more inside than its limit; first come, first in; a failure frees its place", async () => {
    const gate = createGate(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const release: Array<() => void> = [];
    const enter = (n: number, fail = false) =>
      gate.run(async () => {
        order.push(n);
        most = Math.max(most, ++inside);
        await new Promise<void>((resolve) => release.push(resolve));
        inside--;
        if (fail) throw new Error(`task ${n} failed`);
        return n;
      });
    const tasks = [enter(1, true), enter(2), enter(3), enter(4)];
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    await settle();
    assert.deepEqual(order, [1, 2], "two inside, two waiting");
    release.shift()?.(); // task 1 fails: its place goes to task 3
    await assert.rejects(tasks[0] as Promise<number>, /task 1 failed/);
    await settle();
    assert.deepEqual(order, [1, 2, 3]);
    while (release.length > 0) {
      release.shift()?.();
      await settle();
    }
    assert.deepEqual(await Promise.all(tasks.slice(1)), [2, 3, 4]);
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.equal(most, 2);
  });
});
