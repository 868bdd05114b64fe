// Retention (off unless FEEDLOOM_RETENTION_DAYS is set): articles older than the limit go, a batch
// per transaction so no lock is held for long, each leaving a tombstone so an item still in its
// upstream feed is not imported again; stories left without articles go with them.
import { sql, type Kysely } from "kysely";
import type { Database } from "../src/db/schema.ts";
import type { Logger } from "../src/log.ts";
import { dropArticles, pruneTombstones } from "../src/store/tombstones.ts";

export interface RetentionResult {
  articles: number;
  stories: number;
  tombstonesPruned: number;
}

export async function runRetention(db: Kysely<Database>, days: number, opts: { batchSize?: number; log?: Logger } = {}): Promise<RetentionResult> {
  const batchSize = opts.batchSize ?? 1000;
  const total: RetentionResult = { articles: 0, stories: 0, tombstonesPruned: 0 };
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("articles")
        .select("id")
        .where(sql<Date>`coalesce(published_at, first_seen_at)`, "<", sql<Date>`now() - make_interval(days => ${days})`)
        .orderBy(sql`coalesce(published_at, first_seen_at)`)
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return true;
      const r = await dropArticles(trx, rows.map((x) => x.id), "retention");
      total.articles += r.articles;
      total.stories += r.stories;
      return rows.length < batchSize;
    });
    if (done) break;
  }
  // A tombstone unseen upstream for as long as the retention period itself has done its job.
  total.tombstonesPruned = await pruneTombstones(db, Math.max(days, 30));
  if (total.articles > 0 || total.tombstonesPruned > 0) opts.log?.info("retention", { days, ...total });
  return total;
}
