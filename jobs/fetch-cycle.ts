// One fetch cycle: claim what is due from the database, fetch it with bounded concurrency, record
// each result. Holds nothing in memory between cycles, so any number of processes can run it.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Source } from "../src/db/schema.ts";
import { createGate, ingestSource, type Gate, type IngestContext, type IngestResult, type SourceOutcome } from "../src/ingest/source.ts";
import { recordFetch } from "../src/metrics.ts";
import { nextSourceState } from "../src/schedule/source-state.ts";
import { pruneFetchLog, writeFetchResults } from "../src/store/fetch-state.ts";
import { claimSources, enabledSourceIds, releaseSource } from "../src/store/sources.ts";
import type { CompiledTopic } from "../src/topics/match.ts";
import { loadCompiledTopics } from "../src/topics/store.ts";

export interface CycleOptions {
  /** Every enabled source, due or not (each at most once). */
  all?: boolean;
  /** Only these sources, due or not. */
  sourceIds?: number[];
  /** Sources fetched at once by this process (the per-host limit applies on top). */
  concurrency: number;
  /** How long a claimed source stays ours; longer than a batch can take. */
  leaseSeconds?: number;
  /** Stop claiming (shutdown); sources already in flight finish. */
  signal?: AbortSignal;
  onOutcome?: (outcome: SourceOutcome) => void;
  /**
   * Fetched sources read and stored at once (ingestSource's gate); the others wait as bodies.
   * Default 2: one is read while one is stored. Writers deduplicate one at a time, so more would
   * only hold more sources' articles in memory, not store them sooner.
   */
  storeConcurrency?: number;
}

const workerId = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export async function runFetchCycle(ctx: IngestContext, opts: CycleOptions): Promise<SourceOutcome[]> {
  const owner = workerId();
  // A claimed batch must be finished before its lease runs out, even if every fetch is slow.
  const batchSize = opts.concurrency * 2;
  const leaseSeconds = opts.leaseSeconds ?? Math.ceil((ctx.fetch.timeoutMs / 1000) * 3) + 10;
  const outcomes: SourceOutcome[] = [];
  const topics = await loadCompiledTopics(ctx.db); // once per cycle, not once per source
  const store = createGate(opts.storeConcurrency ?? 2);
  // Named or --all: a snapshot of ids, so no source is fetched twice in one cycle.
  let remaining = opts.sourceIds ?? (opts.all ? await enabledSourceIds(ctx.db) : null);

  while (!opts.signal?.aborted && (remaining === null || remaining.length > 0)) {
    const batch = await claimSources(ctx.db, { owner, leaseSeconds, limit: batchSize, perHost: ctx.schedule.perHost, sourceIds: remaining ?? undefined });
    if (batch.length === 0) break; // nothing due, or the rest is leased by other workers
    if (remaining !== null) {
      const claimed = new Set(batch.map((s) => s.id));
      remaining = remaining.filter((id) => !claimed.has(id));
    }
    const results = await mapLimited(batch, opts.concurrency, async (source) => {
      // Shutting down: what has not started goes back to the pool for another worker.
      if (opts.signal?.aborted) return void (await releaseSource(ctx.db, source.id, owner));
      const result = await ingestGuarded(ctx, source, owner, topics, store);
      recordFetch(result.outcome);
      outcomes.push(result.outcome);
      opts.onOutcome?.(result.outcome);
      return result;
    });
    const pending = results.flatMap((r) => (r?.pending ? [r.pending] : []));
    await writeFetchResults(ctx.db, owner, pending.map((p) => p.update), pending.map((p) => p.log));
  }
  await pruneFetchLog(ctx.db);
  return outcomes;
}

/** A source that fails in an unexpected way (a database error while storing) is recorded as failed; the cycle carries on. */
async function ingestGuarded(ctx: IngestContext, source: Source, owner: string, topics: CompiledTopic[], store: Gate): Promise<IngestResult> {
  const started = Date.now();
  try {
    return await ingestSource(ctx, source, owner, topics, store);
  } catch (err) {
    const error = `internal error while storing: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log.error("source failed", { source: source.id, url: source.url, error });
    const durationMs = Date.now() - started;
    const update = nextSourceState(source, { outcome: "error", status: null, error, bytes: 0, durationMs, itemsNew: 0, itemsUpdated: 0 }, new Date(), ctx.schedule);
    return {
      outcome: { sourceId: source.id, url: source.url, title: source.title, outcome: "error", status: null, newArticles: 0, updatedArticles: 0, message: error, durationMs },
      pending: { update, log: { sourceId: source.id, durationMs, outcome: "error", status: null, bytes: 0, itemsNew: 0, itemsUpdated: 0, message: error } },
    };
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
