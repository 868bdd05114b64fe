// Sources and their scheduling state. Work is claimed from rows (FOR UPDATE SKIP LOCKED plus a
// lease that expires), so any number of processes can share one database and a crashed worker's
// sources are picked up again once its lease runs out.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, FetchLogEntry, NewSource, Source } from "../db/schema.ts";

type Db = Kysely<Database> | Transaction<Database>;

export class DuplicateSourceError extends Error {
  constructor(readonly existingId: number) {
    super(`that feed is already a source (id ${existingId})`);
  }
}

/** A new source's row: the host is kept apart because per-host limits are enforced when claiming. */
export function newSourceRow(url: string, title: string | null = null): NewSource {
  return { url, title, host: new URL(url).hostname.toLowerCase() };
}

export interface SourceInput {
  url: string;
  title?: string | null;
  /** Items kept on the first fetch: undefined/null every item, 0 none, N the last N days. */
  backfillDays?: number | null;
  intervalSeconds?: number;
}

/**
 * Register a source. A URL that is already a source is refused with its id; one that was removed
 * (kept as a row so its articles still cite it) comes back, due now, with the new settings.
 */
export async function addSource(db: Db, input: SourceInput): Promise<Source> {
  const existing = await db.selectFrom("sources").select(["id", "deleted_at"]).where("url", "=", input.url).executeTakeFirst();
  if (existing && existing.deleted_at === null) throw new DuplicateSourceError(existing.id);
  const settings = {
    ...(input.backfillDays !== undefined ? { backfill_days: input.backfillDays } : {}),
    ...(input.intervalSeconds !== undefined ? { fetch_interval_seconds: input.intervalSeconds } : {}),
  };
  if (existing) {
    return db
      .updateTable("sources")
      .set({ ...settings, title: input.title ?? null, deleted_at: null, enabled: true, disabled_reason: null, error_count: 0, failing_since: null, next_fetch_at: new Date(), updated_at: new Date() })
      .where("id", "=", existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  return db.insertInto("sources").values({ ...newSourceRow(input.url, input.title ?? null), ...settings }).returningAll().executeTakeFirstOrThrow();
}

/** Put a paused or retired source back into rotation, due now. Returns it, or undefined if unknown. */
export function resumeSource(db: Db, id: number): Promise<Source | undefined> {
  return db
    .updateTable("sources")
    .set({ enabled: true, disabled_reason: null, error_count: 0, failing_since: null, next_fetch_at: new Date(), updated_at: new Date() })
    .where("id", "=", id)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
}

export function recentFetches(db: Db, sourceId: number, limit = 10): Promise<FetchLogEntry[]> {
  return db.selectFrom("fetch_log").selectAll().where("source_id", "=", sourceId).orderBy("fetched_at", "desc").orderBy("id", "desc").limit(limit).execute();
}

export function listSources(db: Db): Promise<Source[]> {
  return db.selectFrom("sources").selectAll().where("deleted_at", "is", null).orderBy("id").execute();
}

export async function enabledSourceIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom("sources").select("id").where("enabled", "=", true).orderBy("id").execute();
  return rows.map((r) => r.id);
}

export function getSource(db: Db, id: number): Promise<Source | undefined> {
  return db.selectFrom("sources").selectAll().where("id", "=", id).where("deleted_at", "is", null).executeTakeFirst();
}

export interface ClaimOptions {
  owner: string;
  leaseSeconds: number;
  limit: number;
  /** At most this many sources of one host leased at once, by all workers together (default 2). */
  perHost?: number;
  /** Only these sources, due or not (still never one leased by someone else). */
  sourceIds?: number[];
}

/**
 * Take a lease on up to `limit` enabled sources that are due (or named) and not leased by a live
 * worker, never taking a host past its share: sources sharing a host never hammer it, however
 * many workers there are.
 */
export async function claimSources(db: Kysely<Database>, opts: ClaimOptions): Promise<Source[]> {
  if (opts.limit <= 0 || opts.sourceIds?.length === 0) return [];
  const perHost = opts.perHost ?? 2;
  const result = await sql<Source>`
    UPDATE sources SET lease_owner = ${opts.owner},
                       lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds})
    WHERE id IN (
      SELECT id FROM sources
      WHERE id IN (
        SELECT id FROM (
          SELECT c.id, c.next_fetch_at,
                 row_number() OVER (PARTITION BY c.host ORDER BY c.next_fetch_at, c.id) + coalesce(busy.n, 0) AS slot
          FROM sources c
          LEFT JOIN (
            SELECT host, count(*) AS n FROM sources
            WHERE lease_owner IS NOT NULL AND lease_expires_at > now()
            GROUP BY host
          ) busy ON busy.host = c.host
          WHERE c.enabled
            AND (c.lease_expires_at IS NULL OR c.lease_expires_at < now())
            AND (${opts.sourceIds !== undefined} OR c.next_fetch_at <= now())
            AND (${opts.sourceIds === undefined} OR c.id = ANY(${opts.sourceIds ?? []}::bigint[]))
        ) ranked
        WHERE slot <= ${perHost}
        ORDER BY next_fetch_at, id
        LIMIT ${opts.limit * 4}
      )
      -- Re-checked on the row as locked: another worker may have leased it since this snapshot.
      AND enabled AND (lease_expires_at IS NULL OR lease_expires_at < now())
      -- More candidates than the limit, the limit after the locks: a worker that started at the
      -- same moment as another takes the next due sources instead of coming back empty. One
      -- snapshot's candidates never exceed a host's free slots, so neither can both workers' claims.
      ORDER BY next_fetch_at, id
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING *`.execute(db);
  return result.rows;
}

/** Give a lease back without recording a fetch (shutdown before the work started). */
export async function releaseSource(db: Db, id: number, owner: string): Promise<void> {
  await db
    .updateTable("sources")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .execute();
}
