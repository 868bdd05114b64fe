// Discovery: what is at a URL an operator gives us? A feed (previewed), or an HTML page whose
// <link rel="alternate"> tags name its feeds; failing those, the usual paths (/feed, /rss.xml,
// /atom.xml, /index.xml) are tried. Every request goes through the fetcher, so the same address
// rules, limits and timeouts apply as to any fetch.
import { fetchFeed, type FetchOptions } from "../fetch/fetcher.ts";
import { decodeFeed } from "../parse/charset.ts";
import { parseFeed, type ParsedFeed } from "../parse/feed.ts";
import { decodeHtmlEntities } from "../text/html.ts";

export interface FeedCandidate {
  url: string;
  title: string | null;
  /** The MIME type the page declared, or the one the guessed URL answered with. */
  type: string | null;
  /** "link": named by the page's <link rel="alternate">; "guess": a usual path that answered with a feed. */
  found: "link" | "guess";
}

export interface FeedPreview {
  title: string | null;
  siteUrl: string | null;
  format: ParsedFeed["format"];
  itemCount: number;
  newest: Array<{ title: string; link: string | null; published: string | null }>;
  /** Validators the server sent: with either, later fetches can be answered with 304. */
  conditionalGet: { supported: boolean; etag: boolean; lastModified: boolean };
}

export type Inspection =
  | { kind: "feed"; url: string; preview: FeedPreview }
  | { kind: "page"; url: string; candidates: FeedCandidate[] }
  | { kind: "error"; status: number | null; message: string };

const FEED_TYPES = /^application\/(rss|atom|rdf|feed)\+(xml|json)$|^application\/(xml|json)$|^text\/xml$/i;
export const FALLBACK_PATHS = ["/feed", "/rss.xml", "/atom.xml", "/index.xml"];

const looksLikeHtml = (contentType: string | null, text: string) =>
  /text\/html|application\/xhtml/i.test(contentType ?? "") || /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>])/i.test(text);

export function previewOf(feed: ParsedFeed, validators: { etag: string | null; lastModified: string | null }): FeedPreview {
  const dated = [...feed.items].sort((a, b) => (b.published?.getTime() ?? 0) - (a.published?.getTime() ?? 0));
  return {
    title: feed.title,
    siteUrl: feed.link,
    format: feed.format,
    itemCount: feed.items.length,
    newest: dated.slice(0, 5).map((i) => ({ title: i.title, link: i.link, published: i.published?.toISOString() ?? null })),
    conditionalGet: { supported: validators.etag !== null || validators.lastModified !== null, etag: validators.etag !== null, lastModified: validators.lastModified !== null },
  };
}

/** Attributes of one tag, names lower-cased, entities decoded. */
function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const a of tag.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    attrs.set((a[1] ?? "").toLowerCase(), decodeHtmlEntities(a[2] ?? a[3] ?? a[4] ?? ""));
  }
  return attrs;
}

/** Every <link rel="alternate"> with a feed type, resolved against the page (and its <base href>). */
export function feedLinks(html: string, pageUrl: string): FeedCandidate[] {
  const head = html.replace(/<!--[\s\S]*?-->/g, "");
  let base = pageUrl;
  const baseTag = /<base\b[^>]*>/i.exec(head);
  const baseHref = baseTag ? attributes(baseTag[0]).get("href") : undefined;
  if (baseHref) base = URL.canParse(baseHref, pageUrl) ? new URL(baseHref, pageUrl).href : pageUrl;
  const seen = new Set<string>();
  const out: FeedCandidate[] = [];
  for (const m of head.matchAll(/<link\b[^>]*>/gi)) {
    const a = attributes(m[0]);
    const rel = (a.get("rel") ?? "").toLowerCase().split(/\s+/);
    const type = a.get("type")?.trim() ?? "";
    const href = a.get("href")?.trim();
    if (!rel.includes("alternate") || !href || !FEED_TYPES.test(type) || !URL.canParse(href, base)) continue;
    const url = new URL(href, base);
    if (url.protocol !== "http:" && url.protocol !== "https:") continue;
    url.hash = "";
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    out.push({ url: url.href, title: a.get("title")?.trim() || null, type, found: "link" });
  }
  return out;
}

type Fetched = { kind: "feed"; url: string; feed: ParsedFeed; etag: string | null; lastModified: string | null; contentType: string | null } | { kind: "page"; url: string; html: string } | { kind: "error"; status: number | null; message: string };

async function fetchOnce(url: string, opts: FetchOptions): Promise<Fetched> {
  const r = await fetchFeed({ url }, opts);
  if (r.kind === "error") return { kind: "error", status: r.status, message: r.message };
  if (r.kind === "not-modified") return { kind: "error", status: 304, message: "the server answered 304 Not Modified to a request without validators" };
  const decoded = decodeFeed(r.body, r.contentType);
  if (looksLikeHtml(r.contentType, decoded.text)) return { kind: "page", url: r.url, html: decoded.text };
  try {
    const feed = await parseFeed(decoded.text, r.url);
    return { kind: "feed", url: r.url, feed, etag: r.etag, lastModified: r.lastModified, contentType: r.contentType };
  } catch (err) {
    return { kind: "error", status: r.status, message: err instanceof Error ? err.message : String(err) };
  }
}

/** Fetch `url` once and say what it is; an HTML page is searched for feeds (links, then the usual paths). */
export async function inspectUrl(url: string, opts: FetchOptions): Promise<Inspection> {
  const first = await fetchOnce(url, opts);
  if (first.kind === "error") return first;
  if (first.kind === "feed") return { kind: "feed", url: first.url, preview: previewOf(first.feed, first) };
  const linked = feedLinks(first.html, first.url);
  if (linked.length > 0) return { kind: "page", url: first.url, candidates: linked };
  const guesses = await Promise.all(
    FALLBACK_PATHS.map(async (path): Promise<FeedCandidate | null> => {
      const r = await fetchOnce(new URL(path, first.url).href, opts);
      return r.kind === "feed" ? { url: r.url, title: r.feed.title, type: r.contentType?.split(";")[0]?.trim() ?? null, found: "guess" } : null;
    }),
  );
  const found = guesses.filter((g): g is FeedCandidate => g !== null);
  return { kind: "page", url: first.url, candidates: found.filter((g, i) => found.findIndex((o) => o.url === g.url) === i) };
}
