// ParsedFeed → one ArticleInput per item identity. HTML stays as parsed (sanitising happens at
// output); dates are kept as published, future ones included.
import type { Features } from "../dedupe/features.ts";
import type { ParsedFeed, ParsedItem } from "../parse/feed.ts";
import { sha256Hex } from "./hash.ts";

export interface ArticleInput {
  /** Per-source identity: guid (RSS 1.0: rdf:about), else link (absolute), else "sha256:" + a hash of the title (or, without one, the text) and the date. */
  identity: string;
  guid: string | null;
  link: string | null;
  /** The publisher's own URL when the feed gives one besides `link` (FeedBurner origLink): preferred for deduplication. */
  origLink?: string | null;
  title: string;
  /** HTML as parsed (sanitising happens at output). */
  summary: string | null;
  content: string | null;
  author: string | null;
  categories: string[];
  /** As published (a future date is kept as given); null if missing or unreadable. */
  publishedAt: Date | null;
  updatedAt: Date | null;
  imageUrl: string | null;
  /** Item language if known, else the feed's. */
  language: string | null;
  /** sha256 hex over title, link, summary, content, author, categories: changes when the article is edited. */
  contentHash: string;
  /**
   * Worked out with the parse (on a parse thread, off the main thread), when it was: the body as
   * plain text (topic matching) and the deduplication features and index keys. Absent: computed
   * where needed. Never stored as such.
   */
  derived?: { plainText: string; features: Features; keys: string[] };
}

export function itemIdentity(item: ParsedItem): string {
  const guid = item.guid?.trim() || item.about?.trim();
  if (guid) return guid;
  const link = item.link?.trim();
  if (link) return link;
  // No id and no link: what the item says is what identifies it (its title, else its text).
  const text = item.title || item.summaryHtml || item.contentHtml || "";
  return `sha256:${sha256Hex(`${text}\n${item.published?.toISOString() ?? ""}`)}`;
}

export function contentHash(item: ParsedItem): string {
  // JSON keeps field boundaries unambiguous ("a" + "bc" ≠ "ab" + "c").
  return sha256Hex(JSON.stringify([item.title, item.link, item.summaryHtml, item.contentHtml, item.author, item.categories]));
}

function toArticle(item: ParsedItem, identity: string, feedLanguage: string | null): ArticleInput {
  return {
    identity,
    guid: item.guid,
    link: item.link,
    origLink: item.origLink ?? null,
    title: item.title,
    summary: item.summaryHtml,
    content: item.contentHtml,
    author: item.author,
    categories: item.categories,
    publishedAt: item.published,
    updatedAt: item.updated,
    imageUrl: item.imageUrl,
    language: item.language ?? feedLanguage,
    contentHash: contentHash(item),
  };
}

/** An identity repeated within one feed is one article: the first occurrence is kept. */
export function normaliseFeed(feed: ParsedFeed): ArticleInput[] {
  const seen = new Set<string>();
  const articles: ArticleInput[] = [];
  for (const item of feed.items) {
    const identity = itemIdentity(item);
    if (seen.has(identity)) continue;
    seen.add(identity);
    articles.push(toArticle(item, identity, feed.language));
  }
  return articles;
}
