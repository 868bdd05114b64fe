// One fetch cycle: claim what is due from the database, fetch it with bounded concurrency, record
// each result. Holds nothing in memory between cycles, so any number of processes can run it.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { ingestSource, type IngestContext, type SourceOutcome } from "../src/ingest/source.ts";
import { claimSources, enabledSourceIds, recordFetch } from "../src/store/sources.ts";
import { loadCompiledTopics } from "../src/topics/store.ts";
import { nextFetchAfterError } from "../src/schedule/next-fetch.ts";
import type { Source } from "../src/db/schema.ts";
import type { CompiledTopic } from "../src/topics/match.ts";

export interface CycleOptions {
  /** Every enabled source, due or not (each at most once). */
  all?: boolean;
  /** Only these sources, due or not. */
  sourceIds?: number[];
  concurrency: number;
  /** How long a claimed source stays ours; longer than a batch can take. */
  leaseSeconds?: number;
  /** Stop claiming (shutdown); sources already in flight finish. */
  signal?: AbortSignal;
  onOutcome?: (outcome: SourceOutcome) => void;
}

export const workerId = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export async function runFetchCycle(ctx: IngestContext, opts: CycleOptions): Promise<SourceOutcome[]> {
  const owner = workerId();
  // A claimed batch must be finished before its lease runs out, even if every fetch is slow.
  const batchSize = opts.concurrency * 2;
  const leaseSeconds = opts.leaseSeconds ?? Math.ceil((ctx.fetch.timeoutMs / 1000) * 3) + 60;
  const outcomes: SourceOutcome[] = [];
  const topics = await loadCompiledTopics(ctx.db); // once per cycle, not once per source

  const work = async (batch: Source[]) =>
    eachLimited(batch, opts.concurrency, async (source) => {
      const outcome = await ingestGuarded({ ...ctx, topics }, source, owner);
      outcomes.push(outcome);
      opts.onOutcome?.(outcome);
    });

  if (opts.all === true || opts.sourceIds !== undefined) {
    // Due or not: take a snapshot of the ids first, so no source is fetched twice in one cycle.
    const ids = opts.sourceIds ?? (await enabledSourceIds(ctx.db));
    for (let i = 0; i < ids.length && !opts.signal?.aborted; i += batchSize) {
      await work(await claimSources(ctx.db, { owner, leaseSeconds, limit: batchSize, sourceIds: ids.slice(i, i + batchSize) }));
    }
    return outcomes;
  }
  // Due sources: claim a batch, work through it, claim again until nothing is due.
  while (!opts.signal?.aborted) {
    const batch = await claimSources(ctx.db, { owner, leaseSeconds, limit: batchSize });
    if (batch.length === 0) break;
    await work(batch);
  }
  return outcomes;
}

/** A source that fails in an unexpected way is recorded as failed; the cycle carries on. */
async function ingestGuarded(ctx: IngestContext & { topics: CompiledTopic[] }, source: Source, owner: string): Promise<SourceOutcome> {
  const started = Date.now();
  try {
    return await ingestSource(ctx, source, owner, ctx.topics);
  } catch (err) {
    const message = `internal error while storing: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log.error("source failed", { source: source.id, url: source.url, error: message });
    await recordFetch(ctx.db, source, owner, {
      status: null,
      error: message,
      success: false,
      nextFetchAt: nextFetchAfterError(new Date(), source.fetch_interval_seconds, source.error_count + 1),
    }).catch(() => {}); // the lease expires by itself if even this fails
    return {
      sourceId: source.id, url: source.url, title: source.title, outcome: "error", status: null,
      newArticles: 0, updatedArticles: 0, message, durationMs: Date.now() - started,
    };
  }
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
