// npm run bench:serve: how cheap topic feeds are to poll. A Postgres database (feedloom_bench_issue6)
// is bulk-loaded with 100,000 stories, the real `feedloom serve` runs on it, and autocannon hits it at
// 100 connections for (a) a 304 revalidation of /topics/all.rss (If-None-Match), (b) the full
// 50-entry /topics/all.rss, and (c) the same bytes from a plain node:http server in another process
// (the limit). Each run reports requests/s and p99 latency; the medians over the runs are compared
// with the targets: (a) >= 50% and (b) >= 25% of (c)'s requests/s, p99 < 50 ms. The database is
// dropped at the end, also when a run fails.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { sql } from "kysely";
import { openPostgres } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { dropBenchDatabase, freshBenchDatabase } from "./database.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "100" },
    stories: { type: "string", default: "100000" },
    // Feed readers ask for gzip: (b) then asks for it too, and (c) serves the same feed gzipped once.
    gzip: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (opts.help) {
  process.stdout.write("npm run bench:serve -- [--runs 3] [--duration 10] [--connections 100] [--stories 100000] [--gzip]\n");
  process.exit(0);
}
const runs = Number(opts.runs);
const duration = Number(opts.duration);
const connections = Number(opts.connections);
const storyCount = Number(opts.stories);
const DB_NAME = "feedloom_bench_issue6";

/** Sources, stories (a fifth with a second and third outlet), articles and topic links, in bulk. */
async function load(url: string): Promise<void> {
  const handle = openPostgres(url, 2);
  try {
    await migrateToLatest(handle.db);
    const db = handle.db;
    const started = Date.now();
    await sql`INSERT INTO sources (url, title, site_url, host)
      SELECT 'https://outlet-' || i || '.example/feed.xml', 'Outlet ' || i || ' & Co', 'https://outlet-' || i || '.example/', 'outlet-' || i || '.example'
      FROM generate_series(1, 100) i`.execute(db);
    await sql`INSERT INTO stories (title, published_at, updated_at)
      SELECT 'Story ' || i || ': ministers meet to discuss the alliance''s next steps in talks', now() - i * interval '37 seconds', now() - i * interval '37 seconds'
      FROM generate_series(1, ${storyCount}::int) i`.execute(db);
    const body = "<p>" + "Lead paragraph of the article with <a href=\"/rel/link\">a relative link</a> and <b>some</b> emphasis. ".repeat(5) + "</p><p>Second paragraph &amp; more text.</p>";
    await sql`INSERT INTO articles (source_id, story_id, identity, guid, link, title, summary, author, categories, image_url, language, published_at, content_hash)
      SELECT (s.id % 100) + 1, s.id, 'a-' || s.id, 'a-' || s.id, 'https://outlet-' || ((s.id % 100) + 1) || '.example/news/' || s.id, s.title,
             ${body}, 'Reporter ' || (s.id % 17), ARRAY['World', 'Politics'], CASE WHEN s.id % 3 = 0 THEN 'https://img.example/' || s.id || '.jpg' END,
             'en', s.published_at, md5(s.id::text)
      FROM stories s`.execute(db);
    await sql`INSERT INTO articles (source_id, story_id, identity, guid, link, title, summary, published_at, content_hash)
      SELECT ((s.id + k) % 100) + 1, s.id, 'b-' || s.id || '-' || k, 'b-' || s.id || '-' || k, 'https://outlet-' || (((s.id + k) % 100) + 1) || '.example/copy/' || s.id, s.title,
             'A copy.', s.published_at + k * interval '1 minute', md5(s.id::text || k)
      FROM stories s, generate_series(1, 2) k WHERE s.id % 5 = 0`.execute(db);
    await sql`UPDATE stories s SET canonical_article_id = a.id FROM articles a WHERE a.story_id = s.id AND a.identity = 'a-' || s.id`.execute(db);
    await sql`INSERT INTO story_topics (topic_id, story_id) SELECT t.id, s.id FROM stories s, topics t WHERE t.slug = 'all' OR (t.slug = 'nato' AND s.id % 3 = 0)`.execute(db);
    await sql`ANALYZE`.execute(db);
    process.stdout.write(`loaded ${storyCount} stories (${Math.round(storyCount * 1.4)} articles) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await handle.close();
  }
}

function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = ready.exec(line);
      if (m) resolveStart({ child, url: m[1]!.replace("localhost", "127.0.0.1") });
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null) return r();
    child.removeAllListeners("exit");
    child.once("exit", () => r());
    child.kill("SIGTERM");
  });

interface Figure {
  rps: number;
  p99: number;
  statuses: string;
}

async function hit(url: string, headers: Record<string, string>, expect: number): Promise<Figure> {
  const result = await autocannon({ url, connections, duration, headers, pipelining: 1 });
  const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => `${code}:${(s as { count: number }).count}`).join(" ");
  const wrong = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => Number(code) !== expect);
  if (wrong.length > 0 || result.errors > 0) throw new Error(`${url}: expected only ${expect}, got ${codes}, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, statuses: codes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  process.stdout.write(`bench:serve: ${storyCount} stories on Postgres, ${connections} connections, ${duration} s per case, ${runs} runs; ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}\n`);
  const dbUrl = new URL(await freshBenchDatabase(DB_NAME));
  const tmp = mkdtempSync(join(tmpdir(), "feedloom-bench-serve-"));
  const children: ChildProcess[] = [];
  try {
    await load(dbUrl.href);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: dbUrl.href, FEEDLOOM_STARTER_SOURCES: "0", FEEDLOOM_LOG_LEVEL: "warn", FEEDLOOM_DATA_DIR: join(tmp, "data") };
    const server = await startChild(["bin/feedloom.js", "serve", "--port", "0", "--no-scheduler"], env, /listening on (http:\/\/\S+)/);
    children.push(server.child);
    const feedUrl = `${server.url}/topics/all.rss`;
    const first = await fetch(feedUrl, { headers: { "accept-encoding": "identity" } });
    const bytes = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get("etag")!;
    const items = (bytes.toString("utf8").match(/<item>/g) ?? []).length;
    if (first.status !== 200 || items !== 50) throw new Error(`/topics/all.rss answered ${first.status} with ${items} items`);
    writeFileSync(join(tmp, "all.rss"), bytes);
    const stat = await startChild(["--import", "tsx", "bench/static-server.ts", join(tmp, "all.rss"), first.headers.get("content-type")!, ...(opts.gzip ? ["gzip"] : [])], env, /^(http:\/\/\S+)/);
    const accept: Record<string, string> = opts.gzip ? { "accept-encoding": "gzip" } : {};
    children.push(stat.child);
    process.stdout.write(`feed: ${bytes.length} bytes, 50 entries, ETag ${etag}${opts.gzip ? "; requests ask for gzip" : ""}\n`);

    const table: Array<{ a: Figure; b: Figure; c: Figure; load: number[] }> = [];
    for (let run = 1; run <= runs; run++) {
      const loadBefore = loadavg();
      const a = await hit(feedUrl, { ...accept, "if-none-match": etag }, 304);
      const b = await hit(feedUrl, accept, 200);
      const c = await hit(stat.url, accept, 200);
      table.push({ a, b, c, load: loadBefore });
      process.stdout.write(
        `run ${run}: (a) 304 ${a.rps.toFixed(0)} req/s p99 ${a.p99} ms | (b) full RSS ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms | (c) static ${c.rps.toFixed(0)} req/s p99 ${c.p99} ms | load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}\n`,
      );
    }
    const m = (k: "a" | "b" | "c", f: "rps" | "p99") => median(table.map((r) => r[k][f]));
    const [aR, bR, cR] = [m("a", "rps"), m("b", "rps"), m("c", "rps")];
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    const lines = [
      "",
      `medians of ${runs} runs (load average before each run: ${table.map((r) => r.load[0]!.toFixed(2)).join(", ")}):`,
      `| case | req/s | p99 ms | share of (c) | target |`,
      `|---|---|---|---|---|`,
      `| (a) 304 revalidation | ${aR.toFixed(0)} | ${m("a", "p99")} | ${((aR / cR) * 100).toFixed(0)}% | >= 50%, p99 < 50 ms: ${verdict(aR >= cR * 0.5 && m("a", "p99") < 50)} |`,
      `| (b) full 50-entry RSS | ${bR.toFixed(0)} | ${m("b", "p99")} | ${((bR / cR) * 100).toFixed(0)}% | >= 25%, p99 < 50 ms: ${verdict(bR >= cR * 0.25 && m("b", "p99") < 50)} |`,
      `| (c) static node:http | ${cR.toFixed(0)} | ${m("c", "p99")} | 100% | the limit |`,
      "",
    ];
    process.stdout.write(lines.join("\n"));
    process.stdout.write(JSON.stringify({ bench: "serve", stories: storyCount, connections, duration, runs: table, medians: { a: { rps: aR, p99: m("a", "p99") }, b: { rps: bR, p99: m("b", "p99") }, c: { rps: cR, p99: m("c", "p99") } } }) + "\n");
  } finally {
    for (const c of children) await stop(c);
    rmSync(tmp, { recursive: true, force: true });
    await dropBenchDatabase(DB_NAME);
  }
}

await main();
