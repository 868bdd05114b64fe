// Which story does a new article belong to? For now every article starts its own story; the
// deduplication stage replaces `findStory` with URL, fingerprint and near-duplicate matching.
import type { Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import type { ArticleInput } from "../normalise/article.ts";

type Trx = Transaction<Database>;

/** An existing story this article republishes, or null for a new story. */
export async function findStory(_trx: Trx, _sourceId: number, _article: ArticleInput): Promise<number | null> {
  return null;
}

/** A story's date: the article's, but never in the future (a wrong clock upstream must not pin it to the top). */
export function storyDate(article: ArticleInput, now: Date): Date {
  const published = article.publishedAt;
  return published && published.getTime() <= now.getTime() ? published : now;
}

export async function createStory(trx: Trx, article: ArticleInput, now: Date): Promise<number> {
  const published = storyDate(article, now);
  // A story is as new as its article, not as the moment we fetched it: feed dates stay stable.
  const updated = article.updatedAt && article.updatedAt > published && article.updatedAt <= now ? article.updatedAt : published;
  const row = await trx
    .insertInto("stories")
    .values({ title: article.title, published_at: published, updated_at: updated })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
