// What an operator needs to see about each source, and what the scheduler needs to be polite:
// the host (per-host limits are enforced when claiming), how long it has been failing (a source
// failing for days is paused, never silently dropped), validator support, a short fetch log, and
// the URLs a source had before a permanent redirect moved it.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sources
      ADD COLUMN host text NOT NULL DEFAULT '',
      ADD COLUMN failing_since timestamptz,
      ADD COLUMN supports_etag boolean NOT NULL DEFAULT false,
      ADD COLUMN supports_last_modified boolean NOT NULL DEFAULT false,
      ADD COLUMN fetch_count integer NOT NULL DEFAULT 0,
      ADD COLUMN not_modified_count integer NOT NULL DEFAULT 0,
      ADD COLUMN bytes_fetched bigint NOT NULL DEFAULT 0,
      ADD COLUMN current_interval_seconds integer`.execute(db);
  await sql`UPDATE sources SET host = lower(substring(url from '^[a-z]+://([^/:?#]+)'))`.execute(db);
  await sql`CREATE INDEX sources_leased_host_idx ON sources (host) WHERE lease_owner IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE fetch_log (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_id         bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      fetched_at        timestamptz NOT NULL DEFAULT now(),
      duration_ms       integer NOT NULL,
      outcome           text NOT NULL CHECK (outcome IN ('updated', 'not-modified', 'error')),
      status            integer,
      bytes             integer NOT NULL DEFAULT 0,
      items_new         integer NOT NULL DEFAULT 0,
      items_updated     integer NOT NULL DEFAULT 0,
      message           text
    )`.execute(db);
  await sql`CREATE INDEX fetch_log_source_idx ON fetch_log (source_id, fetched_at DESC)`.execute(db);
  await sql`CREATE INDEX fetch_log_time_idx ON fetch_log (fetched_at)`.execute(db);

  await sql`
    CREATE TABLE source_moves (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_id         bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      old_url           text NOT NULL,
      new_url           text NOT NULL,
      status            integer NOT NULL,
      moved_at          timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX source_moves_source_idx ON source_moves (source_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS source_moves`.execute(db);
  await sql`DROP TABLE IF EXISTS fetch_log`.execute(db);
  await sql`
    ALTER TABLE sources
      DROP COLUMN host, DROP COLUMN failing_since, DROP COLUMN supports_etag, DROP COLUMN supports_last_modified,
      DROP COLUMN fetch_count, DROP COLUMN not_modified_count, DROP COLUMN bytes_fetched, DROP COLUMN current_interval_seconds`.execute(db);
}
