// npm run bench:dedup — deduplication at scale, on Postgres only.
//
// Creates feedloom_bench_issue4 (dropped after), bulk-loads N synthetic stored articles (default
// 1,000,000) with SQL alone (generate_series, 100k rows per statement; the GIN index is built after
// loading), then measures through the real code:
//   - the median (and p95) time to find candidates and decide for one new article (the steps of
//     findCopies: its own features and keys, the GIN candidate query in a 72 h window, decoding the
//     candidates' stored features and the decision), for edited copies of stored articles and for
//     unrelated articles, with the median of each step;
//   - the candidate query as Postgres times it, and its plan (the function's own statement);
//   - the index sizes and the size of the stored features;
//   - the bulk ingest rate through storeArticles (50 articles a transaction, as a fetch writes them),
//     with deduplication on and off.
// Bulk rows: text of realistic lengths (1–6 paragraphs of 30–80 words, ≈ 1.3 KB) from a pool of
// pseudo-word paragraphs, dates spread over a year, 31 keys each (as many as a real article: URL,
// fingerprint, headline, 20 body bands, 8 lead values) derived by hashing, so they collide with
// nothing by chance, and encoded features as long as their text's would be (version, flags, a
// 32-byte fingerprint, 4 bytes a shingle: words − 2), of hash bytes that compress no better. Probe originals and copies are made in JavaScript and stored through the real
// path, so they carry real keys.
//
// Usage: npm run bench:dedup [-- --articles N --probes N --batches N --repeat N]
// Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): the server to use.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import pg from "pg";
import { openPostgres } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { matchCopies, ownFeatures, queryCandidates, toCandidate, type DedupOptions } from "../src/dedupe/assign.ts";
import type { ArticleInput } from "../src/normalise/article.ts";
import { storeArticles } from "../src/store/articles.ts";
import { benchServerUrl, dropBenchDatabase, freshBenchDatabase } from "./database.ts";

const { values: args } = parseArgs({
  options: {
    articles: { type: "string", default: "1000000" },
    probes: { type: "string", default: "300" },
    batches: { type: "string", default: "100" },
    keep: { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
  },
});
const N = Number(args.articles);
const PROBES = Number(args.probes);
const BATCHES = Number(args.batches);
const server = benchServerUrl;
const NAME = "feedloom_bench_issue4";
const END = Date.parse("2026-11-01T00:00:00Z");
const YEAR_S = 365 * 86_400;

// ---- synthetic text (JavaScript side) ---------------------------------------------------------
let seed = 4242;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const VOCAB = Array.from({ length: 20_000 }, (_, i) => (i * 2654435761).toString(36).slice(0, 3 + (i % 7)));
const word = () => VOCAB[Math.floor(Math.pow(rnd(), 2) * VOCAB.length)] as string; // skewed like real text
const sentence = () => Array.from({ length: 12 + Math.floor(rnd() * 14) }, word).join(" ") + ".";
const paragraph = () => Array.from({ length: 2 + Math.floor(rnd() * 3) }, sentence).join(" ");

interface Probe {
  title: string;
  paragraphs: string[];
  at: Date;
}

function newProbe(): Probe {
  return {
    title: Array.from({ length: 8 }, word).join(" "),
    paragraphs: Array.from({ length: 2 + Math.floor(rnd() * 5) }, paragraph),
    at: new Date(END - 30 * 86_400_000 - Math.floor(rnd() * 300) * 86_400_000),
  };
}

let serial = 0;
function input(p: Probe, html: string, title = p.title, hoursLater = 0): ArticleInput {
  serial++;
  return {
    identity: `bench-${serial}`, guid: `bench-${serial}`, link: `https://probe${serial}.example/news/${serial}`, title,
    summary: null, content: html, author: null, categories: [],
    publishedAt: new Date(p.at.getTime() + hoursLater * 3_600_000), updatedAt: null, imageUrl: null, language: "en",
    contentHash: `h${serial}`,
  };
}
const html = (ps: string[]) => ps.map((x) => `<p>${x}</p>`).join("");
/** An edited republication: a paragraph cut, one reordered, boilerplate at both ends, new headline. */
function editedCopy(p: Probe): ArticleInput {
  const ps = [...p.paragraphs];
  if (ps.length > 2) ps.splice(1 + Math.floor(rnd() * (ps.length - 1)), 1);
  if (ps.length > 2) ps.push(ps.splice(1, 1)[0] as string);
  return input(p, html(["Our partners report:", ...ps, "Read more on our site."]), `Rewritten: ${p.title.split(" ").slice(2).join(" ")}`, 3);
}

// ---- measuring one lookup -------------------------------------------------------------------------
const DEDUP: DedupOptions = { enabled: true, windowHours: 72 };

interface Lookup {
  /** The story joined, or null. */
  match: number | null;
  keys: string[];
  candidates: number;
  /** Milliseconds per step: the article's own features and keys, the candidate query, decoding and deciding. */
  ms: { own: number; query: number; decide: number };
}

/** findCopies for one article, its steps timed apart (the same calls in the same order; read only). */
async function lookup(sourceId: number, article: ArticleInput): Promise<Lookup> {
  return handle.db.connection().execute(async (conn) => {
    const trx = conn as never; // findCopies runs in the caller's transaction; a plain connection reads the same
    const t0 = performance.now();
    const own = ownFeatures([article], new Date(END), DEDUP);
    const t1 = performance.now();
    const rows = await queryCandidates(trx, own.keys, own.dates, DEDUP.windowHours);
    const t2 = performance.now();
    const copies = matchCopies(sourceId, own, rows.map(toCandidate), DEDUP.windowHours);
    const t3 = performance.now();
    return { match: copies.matches[0]?.storyId ?? null, keys: own.keys[0] as string[], candidates: rows.length, ms: { own: t1 - t0, query: t2 - t1, decide: t3 - t2 } };
  });
}

const windowOf = (at: Date) => ({ lo: new Date(at.getTime() - DEDUP.windowHours * 3_600_000), hi: new Date(at.getTime() + DEDUP.windowHours * 3_600_000) });

/** The lookup as Postgres times it: the function's own execution, no client or network. */
async function serverTime(keys: string[], at: Date): Promise<number> {
  const { lo, hi } = windowOf(at);
  const ex = await sql<{ "QUERY PLAN": string }>`EXPLAIN (ANALYZE, TIMING OFF) SELECT * FROM dedup_candidates(${`{${keys.join(",")}}`}::bigint[], ${lo}, ${hi})`.execute(handle.db);
  const line = ex.rows.map((r) => r["QUERY PLAN"]).find((l) => l.startsWith("Execution Time"));
  return Number(/([\d.]+) ms/.exec(line ?? "")?.[1] ?? NaN);
}

/**
 * The plan of the statement dedup_candidates() runs, as installed (its body from pg_catalog, its
 * parameters numbered), with real keys and the function's settings: EXPLAIN of the function call
 * itself shows only "Function Scan". Up to Postgres 17 a SQL function's statement is planned without
 * its parameters' values (a generic plan); from 18 it goes through the plan cache like a prepared one.
 */
async function candidatePlan(keys: string[], at: Date): Promise<string[]> {
  const { lo, hi } = windowOf(at);
  const src = (await sql<{ prosrc: string }>`SELECT prosrc FROM pg_proc WHERE proname = 'dedup_candidates'`.execute(handle.db)).rows[0]?.prosrc ?? "";
  // Functions as replacements: a "$1" string would be read as a capture group reference.
  const body = src.replace(/--[^\n]*/g, "").replace(/\bkeys\b/g, () => "$1").replace(/\blo\b/g, () => "$2").replace(/\bhi\b/g, () => "$3");
  if (!/\$1/.test(body) || !/\$2/.test(body) || !/\$3/.test(body)) throw new Error(`dedup_candidates: parameters not found in ${src}`);
  const version = Number((await sql<{ v: string }>`SELECT current_setting('server_version_num') AS v`.execute(handle.db)).rows[0]?.v);
  return handle.db.connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn);
    try {
      await sql`SET LOCAL enable_seqscan = off`.execute(conn); // the function's own setting
      if (version < 180000) await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(conn);
      await sql.raw(`PREPARE dedup_candidates_probe(bigint[], timestamptz, timestamptz) AS ${body}`).execute(conn);
      try {
        const plan = await sql.raw<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE dedup_candidates_probe('{${keys.join(",")}}', '${lo.toISOString()}', '${hi.toISOString()}')`).execute(conn);
        return plan.rows.map((r) => r["QUERY PLAN"]);
      } finally {
        await sql`DEALLOCATE dedup_candidates_probe`.execute(conn);
      }
    } finally {
      await sql`ROLLBACK`.execute(conn);
    }
  });
}

/** The average stored size of real articles' features (a source's, stored through the real path). */
async function realFeatureSize(sourceId: number): Promise<number> {
  const r = await sql<{ avg: number }>`SELECT avg(pg_column_size(dedup_features))::int AS avg FROM articles WHERE source_id = ${sourceId}`.execute(handle.db);
  return Number(r.rows[0]?.avg);
}

// ---- the run ------------------------------------------------------------------------------------
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] as number;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

console.log(`bench:dedup: ${N.toLocaleString("en")} stored articles on ${server.replace(/\/\/[^@]*@/, "//")}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
const url = new URL(await freshBenchDatabase(NAME));
const handle = openPostgres(url.href, 2);
try {
  await migrateToLatest(handle.db);
  const load = new pg.Client({ connectionString: url.href });
  await load.connect();
  await load.query("SET maintenance_work_mem = '512MB'");
  await load.query("SET synchronous_commit = off");

  // Bulk load: SQL only, indexes that only dedup needs built afterwards.
  let t0 = performance.now();
  await load.query("DROP INDEX articles_dedup_keys_idx");
  // Each paragraph of n words also carries 4·n bytes of hashes: its share of a row's shingle sequence.
  await load.query(`CREATE TEMP TABLE para AS
    SELECT i, (SELECT string_agg(substr(md5((i * 100 + w)::text), 1, 3 + ((i + w) % 7)), ' ') FROM generate_series(1, n) w) AS txt,
           substring((SELECT string_agg(sha256(convert_to(i || ':' || k, 'UTF8')), ''::bytea ORDER BY k) FROM generate_series(1, (4 * n + 31) / 32) k) FROM 1 FOR 4 * n) AS shingles
    FROM (SELECT i, 30 + (i * 37) % 51 AS n FROM generate_series(0, 1999) i) p`);
  await load.query("CREATE UNIQUE INDEX ON para (i); ANALYZE para");
  await load.query(`INSERT INTO sources (url, host, enabled) SELECT 'https://bulk' || s || '.example/feed', 'bulk' || s || '.example', false FROM generate_series(1, ${Math.ceil(N / 50)}) s`);
  const CH = 100_000;
  for (let from = 1; from <= N; from += CH) {
    const to = Math.min(N, from + CH - 1);
    await load.query("BEGIN");
    await load.query(`
      INSERT INTO stories (id, title, published_at, updated_at, canonical_article_id) OVERRIDING SYSTEM VALUE
      SELECT g, 'Bulk story ' || g, to_timestamp(${END / 1000} - (g::bigint * 2654435761) % ${YEAR_S}), to_timestamp(${END / 1000} - (g::bigint * 2654435761) % ${YEAR_S}), g
      FROM generate_series(${from}, ${to}) g`);
    await load.query(`
      INSERT INTO articles (id, source_id, story_id, identity, guid, link, title, content, published_at, content_hash, canonical_url, dedup_keys, dedup_features)
      SELECT g, 1 + (g - 1) / 50, g, 'bulk-' || g, 'bulk-' || g, 'https://bulk' || (1 + (g - 1) / 50) || '.example/news/' || g,
             left(p1.txt, 70),
             '<p>' || p1.txt || '</p>' || CASE WHEN g % 6 >= 1 THEN '<p>' || p2.txt || '</p>' ELSE '' END || CASE WHEN g % 6 >= 2 THEN '<p>' || p3.txt || '</p>' ELSE '' END
               || CASE WHEN g % 6 >= 3 THEN '<p>' || p4.txt || '</p>' ELSE '' END || CASE WHEN g % 6 >= 4 THEN '<p>' || p5.txt || '</p>' ELSE '' END || CASE WHEN g % 6 >= 5 THEN '<p>' || p6.txt || '</p>' ELSE '' END,
             to_timestamp(${END / 1000} - (g::bigint * 2654435761) % ${YEAR_S}), md5(g::text),
             'bulk' || (1 + (g - 1) / 50) || '.example/news/' || g,
             ARRAY(SELECT hashtextextended(g::text || ':' || k, 0) FROM generate_series(1, 31) k),
             -- Version 1, flags "has a fingerprint", the fingerprint, then words − 2 shingles (the first 8 bytes dropped).
             '\\x0102'::bytea || sha256(convert_to('bulk-' || g, 'UTF8')) || substring(p1.shingles || CASE WHEN g % 6 >= 1 THEN p2.shingles ELSE ''::bytea END
               || CASE WHEN g % 6 >= 2 THEN p3.shingles ELSE ''::bytea END || CASE WHEN g % 6 >= 3 THEN p4.shingles ELSE ''::bytea END
               || CASE WHEN g % 6 >= 4 THEN p5.shingles ELSE ''::bytea END || CASE WHEN g % 6 >= 5 THEN p6.shingles ELSE ''::bytea END FROM 9)
      FROM generate_series(${from}, ${to}) g JOIN para p1 ON p1.i = (g * 7) % 2000 JOIN para p2 ON p2.i = (g * 13) % 2000
        JOIN para p3 ON p3.i = (g * 17) % 2000 JOIN para p4 ON p4.i = (g * 19) % 2000 JOIN para p5 ON p5.i = (g * 23) % 2000 JOIN para p6 ON p6.i = (g * 29) % 2000`);
    await load.query("COMMIT");
    process.stdout.write(`\r  loaded ${to.toLocaleString("en")} articles, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await load.query(`SELECT setval(pg_get_serial_sequence('articles', 'id'), ${N}), setval(pg_get_serial_sequence('stories', 'id'), ${N})`);
  const loadS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await load.query("CREATE INDEX articles_dedup_keys_idx ON articles USING gin (dedup_keys) WITH (fastupdate = off)");
  const ginS = (performance.now() - t0) / 1000;
  await load.query("ANALYZE articles");
  const sizes = (await load.query<{ name: string; bytes: string }>(`
    SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes FROM pg_class c
    WHERE c.relname IN ('articles_dedup_keys_idx', 'articles_story_idx', 'articles_source_id_identity_key', 'articles_pkey')
    UNION ALL SELECT 'articles (heap + toast)', pg_table_size('articles')::text`)).rows;
  const avgLen = (await load.query<{ w: string }>("SELECT avg(length(content))::int::text AS w FROM articles WHERE id % 1000 = 0")).rows[0]?.w;
  // As stored (pg_column_size does not decompress or fetch TOAST): what a candidate row carries.
  const featureSize = (await load.query<{ avg: string; total: string }>("SELECT avg(pg_column_size(dedup_features))::int::text AS avg, coalesce(sum(pg_column_size(dedup_features)), 0)::text AS total FROM articles")).rows[0];
  await load.end();
  console.log(`\n  bulk load ${loadS.toFixed(0)} s (${Math.round(N / loadS).toLocaleString("en")} rows/s), GIN build ${ginS.toFixed(0)} s, average content ${avgLen} chars`);
  for (const s of sizes) console.log(`  size ${s.name}: ${mb(Number(s.bytes))}`);
  console.log(`  size articles.dedup_features: ${mb(Number(featureSize?.total))} (avg ${featureSize?.avg} bytes a row)`);

  // --repeat N: the measurements again on the same load (the load and the GIN build dominate a run).
  for (let rep = 1; rep <= Number(args.repeat); rep++) {
    if (Number(args.repeat) > 1) console.log(`  -- measurement ${rep} of ${args.repeat}`);
    // Probe originals, stored through the real path.
    const src = async (name: string) => Number((await handle.db.insertInto("sources").values({ url: `https://${name}.example/feed`, host: `${name}.example` }).returning("id").executeTakeFirstOrThrow()).id);
    const origSource = await src(`probe-originals-${rep}`);
    const copySource = await src(`probe-copies-${rep}`);
    const probes = Array.from({ length: PROBES }, newProbe);
    const originalStory = new Map<Probe, number>();
    for (let i = 0; i < probes.length; i += 50) {
      const chunk = probes.slice(i, i + 50);
      const stored = await handle.db.transaction().execute((trx) => storeArticles(trx, origSource, chunk.map((p) => input(p, html(p.paragraphs))), new Date(END)));
      const byIdentity = new Map(stored.map((r) => [r.identity, r.storyId]));
      chunk.forEach((p, j) => originalStory.set(p, byIdentity.get(`bench-${serial - chunk.length + j + 1}`) as number));
    }
    if (rep === 1) console.log(`  dedup_features of the probe originals (real articles): avg ${await realFeatureSize(origSource)} bytes a row`);

    // One new article at a time: find candidates and decide (read only), step by step as findCopies does.
    const copyMs: number[] = [];
    const freshMs: number[] = [];
    const steps: Record<keyof Lookup["ms"], number[]> = { own: [], query: [], decide: [] };
    const candidates: number[] = [];
    const serverMs: number[] = [];
    let probeKeys: { keys: string[]; at: Date } | null = null;
    let found = 0;
    let wrong = 0;
    for (const [k, p] of probes.entries()) {
      for (const copy of [true, false]) {
        const article = copy ? editedCopy(p) : input(newProbe(), html(newProbe().paragraphs));
        const r = await lookup(copySource, article);
        const m = r.match;
        if (copy && m === originalStory.get(p)) found++;
        else if (m !== null) wrong++;
        if (k < 10) continue; // the first few warm the caches
        (copy ? copyMs : freshMs).push(r.ms.own + r.ms.query + r.ms.decide);
        for (const step of Object.keys(steps) as Array<keyof Lookup["ms"]>) steps[step].push(r.ms[step]);
        candidates.push(r.candidates);
        if (copy) probeKeys ??= { keys: r.keys, at: article.publishedAt as Date };
        serverMs.push(await serverTime(r.keys, article.publishedAt as Date));
      }
    }
    console.log(`  find candidates + decide, one article: copies median ${median(copyMs).toFixed(2)} ms (p95 ${pct(copyMs, 0.95).toFixed(2)}), unrelated median ${median(freshMs).toFixed(2)} ms (p95 ${pct(freshMs, 0.95).toFixed(2)}); copies found ${found}/${probes.length}, wrong joins ${wrong}`);
    console.log(`    of which (medians, all lookups): own features + keys ${median(steps.own).toFixed(2)} ms (the parse thread's work in the pipeline), candidate query round trip ${median(steps.query).toFixed(2)} ms, decode candidates + decide ${median(steps.decide).toFixed(3)} ms; candidates a lookup: median ${median(candidates)}, max ${Math.max(...candidates)}`);
    console.log(`  candidate query inside Postgres (EXPLAIN ANALYZE of dedup_candidates): median ${median(serverMs).toFixed(2)} ms (p95 ${pct(serverMs, 0.95).toFixed(2)})`);
    if (probeKeys) console.log(`  candidate plan (the function's statement, an edited copy's keys): ${(await candidatePlan(probeKeys.keys, probeKeys.at)).map((l) => l.trim()).join(" | ")}`);

    // Ingest rate through storeArticles, 50 articles a transaction; a third are copies.
    for (const enabled of [false, true]) {
      const batches = Array.from({ length: BATCHES }, () =>
        Array.from({ length: 50 }, () => (rnd() < 0.33 ? editedCopy(probes[Math.floor(rnd() * probes.length)] as Probe) : input(newProbe(), html(newProbe().paragraphs)))),
      );
      const sources = await Promise.all(batches.map((_, i) => src(`rate-${rep}-${enabled ? "on" : "off"}-${i}`)));
      const t = performance.now();
      for (const [i, batch] of batches.entries()) {
        await handle.db.transaction().execute((trx) => storeArticles(trx, sources[i] as number, batch, new Date(END), { enabled, windowHours: 72 }));
      }
      const s = (performance.now() - t) / 1000;
      console.log(`  ingest through storeArticles, dedup ${enabled ? "on " : "off"}: ${Math.round((BATCHES * 50) / s).toLocaleString("en")} articles/s (${BATCHES * 50} articles in ${s.toFixed(1)} s)`);
    }
    console.log(`  load after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  }
} finally {
  await handle.close();
  if (!args.keep) await dropBenchDatabase(NAME);
}
