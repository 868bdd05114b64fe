// Writing fetch results back: the source rows (and the lease release) and the fetch log, for many
// sources in one statement each. A cycle where every source answers 304 costs two statements
// per batch, not two per source.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import type { SourceStateUpdate } from "../schedule/source-state.ts";

type Db = Kysely<Database> | Transaction<Database>;

export interface FetchLogRow {
  sourceId: number;
  durationMs: number;
  outcome: "updated" | "not-modified" | "error";
  status: number | null;
  bytes: number;
  itemsNew: number;
  itemsUpdated: number;
  message: string | null;
}

const hostOf = (url: string) => new URL(url).hostname.toLowerCase();

/** Apply updates to sources still leased by `owner`, release their leases, and log the fetches. */
export async function writeFetchResults(db: Db, owner: string, updates: SourceStateUpdate[], log: FetchLogRow[]): Promise<void> {
  if (updates.length > 0) {
    const rows = updates.map(
      (u) => sql`(${u.id}::bigint, ${u.success}::boolean, ${u.status}::integer, ${u.error}::text, ${u.warning}::text,
        ${u.etag}::text, ${u.lastModified}::text, ${u.supportsEtag}::boolean, ${u.supportsLastModified}::boolean,
        ${u.errorCount}::integer, ${u.failingSince}::timestamptz, ${u.intervalSeconds}::integer, ${u.nextFetchAt}::timestamptz,
        ${u.disable !== null}::boolean, ${u.disable?.reason ?? null}::text, ${u.notModified}::boolean, ${u.bytes}::bigint,
        ${u.title}::text, ${u.siteUrl}::text, ${u.description}::text)`,
    );
    await sql`
      UPDATE sources AS s SET
        lease_owner = NULL,
        lease_expires_at = NULL,
        last_attempt_at = now(),
        last_success_at = CASE WHEN v.success THEN now() ELSE s.last_success_at END,
        last_status = v.status,
        last_error = v.error,
        last_warning = v.warning,
        etag = v.etag,
        last_modified = v.last_modified,
        supports_etag = v.supports_etag,
        supports_last_modified = v.supports_last_modified,
        error_count = v.error_count,
        failing_since = v.failing_since,
        current_interval_seconds = v.interval_seconds,
        next_fetch_at = v.next_fetch_at,
        enabled = CASE WHEN v.disable THEN false ELSE s.enabled END,
        disabled_reason = CASE WHEN v.disable THEN v.disabled_reason ELSE s.disabled_reason END,
        fetch_count = s.fetch_count + 1,
        not_modified_count = s.not_modified_count + CASE WHEN v.not_modified THEN 1 ELSE 0 END,
        bytes_fetched = s.bytes_fetched + v.bytes,
        -- An operator's title wins; the feed's own fills it only when none was given.
        title = coalesce(s.title, v.title),
        site_url = coalesce(v.site_url, s.site_url),
        description = coalesce(v.description, s.description),
        updated_at = now()
      FROM (VALUES ${sql.join(rows)}) AS v(id, success, status, error, warning, etag, last_modified, supports_etag,
        supports_last_modified, error_count, failing_since, interval_seconds, next_fetch_at, disable, disabled_reason,
        not_modified, bytes, title, site_url, description)
      WHERE s.id = v.id AND s.lease_owner = ${owner}`.execute(db);
  }
  if (log.length > 0) {
    await db
      .insertInto("fetch_log")
      .values(
        log.map((l) => ({
          source_id: l.sourceId,
          duration_ms: Math.round(l.durationMs),
          outcome: l.outcome,
          status: l.status,
          bytes: l.bytes,
          items_new: l.itemsNew,
          items_updated: l.itemsUpdated,
          message: l.message,
        })),
      )
      .execute();
  }
}

/**
 * Move a source to the URL a permanent redirect pointed at, keeping the old one in its history.
 * Refused (false) when another source already has that URL.
 */
export async function moveSource(db: Db, sourceId: number, oldUrl: string, newUrl: string, status: number): Promise<boolean> {
  const taken = await db.selectFrom("sources").select("id").where("url", "=", newUrl).where("id", "<>", sourceId).executeTakeFirst();
  if (taken) return false;
  await db
    .updateTable("sources")
    .set({ url: newUrl, host: hostOf(newUrl), etag: null, last_modified: null })
    .where("id", "=", sourceId)
    .execute();
  await db.insertInto("source_moves").values({ source_id: sourceId, old_url: oldUrl, new_url: newUrl, status }).execute();
  return true;
}

/** Keep the fetch log short: entries older than `days` go. */
export async function pruneFetchLog(db: Db, days = 30): Promise<number> {
  const result = await db.deleteFrom("fetch_log").where("fetched_at", "<", sql<Date>`now() - make_interval(days => ${days})`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
