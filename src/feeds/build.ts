// Topic feeds: one entry per story, naming every outlet that carried it, as RSS 2.0, Atom 1.0 and
// JSON Feed 1.1. We write all three ourselves: `feed` 6 has no per-entry Atom <source>, no RFC 5005
// links, wants e-mail addresses in RSS <author>, guesses enclosure types and writes JSON Feed 1,
// so wrapping it would mean patching its output. Every string from a source is escaped here; the
// only markup in an entry is a summary that went through sanitizeSummary and links we built.
import { escapeHtml, htmlToText, truncateText } from "../text/html.ts";
import type { ArticleView, StoryView } from "../store/stories.ts";
import { safeUrl, sanitizeSummary } from "./sanitize.ts";

export type FeedFormat = "rss" | "atom" | "json";

export const feedContentTypes: Record<FeedFormat, string> = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
};

export interface FeedMeta {
  slug: string;
  title: string;
  description: string;
  /** When the topic itself last changed: the feed date when it has no stories yet. */
  topicUpdated: Date;
  baseUrl: string;
  version: string;
  /** This document's own URL (self link); default `{baseUrl}/topics/{slug}.{format}`. */
  selfUrl?: string;
  /** The human page of the feed (alternate link); default `{baseUrl}/topics/{slug}`. */
  pageUrl?: string;
  /** The subscription document when this is an older page (RFC 5005 `current`). */
  currentUrl?: string | null;
  /** The next, older page (RFC 5005 `next` and `prev-archive`; JSON Feed `next_url`). */
  nextUrl?: string | null;
  /** A WebSub hub to advertise (`rel="hub"`). */
  hub?: string | null;
  /** BCP 47 language of the feed; default "en". */
  language?: string;
  /** Minutes a reader may cache the feed (RSS `<ttl>`); default 30. */
  ttlMinutes?: number;
}

export interface BuiltFeed {
  body: string;
  contentType: string;
  /** The newest entry's update time: Last-Modified and the feed's own date. */
  updated: Date;
}

// XML 1.0 forbids most C0 controls even as character references; feeds from the wild contain them.
// Lone surrogates (\p{Cs} under the u flag) cannot be written as UTF-8 either.
// eslint-disable-next-line no-control-regex
const xmlInvalid = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu;
const clean = (s: string) => s.replace(xmlInvalid, "");
/** Text content and attribute values: one escaping for both. */
const x = (s: string) => clean(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
/** HTML text inside our own HTML. */
const h = (s: string) => escapeHtml(clean(s));

const languageTag = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

const outletName = (a: ArticleView) => a.source.title?.trim() || safeHost(a.source.url);
function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** Entry id: a URN that never changes, whatever joins the story later. */
export const storyEntryId = (s: StoryView) => `urn:uuid:${s.uuid}`;

/** The canonical article's link; without one, its outlet's site, then the topic page. */
function storyLink(s: StoryView, pageUrl: string): string {
  const a = s.articles[0];
  return safeUrl(a?.link, null, ["http:", "https:"]) ?? safeUrl(a?.source.siteUrl, null, ["http:", "https:"]) ?? pageUrl;
}

/** The sanitised summary of the canonical article (its content when it has no summary). */
function summaryHtml(s: StoryView): string {
  const a = s.articles[0];
  const raw = a?.summary || a?.content || "";
  return raw ? sanitizeSummary(clean(raw), safeUrl(a?.link, null, ["http:", "https:"])) : "";
}

/** The other outlets that carried the story: one link each, the canonical outlet left out. */
function alsoReportedBy(s: StoryView): Array<{ name: string; url: string | null; feedUrl: string }> {
  const canonical = s.articles[0];
  const seen = new Set<number>(canonical ? [canonical.source.id] : []);
  const out: Array<{ name: string; url: string | null; feedUrl: string }> = [];
  for (const a of s.articles.slice(1)) {
    if (seen.has(a.source.id)) continue;
    seen.add(a.source.id);
    out.push({ name: outletName(a), url: safeUrl(a.link, null, ["http:", "https:"]), feedUrl: a.source.url });
  }
  return out;
}

/** The entry body: the sanitised summary, then the other outlets as links we wrote ourselves. */
function storyHtml(s: StoryView, summary: string): string {
  const parts: string[] = [];
  if (summary) parts.push(summary);
  const canonical = s.articles[0];
  if (canonical) {
    const link = safeUrl(canonical.link, null, ["http:", "https:"]);
    parts.push(`<p>Source: ${link ? `<a href="${h(link)}">${h(outletName(canonical))}</a>` : h(outletName(canonical))}</p>`);
  }
  const others = alsoReportedBy(s);
  if (others.length > 0) {
    const links = others.map((o) => (o.url ? `<a href="${h(o.url)}">${h(o.name)}</a>` : h(o.name)));
    parts.push(`<p>Also reported by: ${links.join(", ")}</p>`);
  }
  return parts.join("\n");
}

/** Categories: the story's topics, then the canonical article's own tags, each once. */
function storyCategories(s: StoryView): { topics: string[]; tags: string[] } {
  const topics = [...new Set(s.topics)];
  const seen = new Set(topics.map((t) => t.toLowerCase()));
  const tags: string[] = [];
  for (const raw of s.articles[0]?.categories ?? []) {
    const tag = clean(raw).replace(/\s+/g, " ").trim();
    if (!tag || seen.has(tag.toLowerCase())) continue;
    seen.add(tag.toLowerCase());
    tags.push(tag);
  }
  return { topics, tags };
}

const imageTypes: Record<string, string> = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif", svg: "image/svg+xml",
};

function storyImage(s: StoryView): { url: string; type: string } | null {
  for (const a of s.articles) {
    const url = safeUrl(a.imageUrl, a.link, ["http:", "https:"]);
    if (!url) continue;
    const ext = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase() ?? "";
    return { url, type: imageTypes[ext] ?? "image/jpeg" };
  }
  return null;
}

const author = (s: StoryView) => {
  const name = s.articles[0]?.author;
  return name ? clean(name).replace(/\s+/g, " ").trim() || null : null;
};

function feedUpdated(stories: StoryView[], meta: FeedMeta): Date {
  const times = stories.map((s) => s.updated.getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : meta.topicUpdated;
}

interface Resolved {
  meta: FeedMeta;
  self: string;
  page: string;
  language: string;
  ttl: number;
  updated: Date;
  title: string;
}

export function buildFeed(format: FeedFormat, meta: FeedMeta, stories: StoryView[]): BuiltFeed {
  const updated = feedUpdated(stories, meta);
  const r: Resolved = {
    meta,
    self: meta.selfUrl ?? `${meta.baseUrl}/topics/${meta.slug}.${format}`,
    page: meta.pageUrl ?? `${meta.baseUrl}/topics/${meta.slug}`,
    language: meta.language && languageTag.test(meta.language) ? meta.language : "en",
    ttl: Math.max(1, Math.round(meta.ttlMinutes ?? 30)),
    updated,
    title: `${meta.title} · feedloom`,
  };
  const body = format === "json" ? jsonFeed(r, stories) : format === "rss" ? rssFeed(r, stories) : atomFeed(r, stories);
  return { body, contentType: feedContentTypes[format], updated };
}

const rfc822 = (d: Date) => d.toUTCString();
const rfc3339 = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

function rssFeed(r: Resolved, stories: StoryView[]): string {
  const { meta } = r;
  const out: string[] = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">`,
    `<channel>`,
    `<title>${x(r.title)}</title>`,
    `<link>${x(r.page)}</link>`,
    `<description>${x(meta.description || meta.title)}</description>`,
    `<language>${x(r.language)}</language>`,
    `<generator>feedloom ${x(meta.version)}</generator>`,
    `<docs>https://www.rssboard.org/rss-specification</docs>`,
    `<ttl>${r.ttl}</ttl>`,
    `<pubDate>${rfc822(r.updated)}</pubDate>`,
    `<lastBuildDate>${rfc822(r.updated)}</lastBuildDate>`,
    `<atom:link rel="self" type="application/rss+xml" href="${x(r.self)}"/>`,
  ];
  if (meta.hub) out.push(`<atom:link rel="hub" href="${x(meta.hub)}"/>`);
  if (meta.currentUrl) out.push(`<atom:link rel="current" type="application/rss+xml" href="${x(meta.currentUrl)}"/>`);
  if (meta.nextUrl) {
    out.push(`<atom:link rel="next" type="application/rss+xml" href="${x(meta.nextUrl)}"/>`);
    out.push(`<atom:link rel="prev-archive" type="application/rss+xml" href="${x(meta.nextUrl)}"/>`);
  }
  for (const s of stories) {
    const summary = summaryHtml(s);
    const { topics, tags } = storyCategories(s);
    const by = author(s);
    const image = storyImage(s);
    const source = s.articles[0]?.source;
    out.push(`<item>`, `<title>${x(s.title)}</title>`, `<link>${x(storyLink(s, r.page))}</link>`);
    out.push(`<guid isPermaLink="false">${x(storyEntryId(s))}</guid>`);
    out.push(`<pubDate>${rfc822(s.published)}</pubDate>`, `<atom:updated>${rfc3339(s.updated)}</atom:updated>`);
    if (by) out.push(`<dc:creator>${x(by)}</dc:creator>`);
    for (const t of topics) out.push(`<category domain="${x(`${meta.baseUrl}/topics/`)}">${x(t)}</category>`);
    for (const t of tags) out.push(`<category>${x(t)}</category>`);
    out.push(`<description>${x(storyHtml(s, summary))}</description>`);
    if (source) {
      const url = safeUrl(source.url, null, ["http:", "https:"]);
      if (url) out.push(`<source url="${x(url)}">${x(outletName(s.articles[0]!))}</source>`);
    }
    if (image) {
      out.push(`<enclosure url="${x(image.url)}" length="0" type="${image.type}"/>`);
      out.push(`<media:content url="${x(image.url)}" medium="image" type="${image.type}"/>`);
    }
    out.push(`</item>`);
  }
  out.push(`</channel>`, `</rss>`, ``);
  return out.join("\n");
}

/**
 * Atom `<updated>` per entry. Two entries of one document with the same instant (two outlets'
 * stories dated to the same second, or two undated items first seen in one fetch) are told apart by
 * a millisecond each, in story id order, so readers that key on (id, updated) and the W3C validator
 * (DuplicateUpdated) see distinct values; the first keeps the exact instant.
 */
function atomUpdated(stories: StoryView[]): Map<number, string> {
  const groups = new Map<number, StoryView[]>();
  for (const s of stories) groups.set(s.updated.getTime(), [...(groups.get(s.updated.getTime()) ?? []), s]);
  const taken = new Set(groups.keys());
  const out = new Map<number, string>();
  for (const [time, group] of groups) {
    [...group].sort((a, b) => a.id - b.id).forEach((s, i) => {
      let t = time + i;
      while (i > 0 && taken.has(t)) t++;
      if (i > 0) taken.add(t);
      out.set(s.id, rfc3339(new Date(t)));
    });
  }
  return out;
}

const newestOf = (dates: Map<number, string>) => [...dates.values()].sort((a, b) => Date.parse(b) - Date.parse(a))[0];

function atomFeed(r: Resolved, stories: StoryView[]): string {
  const { meta } = r;
  const updatedOf = atomUpdated(stories);
  const out: string[] = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(r.language)}">`,
    `<id>${x(`${meta.baseUrl}/topics/${meta.slug}`)}</id>`,
    `<title type="text">${x(r.title)}</title>`,
    `<subtitle type="text">${x(meta.description || meta.title)}</subtitle>`,
    `<updated>${newestOf(updatedOf) ?? rfc3339(r.updated)}</updated>`,
    `<generator version="${x(meta.version)}">feedloom</generator>`,
    `<author><name>feedloom</name><uri>${x(`${meta.baseUrl}/`)}</uri></author>`,
    `<link rel="self" type="application/atom+xml" href="${x(r.self)}"/>`,
    `<link rel="alternate" type="text/html" href="${x(r.page)}"/>`,
  ];
  if (meta.hub) out.push(`<link rel="hub" href="${x(meta.hub)}"/>`);
  if (meta.currentUrl) out.push(`<link rel="current" type="application/atom+xml" href="${x(meta.currentUrl)}"/>`);
  if (meta.nextUrl) {
    out.push(`<link rel="next" type="application/atom+xml" href="${x(meta.nextUrl)}"/>`);
    out.push(`<link rel="prev-archive" type="application/atom+xml" href="${x(meta.nextUrl)}"/>`);
  }
  for (const s of stories) {
    const summary = summaryHtml(s);
    const { topics, tags } = storyCategories(s);
    const by = author(s);
    const image = storyImage(s);
    const first = s.articles[0];
    const lang = first?.language && languageTag.test(first.language) ? ` xml:lang="${x(first.language)}"` : "";
    out.push(`<entry${lang}>`, `<id>${x(storyEntryId(s))}</id>`, `<title type="text">${x(s.title)}</title>`);
    out.push(`<link rel="alternate" type="text/html" href="${x(storyLink(s, r.page))}"/>`);
    if (image) out.push(`<link rel="enclosure" type="${image.type}" href="${x(image.url)}"/>`);
    out.push(`<published>${rfc3339(s.published)}</published>`, `<updated>${updatedOf.get(s.id) ?? rfc3339(s.updated)}</updated>`);
    if (by) out.push(`<author><name>${x(by)}</name></author>`);
    for (const t of topics) out.push(`<category term="${x(t)}" scheme="${x(`${meta.baseUrl}/topics/`)}"/>`);
    for (const t of tags) out.push(`<category term="${x(t)}"/>`);
    out.push(`<summary type="html">${x(storyHtml(s, summary))}</summary>`);
    const feedUrl = first ? safeUrl(first.source.url, null, ["http:", "https:"]) : null;
    if (first && feedUrl) {
      const site = safeUrl(first.source.siteUrl, null, ["http:", "https:"]);
      out.push(
        `<source>`,
        `<id>${x(feedUrl)}</id>`,
        `<title type="text">${x(outletName(first))}</title>`,
        `<link rel="self" href="${x(feedUrl)}"/>`,
        ...(site ? [`<link rel="alternate" type="text/html" href="${x(site)}"/>`] : []),
        // The article's own date, but never later than the story's (a future date is clamped there).
        `<updated>${rfc3339(new Date(Math.min((first.updated ?? first.published ?? s.updated).getTime(), s.updated.getTime())))}</updated>`,
        `</source>`,
      );
    }
    out.push(`</entry>`);
  }
  out.push(`</feed>`, ``);
  return out.join("\n");
}

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written by hand: `feed` writes version 1. */
function jsonFeed(r: Resolved, stories: StoryView[]): string {
  const { meta } = r;
  const feed: Record<string, unknown> = {
    version: "https://jsonfeed.org/version/1.1",
    title: clean(r.title),
    home_page_url: r.page,
    feed_url: r.self,
    description: clean(meta.description || meta.title),
    language: r.language,
    authors: [{ name: "feedloom", url: `${meta.baseUrl}/` }],
  };
  if (meta.nextUrl) feed.next_url = meta.nextUrl;
  if (meta.hub) feed.hubs = [{ type: "WebSub", url: meta.hub }];
  feed.items = stories.map((s) => {
    const summary = summaryHtml(s);
    const { topics, tags } = storyCategories(s);
    const by = author(s);
    const image = storyImage(s);
    const first = s.articles[0];
    const text = truncateText(htmlToText(summary), 400);
    const item: Record<string, unknown> = {
      id: storyEntryId(s),
      url: storyLink(s, r.page),
      title: clean(s.title),
      content_html: storyHtml(s, summary),
      date_published: rfc3339(s.published),
      date_modified: rfc3339(s.updated),
    };
    if (text) item.summary = text;
    if (image) item.image = image.url;
    if (by) item.authors = [{ name: by }];
    if (topics.length + tags.length > 0) item.tags = [...topics, ...tags];
    if (first?.language && languageTag.test(first.language)) item.language = first.language;
    // Extensions start with an underscore (JSON Feed 1.1 §Extensions): the outlets, machine-readable.
    item._feedloom = {
      topics,
      source: first ? { name: clean(outletName(first)), url: safeUrl(first.link, null, ["http:", "https:"]), feed_url: first.source.url } : null,
      also_reported_by: alsoReportedBy(s).map((o) => ({ name: clean(o.name), url: o.url, feed_url: o.feedUrl })),
    };
    return item;
  });
  return JSON.stringify(feed);
}
