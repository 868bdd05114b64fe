// Articles: one row per item per source, identified within its source. A known identity whose
// content changed is updated in place (never a second article, never a new feed entry).
import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import { createStory, findStory } from "../dedupe/assign.ts";
import type { ArticleInput } from "../normalise/article.ts";

type Trx = Transaction<Database>;

export type ArticleChange = "new" | "updated" | "unchanged";

export interface StoredArticle {
  articleId: number;
  storyId: number;
  change: ArticleChange;
}

const columns = (a: ArticleInput) => ({
  guid: a.guid,
  link: a.link,
  title: a.title,
  summary: a.summary,
  content: a.content,
  author: a.author,
  categories: a.categories,
  image_url: a.imageUrl,
  language: a.language,
  published_at: a.publishedAt,
  content_hash: a.contentHash,
});

export async function storeArticles(trx: Trx, sourceId: number, inputs: ArticleInput[], now: Date): Promise<StoredArticle[]> {
  if (inputs.length === 0) return [];
  const existing = await trx
    .selectFrom("articles")
    .select(["id", "identity", "story_id", "content_hash"])
    .where("source_id", "=", sourceId)
    .where("identity", "in", inputs.map((a) => a.identity))
    .execute();
  const byIdentity = new Map(existing.map((r) => [r.identity, r]));

  const stored: StoredArticle[] = [];
  const seen: number[] = [];
  // Oldest first, so that within one fetch an original is stored before its republications.
  for (const input of [...inputs].reverse()) {
    const known = byIdentity.get(input.identity);
    if (!known) {
      stored.push(await insertArticle(trx, sourceId, input, now));
    } else if (known.content_hash !== input.contentHash) {
      await updateArticle(trx, known.id, known.story_id, input, now);
      stored.push({ articleId: known.id, storyId: known.story_id, change: "updated" });
    } else {
      seen.push(known.id);
      stored.push({ articleId: known.id, storyId: known.story_id, change: "unchanged" });
    }
  }
  if (seen.length > 0) {
    await trx.updateTable("articles").set({ last_seen_at: now }).where("id", "in", seen).execute();
  }
  return stored;
}

async function insertArticle(trx: Trx, sourceId: number, input: ArticleInput, now: Date): Promise<StoredArticle> {
  const joined = await findStory(trx, sourceId, input);
  const storyId = joined ?? (await createStory(trx, input, now));
  const row = await trx
    .insertInto("articles")
    .values({
      source_id: sourceId,
      story_id: storyId,
      identity: input.identity,
      ...columns(input),
      updated_at: input.updatedAt,
      first_seen_at: now,
      last_seen_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (joined === null) {
    await trx.updateTable("stories").set({ canonical_article_id: row.id }).where("id", "=", storyId).execute();
  } else {
    await trx.updateTable("stories").set({ updated_at: now }).where("id", "=", storyId).execute();
  }
  return { articleId: row.id, storyId, change: "new" };
}

async function updateArticle(trx: Trx, articleId: number, storyId: number, input: ArticleInput, now: Date): Promise<void> {
  await trx
    .updateTable("articles")
    .set({ ...columns(input), updated_at: input.updatedAt ?? now, last_seen_at: now })
    .where("id", "=", articleId)
    .execute();
  // The story shows its canonical article's headline: follow an edit of that article.
  await trx
    .updateTable("stories")
    .set({
      updated_at: now,
      title: sql<string>`CASE WHEN canonical_article_id = ${articleId} THEN ${input.title} ELSE title END`,
    })
    .where("id", "=", storyId)
    .execute();
}
