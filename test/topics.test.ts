// Topics as data: the definition language, the relevance rule, the migration of the defaults,
// background re-matching in batches (resumable), the admin API and the `feedloom topics` commands,
// on each database.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Migrator, sql } from "kysely";
import { runTopicRematch } from "../jobs/rematch-topics.ts";
import { migrations } from "../migrations/index.ts";
import { NATO as NATO_JSON, NEGOTIATIONS as NEGOTIATIONS_JSON } from "../migrations/0004_topics_search.ts";
import type { Database } from "../src/db/schema.ts";
import { silentLogger } from "../src/log.ts";
import type { ArticleInput } from "../src/normalise/article.ts";
import { createApp } from "../src/server/app.ts";
import { storeArticles } from "../src/store/articles.ts";
import { addSource } from "../src/store/sources.ts";
import { topicDefinitionSchema, type TopicDefinition } from "../src/topics/definition.ts";
import { createTopic, updateTopic } from "../src/topics/manage.ts";
import { compileTopic, haystack, matchTopics, prepareArticle, type MatchArticle } from "../src/topics/match.ts";
import { newsroomDir } from "../src/eval/newsroom.ts";
import { readFeed } from "../src/ingest/read-feed.ts";
import { claimRematch, rematchBatch } from "../src/topics/rematch.ts";
import { loadCompiledTopics, matchArticle, matchStories } from "../src/topics/store.ts";
import { stem } from "../src/topics/text.ts";
import { cliTargets, runCli, startServer } from "./helpers/cli.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import type { Kysely } from "kysely";

const NATO = topicDefinitionSchema.parse(NATO_JSON);
const NEGOTIATIONS = topicDefinitionSchema.parse(NEGOTIATIONS_JSON);
const article = (title: string, text = "", extra: Partial<MatchArticle> = {}): MatchArticle => ({ title, categories: [], text, language: "en", sourceId: 1, sourceUrl: "https://news.example/feed", ...extra });
const files = (def: TopicDefinition, a: MatchArticle) => compileTopic({ id: 1, slug: "t", definition: def }).judge([prepareArticle(a)])[0]!;
const filler = "The weather was mild. Markets were calm. Officials met in the capital. Trains ran on time.";

describe("topic definitions", () => {
  test("stored first forms stay valid; errors name the field", () => {
    assert.ok(topicDefinitionSchema.safeParse({ all: true }).success);
    assert.ok(topicDefinitionSchema.safeParse({ any: ["negotiat*", "peace talks"] }).success);
    assert.ok(topicDefinitionSchema.safeParse(NATO).success);
    assert.ok(topicDefinitionSchema.safeParse(NEGOTIATIONS).success);
    const bad = topicDefinitionSchema.safeParse({ match: { all: [{ any: ["a"] }, { term: "b", fields: ["nowhere"] }] } });
    assert.equal(bad.success, false);
    assert.equal(bad.error?.issues[0]?.path.join("."), "match.all.1.fields.0");
    assert.equal(topicDefinitionSchema.safeParse({ match: "*nato" }).success, false, "a leading * is refused");
    assert.equal(topicDefinitionSchema.safeParse({ match: "x", languages: ["english language"] }).success, false);
  });

  test("English stemming: negotiation, negotiations, negotiating, negotiators, negotiated", () => {
    const forms = ["negotiation", "negotiations", "negotiating", "negotiators", "negotiated", "negotiate"];
    assert.equal(new Set(forms.map(stem)).size, 1);
    for (const f of forms) assert.ok(files({ match: "negotiation" }, article(`Leaders resume ${f} in Geneva`)).matched, f);
    // "talks" only as written when the topic says so: "talking" is not talks.
    assert.equal(files({ match: { term: "talks", stem: false } }, article("A man talking to a crowd")).matched, false);
    assert.ok(files({ match: { term: "talks", stem: false } }, article("Ceasefire talks resume")).matched);
  });

  test("relevance: title, tags or lead qualify; one passing mention at the end does not; three in the body do", () => {
    const def: TopicDefinition = { match: "NATO" };
    assert.ok(files(def, article("NATO ministers meet", filler)).matched);
    assert.ok(files(def, article("Ministers meet", filler, { categories: ["NATO"] })).matched, "tag");
    assert.ok(files(def, article("Ministers meet", `NATO ministers met on Tuesday. ${filler}`)).matched, "lead");
    const passing = files(def, article("Power cuts possible this winter", `${filler} The plan may be shown at a NATO meeting later.`));
    assert.equal(passing.matched, false);
    assert.equal(passing.reason, "below threshold");
    assert.ok(files(def, article("Ministers meet", `${filler} NATO a. NATO b. NATO c.`)).matched, "three body mentions");
  });

  test("acronyms are not first names; aliases across languages; categories as evidence", () => {
    assert.equal(files(NATO, article("Georgian soprano Nato Gabunia triumphs in Brussels", `${filler} "Nato sings as if thinking aloud," he said.`)).matched, false);
    assert.equal(files(NATO, article("Грузинська шахістка Нато Квірікашвілі виграла опен", filler, { language: "uk" })).matched, false);
    assert.ok(files(NATO, article("Sweden's Nato bid stuck again as MPs put off ratification")).matched);
    assert.ok(files(NATO, article("Military chiefs of the North Atlantic Treaty Organization meet in Oslo")).matched);
    assert.ok(files(NATO, article("Начальники генштабів країн Північноатлантичного альянсу зібралися в Осло", "", { language: "uk" })).matched);
    assert.equal(files(NATO, article("LOT joins talks as a member of the Star Alliance", filler)).matched, false);
    const tagged = files({ match: "nothing-here", categories: ["Grain deal"] }, article("Ships leave Odesa", filler, { categories: ["grain  DEAL"] }));
    assert.ok(tagged.matched);
    assert.deepEqual(tagged.hits, [{ term: "category:Grain deal", field: "tags", count: 1 }]);
  });

  test("exclusions veto; explicit grouping; source and language filters", () => {
    assert.equal(files(NEGOTIATIONS, article("Five tips for negotiating a pay rise", filler)).matched, false);
    assert.equal(files(NEGOTIATIONS, article("Як домовитися про підвищення зарплати", "Переговори про зарплату – це не конфлікт.", { language: "uk" })).matched, false);
    assert.ok(files(NEGOTIATIONS, article("Україна та Росія: переговори про обмін тривають", "", { language: "uk" })).matched);
    const both: TopicDefinition = { match: { all: [{ any: ["talks", "переговор*"] }, { any: ["Russia", "Moscow", "Росі*"] }] } };
    assert.ok(files(both, article("Talks with Moscow on grain resume")).matched);
    assert.equal(files(both, article("Romania and Ukraine hold talks on Danube transit", filler)).matched, false, "all: every group needed");
    assert.equal(files({ match: "talks", languages: ["uk"] }, article("Talks resume")).reason, "language");
    assert.ok(files({ match: "talks", languages: ["en"] }, article("Talks resume", "", { language: "en-GB" })).matched);
    assert.equal(files({ match: "talks", sources: ["other.example"] }, article("Talks resume")).reason, "source");
    assert.ok(files({ match: "talks", sources: ["news.example"] }, article("Talks resume")).matched);
    assert.ok(files({ match: "talks", sources: [1] }, article("Talks resume")).matched);
  });
  test("the quick test before matching never changes a verdict (newsroom corpus, every definition form)", async () => {
    const root = join(newsroomDir(), "sources");
    const corpus: MatchArticle[] = [];
    for (const dir of readdirSync(root)) {
      for (const file of readdirSync(join(root, dir))) {
        const reading = await readFeed({ body: readFileSync(join(root, dir, file)), contentType: null, url: `https://${dir}.example/feed` });
        if (reading.ok) corpus.push(...reading.articles.map((a) => matchArticle(a, { id: 1, url: `https://${dir}.example/feed` })));
      }
    }
    assert.ok(corpus.length > 80, `newsroom articles read: ${corpus.length}`);
    const tricky = [
      article("O'Neill's talks", "Talks’ end. Negotiat’ing was hard."),
      article("ΝΑΤΟΣ ΟΔΟΣ", "İstanbul İİ talks ﬁnal"),
      article("Nato's bid", "x"),
      article("air-defence systems", "The air defence"),
      article("Grain", filler, { categories: ["grain  DEAL"] }),
      article("", "negotiations"),
    ];
    const definitions: TopicDefinition[] = [
      NATO,
      NEGOTIATIONS,
      { match: { any: ["talks", "переговор*", { term: "Talks", stem: false }, { term: "NATO", case: "acronym" }] } },
      { match: { all: [{ any: ["talks", "negotiat*"] }, { any: ["Russia", "Росі*"] }] }, exclude: "pay rise" },
      { match: "air-defence", categories: ["Grain deal"] },
      { match: { term: "o'neill", fields: ["title"] } },
      { match: "ναtoς οδος" },
      { match: "istanbul" },
      { match: "final" },
    ];
    const topics = definitions.map((definition, i) => compileTopic({ id: i + 1, slug: `t${i}`, definition }));
    let skipped = 0;
    for (const a of [...corpus, ...tricky]) {
      const full = topics.filter((t) => t.judge([prepareArticle(a)]).some((v) => v.matched)).map((t) => t.slug);
      assert.deepEqual(matchTopics(topics, [a]).map((t) => t.slug), full, a.title);
      const h = haystack(a);
      for (const t of topics) {
        if (!t.mayMatch(h)) {
          skipped++;
          assert.ok(!full.includes(t.slug), `${t.slug} quick test said no to "${a.title}", which it files`);
        }
      }
    }
    // The quick test does its job: most (article, topic) pairs are settled without reading fields.
    assert.ok(skipped > corpus.length * topics.length * 0.5, `settled by the quick test: ${skipped}`);
  });
});

const input = (i: number, title: string, body: string): ArticleInput => ({
  identity: `item-${i}`, guid: `item-${i}`, link: `https://news.example/${i}`, title, summary: null, content: `<p>${body}</p>`, author: null,
  categories: [], publishedAt: new Date(Date.UTC(2025, 0, 1, 0, i)), updatedAt: null, imageUrl: null, language: "en", contentHash: `h${i}`,
});

async function seedStories(db: Kysely<Database>, n: number): Promise<void> {
  const source = await addSource(db, { url: "https://news.example/feed" });
  const topics = await loadCompiledTopics(db);
  await db.transaction().execute(async (trx) => {
    const items = Array.from({ length: n }, (_, i) => input(i, i % 3 === 0 ? `Grain talks round ${i}` : `Weather report ${i}`, filler));
    // Deduplication off: the items share their filler body, and this is about topics.
    const rows = await storeArticles(trx, source.id, items, new Date(), { enabled: false, windowHours: 72 });
    const known = new Map(rows.map((r, i) => [r.storyId, [matchArticle(items[i]!, { id: source.id, url: source.url })]]));
    await matchStories(trx, rows.map((r) => r.storyId), topics, known);
  });
}

const topicStories = async (db: Kysely<Database>, slug: string) =>
  (await db.selectFrom("story_topics as st").innerJoin("topics as t", "t.id", "st.topic_id").select("st.story_id").where("t.slug", "=", slug).orderBy("st.story_id").execute()).map((r) => r.story_id);

for (const kind of databaseKinds) {
  describe(`topics as data on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await openTestDatabase(kind);
    });
    after(async () => {
      await t?.drop();
    });

    test("migration 0004 redefines only the defaults an operator left alone", async () => {
      const u = await openTestDatabase(kind, { migrate: false });
      try {
        const migrator = new Migrator({ db: u.handle.db, provider: { getMigrations: async () => migrations } });
        assert.equal((await migrator.migrateTo("0002_fetch_health")).error, undefined);
        const custom = { any: ["nato", "otan"] };
        await sql`UPDATE topics SET definition = ${JSON.stringify(custom)}::jsonb WHERE slug = 'nato'`.execute(u.handle.db);
        assert.equal((await migrator.migrateToLatest()).error, undefined);
        const rows = await u.handle.db.selectFrom("topics").select(["slug", "definition"]).execute();
        assert.deepEqual(rows.find((r) => r.slug === "nato")?.definition, custom, "the operator's definition is kept");
        assert.deepEqual(rows.find((r) => r.slug === "negotiations")?.definition, JSON.parse(JSON.stringify(NEGOTIATIONS)));
        assert.deepEqual(rows.find((r) => r.slug === "all")?.definition, { all: true });
      } finally {
        await u.drop();
      }
    });

    test("a new topic files stored stories in the background, in batches, resumably", async () => {
      const db = t.handle.db;
      await seedStories(db, 30);
      assert.equal((await topicStories(db, "all")).length, 30, "matched at ingest");
      const stored = await db.selectFrom("stories").select(["id", "title"]).orderBy("id").execute();
      const expected = stored.filter((s) => s.title.startsWith("Grain talks")).map((s) => s.id);
      await createTopic(db, { slug: "grain", title: "Grain", definition: { match: "grain" } });
      assert.deepEqual(await topicStories(db, "grain"), [], "nothing yet: the work is queued in topic_rematch");
      // A worker does two batches and dies (its lease runs out); another finishes the job.
      const claim = await claimRematch(db, "worker-a", 60);
      assert.ok(claim);
      for (let i = 0; i < 2; i++) await rematchBatch(db, "worker-a", claim.topicId, 7, 60);
      const row = await db.selectFrom("topic_rematch").selectAll().where("topic_id", "=", claim.topicId).executeTakeFirstOrThrow();
      assert.equal(Number(row.scanned), 14);
      assert.equal(await claimRematch(db, "worker-b", 60), null, "leased: nobody else takes it");
      await db.updateTable("topic_rematch").set({ lease_expires_at: new Date(Date.now() - 1000) }).execute();
      const summary = await runTopicRematch({ db, log: silentLogger }, { batchSize: 7 });
      assert.equal(summary.scanned, 16, "resumed at the cursor, not from the start");
      assert.deepEqual(await topicStories(db, "grain"), expected);
      assert.equal((await db.selectFrom("topic_rematch").selectAll().execute()).length, 0, "done: the row is gone");
      // Changing the definition re-files every stored story.
      await updateTopic(db, "grain", { definition: { match: "report" } });
      await runTopicRematch({ db, log: silentLogger }, { batchSize: 4 });
      assert.equal((await topicStories(db, "grain")).length, 20);
      // New stories are filed at ingest under the current definition.
      const search = await db.selectFrom("stories").select("id").where(sql<boolean>`search @@ to_tsquery('russian', 'grain')`).execute();
      assert.equal(search.length, 10, "the search vector is written at ingest");
    });

    test("admin API: create, read, change, remove; bodies validated; the public list keeps its shape", async () => {
      const token = "topics-admin-token-0123456789";
      const app = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test", adminToken: token });
      const send = (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`) =>
        app.request(path, {
          method,
          body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
          headers: { "content-type": "application/json", ...(auth ? { authorization: auth } : {}) },
        });
      // Changing topics is admin work: no token, or a wrong one, writes nothing.
      const newTopic = { slug: "truce", title: "Truce", definition: { match: "truce" } };
      assert.equal((await send("POST", "/api/topics", newTopic, null)).status, 401);
      assert.equal((await send("POST", "/api/topics", newTopic, "Bearer wrong-token-0123456789")).status, 401);
      assert.equal((await send("DELETE", "/api/topics/nato", undefined, null)).status, 401);
      assert.equal((await send("PATCH", "/api/topics/nato", { title: "x" }, null)).status, 401);
      assert.equal((await send("POST", "/api/topics/preview", { definition: { match: "NATO" } }, null)).status, 401);
      const off = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test" });
      const refused = await off.request("/api/topics", { method: "POST", body: JSON.stringify(newTopic), headers: { "content-type": "application/json" } });
      assert.equal(refused.status, 403, "with no token configured the admin API is off");
      assert.match(await refused.text(), /FEEDLOOM_ADMIN_TOKEN/);
      assert.equal((await send("GET", "/api/topics/truce")).status, 404, "nothing was written");
      assert.equal((await send("GET", "/api/topics/nato", undefined, null)).status, 200, "reading a topic is public");
      const created = await send("POST", "/api/topics", { slug: "ceasefire", title: "Ceasefire", description: "Truces.", definition: { match: { any: ["ceasefire", "truce"] } } });
      assert.equal(created.status, 201);
      const topic = (await created.json()) as { slug: string; feeds: { rss: string }; rematch: unknown };
      assert.equal(topic.feeds.rss, "http://feedloom.test/topics/ceasefire.rss");
      assert.ok(topic.rematch, "re-match queued");
      assert.equal((await send("POST", "/api/topics", { slug: "ceasefire", title: "Again", definition: { match: "x" } })).status, 409);
      for (const [body, field] of [
        [{ slug: "Bad Slug", title: "x", definition: { match: "x" } }, "slug"],
        [{ slug: "ok", title: "", definition: { match: "x" } }, "title"],
        [{ slug: "ok", title: "x", definition: { match: { any: [] } } }, "definition.match.any"],
        [{ slug: "ok", title: "x", definition: { match: "x" }, extra: 1 }, ""],
        ["{not json", "body"],
      ] as const) {
        const res = await send("POST", "/api/topics", body);
        assert.equal(res.status, 400, JSON.stringify(body));
        const err = (await res.json()) as { error: string; field: string };
        if (field) assert.equal(err.field, field);
        assert.ok(err.error.length > 0);
      }
      const patched = await send("PATCH", "/api/topics/ceasefire", { title: "Ceasefires" });
      assert.equal(patched.status, 200);
      assert.equal(((await patched.json()) as { title: string }).title, "Ceasefires");
      assert.equal((await send("PATCH", "/api/topics/ceasefire", {})).status, 400);
      assert.equal((await send("PATCH", "/api/topics/nope", { title: "x" })).status, 404);
      assert.equal((await send("PATCH", "/api/topics/all", { definition: { match: "x" } })).status, 409);
      const got = (await (await send("GET", "/api/topics/ceasefire")).json()) as { definition: unknown; title: string };
      assert.deepEqual(got.definition, { match: { any: ["ceasefire", "truce"] } });
      const list = (await (await send("GET", "/api/topics")).json()) as { topics: Array<Record<string, unknown>> };
      assert.deepEqual(Object.keys(list.topics[0]!).sort(), ["description", "feeds", "slug", "title"]);
      assert.ok(list.topics.some((x) => x.slug === "ceasefire"));
      assert.equal((await send("DELETE", "/api/topics/all")).status, 409);
      assert.equal((await send("DELETE", "/api/topics/ceasefire")).status, 204);
      assert.equal((await send("GET", "/api/topics/ceasefire")).status, 404);
      assert.equal((await app.request("/topics/ceasefire.rss")).status, 404);
    });
  });
}

for (const target of cliTargets) {
  describe(`feedloom topics on ${target.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ env, cleanup } = await target.setup());
    });
    after(async () => cleanup?.());

    test("add, list, edit, preview, remove, forwarded to a running server; exit codes 0/1/2", async () => {
      const server = await startServer(["serve", "--port", "0", "--no-scheduler"], env, 120_000);
      try {
        const add = await runCli(["topics", "add", "grain", "--title", "Grain", "--definition", "grain, зерн*", "--json"], env);
        assert.equal(add.code, 0, add.stderr);
        assert.equal((JSON.parse(add.stdout) as { slug: string }).slug, "grain");
        const again = await runCli(["topics", "add", "grain", "--title", "Grain", "--definition", "grain"], env);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /already exists/);
        const badDef = await runCli(["topics", "add", "x", "--title", "X", "--definition", '{"match":{"any":[""]}}'], env);
        assert.equal(badDef.code, 2);
        assert.match(badDef.stderr, /match\.any\.0/);
        const edit = await runCli(["topics", "edit", "grain", "--definition", '{"match":"grain","exclude":"poland"}'], env);
        assert.equal(edit.code, 0, edit.stderr);
        const list = JSON.parse((await runCli(["topics", "list", "--json"], env)).stdout) as Array<{ slug: string; definition: unknown }>;
        assert.deepEqual(list.find((x) => x.slug === "grain")?.definition, { match: "grain", exclude: "poland" });
        const preview = await runCli(["topics", "preview", '{"match":"nato"}', "--json"], env);
        assert.equal(preview.code, 0, preview.stderr);
        assert.equal((JSON.parse(preview.stdout) as { scanned: number }).scanned, 0);
        assert.equal((await runCli(["topics", "remove", "nope"], env)).code, 1);
        const rm = await runCli(["topics", "remove", "grain"], env);
        assert.equal(rm.code, 0, rm.stderr);
        const res = await fetch(`${server.url}/api/topics/grain`);
        assert.equal(res.status, 404);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  });
}
