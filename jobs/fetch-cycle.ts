// One fetch cycle: claim what is due from the database, fetch it with bounded concurrency, record
// each result. Holds nothing in memory between cycles, so any number of processes can run it.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { ingestSource, type IngestContext, type SourceOutcome } from "../src/ingest/source.ts";
import { claimSources, recordFetch } from "../src/store/sources.ts";
import { nextFetchAfterError } from "../src/schedule/next-fetch.ts";
import type { Source } from "../src/db/schema.ts";

export interface CycleOptions {
  /** Every enabled source, due or not. */
  all?: boolean;
  /** Only these sources, due or not. */
  sourceIds?: number[];
  concurrency: number;
  /** How long a claimed source stays ours; longer than one fetch can take. */
  leaseSeconds?: number;
  /** Stop claiming (shutdown); sources already in flight finish. */
  signal?: AbortSignal;
  onOutcome?: (outcome: SourceOutcome) => void;
}

export const workerId = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export async function runFetchCycle(ctx: IngestContext, opts: CycleOptions): Promise<SourceOutcome[]> {
  const owner = workerId();
  const leaseSeconds = opts.leaseSeconds ?? Math.max(120, Math.ceil((ctx.fetch.timeoutMs / 1000) * 4));
  const outcomes: SourceOutcome[] = [];
  const once = opts.all === true || opts.sourceIds !== undefined;
  const done = new Set<number>();

  // Claim a batch, work through it, claim again until nothing is due. `--all` and `--source` claim
  // once: their sources are not "due" afterwards, and claiming again would fetch them twice.
  for (;;) {
    if (opts.signal?.aborted) break;
    const batch = await claimSources(ctx.db, {
      owner,
      leaseSeconds,
      limit: once ? 100_000 : opts.concurrency * 4,
      all: opts.all,
      sourceIds: opts.sourceIds,
    });
    const fresh = batch.filter((s) => !done.has(s.id));
    await eachLimited(fresh, opts.concurrency, async (source) => {
      done.add(source.id);
      const outcome = await ingestGuarded(ctx, source, owner);
      outcomes.push(outcome);
      opts.onOutcome?.(outcome);
    });
    if (once || fresh.length === 0) break;
  }
  return outcomes;
}

/** A source that fails in an unexpected way is recorded as failed; the cycle carries on. */
async function ingestGuarded(ctx: IngestContext, source: Source, owner: string): Promise<SourceOutcome> {
  const started = Date.now();
  try {
    return await ingestSource(ctx, source, owner);
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
