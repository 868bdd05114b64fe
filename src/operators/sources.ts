// What an operator does to sources, shared by the admin API and the CLI: add (with discovery and a
// preview), edit, remove (keeping or purging articles), fetch now, import and export OPML. Inputs
// are checked with the zod schemas below (the API's OpenAPI document is generated from them);
// every failure is an OperatorError whose kind says which HTTP status or exit code it becomes.
import type { Kysely } from "kysely";
import { z } from "zod";
import { runFetchCycle } from "../../jobs/fetch-cycle.ts";
import type { Database, Source } from "../db/schema.ts";
import { inspectUrl, type FeedCandidate, type FeedPreview } from "../discover/discover.ts";
import { AddressRefusedError, assertFetchable } from "../fetch/address.ts";
import type { FetchOptions } from "../fetch/fetcher.ts";
import type { IngestContext, SourceOutcome } from "../ingest/source.ts";
import { readOpml, writeOpml, OpmlError } from "../opml/opml.ts";
import { addSource, DuplicateSourceError, getSource, listSources } from "../store/sources.ts";
import { dropArticles } from "../store/tombstones.ts";

export type OperatorErrorKind = "invalid" | "refused" | "not-found" | "duplicate" | "unreachable" | "conflict";

export class OperatorError extends Error {
  constructor(
    readonly kind: OperatorErrorKind,
    message: string,
    readonly details: { field?: string; existingId?: number; status?: number | null } = {},
  ) {
    super(message);
  }
}

// ---- schemas: the edge of the API and the CLI ---------------------------------------------------

export const MIN_INTERVAL = 300;
export const MAX_INTERVAL = 86_400;

export const feedUrlSchema = z.url({ protocol: /^https?$/, message: "must be an absolute http:// or https:// URL" }).max(2048, "must be at most 2048 characters");
export const titleSchema = z.string().trim().min(1, "must not be empty").max(300, "must be at most 300 characters");
export const intervalSchema = z
  .number({ message: "must be a number of seconds" })
  .int("must be a whole number of seconds")
  .min(MIN_INTERVAL, `must be at least ${MIN_INTERVAL} (5 minutes)`)
  .max(MAX_INTERVAL, `must be at most ${MAX_INTERVAL} (24 hours)`);
/** "all" keeps every item on the first fetch, "none" none, "7d" the last 7 days. */
export const backfillSchema = z
  .string()
  .regex(/^(all|none|[1-9]\d{0,4}d)$/, 'must be "all", "none" or a number of days such as "7d"')
  .meta({ description: 'Items kept on the first fetch: "all" (default), "none", or the last N days ("7d").' });

export const createSourceBody = z.strictObject({
  url: feedUrlSchema.meta({ description: "A feed URL, or a page URL whose feeds are discovered" }),
  title: titleSchema.optional().meta({ description: "Shown instead of the feed's own title" }),
  intervalSeconds: intervalSchema.optional().meta({ description: "Baseline fetch interval (default 1800)" }),
  backfill: backfillSchema.optional(),
  force: z.boolean().optional().meta({ description: "Save the URL even if it cannot be read now (it is retried later)" }),
});
export type CreateSourceInput = z.infer<typeof createSourceBody>;

export const patchSourceBody = z
  .strictObject({
    title: titleSchema.nullable().optional().meta({ description: "null returns to the feed's own title on the next fetch" }),
    intervalSeconds: intervalSchema.optional(),
    enabled: z.boolean().optional().meta({ description: "false takes the source out of rotation; true puts it back, due now" }),
    backfill: backfillSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one of title, intervalSeconds, enabled, backfill" });
export type PatchSourceInput = z.infer<typeof patchSourceBody>;

export const removeModeSchema = z.enum(["keep", "purge"], { message: 'must be "keep" or "purge"' });
export type RemoveMode = z.infer<typeof removeModeSchema>;

export function backfillDays(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === "all") return null;
  if (value === "none") return 0;
  return Number(value.slice(0, -1));
}

export function backfillLabel(days: number | null): string {
  return days === null ? "all" : days === 0 ? "none" : `${days}d`;
}

/** "30m", "2h", "1d", "90s" or plain seconds, for the CLI's --interval. */
export function parseDuration(value: string): number | null {
  const m = /^(\d+)\s*(s|m|min|h|d)?$/i.exec(value.trim());
  if (!m) return null;
  const unit = (m[2] ?? "s").toLowerCase();
  return Number(m[1]) * (unit === "s" ? 1 : unit === "h" ? 3600 : unit === "d" ? 86_400 : 60);
}

/** One spelling per feed: scheme and host lower-cased, default port and fragment dropped. */
export function canonicalUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = "";
  if (url.search === "?") url.search = "";
  return url.href;
}

// ---- operations ---------------------------------------------------------------------------------

type Db = Kysely<Database>;

async function existingId(db: Db, url: string): Promise<number | null> {
  const row = await db.selectFrom("sources").select("id").where("url", "=", url).where("deleted_at", "is", null).executeTakeFirst();
  return row?.id ?? null;
}

function duplicate(id: number): OperatorError {
  return new OperatorError("duplicate", `that feed is already a source (id ${id})`, { existingId: id, field: "url" });
}

export type AddOutcome =
  | { added: true; source: Source; preview: FeedPreview | null; note?: string }
  | { added: false; url: string; candidates: Array<FeedCandidate & { existingId: number | null }> };

/**
 * A feed URL is read once (same address rules as any fetch), previewed and saved; a page URL
 * answers with the feeds found on it and saves nothing; a URL already present is refused.
 */
export async function addSourceFromUrl(ctx: { db: Db; fetch: FetchOptions }, input: CreateSourceInput): Promise<AddOutcome> {
  const url = canonicalUrl(input.url);
  const known = await existingId(ctx.db, url);
  if (known !== null) throw duplicate(known);
  try {
    await assertFetchable(new URL(url), ctx.fetch.allowPrivateNetworks);
  } catch (err) {
    if (err instanceof AddressRefusedError) throw new OperatorError("refused", err.message, { field: "url" });
    // A DNS failure now is for the fetch below to report.
  }
  const save = async (preview: FeedPreview | null, note?: string): Promise<AddOutcome> => {
    try {
      const source = await addSource(ctx.db, { url, title: input.title ?? preview?.title ?? null, intervalSeconds: input.intervalSeconds, backfillDays: backfillDays(input.backfill) });
      return { added: true, source, preview, ...(note ? { note } : {}) };
    } catch (err) {
      if (err instanceof DuplicateSourceError) throw duplicate(err.existingId);
      if (isUniqueViolation(err)) throw duplicate((await existingId(ctx.db, url)) ?? 0); // added by someone else meanwhile
      throw err;
    }
  };

  const found = await inspectUrl(url, ctx.fetch);
  if (found.kind === "error") {
    if (found.message.startsWith("refused:")) throw new OperatorError("refused", found.message, { field: "url" });
    if (input.force) return save(null, `could not read it now (${found.message}); it will be retried`);
    throw new OperatorError("unreachable", `could not read ${url} as a feed: ${found.message}; check the URL, or add it anyway with force (CLI: --force)`, { status: found.status, field: "url" });
  }
  if (found.kind === "page") {
    if (found.candidates.length === 0) {
      throw new OperatorError("unreachable", `${url} is a web page that names no feed, and none of /feed, /rss.xml, /atom.xml, /index.xml answered with one; give the feed's URL`, { field: "url" });
    }
    const candidates = await Promise.all(found.candidates.map(async (c) => ({ ...c, existingId: await existingId(ctx.db, canonicalUrl(c.url)) })));
    return { added: false, url: found.url, candidates };
  }
  // Redirected to a feed that is already a source: the same feed under another name.
  const final = canonicalUrl(found.url);
  if (final !== url) {
    const other = await existingId(ctx.db, final);
    if (other !== null) throw duplicate(other);
  }
  return save(found.preview);
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "23505";
}

async function mustGet(db: Db, id: number): Promise<Source> {
  const s = await getSource(db, id);
  if (!s) throw new OperatorError("not-found", `no source with id ${id}`);
  return s;
}

export async function editSource(db: Db, id: number, patch: PatchSourceInput): Promise<Source> {
  return db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom("sources").selectAll().where("id", "=", id).where("deleted_at", "is", null).forUpdate().executeTakeFirst();
    if (!s) throw new OperatorError("not-found", `no source with id ${id}`);
    const enable = patch.enabled === true && !s.enabled;
    const days = backfillDays(patch.backfill);
    return trx
      .updateTable("sources")
      .set({
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.intervalSeconds !== undefined ? { fetch_interval_seconds: patch.intervalSeconds } : {}),
        ...(days !== undefined ? { backfill_days: days } : {}),
        ...(patch.enabled === false && s.enabled ? { enabled: false, disabled_reason: "disabled by an operator", lease_owner: null, lease_expires_at: null } : {}),
        ...(enable ? { enabled: true, disabled_reason: null, error_count: 0, failing_since: null, next_fetch_at: new Date() } : {}),
        updated_at: new Date(),
      })
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export interface RemoveOutcome {
  id: number;
  articles: "kept" | "purged";
  articlesPurged: number;
  storiesDeleted: number;
}

/**
 * Remove a source: it is no longer listed or fetched. Its articles stay in their stories ("keep")
 * or go ("purge"), each leaving a tombstone so that, were the source added again, items still in
 * its feed are not imported again. The row stays (kept articles still cite it); adding the same
 * URL later brings it back.
 */
export async function removeSource(db: Db, id: number, mode: RemoveMode): Promise<RemoveOutcome> {
  return db.transaction().execute(async (trx) => {
    const s = await trx.selectFrom("sources").select("id").where("id", "=", id).where("deleted_at", "is", null).forUpdate().executeTakeFirst();
    if (!s) throw new OperatorError("not-found", `no source with id ${id}`);
    let dropped = { articles: 0, stories: 0 };
    if (mode === "purge") {
      const ids = (await trx.selectFrom("articles").select("id").where("source_id", "=", id).execute()).map((r) => r.id);
      dropped = await dropArticles(trx, ids, "purged");
    }
    await trx
      .updateTable("sources")
      .set({ deleted_at: new Date(), enabled: false, disabled_reason: "removed by an operator", lease_owner: null, lease_expires_at: null, updated_at: new Date() })
      .where("id", "=", id)
      .execute();
    return { id, articles: mode === "purge" ? "purged" : "kept", articlesPurged: dropped.articles, storiesDeleted: dropped.stories };
  });
}

/** Fetch one source now, whatever its schedule. */
export async function fetchSourceNow(ctx: IngestContext, id: number): Promise<SourceOutcome> {
  const s = await mustGet(ctx.db, id);
  if (!s.enabled) throw new OperatorError("conflict", `source ${id} is not in rotation (${s.disabled_reason ?? "disabled"}); resume it first`);
  const [outcome] = await runFetchCycle(ctx, { sourceIds: [id], concurrency: 1 });
  if (!outcome) throw new OperatorError("conflict", `source ${id} is being fetched by another worker right now; try again in a moment`);
  return outcome;
}

export interface ImportLine {
  line: number;
  url: string;
  title: string | null;
  result: "added" | "skipped" | "failed";
  id?: number;
  reason?: string;
}

export interface ImportOutcome {
  added: number;
  skipped: number;
  failed: number;
  lines: ImportLine[];
}

/**
 * Import an OPML list, line by line: each outline is added, skipped (already a source, or listed
 * twice) or failed (not an http(s) URL, a refused address), with the reason. Feeds are not read
 * now: the next cycle fetches them. A document that is not OPML is refused whole.
 */
export async function importOpml(ctx: { db: Db; fetch: FetchOptions }, text: string, opts: { backfill?: string } = {}): Promise<ImportOutcome> {
  let outlines;
  try {
    outlines = readOpml(text);
  } catch (err) {
    if (err instanceof OpmlError) throw new OperatorError("invalid", err.message, { field: "body" });
    throw err;
  }
  const seen = new Map<string, number>();
  const lines: ImportLine[] = [];
  for (const o of outlines) {
    const base = { line: o.line, url: o.url, title: o.title };
    const parsed = feedUrlSchema.safeParse(o.url);
    if (!parsed.success) {
      lines.push({ ...base, result: "failed", reason: `xmlUrl ${parsed.error.issues[0]?.message ?? "is invalid"}` });
      continue;
    }
    const url = canonicalUrl(parsed.data);
    const twice = seen.get(url);
    if (twice !== undefined) {
      lines.push({ ...base, result: "skipped", reason: `listed twice (first at line ${twice})` });
      continue;
    }
    seen.set(url, o.line);
    const known = await existingId(ctx.db, url);
    if (known !== null) {
      lines.push({ ...base, result: "skipped", id: known, reason: `already a source (id ${known})` });
      continue;
    }
    try {
      await assertFetchable(new URL(url), ctx.fetch.allowPrivateNetworks);
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        lines.push({ ...base, result: "failed", reason: err.message });
        continue;
      }
    }
    try {
      const s = await addSource(ctx.db, { url, title: o.title, backfillDays: backfillDays(opts.backfill) });
      lines.push({ ...base, result: "added", id: s.id });
    } catch (err) {
      if (!(err instanceof DuplicateSourceError) && !isUniqueViolation(err)) throw err;
      lines.push({ ...base, result: "skipped", reason: "already a source" });
    }
  }
  const count = (r: ImportLine["result"]) => lines.filter((l) => l.result === r).length;
  return { added: count("added"), skipped: count("skipped"), failed: count("failed"), lines };
}

export async function exportOpml(db: Db): Promise<string> {
  const sources = await listSources(db);
  return writeOpml("feedloom sources", sources.map((s) => ({ url: s.url, title: s.title, siteUrl: s.site_url })));
}
