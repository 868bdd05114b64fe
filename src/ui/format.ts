// Words and numbers as a reader sees them: relative times, outlet names, short plain-text summaries.
// Pure functions, so pages render the same in tests as in production.
import type { SourceRef } from "../store/stories.ts";
import { htmlToText, truncateText } from "../text/html.ts";

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const absolute = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 hours ago", "in 12 minutes", "just now". */
export function relativeTime(d: Date, now: Date): string {
  const seconds = (d.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return Math.abs(seconds) < 30 ? "just now" : relative.format(Math.round(seconds), "second");
}

/** "15 September 2023 at 11:40 UTC". */
export function absoluteTime(d: Date): string {
  return `${absolute.format(d)} UTC`;
}

/** The outlet's name: its title, else its site's host, else its feed's host. */
export function outletName(s: SourceRef): string {
  if (s.title && s.title.trim() !== "") return s.title;
  for (const u of [s.siteUrl, s.url]) {
    try {
      if (u) return new URL(u).hostname;
    } catch {
      // not a URL: try the next one
    }
  }
  return "unknown outlet";
}

/** Only http(s) links reach an href: a feed could carry javascript: or data: URLs. */
export function safeHref(url: string | null | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

/** How much of each article's summary/content a listing reads from the database. */
export const PREVIEW_CHARS = 2000;

/** A short plain-text summary: markup and entities gone (so nothing of the source's HTML survives). */
export function shortSummary(a: { summary: string | null; content: string | null }, max = 280): string {
  // The HTML may have been cut short when read (PREVIEW_CHARS): drop a tag left open at the end.
  const text = htmlToText((a.summary ?? a.content ?? "").replace(/<[^>]*$/, ""));
  return text === "" ? "" : truncateText(text, max);
}

const STOPWORDS = new Set(
  "a an and are as at be by for from has have in into is it its of on or over says said the their this to under was were will with after before about against amid than that what when who why how new".split(" "),
);

/**
 * A few telling words of a headline, to search for related stories: acronyms (NATO, EU) first,
 * then the longest words that are not verb forms ("Discussing"), in headline order.
 */
export function relatedQuery(title: string, max = 3): string {
  const words = [...new Set(title.split(/[^\p{L}\p{N}'-]+/u).filter((w) => w.length >= 2 && !STOPWORDS.has(w.toLowerCase())))];
  const score = (w: string) => (/^\p{Lu}{2,}$/u.test(w) ? 1000 : 0) + (/(ing|ed)$/i.test(w) ? 0 : 100) + w.length;
  const chosen = new Set([...words].filter((w) => w.length >= 4 || /^\p{Lu}{2,}$/u.test(w)).sort((a, b) => score(b) - score(a)).slice(0, max));
  return words.filter((w) => chosen.has(w)).join(" ");
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}
