// What operators control: a source's backfill choice (applied on its first fetch), removing a
// source without losing the stories that cite it, and tombstones: identities of items deliberately
// dropped (purged, not backfilled, past retention) so that a later fetch does not import them again
// while they are still in the upstream feed.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sources
      ADD COLUMN backfill_days integer CHECK (backfill_days IS NULL OR backfill_days BETWEEN 0 AND 36500),
      ADD COLUMN deleted_at timestamptz`.execute(db);
  await sql`
    CREATE TABLE tombstones (
      source_id         bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      identity          text NOT NULL,
      reason            text NOT NULL CHECK (reason IN ('purged', 'backfill', 'retention')),
      created_at        timestamptz NOT NULL DEFAULT now(),
      last_seen_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (source_id, identity)
    )`.execute(db);
  // Tombstones no longer seen upstream are pruned by age.
  await sql`CREATE INDEX tombstones_seen_idx ON tombstones (last_seen_at)`.execute(db);
  // Retention walks articles by age.
  await sql`CREATE INDEX articles_age_idx ON articles ((coalesce(published_at, first_seen_at)))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS articles_age_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS tombstones`.execute(db);
  await sql`ALTER TABLE sources DROP COLUMN backfill_days, DROP COLUMN deleted_at`.execute(db);
}
