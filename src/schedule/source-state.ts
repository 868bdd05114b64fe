// What a fetch does to a source's row: health counters, validators, the next fetch time, and the
// decisions that take a source out of rotation (410 retires it; failing for too long pauses it,
// with the reason, until an operator resumes it). Pure: the store writes what this returns.
import type { Source } from "../db/schema.ts";
import type { CacheHints } from "../fetch/fetcher.ts";
import { chooseInterval, nextFetchAfterError, nextFetchAfterSuccess, publishingGap } from "./next-fetch.ts";

export interface FetchFacts {
  outcome: "updated" | "not-modified" | "error";
  status: number | null;
  /** Why it failed, in plain words (errors only). */
  error?: string | null;
  /** What was odd about a feed that was still read. */
  warning?: string | null;
  retryAfter?: Date | null;
  etag?: string | null;
  lastModified?: string | null;
  cache?: CacheHints | null;
  bytes: number;
  durationMs: number;
  itemsNew: number;
  itemsUpdated: number;
  /** From the parsed feed, on success. */
  feed?: {
    title: string | null;
    link: string | null;
    description: string | null;
    ttlMinutes: number | null;
    updatePeriodSeconds: number | null;
    itemDates: Array<Date | null>;
  };
  /** The URL the source moved to (301/308 all the way, and the new URL answered with a feed). */
  movedTo?: string | null;
}

export interface SchedulePolicy {
  /** Continuous failure for this long pauses the source (default 7 days). */
  pauseAfterSeconds: number;
}

export interface SourceStateUpdate {
  id: number;
  success: boolean;
  status: number | null;
  error: string | null;
  warning: string | null;
  etag: string | null;
  lastModified: string | null;
  supportsEtag: boolean;
  supportsLastModified: boolean;
  errorCount: number;
  failingSince: Date | null;
  intervalSeconds: number;
  nextFetchAt: Date;
  /** Set when this fetch takes the source out of rotation. */
  disable: { reason: string } | null;
  notModified: boolean;
  bytes: number;
  title: string | null;
  siteUrl: string | null;
  description: string | null;
  moveTo: string | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export function nextSourceState(source: Source, f: FetchFacts, now: Date, policy: SchedulePolicy, random: () => number = Math.random): SourceStateUpdate {
  const common = {
    id: source.id,
    status: f.status,
    notModified: f.outcome === "not-modified",
    bytes: f.bytes,
    title: f.feed?.title ?? null,
    siteUrl: f.feed?.link ?? null,
    description: f.feed?.description ?? null,
  };
  if (f.outcome === "error") {
    const errorCount = source.error_count + 1;
    const failingSince = source.failing_since ?? now;
    const interval = source.current_interval_seconds ?? source.fetch_interval_seconds;
    const error = f.error ?? "unknown error";
    let disable: SourceStateUpdate["disable"] = null;
    if (f.status === 410) {
      disable = { reason: `retired: the server answered 410 Gone on ${day(now)} (the feed was removed for good)` };
    } else if (now.getTime() - failingSince.getTime() >= policy.pauseAfterSeconds * 1000) {
      disable = { reason: `paused: failing since ${day(failingSince)} (${errorCount} attempts); last error: ${error}` };
    }
    return {
      ...common,
      success: false,
      error,
      warning: source.last_warning,
      etag: source.etag,
      lastModified: source.last_modified,
      supportsEtag: source.supports_etag,
      supportsLastModified: source.supports_last_modified,
      errorCount,
      failingSince,
      intervalSeconds: interval,
      nextFetchAt: nextFetchAfterError(now, interval, errorCount, random, f.retryAfter ?? null),
      disable,
      moveTo: null,
    };
  }
  const gap = f.feed ? publishingGap(f.feed.itemDates, now) : null;
  // A 304 says nothing new about activity: keep the interval chosen when the feed was last read.
  const interval =
    f.outcome === "not-modified" && source.current_interval_seconds !== null
      ? Math.max(source.current_interval_seconds, chooseInterval(source.fetch_interval_seconds, { cache: f.cache }, null, now))
      : chooseInterval(source.fetch_interval_seconds, { ttlMinutes: f.feed?.ttlMinutes, updatePeriodSeconds: f.feed?.updatePeriodSeconds, cache: f.cache }, gap, now);
  return {
    ...common,
    success: true,
    error: null,
    warning: f.outcome === "not-modified" ? source.last_warning : (f.warning ?? null),
    etag: f.etag ?? source.etag,
    lastModified: f.lastModified ?? source.last_modified,
    supportsEtag: Boolean(f.etag) || (f.outcome === "not-modified" && Boolean(source.etag)),
    supportsLastModified: Boolean(f.lastModified) || (f.outcome === "not-modified" && Boolean(source.last_modified)),
    errorCount: 0,
    failingSince: null,
    intervalSeconds: interval,
    nextFetchAt: nextFetchAfterSuccess(now, interval, random),
    disable: null,
    moveTo: f.movedTo ?? null,
  };
}
