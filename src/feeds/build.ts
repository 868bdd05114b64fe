// Topic feeds: one entry per story, naming every outlet that carried it. RSS 2.0 and Atom 1.0 are
// written by `feed`; JSON Feed 1.1 by us (the package writes version 1). Every string from a source
// is escaped here: entries carry only HTML that we built.
import { Feed, type Item } from "feed";
import { escapeHtml, htmlToText, truncateText } from "../text/html.ts";
import type { StoryView } from "../store/stories.ts";

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
  /** Links other than a topic's (a search feed): the HTML page and this feed's own URL. */
  links?: { home: string; self: string };
}

export interface BuiltFeed {
  body: string;
  contentType: string;
  /** The newest entry's update time: Last-Modified and the feed's own date. */
  updated: Date;
}

// XML 1.0 forbids most C0 controls even as character references; feeds from the wild contain them.
// eslint-disable-next-line no-control-regex
const xmlInvalid = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const clean = (s: string) => s.replace(xmlInvalid, "");

const outletName = (a: StoryView["articles"][number]) => a.source.title ?? new URL(a.source.url).hostname;

/** Entry id: a URN that never changes, whatever joins the story later. */
export const storyEntryId = (s: StoryView) => `urn:uuid:${s.uuid}`;

/** The canonical article's link; without one, its outlet's site (there is no story page yet). */
function storyLink(s: StoryView, baseUrl: string): string {
  const a = s.articles[0];
  return a?.link ?? a?.source.siteUrl ?? `${baseUrl}/`;
}

function summaryText(s: StoryView): string {
  const a = s.articles[0];
  return a ? truncateText(htmlToText(a.summary ?? a.content ?? ""), 400) : "";
}

/** The entry body: a plain-text summary and the outlets, as HTML we wrote ourselves. */
function storyHtml(s: StoryView): string {
  const parts: string[] = [];
  const text = summaryText(s);
  if (text) parts.push(`<p>${escapeHtml(clean(text))}</p>`);
  const outlets = s.articles.map((a) =>
    a.link ? `<a href="${escapeHtml(clean(a.link))}">${escapeHtml(clean(outletName(a)))}</a>` : escapeHtml(clean(outletName(a))),
  );
  if (outlets.length > 0) parts.push(`<p>${outlets.length > 1 ? "Reported by" : "Source"}: ${outlets.join(", ")}</p>`);
  return parts.join("");
}

function feedUpdated(stories: StoryView[], meta: FeedMeta): Date {
  const times = stories.map((s) => s.updated.getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : meta.topicUpdated;
}

export function buildFeed(format: FeedFormat, meta: FeedMeta, stories: StoryView[]): BuiltFeed {
  const updated = feedUpdated(stories, meta);
  const self = meta.links?.self ?? `${meta.baseUrl}/topics/${meta.slug}.${format}`;
  const body = format === "json" ? jsonFeed(meta, stories, self) : xmlFeed(format, meta, stories, updated);
  return { body, contentType: feedContentTypes[format], updated };
}

function xmlFeed(format: "rss" | "atom", meta: FeedMeta, stories: StoryView[], updated: Date): string {
  const feed = new Feed({
    id: meta.links?.home ?? `${meta.baseUrl}/topics/${meta.slug}`,
    title: clean(`${meta.title} · feedloom`),
    description: clean(meta.description),
    link: meta.links?.home ?? `${meta.baseUrl}/topics/${meta.slug}`,
    language: "en",
    updated,
    generator: `feedloom ${meta.version}`,
    ttl: 30,
    feedLinks: { [format]: meta.links?.self ?? `${meta.baseUrl}/topics/${meta.slug}.${format}` },
  });
  for (const s of stories) {
    const first = s.articles[0];
    const item: Item = {
      id: storyEntryId(s),
      guid: storyEntryId(s),
      // `feed` declares Atom titles type="html": the plain-text headline must be escaped for that.
      title: clean(format === "atom" ? escapeHtml(s.title) : s.title),
      link: clean(storyLink(s, meta.baseUrl)),
      date: s.updated,
      published: s.published,
      description: storyHtml(s),
      category: s.topics.map((slug) => ({ name: slug, term: slug })),
    };
    if (first?.author) item.author = [{ name: clean(first.author) }];
    feed.addItem(item);
  }
  return format === "rss" ? feed.rss2() : feed.atom1();
}

function jsonFeed(meta: FeedMeta, stories: StoryView[], self: string): string {
  return JSON.stringify({
    version: "https://jsonfeed.org/version/1.1",
    title: `${meta.title} · feedloom`,
    home_page_url: meta.links?.home ?? `${meta.baseUrl}/topics/${meta.slug}`,
    feed_url: self,
    description: meta.description,
    language: "en",
    items: stories.map((s) => ({
      id: storyEntryId(s),
      url: storyLink(s, meta.baseUrl),
      title: s.title,
      content_html: storyHtml(s),
      summary: summaryText(s) || undefined,
      date_published: s.published.toISOString(),
      date_modified: s.updated.toISOString(),
      tags: s.topics.length > 0 ? s.topics : undefined,
      authors: s.articles[0]?.author ? [{ name: s.articles[0].author }] : undefined,
    })),
  });
}
