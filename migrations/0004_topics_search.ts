// Topics that mean what they say, and search:
// - stories.search: a weighted tsvector (title A, categories B, lead C, rest of the body D), GIN-indexed;
// - story_topics.published_at (kept by triggers) and an index: a topic feed's newest stories in one index scan;
// - topic_rematch: the background work of re-filing stored stories after a topic is added or
//   changed, one row per topic with a cursor, claimed with FOR UPDATE SKIP LOCKED;
// - the default topics "nato" and "negotiations" get full definitions (only where an operator has
//   not changed them), and their stored stories are re-matched.
import { sql, type Kysely } from "kysely";

const OLD_NATO = {
  any: ["nato", "north atlantic treaty organization", "north atlantic alliance", "нато", "північноатлантичний альянс", "північноатлантичного альянсу", "североатлантический альянс"],
};
const OLD_NEGOTIATIONS = { any: ["negotiat*", "peace talks", "ceasefire talks", "переговор*"] };

// Written out here, not imported, so this migration means the same thing forever.
export const NATO = {
  match: {
    any: [
      // The acronym in capitals, or as a word ("Nato bid") but not as a first name ("Nato Gabunia").
      { term: "NATO", case: "acronym", stem: false },
      { term: "НАТО", case: "acronym", stem: false },
      "North Atlantic Treaty Organization",
      "North Atlantic Treaty Organisation",
      "North Atlantic Alliance",
      "Atlantic Alliance",
      "Північноатлантичн* альянс*",
      "Організаці* Північноатлантичного договору",
      "Североатлантическ* альянс*",
      "Организаци* Североатлантического договора",
    ],
  },
  categories: ["NATO", "НАТО"],
};

export const NEGOTIATIONS = {
  match: {
    any: [
      // negotiation, negotiations, negotiating, negotiators, negotiated (English stemming)
      "negotiation",
      "renegotiation",
      { term: "talks", stem: false },
      "negotiating table",
      "peace process",
      "переговор*",
      "перемовин*",
      "перемовн*",
    ],
  },
  // Personal or commercial bargaining, fiction, and the physical sense: vetoes when they are a
  // subject of the article themselves (same relevance rule as the match).
  exclude: {
    any: [
      "salary", "salaries", "pay rise", "pay raise", "зарплат*", "заробітн* плат*",
      "hostage negotiator", "crisis negotiator",
      { term: "stake", fields: ["title"] },
      { term: "merger", fields: ["title", "lead"] },
      { term: "takeover", fields: ["title", "lead"] },
      { term: "acquisition", fields: ["title", "lead"] },
      { term: "buyout", fields: ["title", "lead"] },
      { term: "descent", fields: ["title", "lead"] },
      { term: "rapids", stem: false, fields: ["title", "lead"] },
    ],
  },
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE stories ADD COLUMN search tsvector`.execute(db);
  // Stories stored before this migration: title, categories and body (no lead split in SQL).
  await sql`
    UPDATE stories AS s SET search = v.search
    FROM (
      SELECT a.story_id,
             setweight(to_tsvector('russian', string_agg(a.title, ' ')), 'A')
          || setweight(to_tsvector('russian', coalesce(string_agg(array_to_string(a.categories, ' '), ' '), '')), 'B')
          || setweight(to_tsvector('russian', left(coalesce(string_agg(regexp_replace(coalesce(a.content, a.summary, ''), '<[^>]*>', ' ', 'g'), ' '), ''), 100000)), 'D') AS search
      FROM articles a GROUP BY a.story_id
    ) AS v
    WHERE s.id = v.story_id`.execute(db);
  await sql`CREATE INDEX stories_search_idx ON stories USING gin (search)`.execute(db);

  // A topic feed's newest stories straight from one index: story_topics carries its story's date,
  // kept right by triggers whoever writes the rows (ingest, re-match, or a story whose date moves).
  await sql`ALTER TABLE story_topics ADD COLUMN published_at timestamptz`.execute(db);
  await sql`UPDATE story_topics st SET published_at = s.published_at FROM stories s WHERE s.id = st.story_id`.execute(db);
  await sql`ALTER TABLE story_topics ALTER COLUMN published_at SET NOT NULL`.execute(db);
  await sql`CREATE INDEX story_topics_feed_idx ON story_topics (topic_id, published_at DESC, story_id DESC)`.execute(db);
  await sql`
    CREATE FUNCTION story_topics_set_published() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      SELECT published_at INTO NEW.published_at FROM stories WHERE id = NEW.story_id;
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER story_topics_published BEFORE INSERT ON story_topics
    FOR EACH ROW EXECUTE FUNCTION story_topics_set_published()`.execute(db);
  await sql`
    CREATE FUNCTION stories_move_topics() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE story_topics SET published_at = NEW.published_at WHERE story_id = NEW.id;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER stories_published_moved AFTER UPDATE OF published_at ON stories
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at) EXECUTE FUNCTION stories_move_topics()`.execute(db);

  await sql`
    CREATE TABLE topic_rematch (
      topic_id          bigint PRIMARY KEY REFERENCES topics (id) ON DELETE CASCADE,
      -- stories with id below this are still to be matched; NULL: start from the newest
      next_before       bigint,
      requested_at      timestamptz NOT NULL DEFAULT now(),
      lease_owner       text,
      lease_expires_at  timestamptz,
      scanned           bigint NOT NULL DEFAULT 0,
      matched           bigint NOT NULL DEFAULT 0
    )`.execute(db);

  for (const [slug, oldDef, newDef] of [["nato", OLD_NATO, NATO], ["negotiations", OLD_NEGOTIATIONS, NEGOTIATIONS]] as const) {
    const updated = await sql<{ id: number }>`
      UPDATE topics SET definition = ${JSON.stringify(newDef)}::jsonb, updated_at = now()
      WHERE slug = ${slug} AND definition = ${JSON.stringify(oldDef)}::jsonb
      RETURNING id`.execute(db);
    // Stories stored under the old definition are filed again in the background (nothing to do on a new database).
    for (const row of updated.rows) {
      await sql`INSERT INTO topic_rematch (topic_id) SELECT ${row.id}::bigint WHERE EXISTS (SELECT 1 FROM stories) ON CONFLICT (topic_id) DO UPDATE SET next_before = NULL, requested_at = now()`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS stories_published_moved ON stories`.execute(db);
  await sql`DROP TRIGGER IF EXISTS story_topics_published ON story_topics`.execute(db);
  await sql`DROP FUNCTION IF EXISTS stories_move_topics()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS story_topics_set_published()`.execute(db);
  await sql`ALTER TABLE story_topics DROP COLUMN IF EXISTS published_at`.execute(db);
  await sql`DROP TABLE IF EXISTS topic_rematch`.execute(db);
  await sql`DROP INDEX IF EXISTS stories_search_idx`.execute(db);
  await sql`ALTER TABLE stories DROP COLUMN IF EXISTS search`.execute(db);
  await sql`UPDATE topics SET definition = ${JSON.stringify(OLD_NATO)}::jsonb WHERE slug = 'nato' AND definition = ${JSON.stringify(NATO)}::jsonb`.execute(db);
  await sql`UPDATE topics SET definition = ${JSON.stringify(OLD_NEGOTIATIONS)}::jsonb WHERE slug = 'negotiations' AND definition = ${JSON.stringify(NEGOTIATIONS)}::jsonb`.execute(db);
}
