// Re-filing stored stories after a topic is added or changed: the work lives in topic_rematch, one
// row per topic with a cursor (stories below `next_before` are still to do, newest first so the
// topic's feed fills from the top). Any process may claim a row (FOR UPDATE SKIP LOCKED and an
// expiring lease); each batch and its cursor are written in one transaction, so a crash or a
// restart resumes where it stopped, and a topic redefined meanwhile starts over.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import { topicDefinitionSchema } from "./definition.ts";
import { compileTopic, prepareArticle } from "./match.ts";
import { storyArticles } from "./store.ts";

type Db = Kysely<Database> | Transaction<Database>;

/** Ask for the topic's stored stories to be matched again (from the newest), e.g. after an edit. */
export async function requestRematch(db: Db, topicId: number): Promise<void> {
  await sql`
    INSERT INTO topic_rematch (topic_id) VALUES (${topicId})
    ON CONFLICT (topic_id) DO UPDATE SET next_before = NULL, requested_at = clock_timestamp(), scanned = 0, matched = 0`.execute(db);
}

export interface RematchClaim {
  topicId: number;
  requestedAt: Date;
}

/** Claim one topic's pending re-match for `leaseSeconds`; null when there is none free. */
export async function claimRematch(db: Kysely<Database>, owner: string, leaseSeconds: number): Promise<RematchClaim | null> {
  const row = await sql<{ topic_id: number; requested_at: Date }>`
    UPDATE topic_rematch SET lease_owner = ${owner}, lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    WHERE topic_id = (
      SELECT topic_id FROM topic_rematch
      WHERE lease_expires_at IS NULL OR lease_expires_at < now()
      ORDER BY requested_at LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING topic_id, requested_at`.execute(db);
  const r = row.rows[0];
  return r ? { topicId: Number(r.topic_id), requestedAt: r.requested_at } : null;
}

export interface BatchResult {
  scanned: number;
  matched: number;
  done: boolean;
}

/** One batch of the claimed re-match, with its cursor, in one transaction. */
export async function rematchBatch(db: Kysely<Database>, owner: string, topicId: number, batchSize: number, leaseSeconds: number): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom("topic_rematch").selectAll().where("topic_id", "=", topicId).forUpdate().executeTakeFirst();
    // Gone (topic deleted, or finished elsewhere) or taken over after our lease ran out.
    if (!job || job.lease_owner !== owner) return { scanned: 0, matched: 0, done: true };
    const topic = await trx.selectFrom("topics").select(["id", "slug", "definition"]).where("id", "=", topicId).executeTakeFirst();
    const def = topic ? topicDefinitionSchema.safeParse(topic.definition) : null;
    if (!topic || !def?.success) {
      await trx.deleteFrom("topic_rematch").where("topic_id", "=", topicId).execute();
      return { scanned: 0, matched: 0, done: true };
    }
    const compiled = compileTopic({ id: topic.id, slug: topic.slug, definition: def.data });
    const next = job.next_before;
    const stories = await trx
      .selectFrom("stories")
      .select("id")
      .$if(next !== null, (q) => q.where("id", "<", next as number))
      .orderBy("id", "desc")
      .limit(batchSize)
      .execute();
    if (stories.length === 0) {
      await trx.deleteFrom("topic_rematch").where("topic_id", "=", topicId).execute();
      return { scanned: 0, matched: 0, done: true };
    }
    const ids = stories.map((s) => s.id);
    const articles = await storyArticles(trx, ids);
    const matched = ids.filter((id) => compiled.judge((articles.get(id) ?? []).map(prepareArticle)).some((v) => v.matched));
    await trx.deleteFrom("story_topics").where("topic_id", "=", topicId).where("story_id", "in", ids).execute();
    if (matched.length > 0) await trx.insertInto("story_topics").values(matched.map((story_id) => ({ story_id, topic_id: topicId }))).execute();
    await trx
      .updateTable("topic_rematch")
      .set({
        next_before: ids.at(-1)!,
        scanned: sql`scanned + ${ids.length}`,
        matched: sql`matched + ${matched.length}`,
        lease_expires_at: sql`now() + make_interval(secs => ${leaseSeconds})`,
      })
      .where("topic_id", "=", topicId)
      .execute();
    return { scanned: ids.length, matched: matched.length, done: false };
  });
}

/** Give a claimed re-match back (shutdown, time budget spent): another worker may continue it. */
export async function releaseRematch(db: Db, owner: string, topicId: number): Promise<void> {
  await db.updateTable("topic_rematch").set({ lease_owner: null, lease_expires_at: null }).where("topic_id", "=", topicId).where("lease_owner", "=", owner).execute();
}

export interface RematchStatus {
  topicId: number;
  scanned: number;
  matched: number;
  requestedAt: Date;
}

export async function pendingRematches(db: Db): Promise<RematchStatus[]> {
  const rows = await db.selectFrom("topic_rematch").select(["topic_id", "scanned", "matched", "requested_at"]).execute();
  return rows.map((r) => ({ topicId: r.topic_id, scanned: Number(r.scanned), matched: Number(r.matched), requestedAt: r.requested_at }));
}
