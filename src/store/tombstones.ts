// Tombstones: identities of items deliberately dropped (purged by an operator, left out by a
// source's backfill choice, past retention). Ingest skips them, so an item still in the upstream
// feed is not imported again the next time the feed is read.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, TombstonesTable } from "../db/schema.ts";

type Db = Kysely<Database> | Transaction<Database>;
type Reason = TombstonesTable["reason"];

const CHUNK = 500;

/** Which of these identities of a source are tombstoned; marks them as still seen upstream. */
export async function tombstonedIdentities(db: Db, sourceId: number, identities: string[], now = new Date()): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < identities.length; i += CHUNK) {
    const rows = await db
      .updateTable("tombstones")
      .set({ last_seen_at: now })
      .where("source_id", "=", sourceId)
      .where("identity", "in", identities.slice(i, i + CHUNK))
      .returning("identity")
      .execute();
    for (const r of rows) found.add(r.identity);
  }
  return found;
}

export async function addTombstones(db: Db, sourceId: number, identities: string[], reason: Reason): Promise<void> {
  for (let i = 0; i < identities.length; i += CHUNK) {
    const rows = identities.slice(i, i + CHUNK).map((identity) => ({ source_id: sourceId, identity, reason }));
    await db.insertInto("tombstones").values(rows).onConflict((oc) => oc.columns(["source_id", "identity"]).doNothing()).execute();
  }
}

/**
 * Delete these articles, leaving a tombstone for each, then the stories left without articles;
 * a surviving story that lost its canonical article takes its oldest remaining one.
 * Returns how many articles and stories went. Run it inside a transaction.
 */
export async function dropArticles(trx: Transaction<Database>, articleIds: number[], reason: Reason): Promise<{ articles: number; stories: number }> {
  let articles = 0;
  let stories = 0;
  for (let i = 0; i < articleIds.length; i += CHUNK) {
    const ids = articleIds.slice(i, i + CHUNK);
    const gone = await sql<{ story_id: number }>`
      WITH gone AS (DELETE FROM articles WHERE id = ANY(${ids}::bigint[]) RETURNING source_id, identity, story_id),
           stones AS (INSERT INTO tombstones (source_id, identity, reason)
                      SELECT source_id, identity, ${reason} FROM gone
                      ON CONFLICT (source_id, identity) DO NOTHING)
      SELECT DISTINCT story_id FROM gone`.execute(trx);
    articles += ids.length;
    const storyIds = gone.rows.map((r) => r.story_id);
    if (storyIds.length === 0) continue;
    const emptied = await sql`
      DELETE FROM stories s WHERE s.id = ANY(${storyIds}::bigint[])
        AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id)`.execute(trx);
    stories += Number(emptied.numAffectedRows ?? 0);
    await sql`
      UPDATE stories s SET canonical_article_id = (SELECT min(a.id) FROM articles a WHERE a.story_id = s.id)
      WHERE s.id = ANY(${storyIds}::bigint[]) AND s.canonical_article_id IS NULL`.execute(trx);
  }
  return { articles, stories };
}

/** Tombstones of items no longer seen upstream for `days` can go: nothing will bring them back. */
export async function pruneTombstones(db: Db, days: number): Promise<number> {
  const r = await db.deleteFrom("tombstones").where("last_seen_at", "<", sql<Date>`now() - make_interval(days => ${days})`).executeTakeFirst();
  return Number(r.numDeletedRows);
}
