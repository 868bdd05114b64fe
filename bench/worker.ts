// One benchmark run on one database, in a process of its own (forked by ingest.ts), so that its
// peak RSS is this run's alone: the feed server lives in another child, and an embedded PGlite
// run cannot inflate a later Postgres run's figure.
//
// 1. open the database, migrate, add the sources (not timed);
// 2. the first cycle: every source new, every feed answers 200 with 50 items (timed);
// 3. the no-change cycle: every source made due again (`UPDATE sources SET next_fetch_at = now()`),
//    every feed answers 304 (timed), and the rows it wrote;
// 4. parse-only: the same 1,000 bodies fetched again (untimed), then decodeFeed + parseFeed over
//    all of them, twice, on this one thread; the better pass counts (and rss-parser's own
//    parseString on the same text is timed alongside, for reference).
//
// Rows written are counted two ways: a Kysely plugin on the context's database sees every
// statement the code under test runs and the rows each write affected (both databases); on
// Postgres, pg_stat_user_tables' n_tup_ins/upd/del deltas are read too, after the pool has been
// closed and its backends have exited (a backend's table counters reach the statistics views
// only when it flushes them, at the latest when it exits).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Profiler } from "node:inspector";
import { Session } from "node:inspector/promises";
import { relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { sql, type Kysely, type RawBuilder } from "kysely";
import pg from "pg";
import Parser from "rss-parser";
import { runFetchCycle } from "../jobs/fetch-cycle.ts";
import { loadConfig } from "../src/config.ts";
import { openPglite, openPostgres, type DatabaseHandle } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import type { Database } from "../src/db/schema.ts";
import { createParsePool } from "../src/ingest/parse-pool.ts";
import type { IngestContext, SourceOutcome } from "../src/ingest/source.ts";
import type { Logger } from "../src/log.ts";
import { decodeFeed } from "../src/parse/charset.ts";
import { parseFeed } from "../src/parse/feed.ts";
import { fetchOptions } from "../src/runtime.ts";
import { newSourceRow } from "../src/store/sources.ts";
import type { ServerStats } from "./server.ts";

export interface WorkerRunMessage {
  type: "run";
  /** Hosts that more than one source shares. */
  sharedHosts: string[];
  kind: "postgres" | "pglite";
  /** Postgres: the (fresh) database to use. */
  databaseUrl: string | null;
  /** PGlite: a directory, or "memory://". */
  pgliteDir: string;
  urls: string[];
  itemsPerFeed: number;
  concurrency: number;
  perHost: number;
  cycleTimeoutMs: number;
  sampleMs: number;
  /** Profile the first cycle (V8 sampling profiler) and write the .cpuprofile here; null: no profile. */
  profilePath: string | null;
}

export interface StatementCounts {
  /** Statements by Kysely node kind (raw SQL by its first keyword). */
  byKind: Record<string, number>;
  total: number;
  /** Statements that wrote (INSERT/UPDATE/DELETE/MERGE, as the driver reports them). */
  writes: number;
  /** Rows those statements affected. */
  rowsWritten: number;
}

export interface TableWrites {
  ins: number;
  upd: number;
  del: number;
}

export interface CycleFigures {
  wallMs: number;
  /** Every source was processed before the cycle's time limit. */
  complete: boolean;
  outcomes: number;
  updated: number;
  notModified: number;
  errors: number;
  errorSamples: string[];
  loggedErrors: number;
  statements: StatementCounts;
  /** Postgres: Σ n_tup_ins + n_tup_upd + n_tup_del over the cycle; null on PGlite or when unreadable. */
  dbRowsWritten: number | null;
  dbRowsByTable: Record<string, TableWrites> | null;
  /** Highest process.memoryUsage().rss sampled during the cycle, bytes. */
  peakRssSampled: number;
  /** CPU time this process used during the cycle (user + system), ms; the rest of the machine's time went to the database and the feed server. */
  cpuMs: number;
  /** CPU time of the machine's Postgres processes during the cycle (user + system), ms; null on PGlite or off Linux. */
  dbCpuMs: number | null;
  /** Event-loop utilisation during the cycle (0–1): near 1 means this process's one thread was the bottleneck. */
  eventLoopUtilization: number;
  /**
   * Most sources of one host being processed at once (fetch → parse → store, from each outcome's
   * duration), over the shared hosts: the per-host limit at work.
   */
  maxSourcesPerSharedHost: number;
  maxSourcesPerHost: number;
  /** What the feed server saw during the cycle. */
  server: ServerStats | null;
}

export interface RunFigures {
  kind: "postgres" | "pglite";
  setupMs: number;
  rssAfterSetup: number;
  first: CycleFigures & { itemsStored: number; stories: number; itemsPerSec: number; bytesFetched: number };
  noChange: CycleFigures & { fetchLogRows: number; sourcesUpdated: number };
  /** The better of two passes over the same bodies (the practical limit); `passes` has both. */
  parse: ParseFigures & { passes: ParseFigures[] };
  /** process.resourceUsage().maxRSS (bytes) after both cycles, before the parse-only pass. */
  maxRss: number;
  /** The same at the very end (after parse-only). */
  maxRssEnd: number;
  /** Where the first cycle's CPU time went, when profiled. */
  profile: ProfileSummary | null;
}

export interface ProfileSummary {
  path: string;
  totalMs: number;
  /** Self time by file (repository path) or package, and V8's own (GC, program, idle). */
  selfByArea: Array<{ area: string; ms: number }>;
  /** Time inside each pipeline stage, callees included (synchronous stretches only, as profiles see async code). */
  inclusive: Array<{ fn: string; ms: number }>;
}

export interface ParseFigures {
  feeds: number;
  items: number;
  bytes: number;
  ms: number;
  itemsPerSec: number;
  mbPerSec: number;
  /** rss-parser's own parseString on the same decoded text, for reference. */
  rssParserMs: number;
  rssParserItemsPerSec: number;
  rssParserMbPerSec: number;
}

export type WorkerMessage =
  | { type: "mark"; name: string }
  | { type: "result"; figures: RunFigures }
  | { type: "error"; message: string };

export type WorkerCommand = WorkerRunMessage | { type: "mark-ack"; server: ServerStats | null };

// ---- measuring ---------------------------------------------------------------------------------

/** Counts every statement run through the context's database, and the rows the writes affected. */
class StatementCounter implements KyselyPlugin {
  private byKind: Record<string, number> = {};
  private total = 0;
  private writes = 0;
  private rowsWritten = 0;
  private readonly pending = new WeakMap<QueryId, true>();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const kind = statementKind(args.node);
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    this.total += 1;
    this.pending.set(args.queryId, true);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    // The pg driver sets numAffectedRows for INSERT, UPDATE, DELETE and MERGE, raw SQL included.
    if (this.pending.delete(args.queryId) && args.result.numAffectedRows !== undefined) {
      this.writes += 1;
      this.rowsWritten += Number(args.result.numAffectedRows);
    }
    return args.result;
  }

  take(): StatementCounts {
    const counts = { byKind: this.byKind, total: this.total, writes: this.writes, rowsWritten: this.rowsWritten };
    this.byKind = {};
    this.total = this.writes = this.rowsWritten = 0;
    return counts;
  }
}

function statementKind(node: RootOperationNode): string {
  switch (node.kind) {
    case "SelectQueryNode":
      return "select";
    case "InsertQueryNode":
      return "insert";
    case "UpdateQueryNode":
      return "update";
    case "DeleteQueryNode":
      return "delete";
    case "RawNode": {
      const text = (node.sqlFragments[0] ?? "").replace(/^(\s|--[^\n]*\n)+/, "");
      return (/^[a-z]+/i.exec(text)?.[0] ?? "raw").toLowerCase();
    }
    default:
      return node.kind;
  }
}

/** Highest RSS seen since the last reset, sampled on a timer. */
class RssSampler {
  private peak = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
  reset(): void {
    this.peak = 0;
    this.sample();
  }
  take(): number {
    this.sample();
    return this.peak;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

const maxRss = () => process.resourceUsage().maxRSS * 1024; // kilobytes on every platform Node supports

function collectGarbage(): void {
  if (typeof gc === "function") {
    gc();
    gc();
  }
}

/** A logger that keeps the errors the cycle reports instead of printing a thousand lines. */
function countingLogger(): Logger & { errors: number; samples: string[]; reset(): void } {
  const state = {
    errors: 0,
    samples: [] as string[],
    reset() {
      state.errors = 0;
      state.samples = [];
    },
    error(msg: string, fields: Record<string, unknown> = {}) {
      state.errors += 1;
      if (state.samples.length < 3) state.samples.push(`${msg} ${JSON.stringify(fields)}`);
    },
    warn() {},
    info() {},
    debug() {},
  };
  return state;
}

/** Most intervals of one key open at once. */
function maxOverlap(intervals: Array<{ key: string; start: number; end: number }>): Map<string, number> {
  const byKey = new Map<string, Array<[number, number]>>();
  for (const i of intervals) {
    const events = byKey.get(i.key) ?? [];
    events.push([i.start, 1], [i.end, -1]);
    byKey.set(i.key, events);
  }
  const result = new Map<string, number>();
  for (const [key, events] of byKey) {
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // an end before a start at the same instant
    let open = 0;
    let most = 0;
    for (const [, delta] of events) {
      open += delta;
      most = Math.max(most, open);
    }
    result.set(key, most);
  }
  return result;
}

// ---- profiling -----------------------------------------------------------------------------------

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const STAGES = [
  "runFetchCycle", "claimSources", "fetchFeed", "decodeFeed", "parseFeed", "normaliseFeed", "storeArticles",
  "assignStories", "matchStories", "writeFetchResults", "compileQuery", "executeQuery",
];

async function startProfiler(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return session;
}

function areaOf(frame: Profiler.ProfileNode["callFrame"]): string {
  if (!frame.url) {
    const name = frame.functionName.replace(/^\(|\)$/g, "");
    return name ? `(${name.length > 70 ? `${name.slice(0, 70)}…` : name})` : "(anonymous native)";
  }
  const path = frame.url.startsWith("file://") ? relative(repoRoot, fileURLToPath(frame.url)) : frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm:${pkg[1]}`;
  return path.startsWith("node:") ? "node: (core modules)" : path;
}

async function stopProfiler(session: Session, path: string): Promise<ProfileSummary> {
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  writeFileSync(path, JSON.stringify(profile));
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const samples = profile.samples?.length ?? 0;
  const msPerHit = samples > 0 ? totalMs / samples : 0;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const n of profile.nodes) {
    const area = areaOf(n.callFrame);
    self.set(area, (self.get(area) ?? 0) + (n.hitCount ?? 0) * msPerHit);
  }
  // Inclusive time per stage: walk the tree, counting a subtree once per outermost occurrence.
  const inclusive = new Map<string, number>(STAGES.map((f) => [f, 0]));
  const subtotal = new Map<number, number>();
  const total = (id: number): number => {
    const cached = subtotal.get(id);
    if (cached !== undefined) return cached;
    const n = nodes.get(id);
    const t = (n?.hitCount ?? 0) * msPerHit + (n?.children ?? []).reduce((sum, c) => sum + total(c), 0);
    subtotal.set(id, t);
    return t;
  };
  const walk = (id: number, open: Set<string>) => {
    const n = nodes.get(id);
    if (!n) return;
    const fn = n.callFrame.functionName;
    const counted = inclusive.has(fn) && !open.has(fn);
    if (counted) inclusive.set(fn, (inclusive.get(fn) ?? 0) + total(id));
    const next = counted ? new Set([...open, fn]) : open;
    for (const c of n.children ?? []) walk(c, next);
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  return {
    path,
    totalMs,
    selfByArea: [...self].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms).slice(0, 15),
    inclusive: [...inclusive].map(([fn, ms]) => ({ fn, ms })),
  };
}

// ---- Postgres statistics -------------------------------------------------------------------------

/** A separate connection that only reads the statistics views (it never writes a row itself). */
class PgStats {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<PgStats> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    await client.connect();
    client.on("error", () => {});
    return new PgStats(client);
  }

  /** Wait (bounded) until no other client backend is connected to this database, so all have flushed their counters. */
  async settle(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      if ((r.rows[0]?.n ?? 0) === 0) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async tableWrites(): Promise<Map<string, TableWrites>> {
    const r = await this.client.query<{ relname: string; ins: string; upd: string; del: string }>(
      `SELECT relname, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del FROM pg_stat_user_tables`,
    );
    return new Map(r.rows.map((row) => [row.relname, { ins: Number(row.ins), upd: Number(row.upd), del: Number(row.del) }]));
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

function writesDelta(before: Map<string, TableWrites>, after: Map<string, TableWrites>): { total: number; byTable: Record<string, TableWrites> } {
  let total = 0;
  const byTable: Record<string, TableWrites> = {};
  for (const [table, a] of after) {
    const b = before.get(table) ?? { ins: 0, upd: 0, del: 0 };
    const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, del: a.del - b.del };
    if (d.ins + d.upd + d.del === 0) continue;
    byTable[table] = d;
    total += d.ins + d.upd + d.del;
  }
  return { total, byTable };
}

// ---- the run -------------------------------------------------------------------------------------

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error("no IPC channel"));
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });

let markWaiter: ((server: ServerStats | null) => void) | null = null;

/** Tell the orchestrator a phase starts or ends; it hands back what the feed server saw since the last mark. */
async function mark(name: string): Promise<ServerStats | null> {
  const answer = new Promise<ServerStats | null>((resolve) => {
    markWaiter = resolve;
    setTimeout(() => resolve(null), 10_000).unref();
  });
  await send({ type: "mark", name });
  return answer;
}

async function warm(db: Kysely<Database>, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, () => sql`SELECT 1`.execute(db)));
}

async function count(db: Kysely<Database>, query: RawBuilder<{ n: number }>): Promise<number> {
  const r = await query.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

async function run(msg: WorkerRunMessage): Promise<RunFigures> {
  const sampler = new RssSampler(msg.sampleMs);
  const counter = new StatementCounter();
  const log = countingLogger();
  const config = loadConfig({ FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1", FEEDLOOM_LOG_LEVEL: "error" });
  const open = async (): Promise<DatabaseHandle> => {
    if (msg.kind === "postgres") {
      if (!msg.databaseUrl) throw new Error("no database URL for the Postgres run");
      return openPostgres(msg.databaseUrl);
    }
    return openPglite({ dataDir: msg.pgliteDir });
  };
  const POOL = 10; // openPostgres's default pool size
  let profile: ProfileSummary | null = null;
  const setupStarted = performance.now();
  let handle = await open();
  let stats: PgStats | null = null;
  try {
    await migrateToLatest(handle.db);
    for (let i = 0; i < msg.urls.length; i += 500) {
      await handle.db.insertInto("sources").values(msg.urls.slice(i, i + 500).map((url) => newSourceRow(url))).execute();
    }
    if (msg.kind === "postgres" && msg.databaseUrl) stats = await PgStats.connect(msg.databaseUrl);
    const setupMs = performance.now() - setupStarted;
    collectGarbage();
    const rssAfterSetup = process.memoryUsage.rss();

    // Parse threads as `feedloom serve` and `feedloom jobs` run them (FEEDLOOM_PARSE_THREADS).
    const pool = config.parseThreads > 0 ? createParsePool({ threads: config.parseThreads }) : null;
    const context = (): IngestContext => ({
      db: handle.db.withPlugin(counter),
      fetch: fetchOptions(config),
      schedule: { pauseAfterSeconds: config.pauseAfterSeconds, perHost: msg.perHost },
      log,
      ...(pool ? { read: pool.read } : {}),
    });

    /** One timed cycle with everything around it measured. */
    const cycle = async (name: string): Promise<{ figures: CycleFigures; outcomes: SourceOutcome[]; startedAt: Date }> => {
      let before: Map<string, TableWrites> | null = null;
      let settled = true;
      if (stats && msg.databaseUrl) {
        // Close the pool so every backend flushes its counters, read them, and start on a fresh, warmed pool.
        await handle.close();
        settled = await stats.settle();
        before = await stats.tableWrites();
        handle = await open();
        await warm(handle.db, POOL);
      }
      const ctx = context();
      counter.take();
      log.reset();
      collectGarbage();
      await mark(name);
      const spans: Array<{ key: string; start: number; end: number }> = [];
      const onOutcome = (o: SourceOutcome) => {
        const end = performance.now();
        spans.push({ key: new URL(o.url).hostname, start: end - o.durationMs, end });
      };
      sampler.reset();
      const startedAt = new Date();
      const profiler = name === "first" && msg.profilePath ? await startProfiler() : null;
      const db0 = msg.kind === "postgres" ? postgresCpuMs() : null;
      const cpu0 = process.cpuUsage();
      const elu0 = performance.eventLoopUtilization();
      const t0 = performance.now();
      const outcomes = await runFetchCycle(ctx, { concurrency: msg.concurrency, signal: AbortSignal.timeout(msg.cycleTimeoutMs), onOutcome });
      const wallMs = performance.now() - t0;
      const eventLoopUtilization = performance.eventLoopUtilization(elu0).utilization;
      const cpu = process.cpuUsage(cpu0);
      const db1 = db0 === null ? null : postgresCpuMs();
      const peakRssSampled = sampler.take();
      if (profiler && msg.profilePath) profile = await stopProfiler(profiler, msg.profilePath);
      const overlap = maxOverlap(spans);
      const shared = new Set(msg.sharedHosts);
      const server = await mark(`${name}:end`);
      const statements = counter.take();
      let dbRowsWritten: number | null = null;
      let dbRowsByTable: Record<string, TableWrites> | null = null;
      if (stats && before) {
        await handle.close();
        settled = (await stats.settle()) && settled;
        const delta = writesDelta(before, await stats.tableWrites());
        if (settled) ({ total: dbRowsWritten, byTable: dbRowsByTable } = delta);
        handle = await open();
      }
      const errors = outcomes.filter((o) => o.outcome === "error");
      const figures: CycleFigures = {
        wallMs,
        complete: outcomes.length === msg.urls.length,
        outcomes: outcomes.length,
        updated: outcomes.filter((o) => o.outcome === "updated").length,
        notModified: outcomes.filter((o) => o.outcome === "not-modified").length,
        errors: errors.length,
        errorSamples: [...new Set(errors.map((o) => o.message ?? `status ${o.status}`))].slice(0, 3),
        loggedErrors: log.errors,
        statements,
        dbRowsWritten,
        dbRowsByTable,
        peakRssSampled,
        cpuMs: (cpu.user + cpu.system) / 1000,
        dbCpuMs: db0 === null || db1 === null ? null : db1 - db0,
        eventLoopUtilization,
        maxSourcesPerSharedHost: Math.max(0, ...[...overlap].filter(([host]) => shared.has(host)).map(([, n]) => n)),
        maxSourcesPerHost: Math.max(0, ...overlap.values()),
        server,
      };
      return { figures, outcomes, startedAt };
    };

    // First cycle: every source is new and due (next_fetch_at defaults to now()).
    const first = await cycle("first");
    const itemsStored = await count(handle.db, sql<{ n: number }>`SELECT count(*)::int AS n FROM articles`);
    const stories = await count(handle.db, sql<{ n: number }>`SELECT count(*)::int AS n FROM stories`);
    const bytesFetched = await count(handle.db, sql<{ n: number }>`SELECT coalesce(sum(bytes_fetched), 0)::bigint AS n FROM sources`);

    // No-change cycle: everything due again; every feed answers 304.
    await sql`UPDATE sources SET next_fetch_at = now()`.execute(handle.db);
    const logBefore = await count(handle.db, sql<{ n: number }>`SELECT count(*)::int AS n FROM fetch_log`);
    const noChange = await cycle("no-change");
    const fetchLogRows = (await count(handle.db, sql<{ n: number }>`SELECT count(*)::int AS n FROM fetch_log`)) - logBefore;
    const sourcesUpdated = await count(handle.db, sql<{ n: number }>`SELECT count(*)::int AS n FROM sources WHERE updated_at >= ${noChange.startedAt}`);
    const maxRssCycles = maxRss();
    await pool?.close();
    await handle.close();
    await stats?.close();
    stats = null;

    const parse = await parseOnly(msg.urls);
    sampler.stop();
    return {
      kind: msg.kind,
      setupMs,
      rssAfterSetup,
      first: { ...first.figures, itemsStored, stories, bytesFetched, itemsPerSec: itemsStored / (first.figures.wallMs / 1000) },
      noChange: { ...noChange.figures, fetchLogRows, sourcesUpdated },
      parse,
      maxRss: maxRssCycles,
      maxRssEnd: maxRss(),
      profile,
    };
  } catch (err) {
    await handle.close().catch(() => {});
    await stats?.close().catch(() => {});
    throw err;
  }
}

/**
 * CPU used so far by every process named postgres on this machine (the server, its backends and
 * helpers), from /proc; read while the pool's backends are still alive. Null where /proc is not.
 */
function postgresCpuMs(): number | null {
  try {
    let ticks = 0;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      const fields = stat.slice(close + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    }
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * The same bodies, fetched again (not timed) and held in memory, then parsed twice: only decoding
 * and parsing are timed, and the better pass is the practical limit. Runs after the cycles, whose
 * peak RSS has been taken by then.
 */
async function parseOnly(urls: string[]): Promise<RunFigures["parse"]> {
  const bodies: Array<{ url: string; body: Uint8Array; contentType: string | null }> = [];
  for (const url of urls) {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (res.status !== 200) throw new Error(`parse-only: ${url} answered ${res.status}`);
    bodies.push({ url, body: new Uint8Array(await res.arrayBuffer()), contentType: res.headers.get("content-type") });
  }
  const plain = new Parser();
  const passes: ParseFigures[] = [];
  for (let pass = 0; pass < 2; pass++) {
    let items = 0;
    let bytes = 0;
    let ms = 0;
    let rssParserMs = 0;
    let rssParserItems = 0;
    collectGarbage();
    for (const { url, body, contentType } of bodies) {
      bytes += body.byteLength;
      const t0 = performance.now();
      const decoded = decodeFeed(body, contentType);
      const parsed = await parseFeed(decoded.text, url);
      ms += performance.now() - t0;
      items += parsed.items.length;

      const t1 = performance.now();
      const raw = await plain.parseString(decoded.text);
      rssParserMs += performance.now() - t1;
      rssParserItems += raw.items.length;
    }
    passes.push({
      feeds: bodies.length,
      items,
      bytes,
      ms,
      itemsPerSec: items / (ms / 1000),
      mbPerSec: bytes / 1e6 / (ms / 1000),
      rssParserMs,
      rssParserItemsPerSec: rssParserItems / (rssParserMs / 1000),
      rssParserMbPerSec: bytes / 1e6 / (rssParserMs / 1000),
    });
  }
  const best = passes.reduce((a, b) => (b.itemsPerSec > a.itemsPerSec ? b : a));
  const bestPlain = passes.reduce((a, b) => (b.rssParserItemsPerSec > a.rssParserItemsPerSec ? b : a));
  return {
    ...best,
    rssParserMs: bestPlain.rssParserMs,
    rssParserItemsPerSec: bestPlain.rssParserItemsPerSec,
    rssParserMbPerSec: bestPlain.rssParserMbPerSec,
    passes,
  };
}

if (process.send === undefined) {
  console.error("bench/worker.ts is started by bench/ingest.ts (it needs an IPC channel)");
  process.exit(2);
}
process.on("disconnect", () => process.exit(1));
process.on("message", (command: WorkerCommand) => {
  if (command.type === "mark-ack") {
    const waiter = markWaiter;
    markWaiter = null;
    waiter?.(command.server);
    return;
  }
  run(command)
    .then((figures) => send({ type: "result", figures }))
    .catch((err: unknown) => send({ type: "error", message: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
    .finally(() => process.exit(0));
});
