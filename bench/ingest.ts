// `npm run bench:ingest` — the ingest benchmark.
//
// A loopback feed server (bench/server.ts, its own process) serves 1,000 synthetic sources × 50
// items of 2–3 KB (bench/synthetic.ts); 20% of the sources share 4 hosts, the rest have a host
// each; every host is a distinct 127.0.x.y address, so the per-host politeness limit works as it
// would on the internet. Each run, on Postgres and on PGlite, is a fresh process (bench/worker.ts)
// with a fresh database: the first cycle (all sources new), the no-change cycle (all 304), and the
// parse-only rate over the same bodies. This file starts everything, takes medians over the runs,
// prints a table with the verdicts against the targets, and ends with one JSON line of all figures.
//
//   npm run bench:ingest -- [--runs 3] [--db both|postgres|pglite] [--pglite dir|memory] [--gzip] …
//   BENCH_DATABASE_URL=postgres://user@host:5432/postgres   (where the fresh databases are created)
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { distIsFresh, distRoot } from "../bin/dist.js";
import { adminQuery, benchServerUrl, dropBenchDatabase, freshBenchDatabase } from "./database.ts";
import type { ServerCommand, ServerMessage, ServerReadyMessage, ServerStats } from "./server.ts";
import { defaultSyntheticOptions, type SyntheticOptions } from "./synthetic.ts";
import type { CycleFigures, ProfileSummary, RunFigures, WorkerCommand, WorkerMessage, WorkerRunMessage } from "./worker.ts";

type Kind = "postgres" | "pglite";

/** A worker's figures, with the machine's load around the run (other work on the machine skews everything). */
type RunResult = RunFigures & { load: { before: number[]; after: number[] } };

const TARGETS = { ratio: 0.4, noChangeMs: 2000, rowsPerWrite: 10, maxRssBytes: 250e6 } as const;

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
// The runs use the compiled build, as `feedloom` does once installed (no TypeScript loader in the
// measured process); from the sources only when dist/ is stale (npm run bench:ingest builds first).
const compiled = distIsFresh();
const childExecArgv = [...(compiled ? [] : ["--import", import.meta.resolve("tsx")]), "--expose-gc", ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(" ") : [])];
const childModule = (name: "worker" | "server") => (compiled ? fileURLToPath(new URL(`bench/${name}.js`, distRoot)) : fileURLToPath(new URL(`./${name}.ts`, import.meta.url)));

// ---- options -----------------------------------------------------------------------------------

const HELP = `usage: npm run bench:ingest -- [options]

  --runs N            runs per database; medians are reported (default 3)
  --db KIND           both | postgres | pglite (default both)
  --pglite WHERE      dir (a fresh temporary directory, default) | memory (memory://)
  --sources N         synthetic sources (default 1000)
  --items N           items per feed (default 50)
  --shared-share X    share of sources on shared hosts (default 0.2)
  --shared-hosts N    number of shared hosts (default 4)
  --atom-share X      share of Atom feeds (default 0.15)
  --concurrency N     sources fetched at once (default 16, as FEEDLOOM_FETCH_CONCURRENCY)
  --per-host N        per-host limit (default 2, as FEEDLOOM_PER_HOST_CONCURRENCY)
  --gzip              serve gzip to clients that accept it (default: identity)
  --seed N            PRNG seed (default 20261)
  --base-date ISO     newest items are dated just before this (default: today 00:00 UTC)
  --cycle-timeout S   stop claiming after S seconds in one cycle (default 600)
  --run-timeout S     kill a run (one database) after S seconds (default 1500)
  --profile           first, one extra run per database (not counted) with the first cycle
                      under V8's CPU profiler: prints where the time went, keeps the .cpuprofile

environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): the server on
which a fresh database feedloom_bench_<pid>_… is created for each Postgres run and dropped after;
BENCH_NODE_FLAGS: extra node flags for the measured process (e.g. "--max-semi-space-size=2").`;

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    db: { type: "string", default: "both" },
    pglite: { type: "string", default: "dir" },
    sources: { type: "string", default: "1000" },
    items: { type: "string", default: "50" },
    "shared-share": { type: "string", default: "0.2" },
    "shared-hosts": { type: "string", default: "4" },
    "atom-share": { type: "string", default: "0.15" },
    concurrency: { type: "string", default: "16" },
    "per-host": { type: "string", default: "2" },
    gzip: { type: "boolean", default: false },
    seed: { type: "string", default: "20261" },
    "base-date": { type: "string" },
    "cycle-timeout": { type: "string", default: "600" },
    "run-timeout": { type: "string", default: "1500" },
    profile: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

function numberFlag(name: string, value: string | undefined, min: number, max: number, integer = true): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    console.error(`--${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, not ${value}`);
    process.exit(2);
  }
  return n;
}

const runs = numberFlag("runs", flags.runs, 1, 50);
const kinds: Kind[] = flags.db === "both" ? ["postgres", "pglite"] : flags.db === "postgres" || flags.db === "pglite" ? [flags.db] : [];
if (kinds.length === 0) {
  console.error(`--db must be both, postgres or pglite, not ${flags.db}`);
  process.exit(2);
}
if (flags.pglite !== "dir" && flags.pglite !== "memory") {
  console.error(`--pglite must be dir or memory, not ${flags.pglite}`);
  process.exit(2);
}
const pgliteMode = flags.pglite;
const baseDate = flags["base-date"] ? Date.parse(flags["base-date"]) : Math.floor(Date.now() / 86_400_000) * 86_400_000;
if (!Number.isFinite(baseDate)) {
  console.error(`--base-date must be a date, not ${flags["base-date"]}`);
  process.exit(2);
}
const synthetic: SyntheticOptions = {
  ...defaultSyntheticOptions(baseDate),
  sources: numberFlag("sources", flags.sources, 1, 100_000),
  items: numberFlag("items", flags.items, 1, 10_000),
  sharedShare: numberFlag("shared-share", flags["shared-share"], 0, 1, false),
  sharedHosts: numberFlag("shared-hosts", flags["shared-hosts"], 0, 200),
  atomShare: numberFlag("atom-share", flags["atom-share"], 0, 1, false),
  seed: numberFlag("seed", flags.seed, 0, 2 ** 32 - 1),
};
const concurrency = numberFlag("concurrency", flags.concurrency, 1, 256);
const perHost = numberFlag("per-host", flags["per-host"], 1, 64);
const cycleTimeoutMs = numberFlag("cycle-timeout", flags["cycle-timeout"], 1, 86_400) * 1000;
const runTimeoutMs = numberFlag("run-timeout", flags["run-timeout"], 10, 86_400) * 1000;

// ---- cleanup, whatever happens --------------------------------------------------------------------

const cleanups = new Set<() => Promise<void> | void>();

async function cleanupAll(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    const hardStop = setTimeout(() => process.exit(130), 20_000);
    hardStop.unref();
    void cleanupAll().finally(() => process.exit(130));
  });
}

function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

// ---- the feed server ---------------------------------------------------------------------------

interface FeedServer {
  ready: ServerReadyMessage;
  stats(reset: boolean): Promise<ServerStats | null>;
  stop(): void;
}

async function startFeedServer(): Promise<FeedServer> {
  const child = fork(childModule("server"), [], { cwd: repoRoot, execArgv: childExecArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const stop = () => {
    if (child.connected) child.send({ type: "stop" } satisfies ServerCommand);
    setTimeout(() => killChild(child), 2000).unref();
  };
  cleanups.add(stop);
  let statsWaiter: ((s: ServerStats) => void) | null = null;
  const ready = await new Promise<ServerReadyMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the feed server was not ready within 180 s")), 180_000);
    child.on("message", (m: ServerMessage) => {
      if (m.type === "ready") {
        clearTimeout(timer);
        resolve(m);
      } else if (m.type === "error") {
        clearTimeout(timer);
        reject(new Error(`feed server: ${m.message}`));
      } else if (m.type === "stats") {
        statsWaiter?.(m);
        statsWaiter = null;
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the feed server exited (${code ?? signal})`));
    });
    child.send({ type: "start", options: synthetic, gzip: flags.gzip } satisfies ServerCommand);
  });
  return {
    ready,
    stats: (reset) =>
      new Promise((resolve) => {
        if (!child.connected) return resolve(null);
        const timer = setTimeout(() => resolve(null), 5000);
        statsWaiter = (s) => {
          clearTimeout(timer);
          resolve(s);
        };
        child.send({ type: "stats", reset } satisfies ServerCommand);
      }),
    stop: () => {
      cleanups.delete(stop);
      stop();
    },
  };
}

// ---- databases ---------------------------------------------------------------------------------

async function createDatabase(run: number): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `feedloom_bench_${process.pid}_${run}_${randomBytes(3).toString("hex")}`;
  const url = await freshBenchDatabase(name);
  const drop = async () => {
    cleanups.delete(drop);
    await dropBenchDatabase(name);
  };
  cleanups.add(drop);
  return { url, drop };
}

// ---- one run -------------------------------------------------------------------------------------

async function runOnce(kind: Kind, run: number, server: FeedServer, profilePath: string | null = null): Promise<RunResult> {
  const before = loadavg();
  const figures = await runWorker(kind, run, server, profilePath);
  return { ...figures, load: { before, after: loadavg() } };
}

async function runWorker(kind: Kind, run: number, server: FeedServer, profilePath: string | null): Promise<RunFigures> {
  let database: { url: string; drop(): Promise<void> } | null = null;
  let dir: string | null = null;
  let child: ChildProcess | null = null;
  const removeDir = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    cleanups.delete(removeDir);
  };
  try {
    if (kind === "postgres") database = await createDatabase(run);
    else if (pgliteMode === "dir") {
      dir = mkdtempSync(join(tmpdir(), "feedloom-bench-pglite-"));
      cleanups.add(removeDir);
    }
    const message: WorkerRunMessage = {
      type: "run",
      sharedHosts: server.ready.sharedHostNames,
      kind,
      databaseUrl: database?.url ?? null,
      pgliteDir: dir ?? "memory://",
      urls: server.ready.urls,
      itemsPerFeed: synthetic.items,
      concurrency,
      perHost,
      cycleTimeoutMs,
      sampleMs: 20,
      profilePath,
    };
    const worker = fork(childModule("worker"), [], { cwd: repoRoot, execArgv: childExecArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child = worker;
    const kill = () => killChild(worker);
    cleanups.add(kill);
    return await new Promise<RunFigures>((resolve, reject) => {
      const timer = setTimeout(() => {
        killChild(worker);
        reject(new Error(`timed out after ${runTimeoutMs / 1000} s`));
      }, runTimeoutMs);
      worker.on("message", (m: WorkerMessage) => {
        if (m.type === "mark") {
          void server.stats(true).then((stats) => {
            if (worker.connected) worker.send({ type: "mark-ack", server: stats } satisfies WorkerCommand);
          });
        } else if (m.type === "result") {
          clearTimeout(timer);
          resolve(m.figures);
        } else {
          clearTimeout(timer);
          reject(new Error(m.message));
        }
      });
      worker.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the worker exited (${code ?? signal}) without a result`));
      });
      worker.send(message);
    }).finally(() => cleanups.delete(kill));
  } finally {
    if (child) {
      killChild(child);
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child?.once("exit", r));
    }
    if (database) await database.drop().catch((err: unknown) => console.error(`could not drop the bench database: ${String(err)}`));
    removeDir();
  }
}

// ---- figures -----------------------------------------------------------------------------------

function median(values: number[]): number | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Rows the no-change cycle wrote: Postgres's own counters when read, the statement counter's otherwise. */
const rowsWritten = (c: CycleFigures) => c.dbRowsWritten ?? c.statements.rowsWritten;

/** The figures each run is summarised by (and the medians are taken of). */
function keyFigures(r: RunResult) {
  const ratio = r.first.itemsPerSec / r.parse.itemsPerSec;
  return {
    firstWallS: r.first.wallMs / 1000,
    itemsStored: r.first.itemsStored,
    itemsPerSec: r.first.itemsPerSec,
    firstStatements: r.first.statements.total,
    firstWriteStatements: r.first.statements.writes,
    firstRowsWritten: rowsWritten(r.first),
    parseItemsPerSec: r.parse.itemsPerSec,
    parseMbPerSec: r.parse.mbPerSec,
    rssParserItemsPerSec: r.parse.rssParserItemsPerSec,
    rssParserMbPerSec: r.parse.rssParserMbPerSec,
    ratio,
    noChangeWallS: r.noChange.wallMs / 1000,
    noChange304: r.noChange.notModified,
    noChangeRowsWritten: rowsWritten(r.noChange),
    noChangeRowsCounted: r.noChange.statements.rowsWritten,
    noChangeStatements: r.noChange.statements.total,
    noChangeWriteStatements: r.noChange.statements.writes,
    noChangeRowsPerWrite: r.noChange.statements.writes > 0 ? r.noChange.statements.rowsWritten / r.noChange.statements.writes : 0,
    noChangeFetchLogRows: r.noChange.fetchLogRows,
    noChangeSourcesUpdated: r.noChange.sourcesUpdated,
    maxRssMb: r.maxRss / 1e6,
    peakRssSampledMb: Math.max(r.first.peakRssSampled, r.noChange.peakRssSampled) / 1e6,
    rssAfterSetupMb: r.rssAfterSetup / 1e6,
    maxSourcesPerSharedHost: Math.max(r.first.maxSourcesPerSharedHost, r.noChange.maxSourcesPerSharedHost),
    maxSourcesPerHost: Math.max(r.first.maxSourcesPerHost, r.noChange.maxSourcesPerHost),
    firstCpuS: r.first.cpuMs / 1000,
    firstDbCpuS: r.first.dbCpuMs === null ? NaN : r.first.dbCpuMs / 1000,
    firstElu: r.first.eventLoopUtilization,
    noChangeCpuS: r.noChange.cpuMs / 1000,
    noChangeElu: r.noChange.eventLoopUtilization,
    loadBefore: r.load.before[0] ?? NaN,
    loadAfter: r.load.after[0] ?? NaN,
  };
}
type KeyFigures = ReturnType<typeof keyFigures>;

function medians(list: KeyFigures[]): KeyFigures | null {
  const first = list[0];
  if (!first) return null;
  const out = { ...first };
  for (const key of Object.keys(first) as Array<keyof KeyFigures>) out[key] = median(list.map((k) => k[key])) ?? NaN;
  return out;
}

function verdicts(m: KeyFigures) {
  return {
    endToEnd: m.ratio >= TARGETS.ratio,
    noChangeTime: m.noChangeWallS * 1000 < TARGETS.noChangeMs,
    noChangeBatched: m.noChangeRowsPerWrite >= TARGETS.rowsPerWrite,
    peakRss: m.maxRssMb * 1e6 < TARGETS.maxRssBytes,
  };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : "–");
const verdict = (ok: boolean, binding: boolean) => (binding ? (ok ? "PASS" : "FAIL") : ok ? "(pass)" : "(fail)");

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("   ")).join("\n");
}

function gitRevision(): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, timeout: 5000, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, timeout: 5000, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(repoRoot, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}

function describeRun(kind: Kind, run: number, r: RunResult): string {
  const k = keyFigures(r);
  const problems = [
    r.first.complete ? "" : ` INCOMPLETE first cycle (${r.first.outcomes}/${server?.ready.feeds ?? "?"})`,
    r.first.errors > 0 ? ` ${r.first.errors} errors in the first cycle (${r.first.errorSamples.join("; ")})` : "",
    r.noChange.errors > 0 ? ` ${r.noChange.errors} errors in the no-change cycle (${r.noChange.errorSamples.join("; ")})` : "",
  ].join("");
  return (
    `run ${run}/${runs} ${kind.padEnd(8)} first ${fixed(k.firstWallS, 1)} s, ${int(k.itemsStored)} items, ${int(k.itemsPerSec)} items/s | ` +
    `parse-only ${int(k.parseItemsPerSec)} items/s (${pct(k.ratio)}) | no-change ${fixed(k.noChangeWallS, 2)} s, ` +
    `${int(k.noChangeRowsWritten)} rows in ${int(k.noChangeWriteStatements)} writes | maxRSS ${int(k.maxRssMb)} MB | ` +
    `first-cycle CPU: feedloom ${fixed(k.firstCpuS, 1)} s (event loop ${pct(k.firstElu)} busy), Postgres ${fixed(k.firstDbCpuS, 1)} s | ` +
    `load ${fixed(k.loadBefore, 1)}→${fixed(k.loadAfter, 1)}${problems}`
  );
}

// ---- main --------------------------------------------------------------------------------------

let server: FeedServer | null = null;

async function main(): Promise<number> {
  const startedAt = new Date();
  const cpuList = cpus();
  const machine = {
    cpu: cpuList[0]?.model ?? "unknown",
    cpus: cpuList.length,
    totalMemGB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${platform()} ${release()}`,
    postgres: null as string | null,
    pglite: packageVersion("@electric-sql/pglite"),
    rssParser: packageVersion("rss-parser"),
    revision: gitRevision(),
  };
  const errors: Record<Kind, string[]> = { postgres: [], pglite: [] };
  let runKinds = kinds;
  if (kinds.includes("postgres")) {
    try {
      machine.postgres = (await adminQuery<{ server_version: string }>("SHOW server_version"))[0]?.server_version ?? null;
    } catch (err) {
      const message = `Postgres at ${benchServerUrl.replace(/:[^:@/]*@/, ":***@")} is not reachable: ${err instanceof Error ? err.message : String(err)}`;
      console.error(message);
      errors.postgres.push(message);
      runKinds = kinds.filter((k) => k !== "postgres");
    }
  }

  console.log(`feedloom ingest benchmark — ${startedAt.toISOString()} (revision ${machine.revision ?? "?"})`);
  console.log(`machine: ${machine.cpu} × ${machine.cpus}, ${machine.totalMemGB} GiB, Node ${machine.node}, ${machine.os}; Postgres ${machine.postgres ?? "–"}, PGlite ${machine.pglite ?? "?"} (${pgliteMode === "dir" ? "temporary data directory" : "memory://"}), rss-parser ${machine.rssParser ?? "?"}`);
  console.log(`generating ${synthetic.sources} feeds × ${synthetic.items} items and starting the loopback server…`);
  server = await startFeedServer();
  const s = server.ready;
  console.log(
    `synthetic: ${s.feeds} feeds (${s.atomFeeds} Atom, ${s.feeds - s.atomFeeds} RSS 2.0), ${int(s.items)} items, ${fixed(s.bytes / 1e6, 1)} MB ` +
      `(${int(s.bytes / s.items)} B/item incl. feed headers), generated in ${fixed(s.generationMs / 1000, 1)} s; ` +
      `${s.sharedSources} sources on ${s.sharedHosts} shared hosts, ${s.feeds - s.sharedSources} on hosts of their own: ${s.hosts} loopback addresses` +
      `${flags.gzip ? "; gzip" : ""}`,
  );
  console.log(`context: concurrency ${concurrency}, per host ${perHost}, allowPrivateNetworks, the configuration's default fetch limits`);
  console.log(`machine load (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(", ")}\n`);

  const profiles: Partial<Record<Kind, ProfileSummary>> = {};
  if (flags.profile) {
    for (const kind of runKinds) {
      const path = join(tmpdir(), `feedloom-bench-${kind}-${process.pid}.cpuprofile`);
      try {
        const r = await runOnce(kind, 0, server, path);
        if (r.profile) profiles[kind] = r.profile;
        console.log(`${describeRun(kind, 0, r).replace(/^run 0\/\d+/, "profiled run (not counted)")}`);
        if (r.profile) printProfile(kind, r.profile, r.first.wallMs);
      } catch (err) {
        console.log(`profiled run on ${kind} FAILED: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
      }
    }
  }
  const results: Record<Kind, RunResult[]> = { postgres: [], pglite: [] };
  for (let run = 1; run <= runs; run++) {
    for (const kind of runKinds) {
      try {
        const r = await runOnce(kind, run, server);
        results[kind].push(r);
        console.log(describeRun(kind, run, r));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors[kind].push(`run ${run}: ${message}`);
        console.log(`run ${run}/${runs} ${kind.padEnd(8)} FAILED: ${message.split("\n").slice(0, 4).join(" | ")}`);
      }
    }
  }
  server.stop();

  const summary: Partial<Record<Kind, ReturnType<typeof summarise>>> = {};
  for (const kind of kinds) summary[kind] = summarise(kind, results[kind], errors[kind]);
  printTable(summary);
  console.log(
    JSON.stringify({
      bench: "ingest",
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine,
      options: { runs, concurrency, perHost, gzip: flags.gzip, pglite: pgliteMode, cycleTimeoutMs, synthetic },
      synthetic: { ...s, urls: undefined },
      targets: { ...TARGETS, note: "binding on Postgres; shown for PGlite for information" },
      profiles,
      ...summary,
    }),
  );
  return kinds.every((k) => errors[k].length === 0) ? 0 : 1;
}

function printProfile(kind: Kind, p: ProfileSummary, wallMs: number): void {
  const share = (ms: number) => `${fixed(ms / 1000, 2)} s ${pct(ms / wallMs).padStart(4)}`;
  console.log(`  ${kind} first cycle under the profiler: ${fixed(wallMs / 1000, 1)} s wall; profile written to ${p.path}`);
  console.log(`  self time by area (share of wall time):`);
  for (const a of p.selfByArea.slice(0, 12)) console.log(`    ${share(a.ms)}  ${a.area}`);
  console.log(`  inclusive time of pipeline stages (synchronous stretches; async waits not counted):`);
  console.log(`    ${p.inclusive.map((s) => `${s.fn} ${fixed(s.ms / 1000, 2)} s`).join(", ")}\n`);
}

function summarise(kind: Kind, list: RunResult[], errors: string[]) {
  const perRun = list.map(keyFigures);
  const m = medians(perRun);
  return { runs: list.length, errors, median: m, verdicts: m ? verdicts(m) : null, perRun, detail: list };
}

function printTable(summary: Partial<Record<Kind, ReturnType<typeof summarise>>>): void {
  const cols = kinds.filter((k) => summary[k]?.median);
  if (cols.length === 0) {
    console.log("\nno run completed");
    return;
  }
  const m = (k: Kind) => summary[k]?.median as KeyFigures;
  const v = (k: Kind) => verdicts(m(k));
  const binding = (k: Kind) => k === "postgres";
  const row = (label: string, f: (k: Kind) => string) => [label, ...cols.map(f)];
  const rows = [
    ["", ...cols.map((k) => `${k} (median of ${summary[k]?.runs})`)],
    row("first cycle: wall time", (k) => `${fixed(m(k).firstWallS, 2)} s`),
    row("first cycle: items stored", (k) => int(m(k).itemsStored)),
    row("first cycle: items/s (end to end)", (k) => int(m(k).itemsPerSec)),
    row("first cycle: statements / writes", (k) => `${int(m(k).firstStatements)} / ${int(m(k).firstWriteStatements)}`),
    row("parse-only (decodeFeed+parseFeed): items/s", (k) => int(m(k).parseItemsPerSec)),
    row("parse-only: MB/s", (k) => fixed(m(k).parseMbPerSec, 1)),
    row("rss-parser parseString alone: items/s", (k) => int(m(k).rssParserItemsPerSec)),
    row(`end to end / parse-only (≥ ${TARGETS.ratio * 100}%)`, (k) => `${pct(m(k).ratio)} ${verdict(v(k).endToEnd, binding(k))}`),
    row("no-change cycle: wall time (< 2 s)", (k) => `${fixed(m(k).noChangeWallS, 2)} s ${verdict(v(k).noChangeTime, binding(k))}`),
    row("no-change cycle: 304s", (k) => int(m(k).noChange304)),
    row("no-change cycle: rows written", (k) => `${int(m(k).noChangeRowsWritten)}${k === "postgres" ? " (pg_stat)" : " (counted)"}`),
    row("no-change cycle: statements / writes", (k) => `${int(m(k).noChangeStatements)} / ${int(m(k).noChangeWriteStatements)}`),
    row(`no-change: rows per write (batched: ≥ ${TARGETS.rowsPerWrite})`, (k) => `${fixed(m(k).noChangeRowsPerWrite, 1)} ${verdict(v(k).noChangeBatched, binding(k))}`),
    row("peak RSS, maxRSS (< 250 MB)", (k) => `${int(m(k).maxRssMb)} MB ${verdict(v(k).peakRss, binding(k))}`),
    row("peak RSS, sampled during the cycles", (k) => `${int(m(k).peakRssSampledMb)} MB`),
    row("RSS after setup (baseline)", (k) => `${int(m(k).rssAfterSetupMb)} MB`),
    row("first cycle: this process's CPU, event-loop use", (k) => `${fixed(m(k).firstCpuS, 1)} s, ${pct(m(k).firstElu)}`),
    row("no-change: this process's CPU, event-loop use", (k) => `${fixed(m(k).noChangeCpuS, 2)} s, ${pct(m(k).noChangeElu)}`),
    row(`most sources of one shared host at once (limit ${perHost})`, (k) => int(m(k).maxSourcesPerSharedHost)),
    row("machine load, 1-min average at run start → end", (k) => `${fixed(m(k).loadBefore, 1)} → ${fixed(m(k).loadAfter, 1)}`),
  ];
  console.log(`\n${table(rows)}`);
  console.log("targets bind on Postgres (two cores); PGlite verdicts in parentheses are for information.");
  console.log(
    `load averages include this benchmark's own processes (the run before, its worker, the feed server, Postgres: about 2–3 on ${cpus().length} CPUs); ` +
      "clearly more means other work competed with the run and its figures are pessimistic.",
  );
  for (const k of kinds) for (const e of summary[k]?.errors ?? []) console.log(`${k}: ${e.split("\n")[0]}`);
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
} finally {
  await cleanupAll();
}
process.exit(exitCode);
