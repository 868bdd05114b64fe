// Sources and their scheduling state. Work is claimed from rows (FOR UPDATE SKIP LOCKED plus a
// lease that expires), so any number of processes can share one database and a crashed worker's
// sources are picked up again once its lease runs out.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Source } from "../db/schema.ts";

type Db = Kysely<Database> | Transaction<Database>;

export class DuplicateSourceError extends Error {
  constructor(readonly existingId: number) {
    super(`that feed is already a source (id ${existingId})`);
  }
}

export async function addSource(db: Db, input: { url: string; title?: string | null }): Promise<Source> {
  const existing = await db.selectFrom("sources").select("id").where("url", "=", input.url).executeTakeFirst();
  if (existing) throw new DuplicateSourceError(existing.id);
  return db
    .insertInto("sources")
    .values({ url: input.url, title: input.title ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listSources(db: Db): Promise<Source[]> {
  return db.selectFrom("sources").selectAll().orderBy("id").execute();
}

export async function enabledSourceIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom("sources").select("id").where("enabled", "=", true).orderBy("id").execute();
  return rows.map((r) => r.id);
}

export function getSource(db: Db, id: number): Promise<Source | undefined> {
  return db.selectFrom("sources").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function countSources(db: Db): Promise<number> {
  const row = await db.selectFrom("sources").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface ClaimOptions {
  owner: string;
  leaseSeconds: number;
  limit: number;
  /** Only these sources, due or not (still never one leased by someone else). */
  sourceIds?: number[];
}

/** Take a lease on up to `limit` enabled sources that are due (or named) and not leased by a live worker. */
export async function claimSources(db: Kysely<Database>, opts: ClaimOptions): Promise<Source[]> {
  if (opts.limit <= 0 || opts.sourceIds?.length === 0) return [];
  const result = await sql<Source>`
    UPDATE sources SET lease_owner = ${opts.owner},
                       lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds})
    WHERE id IN (
      SELECT id FROM sources
      WHERE enabled
        AND (lease_expires_at IS NULL OR lease_expires_at < now())
        AND (${opts.sourceIds !== undefined} OR next_fetch_at <= now())
        AND (${opts.sourceIds === undefined} OR id = ANY(${opts.sourceIds ?? []}::bigint[]))
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

export interface FetchStateUpdate {
  status: number | null;
  etag?: string | null;
  lastModified?: string | null;
  title?: string | null;
  siteUrl?: string | null;
  description?: string | null;
  /** Why the fetch failed, in plain words; null on success. */
  error: string | null;
  /** On success: what was odd about the feed (read leniently, bytes repaired), else null. */
  warning?: string | null;
  success: boolean;
  nextFetchAt: Date;
}

/** Record the outcome of a fetch and release the lease, in the caller's transaction. */
export async function recordFetch(db: Db, source: Source, owner: string, u: FetchStateUpdate): Promise<void> {
  await db
    .updateTable("sources")
    .set((eb) => ({
      lease_owner: null,
      lease_expires_at: null,
      last_attempt_at: sql<Date>`now()`,
      last_status: u.status,
      last_error: u.error,
      next_fetch_at: u.nextFetchAt,
      updated_at: sql<Date>`now()`,
      ...(u.success
        ? {
            last_success_at: sql<Date>`now()`,
            last_warning: u.warning ?? null,
            error_count: 0,
            ...(u.etag !== undefined ? { etag: u.etag } : {}),
            ...(u.lastModified !== undefined ? { last_modified: u.lastModified } : {}),
            // An operator's title wins; the feed's own title fills it only when none was given.
            title: eb.fn.coalesce("title", eb.val(u.title ?? null)),
            site_url: u.siteUrl ?? source.site_url,
            description: u.description ?? source.description,
          }
        : { error_count: eb("error_count", "+", 1) }),
    }))
    .where("id", "=", source.id)
    .where("lease_owner", "=", owner)
    .execute();
}
