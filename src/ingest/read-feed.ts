// decode → parse → normalise for one response body. Pure CPU work with no I/O, so it can run on a
// parse thread (src/ingest/parse-pool.ts) as well as inline; both paths call this one function.
import type { ArticleInput } from "../normalise/article.ts";
import { normaliseFeed } from "../normalise/article.ts";
import { decodeFeed } from "../parse/charset.ts";
import { parseFeed, type ParsedFeed } from "../parse/feed.ts";

/** What ingest needs of a feed once its items have become articles. */
export type FeedSummary = Omit<ParsedFeed, "items">;

export type FeedReading = { ok: true; feed: FeedSummary; articles: ArticleInput[] } | { ok: false; error: string };

export interface FeedBody {
  body: Uint8Array;
  contentType: string | null;
  /** The URL the body came from (after redirects): relative links resolve against it. */
  url: string;
}

/** A way to read bodies: inline, or on a parse thread. */
export type FeedReader = (input: FeedBody) => Promise<FeedReading>;

export async function readFeed(input: FeedBody): Promise<FeedReading> {
  try {
    const decoded = decodeFeed(input.body, input.contentType);
    const parsed = await parseFeed(decoded.text, input.url);
    if (decoded.repaired) parsed.warnings.unshift(`bytes that were not valid ${decoded.encoding} were repaired`);
    const articles = normaliseFeed(parsed);
    const { items: _items, ...feed } = parsed;
    return { ok: true, feed, articles };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
