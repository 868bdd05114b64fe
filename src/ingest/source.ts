// One source, through every stage: fetch → decode → parse → normalise → store (dedupe inside) →
// match topics. What the source gave and its new fetch state are written in one transaction: a
// crash loses nothing and doubles nothing.
import type { Kysely } from "kysely";
import type { Database, Source } from "../db/schema.ts";
import { fetchFeed, type FetchOptions } from "../fetch/fetcher.ts";
import type { Logger } from "../log.ts";
import { normaliseFeed } from "../normalise/article.ts";
import { decodeFeed } from "../parse/charset.ts";
import { parseFeed } from "../parse/feed.ts";
import { nextFetchAfterError, nextFetchAfterSuccess } from "../schedule/next-fetch.ts";
import { storeArticles } from "../store/articles.ts";
import { recordFetch } from "../store/sources.ts";
import type { CompiledTopic } from "../topics/match.ts";
import { matchStories } from "../topics/store.ts";

export interface IngestContext {
  db: Kysely<Database>;
  fetch: FetchOptions;
  log: Logger;
}

export interface SourceOutcome {
  sourceId: number;
  url: string;
  title: string | null;
  outcome: "updated" | "not-modified" | "error";
  status: number | null;
  newArticles: number;
  updatedArticles: number;
  /** Plain words: why it failed, or what was odd about a feed that was still read. */
  message: string | null;
  durationMs: number;
}

/** `topics`: the compiled topic definitions to match new and changed stories against. */
export async function ingestSource(ctx: IngestContext, source: Source, owner: string, topics: CompiledTopic[]): Promise<SourceOutcome> {
  const started = Date.now();
  const base = { sourceId: source.id, url: source.url, title: source.title };
  const result = await fetchFeed({ url: source.url, etag: source.etag, lastModified: source.last_modified }, ctx.fetch);
  const now = new Date();

  const fail = async (status: number | null, message: string): Promise<SourceOutcome> => {
    const errors = source.error_count + 1;
    await recordFetch(ctx.db, source, owner, {
      status,
      error: message,
      success: false,
      nextFetchAt: nextFetchAfterError(now, source.fetch_interval_seconds, errors),
    });
    return { ...base, outcome: "error", status, newArticles: 0, updatedArticles: 0, message, durationMs: Date.now() - started };
  };

  if (result.kind === "error") return fail(result.status, result.message);

  const nextFetchAt = nextFetchAfterSuccess(now, source.fetch_interval_seconds);
  if (result.kind === "not-modified") {
    // A 304 costs no parse and no article writes.
    await recordFetch(ctx.db, source, owner, {
      status: 304,
      etag: result.etag ?? source.etag,
      lastModified: result.lastModified ?? source.last_modified,
      error: null,
      success: true,
      nextFetchAt,
    });
    return { ...base, outcome: "not-modified", status: 304, newArticles: 0, updatedArticles: 0, message: null, durationMs: Date.now() - started };
  }

  let parsed;
  try {
    const decoded = decodeFeed(result.body, result.contentType);
    parsed = await parseFeed(decoded.text, result.url);
    if (decoded.repaired) parsed.warnings.unshift(`bytes that were not valid ${decoded.encoding} were repaired`);
  } catch (err) {
    return fail(result.status, err instanceof Error ? err.message : String(err));
  }
  const articles = normaliseFeed(parsed);
  const warning = parsed.warnings.length > 0 ? parsed.warnings.join("; ") : null;

  const stored = await ctx.db.transaction().execute(async (trx) => {
    const rows = await storeArticles(trx, source.id, articles, now);
    const touched = rows.filter((r) => r.change !== "unchanged").map((r) => r.storyId);
    await matchStories(trx, touched, topics);
    await recordFetch(trx, source, owner, {
      status: result.status,
      etag: result.etag,
      lastModified: result.lastModified,
      title: parsed.title,
      siteUrl: parsed.link,
      description: parsed.description,
      error: null,
      warning,
      success: true,
      nextFetchAt,
    });
    return rows;
  });

  return {
    ...base,
    title: source.title ?? parsed.title,
    outcome: "updated",
    status: result.status,
    newArticles: stored.filter((r) => r.change === "new").length,
    updatedArticles: stored.filter((r) => r.change === "updated").length,
    message: warning,
    durationMs: Date.now() - started,
  };
}
