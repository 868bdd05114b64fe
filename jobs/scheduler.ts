// node-cron only wakes the loop; what is due lives in the database. noOverlap: a slow cycle is
// never joined by the next one in the same process (other processes are kept apart by leases).
import cron from "node-cron";
import type { IngestContext } from "../src/ingest/source.ts";
import { runFetchCycle } from "./fetch-cycle.ts";
import { runRetention } from "./retention.ts";
import { runTopicRematch } from "./rematch-topics.ts";

export interface Scheduler {
  /** Stop waking, stop claiming, and wait for the sources in flight. */
  stop(): Promise<void>;
}

export function startScheduler(ctx: IngestContext, opts: { concurrency: number; expression?: string; retentionDays?: number }): Scheduler {
  const abort = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const cycle = async () => {
    if (abort.signal.aborted) return;
    const started = Date.now();
    const outcomes = await runFetchCycle(ctx, {
      concurrency: opts.concurrency,
      signal: abort.signal,
      onOutcome: (o) =>
        ctx.log.info("fetched", {
          source: o.sourceId, url: o.url, outcome: o.outcome, status: o.status, durationMs: o.durationMs,
          items: o.newArticles + o.updatedArticles, new: o.newArticles, updated: o.updatedArticles, ...(o.message ? { message: o.message } : {}),
        }),
    }).catch((err: unknown) => {
      ctx.log.error("fetch cycle failed", { error: err instanceof Error ? err.message : String(err) });
      return [];
    });
    if (outcomes.length > 0) ctx.log.info("fetch cycle done", { sources: outcomes.length, ms: Date.now() - started });
    if (opts.retentionDays) await runRetention(ctx.db, opts.retentionDays, { log: ctx.log }).catch((err: unknown) => ctx.log.error("retention failed", { error: err instanceof Error ? err.message : String(err) }));
    await runTopicRematch(ctx, { signal: abort.signal }).catch((err: unknown) => ctx.log.error("topic re-match failed", { error: err instanceof Error ? err.message : String(err) }));
  };
  let busy = false;
  // noOverlap covers cron's own runs; this also covers the first run, started by hand below.
  const run = async () => {
    if (busy) return;
    busy = true;
    running = cycle().finally(() => (busy = false));
    await running;
  };
  const task = cron.schedule(opts.expression ?? "* * * * *", run, { noOverlap: true, timezone: "UTC", name: "fetch-cycle" });
  void run(); // do not wait a minute for the first cycle
  return {
    async stop() {
      abort.abort();
      await task.stop();
      await running;
    },
  };
}
