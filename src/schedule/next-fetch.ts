// When a source is fetched next, and what becomes of it when it keeps failing. Pure functions of
// the source's row and what the fetch found, so the policy can be tested without a clock or a
// network.
import type { CacheHints } from "../fetch/fetcher.ts";

export const FLOOR_SECONDS = 5 * 60;
export const CEILING_SECONDS = 24 * 60 * 60;

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

/** ±10%, so sources added together spread out instead of arriving in waves. */
export function jitter(seconds: number, random: () => number = Math.random): number {
  return Math.round(seconds * (0.9 + 0.2 * random()));
}

/**
 * How often the feed publishes: the median gap between its newest dated items (future dates and
 * duplicates ignored). Null when there is too little to tell.
 */
export function publishingGap(itemDates: Array<Date | null>, now: Date): number | null {
  const times = [...new Set(itemDates.filter((d): d is Date => d !== null && d <= now).map((d) => d.getTime()))]
    .sort((a, b) => b - a)
    .slice(0, 20);
  if (times.length < 3) return null;
  const gaps = times.slice(1).map((t, i) => ((times[i] as number) - t) / 1000);
  gaps.sort((a, b) => a - b);
  const mid = gaps.length / 2;
  return Number.isInteger(mid) ? ((gaps[mid - 1] as number) + (gaps[mid] as number)) / 2 : (gaps[Math.floor(mid)] as number);
}

export interface FeedHints {
  /** RSS <ttl>, minutes. */
  ttlMinutes?: number | null;
  /** sy:updatePeriod / sy:updateFrequency, seconds. */
  updatePeriodSeconds?: number | null;
  cache?: CacheHints | null;
}

/** The longest "not before" the feed asks for (ttl, sy:*, max-age, Expires), in seconds. */
export function hintSeconds(h: FeedHints, now: Date): number {
  const expires = h.cache?.expires ? (h.cache.expires.getTime() - now.getTime()) / 1000 : 0;
  return Math.max(0, (h.ttlMinutes ?? 0) * 60, h.updatePeriodSeconds ?? 0, h.cache?.maxAgeSeconds ?? 0, expires);
}

/**
 * The interval after a successful fetch. The operator's interval is the baseline; observed
 * activity moves it up to 4× sooner (busy feeds) or 4× later (quiet ones); the feed's own hints
 * are a lower bound; the result stays within 5 minutes and 24 hours.
 */
export function chooseInterval(operatorSeconds: number, hints: FeedHints, gapSeconds: number | null, now: Date): number {
  const activity = gapSeconds === null ? operatorSeconds : clamp(gapSeconds / 2, operatorSeconds / 4, operatorSeconds * 4);
  return Math.round(clamp(Math.max(activity, hintSeconds(hints, now)), FLOOR_SECONDS, CEILING_SECONDS));
}

/**
 * The delay after the `errorCount`-th failure in a row: exponential from a quarter of an hour
 * (or the interval, if shorter), capped at a day, with jitter; never before Retry-After.
 */
export function errorDelaySeconds(intervalSeconds: number, errorCount: number, random: () => number = Math.random): number {
  const base = Math.min(intervalSeconds, 15 * 60) * 2 ** clamp(errorCount - 1, 0, 16);
  return jitter(Math.min(base, CEILING_SECONDS), random);
}

export function nextFetchAfterSuccess(now: Date, intervalSeconds: number, random: () => number = Math.random): Date {
  return new Date(now.getTime() + jitter(intervalSeconds, random) * 1000);
}

export function nextFetchAfterError(
  now: Date,
  intervalSeconds: number,
  errorCount: number,
  random: () => number = Math.random,
  retryAfter: Date | null = null,
): Date {
  const backoff = now.getTime() + errorDelaySeconds(intervalSeconds, errorCount, random) * 1000;
  return new Date(Math.max(backoff, retryAfter?.getTime() ?? 0));
}
