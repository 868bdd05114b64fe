// One source, through every stage: fetch → decode → parse → normalise → store (dedupe inside) →
// match topics. New articles and the source's new fetch state are written in one transaction: a
// crash loses nothing and doubles nothing. A 304 or a failure writes no articles; its state is
// handed back to the cycle, which writes many such states in one statement.
import type { Kysely } from "kysely";
import type { Database, Source } from "../db/schema.ts";
import type { DedupOptions } from "../dedupe/assign.ts";
import { fetchFeed, type FetchOptions, type FetchResult } from "../fetch/fetcher.ts";
import type { Logger } from "../log.ts";
import { nextSourceState, type FetchFacts, type SchedulePolicy, type SourceStateUpdate } from "../schedule/source-state.ts";
import { storiesMerged } from "../metrics.ts";
import { storeArticles } from "../store/articles.ts";
import { admitArticles } from "./admit.ts";
import { moveSource, writeFetchResults, type FetchLogRow } from "../store/fetch-state.ts";
import type { CompiledTopic, MatchArticle } from "../topics/match.ts";
import { announceTopicChange } from "../topics/changes.ts";
import { matchArticle, matchStories } from "../topics/store.ts";
import { readFeed, type FeedReader } from "./read-feed.ts";

export interface IngestContext {
  db: Kysely<Database>;
  fetch: FetchOptions;
  schedule: SchedulePolicy & { perHost: number };
  log: Logger;
  /** Decode, parse and normalise a body: on parse threads when given, else inline. */
  read?: FeedReader;
  /** Deduplication across sources (default: on, 72 h window). */
  dedup?: DedupOptions;
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
  /** Set when this fetch took the source out of rotation (410, or failing for too long). */
  disabled?: string;
  /** Bytes of the feed body received (after decompression). */
  bytes?: number;
}

export interface IngestResult {
  outcome: SourceOutcome;
  /** State not yet written (304s and failures): the cycle writes these in batches. */
  pending: { update: SourceStateUpdate; log: FetchLogRow } | null;
}

const bodySize = (r: FetchResult) => (r.kind === "ok" ? r.body.byteLength : 0);

/** At most `limit` callers inside at once; the others wait their turn, in order. */
export interface Gate {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export function createGate(limit: number): Gate {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async run(fn) {
      if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next(); // the place passes straight to the next in line
        else active--;
      }
    },
  };
}

const open: Gate = { run: (fn) => fn() };

/**
 * `store`: the gate a fetched body passes before it is read and stored. Writers deduplicate one
 * at a time (src/dedupe/assign.ts), so a body waiting there is kept as it came (a compressed feed is
 * small) and becomes articles only when its turn is near: the articles of many sources are not all
 * alive at once.
 */
export async function ingestSource(ctx: IngestContext, source: Source, owner: string, topics: CompiledTopic[], store: Gate = open): Promise<IngestResult> {
  const started = Date.now();
  const result = await fetchFeed({ url: source.url, etag: source.etag, lastModified: source.last_modified }, ctx.fetch);

  const deferred = (facts: FetchFacts) => deferredResult(ctx, source, facts);
  if (result.kind === "error") {
    return deferred({ outcome: "error", status: result.status, error: result.message, retryAfter: result.retryAfter, bytes: 0, durationMs: Date.now() - started, itemsNew: 0, itemsUpdated: 0 });
  }
  if (result.kind === "not-modified") {
    // A 304 costs no parse and no article writes.
    return deferred({ outcome: "not-modified", status: 304, etag: result.etag, lastModified: result.lastModified, cache: result.cache, bytes: 0, durationMs: Date.now() - started, itemsNew: 0, itemsUpdated: 0 });
  }

  return store.run(() => readAndStore(ctx, source, owner, topics, result, started));
}

async function readAndStore(ctx: IngestContext, source: Source, owner: string, topics: CompiledTopic[], result: FetchResult & { kind: "ok" }, started: number): Promise<IngestResult> {
  const deferred = (facts: FetchFacts) => deferredResult(ctx, source, facts);
  const reading = await (ctx.read ?? readFeed)({ body: result.body, contentType: result.contentType, url: result.url });
  if (!reading.ok) {
    return deferred({ outcome: "error", status: result.status, error: reading.error, bytes: bodySize(result), durationMs: Date.now() - started, itemsNew: 0, itemsUpdated: 0 });
  }
  const { feed: parsed, articles } = reading;
  const now = new Date();

  let changedTopics: string[] = [];
  const ingested = await ctx.db.transaction().execute(async (trx): Promise<IngestResult> => {
    const rows = await storeArticles(trx, source.id, await admitArticles(trx, source, articles, now), now, ctx.dedup);
    storiesMerged.inc(rows.filter((r) => r.change === "new" && !r.storyCreated).length);
    // A story made of just one new article is matched on that article's text, already in hand.
    const inputs = new Map(articles.map((a) => [a.identity, a]));
    const known = new Map(
      rows.flatMap((r) => {
        const input = r.storyCreated ? inputs.get(r.identity) : undefined;
        return input ? [[r.storyId, [matchArticle(input, { id: source.id, url: source.url })]] satisfies [number, MatchArticle[]]] : [];
      }),
    );
    changedTopics = await matchStories(trx, rows.filter((r) => r.change !== "unchanged").map((r) => r.storyId), topics, known);
    const warnings = [...parsed.warnings];
    // A permanent redirect moves the source only now that the new URL has answered with a feed.
    if (result.movedTo && result.movedTo !== source.url) {
      const moved = await moveSource(trx, source.id, source.url, result.movedTo, result.movedStatus ?? 301);
      if (!moved) warnings.push(`moved permanently to ${result.movedTo}, which is already another source: not moved`);
    }
    const facts: FetchFacts = {
      outcome: "updated",
      status: result.status,
      warning: warnings.length > 0 ? warnings.join("; ") : null,
      etag: result.etag,
      lastModified: result.lastModified,
      cache: result.cache,
      bytes: bodySize(result),
      durationMs: Date.now() - started,
      itemsNew: rows.filter((r) => r.change === "new").length,
      itemsUpdated: rows.filter((r) => r.change === "updated").length,
      feed: { ...parsed, itemDates: articles.map((a) => a.publishedAt) },
    };
    const update = nextSourceState(source, facts, now, ctx.schedule);
    await writeFetchResults(trx, owner, [update], [logRow(source.id, facts, facts.warning ?? null)]);
    return {
      outcome: {
        sourceId: source.id,
        url: source.url,
        title: source.title ?? parsed.title,
        outcome: "updated",
        status: result.status,
        newArticles: facts.itemsNew,
        updatedArticles: facts.itemsUpdated,
        message: facts.warning ?? null,
        durationMs: facts.durationMs,
        bytes: facts.bytes,
      },
      pending: null,
    };
  });
  // Told only once committed: the feeds it invalidates and the WebSub hub it pings read the new rows.
  announceTopicChange(changedTopics);
  return ingested;
}

/** A 304 or a failure: nothing stored; the state is handed back for the cycle to write in a batch. */
function deferredResult(ctx: IngestContext, source: Source, facts: FetchFacts): IngestResult {
  const update = nextSourceState(source, facts, new Date(), ctx.schedule);
  const message = facts.error ?? null;
  return {
    outcome: {
      sourceId: source.id, url: source.url, title: source.title, outcome: facts.outcome, status: facts.status,
      newArticles: 0, updatedArticles: 0, message, durationMs: facts.durationMs, bytes: facts.bytes,
      ...(update.disable ? { disabled: update.disable.reason } : {}),
    },
    pending: { update, log: logRow(source.id, facts, message) },
  };
}

function logRow(sourceId: number, f: FetchFacts, message: string | null): FetchLogRow {
  return { sourceId, durationMs: f.durationMs, outcome: f.outcome, status: f.status, bytes: f.bytes, itemsNew: f.itemsNew, itemsUpdated: f.itemsUpdated, message };
}
