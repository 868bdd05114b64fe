// Background re-matching of stored stories after topics are added or changed: claim a topic's
// pending re-match from the database, do it in batches (each with its cursor, in one transaction)
// until done or the time budget is spent, then give the rest back. Called by the scheduler after
// every fetch cycle; holds nothing in memory between runs.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Database } from "../src/db/schema.ts";
import type { Logger } from "../src/log.ts";
import { claimRematch, rematchBatch, releaseRematch } from "../src/topics/rematch.ts";

export interface RematchOptions {
  batchSize?: number;
  /** Stop starting batches after this long (ms); the rest waits for the next run. */
  budgetMs?: number;
  signal?: AbortSignal;
}

export interface RematchSummary {
  topics: number;
  scanned: number;
  matched: number;
}

const LEASE_SECONDS = 120;

export async function runTopicRematch(ctx: { db: Kysely<Database>; log: Logger }, opts: RematchOptions = {}): Promise<RematchSummary> {
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const deadline = Date.now() + (opts.budgetMs ?? 20_000);
  const summary: RematchSummary = { topics: 0, scanned: 0, matched: 0 };
  while (!opts.signal?.aborted && Date.now() < deadline) {
    const claim = await claimRematch(ctx.db, owner, LEASE_SECONDS);
    if (!claim) break;
    summary.topics++;
    let done = false;
    while (!done && !opts.signal?.aborted && Date.now() < deadline) {
      const batch = await rematchBatch(ctx.db, owner, claim.topicId, opts.batchSize ?? 500, LEASE_SECONDS);
      summary.scanned += batch.scanned;
      summary.matched += batch.matched;
      done = batch.done;
    }
    if (!done) await releaseRematch(ctx.db, owner, claim.topicId);
    else ctx.log.info("topic re-matched", { topic: claim.topicId });
  }
  return summary;
}
