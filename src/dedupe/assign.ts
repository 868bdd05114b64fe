// Which story does each new article belong to? For now every article starts its own story; the
// deduplication stage adds URL, fingerprint and near-duplicate matching here, returning an
// existing story id for an article that republishes one.
import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import type { ArticleInput } from "../normalise/article.ts";

type Trx = Transaction<Database>;

/** A story's date: the article's, but never in the future (a wrong clock upstream must not pin it to the top). */
export function storyDate(article: ArticleInput, now: Date): Date {
  const published = article.publishedAt;
  return published && published.getTime() <= now.getTime() ? published : now;
}

/** A story is as new as its article, not as the moment we fetched it: feed dates stay stable. */
function storyUpdated(article: ArticleInput, published: Date, now: Date): Date {
  const updated = article.updatedAt;
  return updated && updated > published && updated <= now ? updated : published;
}

export interface StoryAssignment {
  storyId: number;
  /** True when the article starts the story (it becomes the story's canonical article). */
  created: boolean;
}

const CHUNK = 500; // rows per statement, well under Postgres's 65,535 parameters

/** Stories for new articles, in input order: one statement per chunk, not one per article. */
export async function assignStories(trx: Trx, _sourceId: number, articles: ArticleInput[], now: Date): Promise<StoryAssignment[]> {
  const assignments: StoryAssignment[] = [];
  for (let i = 0; i < articles.length; i += CHUNK) {
    const rows = articles.slice(i, i + CHUNK).map((a) => {
      const published = storyDate(a, now);
      return { uuid: randomUUID(), title: a.title, published_at: published, updated_at: storyUpdated(a, published, now) };
    });
    const inserted = await trx.insertInto("stories").values(rows).returning(["id", "uuid"]).execute();
    const idByUuid = new Map(inserted.map((r) => [r.uuid, r.id]));
    for (const r of rows) assignments.push({ storyId: idByUuid.get(r.uuid) as number, created: true });
  }
  return assignments;
}
