// Reading response headers that steer scheduling: Retry-After, Cache-Control, Expires.
import { STATUS_CODES } from "node:http";
import type { CacheHints } from "./fetcher.ts";

interface HeaderSource {
  get(name: string): string | null;
}

// IMF-fixdate and RFC 850 end in GMT; asctime has no zone and means GMT (RFC 9110 §5.6.7).
const IMF_OR_RFC850 = /^[A-Za-z]{3,9}, \d{2}[ -][A-Za-z]{3}[ -]\d{2,4} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** An HTTP-date, or null. Date.parse alone would accept almost anything ("soon 1" is a date to V8). */
export function parseHttpDate(value: string | null): Date | null {
  const v = value?.trim() ?? "";
  const text = IMF_OR_RFC850.test(v) ? v : ASCTIME.test(v) ? `${v} GMT` : null;
  if (text === null) return null;
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time);
}

/** Retry-After: delta-seconds or an HTTP-date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date = new Date()): Date | null {
  const v = value?.trim() ?? "";
  if (!/^\d+$/.test(v)) return parseHttpDate(v);
  const date = new Date(now.getTime() + Number(v) * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function parseCacheHints(headers: HeaderSource): CacheHints {
  // A directive start, so s-maxage is not read as max-age.
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)/i.exec(headers.get("cache-control") ?? "");
  return { maxAgeSeconds: maxAge ? Number(maxAge[1]) : null, expires: parseHttpDate(headers.get("expires")) };
}

/** "HTTP 404 Not Found": the standard phrase, not whatever the server wrote. */
export function statusLine(status: number, serverText: string): string {
  const text = STATUS_CODES[status] ?? serverText.slice(0, 80);
  return text ? `HTTP ${status} ${text}` : `HTTP ${status}`;
}

/** The message for an error status; Retry-After is read on 429 and 503 only. */
export function statusError(status: number, serverText: string, headers: HeaderSource, now: Date = new Date()): { message: string; retryAfter: Date | null } {
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(headers.get("retry-after"), now) : null;
  if (retryAfter === null) return { message: statusLine(status, serverText), retryAfter };
  const seconds = Math.max(0, Math.round((retryAfter.getTime() - now.getTime()) / 1000));
  return { message: `${statusLine(status, serverText)} (retry after ${seconds} s)`, retryAfter };
}
