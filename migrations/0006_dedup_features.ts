// Stored articles carry their deduplication features (src/dedupe/encode.ts: fingerprint and shingle
// sequence, ~4 bytes a word), so a candidate found by the index is decoded instead of recomputed
// from its HTML. Rows stored before this migration have none (NULL) and are recomputed as before.
import { sql, type Kysely } from "kysely";
import { createDedupCandidates } from "./0003_dedup.ts";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE articles ADD COLUMN dedup_features bytea`.execute(db);
  // MAIN: kept in the row unless the row cannot fit otherwise (content and summary move out first),
  // so reading a candidate's features does not fetch TOAST chunks.
  await sql`ALTER TABLE articles ALTER COLUMN dedup_features SET STORAGE MAIN`.execute(db);
  // The return type changes, so the function is dropped and created again (CREATE OR REPLACE cannot).
  await sql`DROP FUNCTION dedup_candidates(bigint[], timestamptz, timestamptz)`.execute(db);
  // Candidates for a batch of new articles, in one round trip: the articles sharing a key within the
  // time window, each with the sources its story already carries. The planner prices a GIN probe
  // with dozens of keys above a sequential scan on small and medium tables, where the scan then
  // costs far more (every row's array compared); keys are near-unique, so the index is always the
  // right plan, and the function says so for its own statement only. The text (summary, content) is
  // returned only for rows without stored features: for the others it is not needed, and not reading
  // it spares detoasting every candidate's body.
  await sql`
    CREATE FUNCTION dedup_candidates(keys bigint[], lo timestamptz, hi timestamptz)
    RETURNS TABLE (id bigint, story_id bigint, source_id bigint, at timestamptz, link text, canonical_url text,
                   title text, summary text, content text, dedup_features bytea, dedup_keys bigint[], story_sources bigint[])
    LANGUAGE sql STABLE
    SET enable_seqscan = off
    AS $$
      SELECT a.id, a.story_id, a.source_id, coalesce(a.published_at, a.first_seen_at), a.link, a.canonical_url, a.title,
             CASE WHEN a.dedup_features IS NULL THEN a.summary END,
             CASE WHEN a.dedup_features IS NULL THEN a.content END,
             a.dedup_features, a.dedup_keys,
             ARRAY(SELECT DISTINCT x.source_id FROM articles x WHERE x.story_id = a.story_id)
      FROM articles a
      -- "+ interval '0'" keeps the window a filter: an index on the same date expression would
      -- otherwise lead the plan and test the keys row by row across the whole window.
      WHERE a.dedup_keys && keys AND coalesce(a.published_at, a.first_seen_at) + interval '0' BETWEEN lo AND hi
      LIMIT 1000
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The function of migrations/0003_dedup.ts, as it was.
  await sql`DROP FUNCTION IF EXISTS dedup_candidates(bigint[], timestamptz, timestamptz)`.execute(db);
  await createDedupCandidates(db);
  await sql`ALTER TABLE articles DROP COLUMN IF EXISTS dedup_features`.execute(db);
}
