// Deduplication in pieces: canonical URLs, text normalisation and fingerprints, the decision rules,
// and the store on both databases (levels 1–3, same-source rule, time window, stable stories,
// copies fetched before their original, candidates from the index).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Migrator, sql } from "kysely";
import { migrations } from "../migrations/index.ts";
import { decide, MAX_LEAD_OFFSET, MIN_JACCARD, MIN_LEAD_CONTAINMENT, MIN_LEAD_SHINGLES, MIN_MUTUAL_CONTAINMENT, MIN_SIMILAR_SHINGLES, SAME_TEXT_JACCARD } from "../src/dedupe/decide.ts";
import { decodeFeatures, encodeFeatures } from "../src/dedupe/encode.ts";
import { dedupKeys, features, MAX_WORDS, titleForms, type DedupText, type Features } from "../src/dedupe/features.ts";
import { readFeed } from "../src/ingest/read-feed.ts";
import { minhash, normaliseText, shingleHashes, textFingerprint, words } from "../src/dedupe/text.ts";
import { canonicalUrl } from "../src/normalise/canonical-url.ts";
import { normaliseFeed, type ArticleInput } from "../src/normalise/article.ts";
import { parseFeed } from "../src/parse/feed.ts";
import { storeArticles } from "../src/store/articles.ts";
import { addSource } from "../src/store/sources.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { labels, visibleDir } from "./helpers/newsroom.ts";

describe("canonical URLs", () => {
  const original = "example.com/news/2023/09/15/nato-talks";
  test("scheme, www, case of the host, trailing slash and fragment fold", () => {
    for (const link of [
      "https://example.com/news/2023/09/15/nato-talks",
      "http://example.com/news/2023/09/15/nato-talks",
      "https://www.example.com/news/2023/09/15/nato-talks/",
      "http://WWW.Example.COM/news/2023/09/15/nato-talks#comments",
      "https://example.com:443/news/2023/09/15/nato-talks",
      " https://example.com//news/2023/09/15/nato-talks ",
    ]) assert.equal(canonicalUrl(link), original, link);
  });
  test("tracking parameters are dropped, others kept and sorted", () => {
    assert.equal(canonicalUrl("https://example.com/news/2023/09/15/nato-talks?utm_source=tw&utm_medium=social&utm_campaign=x&fbclid=abc&gclid=1&mc_cid=2&_ga=3&msclkid=4"), original);
    assert.equal(canonicalUrl("https://example.com/a?page=2&utm_term=x&id=7"), "example.com/a?id=7&page=2");
    assert.notEqual(canonicalUrl("https://example.com/a?id=7"), canonicalUrl("https://example.com/a?id=8"), "a real parameter names another page");
  });
  test("AMP variants unwrap", () => {
    assert.equal(canonicalUrl("https://example.com/amp/news/2023/09/15/nato-talks/"), original);
    assert.equal(canonicalUrl("https://example.com/news/2023/09/15/nato-talks/amp"), original);
    assert.equal(canonicalUrl("https://amp.example.com/news/2023/09/15/nato-talks"), original);
    assert.equal(canonicalUrl("https://example.com/news/2023/09/15/nato-talks?amp=1"), original);
    assert.equal(canonicalUrl("https://www-example-com.cdn.ampproject.org/c/s/www.example.com/news/2023/09/15/nato-talks"), original);
    assert.equal(canonicalUrl("https://example.com/news/2023/09/15/nato-talks.amp.html"), "example.com/news/2023/09/15/nato-talks.html");
  });
  test("no canonical URL for what names no article", () => {
    assert.equal(canonicalUrl(null), null);
    assert.equal(canonicalUrl("not a url"), null);
    assert.equal(canonicalUrl("mailto:a@example.com"), null);
    assert.equal(canonicalUrl("https://www.example.com/"), null, "a home page");
    assert.equal(canonicalUrl("https://www.example.com/?utm_source=x"), null);
  });
  test("FeedBurner origLink is preferred over the feedproxy link", async () => {
    const xml = `<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><title>t</title>
      <item><title>NATO talks in Brussels continue for a second day</title><link>http://feedproxy.google.com/~r/example/~3/abc/</link>
      <guid isPermaLink="false">x1</guid><feedburner:origLink>https://www.example.com/news/2023/09/15/nato-talks/?utm_source=feedburner</feedburner:origLink></item>
    </channel></rss>`;
    const [a] = normaliseFeed(await parseFeed(xml, "https://feeds.example.com/rss"));
    assert.equal(a!.link, "http://feedproxy.google.com/~r/example/~3/abc/", "the link stays as published");
    assert.equal(features(a!).canonicalUrl, original);
  });
});

describe("text normalisation and fingerprints", () => {
  test("NFKC, tags, entities (also double-escaped), every whitespace and case fold away", () => {
    const a = normaliseText("<p>The  Sea&nbsp;of\u00a0Azov</p><p>ﬁnal   WORD&amp;nbsp;here</p>");
    assert.equal(a, "the sea of azov final word here");
    assert.equal(normaliseText("Ｆｕｌｌ\u2003width\ttext\n"), "full width text");
  });
  test("the fingerprint is the same for the same text however it was marked up", () => {
    const body = "The North Atlantic Treaty Organization and the European Union are discussing the possibility of negotiations.";
    const f1 = textFingerprint(normaliseText(`<p>${body}</p>`));
    const f2 = textFingerprint(normaliseText(`<div>${body.replace(/ /g, "&#160;").toUpperCase()}</div>`));
    assert.ok(f1);
    assert.equal(f1, f2);
    assert.notEqual(f1, textFingerprint(normaliseText(body.replace("discussing", "denying"))));
    assert.equal(textFingerprint(normaliseText("Too short to say")), null);
  });
  test("shingles and MinHash are deterministic and estimate resemblance", () => {
    const ws = words(normaliseText(LONG));
    const sh = new Set(shingleHashes(ws));
    assert.equal(sh.size, ws.length - 2);
    assert.deepEqual(minhash(sh, 64), minhash(new Set(shingleHashes(ws)), 64));
    const half = new Set(shingleHashes(ws.slice(0, Math.floor(ws.length / 2))));
    const agree = minhash(sh, 128).filter((v, i) => v === minhash(half, 128)[i]).length / 128;
    assert.ok(agree > 0.3 && agree < 0.7, `MinHash agreement ${agree} ≈ Jaccard 0.5`);
  });
  test("headline forms: an aggregator's \" - Outlet\" suffix is also tried without it", () => {
    assert.deepEqual(titleForms("NATO allies pledge to ramp up air-defence output - Transatlantic Wire"), [
      "nato allies pledge to ramp up air defence output transatlantic wire",
      "nato allies pledge to ramp up air defence output",
    ]);
    assert.deepEqual(titleForms("Short title"), []);
  });
});

const LONG = [
  "Kyiv, September 15. The North Atlantic Treaty Organization and the European Union are discussing the possibility of negotiations with Russia after the liberation of Kherson by the armed forces of Ukraine.",
  "This is stated in the material of the Italian newspaper La Repubblica, which cites officials in Brussels familiar with the discussions.",
  "According to the latest analyses distributed in alliance offices, the battle for the southern region is gaining strategic importance not only militarily but also politically and diplomatically.",
  "Officials said any talks would depend on the situation on the ground and on the position of the government in Kyiv, which has ruled out concessions of territory.",
  "The newspaper adds that several member states would prefer to wait until spring before any contacts with Moscow are considered, while others want preparations to begin now.",
  "A spokesperson for the alliance declined to comment on the report, saying only that allies continue to support Ukraine for as long as it takes.",
].join(" ");

const DIGEST = [
  "Good morning from Brussels, here is what you need to know today, Friday, and what the institutions will be busy with over the coming days.",
  "The North Atlantic Treaty Organization and the European Union are discussing the possibility of negotiations with Russia after the liberation of Kherson by the armed forces of Ukraine.",
  "Elsewhere, farm ministers meet in Luxembourg to discuss grain transit rules and the extension of the import ban on several products from Ukraine until the end of the year.",
  "And in Strasbourg, members of parliament debate the new rules on the screening of foreign investment in strategic sectors, a file that has been stuck for two years.",
].join(" ");

const text = (title: string, body: string, link: string | null = null) => features({ title, link, summary: null, content: `<p>${body}</p>` });

describe("the decision", () => {
  test("counting stops early only where no rule could accept: the same verdicts as counting everything", () => {
    // The rules of decide() on a full count, written out again as the reference.
    const reference = (a: Features, b: Features) => {
      const [small, large] = a.shingles.size <= b.shingles.size ? [a, b] : [b, a];
      let common = 0;
      for (const h of small.shingles) if (large.shingles.has(h)) common++;
      const contained = common / small.shingles.size >= MIN_LEAD_CONTAINMENT;
      const jaccard = common / (a.shingles.size + b.shingles.size - common);
      if (small.shingles.size >= MIN_SIMILAR_SHINGLES && (jaccard >= SAME_TEXT_JACCARD || (!contained && (jaccard >= MIN_JACCARD || common / large.shingles.size >= MIN_MUTUAL_CONTAINMENT)))) return "similar";
      if (contained && small.shingles.size >= MIN_LEAD_SHINGLES && large.sequence.findIndex((h) => small.shingles.has(h)) <= MAX_LEAD_OFFSET) return "lead";
      return null;
    };
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 48271) >>> 0) % 2147483647) / 2147483647);
    const make = (sequence: number[]): Features => ({ canonicalUrl: null, titles: [], sequence, shingles: new Set(sequence), fingerprint: null, textless: false });
    const kinds = new Map<string | null, number>();
    for (let n = 0; n < 3000; n++) {
      const size = 5 + Math.floor(rnd() * 400);
      const base = Array.from({ length: size }, (_, i) => i);
      // The other text keeps a random share of these shingles, from a random offset, plus its own.
      const keep = rnd();
      const from = Math.floor(rnd() * 30);
      const other = [...base.slice(from).filter(() => rnd() < keep), ...Array.from({ length: Math.floor(rnd() * 300) }, (_, i) => 100_000 + i)];
      if (other.length === 0) continue;
      const [a, b] = rnd() < 0.5 ? [make(base), make(other)] : [make(other), make(base)];
      const expected = reference(a, b);
      assert.equal(decide(a, b)?.kind ?? null, expected, `sizes ${a.shingles.size}/${b.shingles.size}, kept ${keep.toFixed(2)}`);
      kinds.set(expected, (kinds.get(expected) ?? 0) + 1);
    }
    for (const kind of ["similar", "lead", null]) assert.ok((kinds.get(kind) ?? 0) > 100, `${kind}: ${kinds.get(kind)}`);
  });

  test("the same canonical URL joins, whatever the text", () => {
    assert.equal(decide(text("A", "one"), text("B", "two", null))?.kind, undefined);
    assert.equal(decide(features({ title: "Rewritten", link: "https://ex.example/a/b?utm_source=x", summary: null, content: null }), text("Original", LONG, "http://www.ex.example/a/b/"))?.kind, "url");
  });
  test("an edited copy joins: headline changed, a sentence cut, boilerplate added", () => {
    const sentences = LONG.split(". ");
    const edited = `Our partners report. ${[sentences[1], sentences[0], ...sentences.slice(3)].join(". ")} Read more on our site.`;
    assert.equal(decide(text("Italian paper: allies weigh talks", edited), text("NATO and EU discussing negotiations", LONG))?.kind, "similar");
  });
  test("a lead-only copy joins its original but not a digest quoting the same lead", () => {
    const lead = LONG.split(". ").slice(0, 2).join(". ") + ".";
    assert.equal(decide(text("Brief", lead), text("Original", LONG))?.kind, "lead");
    assert.equal(decide(text("Brief", lead), text("Morning briefing", DIGEST)), null);
    assert.equal(decide(text("Original", LONG), text("Morning briefing", DIGEST)), null);
  });
  test("a text-less item joins only on its exact headline (outlet suffix dropped)", () => {
    const agg = features({ title: "NATO and EU discussing possibility of negotiations - Ukrainian News Agency", link: "https://news.example/rss/articles/CBMi123?oc=5", summary: null, content: null });
    assert.equal(decide(agg, text("NATO And EU Discussing Possibility Of Negotiations", LONG))?.kind, "title");
    assert.equal(decide(agg, text("NATO and EU discuss talks with Russia", LONG)), null);
  });
});

/** What a stored article's encoded features decode to (its canonical URL and title come from their columns). */
const roundTrip = (f: Features, title: string) => decodeFeatures(encodeFeatures(f), f.canonicalUrl, title);

describe("stored features (articles.dedup_features)", () => {
  const cases: Array<[string, DedupText]> = [
    ["a long report", { title: "NATO and EU discussing possibility of negotiations", link: "https://orig.example/news/1", summary: null, content: `<p>${LONG}</p>` }],
    ["a digest, summary only, outlet suffix", { title: "Morning briefing: what you need to know today - Brussels Daily", link: null, summary: DIGEST, content: null }],
    ["textless: headline and link only", { title: "NATO and EU discussing possibility of negotiations - Agency", link: "https://news.example/rss/articles/CBMi123?oc=5", summary: null, content: null }],
    ["textless: a body that repeats the headline", { title: "Zelensky addresses the nation tonight", link: null, summary: null, content: "<p>Zelensky addresses the nation tonight.</p>" }],
    ["one shingle: a body shorter than three words", { title: "Short", link: null, summary: null, content: "Two words" }],
    ["empty body and empty title", { title: "", link: null, summary: "", content: "" }],
    ["Cyrillic", { title: "НАТО і ЄС обговорюють можливість переговорів з Росією", link: "https://ua.example/новини/1", summary: null, content: "<p>Київ, 15 вересня. Північноатлантичний альянс та Європейський Союз обговорюють можливість переговорів з Росією після звільнення Херсона збройними силами України, пише видання.</p>" }],
    ["CJK, Arabic, emoji and entities", { title: "北约与欧盟讨论谈判的可能性 — 新闻社", link: null, summary: null, content: "<p>北约 与 欧盟 正在 讨论 与 俄罗斯 谈判 的 可能性 据 意大利 报纸 报道 官员 表示</p><p>يناقش حلف شمال الأطلسي والاتحاد الأوروبي إمكانية المفاوضات مع روسيا 🇺🇦 &amp;nbsp; ﬁnal</p>" }],
    ["a huge body (cut at MAX_WORDS)", { title: "A whole podcast transcript in one feed entry", link: "https://pod.example/ep/1", summary: null, content: `<p>${Array.from({ length: MAX_WORDS * 3 }, (_, i) => `word${i % 977} w${(i * 7919) % 4099}`).join(" ")}</p>` }],
  ];
  for (const [name, a] of cases) {
    test(`decoding gives what features() gives: ${name}`, () => {
      const f = features(a);
      assert.deepStrictEqual(roundTrip(f, a.title), f);
      assert.equal(encodeFeatures(f).length, 2 + (f.fingerprint ? 32 : 0) + 4 * f.sequence.length, "version, flags, fingerprint, 4 bytes a shingle");
    });
  }
  test("the cases cover textless items and the MAX_WORDS cut", () => {
    const all = cases.map(([, a]) => features(a));
    assert.ok(all.some((f) => f.textless) && all.some((f) => !f.textless && f.fingerprint));
    assert.ok(all.some((f) => f.sequence.length === MAX_WORDS - 2));
  });
  test("every article of the newsroom corpus (both versions of its feeds) decodes to its features", async () => {
    let n = 0;
    for (const s of labels().sources) {
      for (const file of [s.file, ...(s.file_v2 ? [s.file_v2] : [])]) {
        const reading = await readFeed({ body: readFileSync(join(visibleDir, file)), contentType: null, url: `http://127.0.0.1/${file}` });
        assert.ok(reading.ok, file);
        for (const a of reading.articles) {
          const f = features(a);
          assert.deepStrictEqual(roundTrip(f, a.title), f, `${file}: ${a.identity}`);
          // A stored row: its text from the columns and the stored canonical URL.
          assert.deepStrictEqual(roundTrip(f, a.title), features({ link: a.link, title: a.title, summary: a.summary, content: a.content }, f.canonicalUrl));
          n++;
        }
      }
    }
    assert.ok(n >= 80, `${n} articles`);
  });
  test("an unknown encoding is refused, not misread", () => {
    const bytes = encodeFeatures(features({ title: "t", link: null, summary: null, content: LONG }));
    assert.throws(() => decodeFeatures(Uint8Array.of(2, ...bytes.subarray(1)), null, "t"), /unknown encoding/);
    assert.throws(() => decodeFeatures(bytes.subarray(0, bytes.length - 1), null, "t"), /not a valid length/);
  });
});

const feed = (items: string) => `<rss version="2.0"><channel><title>t</title>${items}</channel></rss>`;
const item = (guid: string, title: string, body: string, date: string, link?: string) =>
  `<item><guid isPermaLink="false">${guid}</guid><title>${title}</title>${link ? `<link>${link}</link>` : ""}<description><![CDATA[<p>${body}</p>]]></description><pubDate>${date}</pubDate></item>`;

for (const kind of databaseKinds) {
  describe(`stories on ${kind}`, () => {
    let t: TestDatabase;
    before(async () => {
      t = await openTestDatabase(kind);
    });
    after(() => t?.drop());

    let n = 0;
    const source = async () => (await addSource(t.handle.db, { url: `https://s${++n}.example/feed` })).id;
    const store = async (sourceId: number, items: string, now = new Date("2023-09-20T00:00:00Z")) => {
      const inputs: ArticleInput[] = normaliseFeed(await parseFeed(feed(items), `https://s${sourceId}.example/feed`));
      return t.handle.db.transaction().execute((trx) => storeArticles(trx, sourceId, inputs, now));
    };
    const story = (id: number) => t.handle.db.selectFrom("stories").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

    test("level 1: a repeated guid is one article; an edit updates it in place, same story", async () => {
      const s = await source();
      const [a] = await store(s, item("g1", "First title for the item here", LONG, "Tue, 01 Aug 2023 10:00:00 GMT") + item("g1", "Again", LONG, "Tue, 01 Aug 2023 10:00:00 GMT"));
      const [b] = await store(s, item("g1", "Edited title for the item here", LONG + " Update.", "Tue, 01 Aug 2023 10:00:00 GMT"));
      assert.equal(b!.change, "updated");
      assert.equal(b!.articleId, a!.articleId);
      assert.equal(b!.storyId, a!.storyId);
      assert.equal((await story(a!.storyId)).title, "Edited title for the item here");
    });

    test("a new story names its canonical article in the insert; copies join it, its uuid stays", async () => {
      const original = await source();
      const mirror = await source();
      const [a] = await store(original, item("o1", "NATO and EU discussing possibility of negotiations", LONG, "Thu, 10 Aug 2023 10:00:00 GMT", "https://orig.example/news/nato-eu-talks"));
      const before = await story(a!.storyId);
      assert.equal(before.canonical_article_id, a!.articleId);
      const [b] = await store(mirror, item("m1", "UPDATED: nato and eu discussing negotiations", "Different text entirely, only the link tells.", "Thu, 10 Aug 2023 11:00:00 GMT", "http://www.orig.example/amp/news/nato-eu-talks/?utm_source=x"));
      assert.equal(b!.storyId, a!.storyId, "level 2: canonical URL");
      const s3 = await source();
      const [c] = await store(s3, item("c1", "Allies weigh talks with Moscow", `${LONG.split(". ").slice(1).join(". ")} Subscribe to our newsletter.`, "Thu, 10 Aug 2023 14:00:00 GMT", "https://third.example/x"));
      assert.equal(c!.storyId, a!.storyId, "level 3: near-duplicate text");
      const after = await story(a!.storyId);
      assert.equal(after.uuid, before.uuid);
      assert.equal(after.canonical_article_id, a!.articleId);
      assert.equal(after.published_at.toISOString(), "2023-08-10T10:00:00.000Z");
      assert.equal(after.updated_at.toISOString(), "2023-08-10T14:00:00.000Z", "as new as its latest outlet, not the clock");
      const row = await t.handle.db.selectFrom("articles").select(["canonical_url"]).where("id", "=", b!.articleId).executeTakeFirstOrThrow();
      assert.equal(row.canonical_url, "orig.example/news/nato-eu-talks");
    });

    test("two articles of one source are never merged on similarity; other sources outside the window neither", async () => {
      const s = await source();
      const [a, b] = await store(s, item("x1", "Zelensky: first evening address topic", LONG, "Sun, 20 Aug 2023 10:00:00 GMT") + item("x2", "Zelensky: second evening address topic", `${LONG} One more sentence here.`, "Sun, 20 Aug 2023 12:00:00 GMT"));
      assert.notEqual(a!.storyId, b!.storyId);
      const late = await source();
      const [c] = await store(late, item("l1", "A copy four days later", LONG.replace("Kyiv", "Lviv"), "Thu, 24 Aug 2023 13:00:00 GMT"));
      assert.ok(c!.storyCreated, "beyond the 72 h window: its own story");
    });

    test("a copy fetched before its original: the original joins it, earlier text becomes canonical; bridged stories merge", async () => {
      const brief = await source();
      const link = await source();
      const orig = await source();
      const lead = LONG.replace("Kyiv", "Odesa").split(". ").slice(0, 2).join(". ") + ".";
      const [a] = await store(brief, item("b1", "Brief: allies weigh talks", lead, "Fri, 15 Sep 2023 16:00:00 GMT"));
      const [b] = await store(link, `<item><guid>p1</guid><title>Social post about talks</title><link>https://orig2.example/n/1?fbclid=z</link><pubDate>Fri, 15 Sep 2023 12:00:00 GMT</pubDate></item>`);
      assert.notEqual(a!.storyId, b!.storyId);
      const [c] = await store(orig, item("o2", "The original report on the talks", LONG.replace("Kyiv", "Odesa"), "Fri, 15 Sep 2023 11:00:00 GMT", "https://orig2.example/n/1"));
      assert.ok(!c!.storyCreated);
      const survivor = Math.min(a!.storyId, b!.storyId);
      assert.equal(c!.storyId, survivor, "the oldest story keeps its id");
      const merged = await story(survivor);
      assert.equal(merged.canonical_article_id, c!.articleId, "the earliest complete version is canonical");
      assert.equal(merged.title, "The original report on the talks");
      const members = await t.handle.db.selectFrom("articles").select("id").where("story_id", "=", survivor).execute();
      assert.equal(members.length, 3);
      assert.equal(await t.handle.db.selectFrom("stories").select("id").where("id", "=", Math.max(a!.storyId, b!.storyId)).executeTakeFirst(), undefined);
    });

    test("a lead quoted by a digest and by its original joins the original and merges nothing", async () => {
      const [digestSource, origSource, briefSource] = [await source(), await source(), await source()];
      const body = LONG.replace("Kyiv", "Dnipro");
      const lead = body.split(". ").slice(0, 2).join(". ") + ".";
      const [o] = await store(origSource, item("o3", "Original report from Dnipro on the talks", body, "Fri, 01 Sep 2023 08:00:00 GMT"));
      // A digest that opens with the same lead (no intro), then other news.
      const [d] = await store(digestSource, item("d3", "Morning digest", `${lead} ${DIGEST.split(". ").slice(2).join(". ")}`, "Fri, 01 Sep 2023 09:00:00 GMT"));
      assert.notEqual(d!.storyId, o!.storyId, "a digest is its own story");
      const [b] = await store(briefSource, item("b3", "Brief from Dnipro", lead, "Fri, 01 Sep 2023 12:00:00 GMT"));
      assert.equal(b!.storyId, o!.storyId, "the earliest text that opens with it: the original");
      assert.ok(await t.handle.db.selectFrom("stories").select("id").where("id", "=", d!.storyId).executeTakeFirst(), "the digest's story is not merged away");
    });

    test("articles carry their encoded features; candidates with features come without their text", async () => {
      const s = await source();
      const [a] = await store(s, item("f1", "Stored features for the report from Mykolaiv", LONG.replace("Kyiv", "Mykolaiv"), "Sat, 01 Jul 2023 10:00:00 GMT", "https://feat.example/n/1"));
      const row = await t.handle.db.selectFrom("articles").selectAll().where("id", "=", a!.articleId).executeTakeFirstOrThrow();
      assert.ok(row.dedup_features instanceof Uint8Array);
      assert.deepStrictEqual(decodeFeatures(row.dedup_features, row.canonical_url, row.title), features(row, row.canonical_url));
      const lookup = async () => (await sql<{ id: number; content: string | null; summary: string | null; dedup_features: Uint8Array | null }>`
        SELECT id, content, summary, dedup_features FROM dedup_candidates(${`{${row.dedup_keys.join(",")}}`}::bigint[], '2023-06-30', '2023-07-02')`.execute(t.handle.db)).rows.find((r) => r.id === a!.articleId);
      const withFeatures = await lookup();
      assert.equal(withFeatures?.content, null, "no text (no detoasting) for a row with features");
      assert.deepEqual(withFeatures?.dedup_features, row.dedup_features);
      await t.handle.db.updateTable("articles").set({ dedup_features: null }).where("id", "=", a!.articleId).execute();
      assert.equal((await lookup())?.content, row.content, "the text for a row without");
    });

    // (Dates of these tests keep their texts, all variants of LONG, outside the other tests' 72 h windows.)
    test("a stored article without features (stored before migration 0006) still matches its copy", async () => {
      const [orig, copy] = [await source(), await source()];
      const body = LONG.replace("Kyiv", "Zaporizhzhia");
      const [a] = await store(orig, item("n1", "Original report from Zaporizhzhia on the talks", body, "Fri, 08 Sep 2023 08:00:00 GMT"));
      await t.handle.db.updateTable("articles").set({ dedup_features: null }).where("id", "=", a!.articleId).execute();
      const sentences = body.split(". ");
      const [b] = await store(copy, item("n2", "Allies weigh talks, paper says", `Our partners report. ${[sentences[1], sentences[0], ...sentences.slice(3)].join(". ")} Read more on our site.`, "Fri, 08 Sep 2023 10:00:00 GMT"));
      assert.equal(b!.storyId, a!.storyId);
    });

    test("with deduplication off, neither keys nor features are stored; an edit follows the setting", async () => {
      const s = await source();
      const inputs = normaliseFeed(await parseFeed(feed(item("o1", "Undeduplicated report from Kharkiv on the talks", LONG.replace("Kyiv", "Kharkiv"), "Mon, 10 Jul 2023 08:00:00 GMT")), "https://off.example/feed"));
      const [a] = await t.handle.db.transaction().execute((trx) => storeArticles(trx, s, inputs, new Date("2023-07-11T00:00:00Z"), { enabled: false, windowHours: 72 }));
      const stored = () => t.handle.db.selectFrom("articles").select(["dedup_keys", "dedup_features", "canonical_url", "title"]).where("id", "=", a!.articleId).executeTakeFirstOrThrow();
      assert.deepEqual(await stored(), { dedup_keys: [], dedup_features: null, canonical_url: null, title: "Undeduplicated report from Kharkiv on the talks" });
      const edited = normaliseFeed(await parseFeed(feed(item("o1", "Undeduplicated report from Kharkiv on the talks", `${LONG.replace("Kyiv", "Kharkiv")} Updated.`, "Mon, 10 Jul 2023 08:00:00 GMT")), "https://off.example/feed"));
      const [b] = await t.handle.db.transaction().execute((trx) => storeArticles(trx, s, edited, new Date("2023-07-11T01:00:00Z")));
      assert.equal(b!.change, "updated");
      const after = await stored();
      assert.ok(after.dedup_keys.length > 0);
      assert.deepStrictEqual(decodeFeatures(after.dedup_features!, after.canonical_url, after.title), features(edited[0]!));
    });

    test("migration 0006 goes down to the 0003 lookup and up again", async () => {
      const migrator = new Migrator({ db: t.handle.db, provider: { getMigrations: async () => migrations } });
      const columns = async () => (await sql<{ proargnames: string[] }>`SELECT proargnames FROM pg_proc WHERE proname = 'dedup_candidates'`.execute(t.handle.db)).rows[0]?.proargnames;
      assert.ok((await columns())?.includes("dedup_features"));
      const down = await migrator.migrateDown();
      assert.equal(down.error, undefined);
      assert.deepEqual(down.results?.map((r) => r.migrationName), ["0006_dedup_features"]);
      assert.ok(!(await columns())?.includes("dedup_features"));
      assert.ok((await columns())?.includes("content"));
      assert.equal((await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'articles' AND column_name = 'dedup_features'`.execute(t.handle.db)).rows[0]?.n, 0);
      const up = await migrator.migrateToLatest();
      assert.equal(up.error, undefined);
      assert.ok((await columns())?.includes("dedup_features"));
    });

    test("candidates come from the GIN index, not a scan", async () => {
      const keys = dedupKeys(text("NATO and EU discussing possibility of negotiations", LONG));
      await sql`SET enable_seqscan = off`.execute(t.handle.db);
      const plan = await sql<{ "QUERY PLAN": string }>`EXPLAIN SELECT id FROM articles WHERE dedup_keys && ${`{${keys.join(",")}}`}::bigint[]`.execute(t.handle.db);
      await sql`RESET enable_seqscan`.execute(t.handle.db);
      assert.match(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"), /articles_dedup_keys_idx/);
      // The lookup function plans its statement that way whatever the table's size.
      const fn = await sql<{ proconfig: string[] }>`SELECT proconfig FROM pg_proc WHERE proname = 'dedup_candidates'`.execute(t.handle.db);
      assert.deepEqual(fn.rows[0]?.proconfig, ["enable_seqscan=off"]);
    });
  });
}
