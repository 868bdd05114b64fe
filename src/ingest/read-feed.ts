// decode → parse → normalise for one response body. Pure CPU work with no I/O, so it can run on a
// parse thread (src/ingest/parse-pool.ts) as well as inline; both paths call this one function.
import { dedupKeys, features } from "../dedupe/features.ts";
import type { ArticleInput } from "../normalise/article.ts";
import { normaliseFeed } from "../normalise/article.ts";
import { htmlToText } from "../text/html.ts";
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

/** The per-article text work of the later stages, done here so that it runs on the parse thread. */
export function withDerived(a: ArticleInput): ArticleInput {
  const plainText = htmlToText(a.content ?? a.summary ?? "");
  const f = features(a, undefined, plainText);
  return { ...a, derived: { plainText, features: f, keys: dedupKeys(f) } };
}

export async function readFeed(input: FeedBody): Promise<FeedReading> {
  try {
    const decoded = decodeFeed(input.body, input.contentType);
    const parsed = await parseFeed(decoded.text, input.url);
    if (decoded.repaired) parsed.warnings.unshift(`bytes that were not valid ${decoded.encoding} were repaired`);
    const articles = normaliseFeed(parsed).map(withDerived);
    const { items: _items, ...feed } = parsed;
    return { ok: true, feed, articles };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
