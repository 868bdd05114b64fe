// `npm run bench:pages` — server time of the web pages with 100,000 stories stored on Postgres.
//
// Creates its own database (feedloom_bench_issue7 on BENCH_DATABASE_URL's server), bulk-loads it
// with SQL (200 sources; 100,000 stories, every fifth with three articles from three outlets, the
// rest with one; summaries of ~400 characters of HTML; every story in `all`, one in five in `nato`,
// one in three in `negotiations`), then times the real app answering in process (app.request: routing, queries,
// rendering, the body read to its end). Several runs of many requests each; per run the median and
// p95; the verdict compares the median run's figures with the target (a 50-story topic page in ≤ 20 ms).
// The database is dropped afterwards, also on failure or Ctrl-C.
//
//   npm run bench:pages -- [--runs 3] [--requests 40] [--stories 100000] [--keep]
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
import { loadavg, cpus } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { openPostgres } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { createApp } from "../src/server/app.ts";
import { adminQuery, benchDatabaseUrl, dropBenchDatabase, freshBenchDatabase } from "./database.ts";

const TARGET_MS = 20;
const DB_NAME = "feedloom_bench_issue7";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    requests: { type: "string", default: "40" },
    stories: { type: "string", default: "100000" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  console.log("usage: npm run bench:pages -- [--runs N] [--requests N per page and run] [--stories N]\nenvironment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)");
  process.exit(0);
}
const runs = Number(flags.runs);
const requests = Number(flags.requests);
const storyCount = Number(flags.stories);
for (const [name, v] of [["runs", runs], ["requests", requests], ["stories", storyCount]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
}



function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

async function load(db: ReturnType<typeof openPostgres>["db"]): Promise<void> {
  const t0 = performance.now();
  await sql`INSERT INTO sources (url, title, site_url, host, last_success_at, fetch_count, not_modified_count)
    SELECT 'https://outlet-' || i || '.example/feed.xml', 'Outlet ' || i, 'https://outlet-' || i || '.example/', 'outlet-' || i || '.example',
           now() - interval '10 minutes', 100, 60
    FROM generate_series(1, 200) i`.execute(db);
  const base = Date.parse("2026-11-01T00:00:00Z");
  // Stories a few minutes apart, newest last; ids follow time, as they do when ingesting.
  await sql`INSERT INTO stories (title, published_at, updated_at)
    SELECT 'Story ' || i || ': NATO ministers and negotiators meet over the ' || md5(i::text), ts, ts
    FROM (SELECT i, ${new Date(base)}::timestamptz - make_interval(mins => (${storyCount} - i) * 3) AS ts FROM generate_series(1, ${storyCount}) i) s`.execute(db);
  const summary = "<p>" + "Officials said on Thursday that talks would continue &amp; that <b>allies</b> were ready to act. ".repeat(4) + "</p>";
  await sql`INSERT INTO articles (source_id, story_id, identity, guid, link, title, summary, language, published_at, content_hash, categories)
    SELECT ((s.id * 7 + k * 13) % 200) + 1, s.id, 'b-' || s.id || '-' || k, 'b-' || s.id || '-' || k,
           'https://outlet-' || (((s.id * 7 + k * 13) % 200) + 1) || '.example/news/' || s.id || '/' || k,
           CASE WHEN k = 0 THEN s.title ELSE upper(s.title) END, ${summary}, 'en', s.published_at + make_interval(mins => k * 7), md5(s.id || '-' || k), '{world,politics}'
    FROM stories s CROSS JOIN generate_series(0, 2) k
    WHERE k = 0 OR s.id % 5 = 0`.execute(db);
  await sql`UPDATE stories s SET canonical_article_id = a.id FROM articles a WHERE a.story_id = s.id AND a.identity = 'b-' || s.id || '-0'`.execute(db);
  await sql`INSERT INTO story_topics (topic_id, story_id)
    SELECT t.id, s.id FROM stories s JOIN topics t
      ON t.slug = 'all' OR (t.slug = 'nato' AND s.id % 5 = 0) OR (t.slug = 'negotiations' AND s.id % 3 = 0)`.execute(db);
  await sql`ANALYZE`.execute(db);
  const counts = await sql<{ stories: string; articles: string; links: string }>`
    SELECT (SELECT count(*) FROM stories) AS stories, (SELECT count(*) FROM articles) AS articles, (SELECT count(*) FROM story_topics) AS links`.execute(db);
  const c = counts.rows[0]!;
  console.log(`loaded ${c.stories} stories, ${c.articles} articles, ${c.links} story–topic rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

async function main(): Promise<number> {
  console.log(`machine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, Node ${process.version}`);
  const startLoad = loadavg();
  // --keep (for working on the pages): reuse a database left by an earlier --keep run, and keep it.
  const exists = async () => (await adminQuery("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME])).length === 1;
  const reuse = flags.keep && (await exists());
  const url = new URL(reuse ? benchDatabaseUrl(DB_NAME) : await freshBenchDatabase(DB_NAME));
  const handle = openPostgres(url.href, 10);
  const stop = async () => {
    await handle.close().catch(() => {});
    if (!flags.keep) await dropBenchDatabase(DB_NAME).catch(() => {});
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    await migrateToLatest(handle.db);
    if (!reuse) await load(handle.db);
    const app = createApp({ db: handle.db, baseUrl: "http://bench.test" });
    const some = await handle.db.selectFrom("stories").select("uuid").where("id", "=", Math.floor(storyCount / 2) - (Math.floor(storyCount / 2) % 5)).executeTakeFirstOrThrow();
    const pages: Array<{ path: string; stories?: number; target: boolean }> = [
      { path: "/topics/nato", stories: 50, target: true },
      { path: "/topics/all", stories: 50, target: true },
      { path: "/topics/negotiations", stories: 50, target: true },
      { path: `/stories/${some.uuid}`, target: false },
      { path: "/", target: false },
    ];
    for (const p of pages) {
      const res = await app.request(p.path);
      const html = await res.text();
      if (res.status !== 200) throw new Error(`${p.path} answered ${res.status}`);
      const n = html.match(/data-story="/g)?.length ?? 0;
      if (p.stories !== undefined && n !== p.stories) throw new Error(`${p.path} shows ${n} stories, not ${p.stories}`);
      for (let i = 0; i < 10; i++) await (await app.request(p.path)).text(); // warm-up
    }
    const results: Array<{ path: string; target: boolean; runs: Array<{ median: number; p95: number; cpu: number; load: number }> }> = pages.map((p) => ({ path: p.path, target: p.target, runs: [] }));
    for (let run = 1; run <= runs; run++) {
      for (const [i, p] of pages.entries()) {
        const times: number[] = [];
        const cpu: number[] = [];
        for (let r = 0; r < requests; r++) {
          const c0 = process.cpuUsage();
          const t = performance.now();
          const res = await app.request(p.path);
          await res.text();
          times.push(performance.now() - t);
          const c = process.cpuUsage(c0);
          cpu.push((c.user + c.system) / 1000);
        }
        times.sort((a, b) => a - b);
        // CPU time of this process (routing, rendering, reading rows; not Postgres): less skewed than the
        // wall time when the machine is busy with other work.
        results[i]!.runs.push({ median: quantile(times, 0.5), p95: quantile(times, 0.95), cpu: median(cpu), load: loadavg()[0] ?? NaN });
      }
    }
    console.log(`\n${runs} runs × ${requests} requests per page (in-process app.request, body read); ms\n`);
    console.log(["page".padEnd(48), "median (per run)".padEnd(26), "p95 (per run)".padEnd(26), "node CPU".padEnd(8), "median of runs".padEnd(24), "verdict"].join("  "));
    const summary: Record<string, { median: number; p95: number; cpu: number }> = {};
    for (const r of results) {
      const m = median(r.runs.map((x) => x.median));
      const p95 = median(r.runs.map((x) => x.p95));
      const cpu = median(r.runs.map((x) => x.cpu));
      summary[r.path] = { median: +m.toFixed(2), p95: +p95.toFixed(2), cpu: +cpu.toFixed(2) };
      const verdict = r.target ? (p95 <= TARGET_MS ? `ok (p95 ≤ ${TARGET_MS})` : m <= TARGET_MS ? `median ok, p95 over ${TARGET_MS}` : `OVER ${TARGET_MS}`) : "-";
      console.log(
        [
          r.path.slice(0, 48).padEnd(48),
          r.runs.map((x) => x.median.toFixed(1)).join(" / ").padEnd(26),
          r.runs.map((x) => x.p95.toFixed(1)).join(" / ").padEnd(26),
          cpu.toFixed(1).padEnd(8),
          `${m.toFixed(1)} (p95 ${p95.toFixed(1)})`.padEnd(24),
          verdict,
        ].join("  "),
      );
    }
    console.log(`\nmachine load (1, 5, 15 min) at the start: ${startLoad.map((l) => l.toFixed(2)).join(", ")}; at the end: ${loadavg().map((l) => l.toFixed(2)).join(", ")}`);
    console.log(JSON.stringify({ bench: "pages", stories: storyCount, runs, requests, targetMs: TARGET_MS, summary, load: loadavg() }));
    return 0;
  } finally {
    await stop();
  }
}

process.exitCode = await main();
