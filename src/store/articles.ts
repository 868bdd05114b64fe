// Articles: one row per item per source, identified within its source. A known identity whose
// content changed is updated in place (never a second article, never a new feed entry). New
// articles are written a chunk at a time: a feed of 50 new items costs a handful of statements.
import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import { assignStories, defaultDedupOptions, lockStories, type DedupOptions, type StoryAssignment } from "../dedupe/assign.ts";
import { encodeFeatures } from "../dedupe/encode.ts";
import { dedupKeys, features } from "../dedupe/features.ts";
import type { ArticleInput } from "../normalise/article.ts";

type Trx = Transaction<Database>;

export type ArticleChange = "new" | "updated" | "unchanged";

export interface StoredArticle {
  articleId: number;
  identity: string;
  storyId: number;
  change: ArticleChange;
  /** The article started its story (it is the story's only article so far). */
  storyCreated: boolean;
}

const CHUNK = 500;

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

export async function storeArticles(trx: Trx, sourceId: number, inputs: ArticleInput[], now: Date, dedup: DedupOptions = defaultDedupOptions): Promise<StoredArticle[]> {
  if (inputs.length === 0) return [];
  const byIdentity = new Map<string, { id: number; story_id: number; content_hash: string }>();
  for (let i = 0; i < inputs.length; i += CHUNK) {
    const rows = await trx
      .selectFrom("articles")
      .select(["id", "identity", "story_id", "content_hash"])
      .where("source_id", "=", sourceId)
      .where("identity", "in", inputs.slice(i, i + CHUNK).map((a) => a.identity))
      .execute();
    for (const r of rows) byIdentity.set(r.identity, r);
  }

  // Oldest first (feeds list newest first), so that an original is stored before its republications.
  const ordered = [...inputs].reverse();
  const fresh = ordered.filter((a) => !byIdentity.has(a.identity));
  if (dedup.enabled && inputs.some((a) => byIdentity.get(a.identity)?.content_hash !== a.contentHash)) await lockStories(trx);
  const stored: StoredArticle[] = await insertArticles(trx, sourceId, fresh, now, dedup);
  const unchanged: number[] = [];
  for (const input of ordered) {
    const known = byIdentity.get(input.identity);
    if (!known) continue;
    if (known.content_hash !== input.contentHash) {
      await updateArticle(trx, known.id, known.story_id, input, now, dedup);
      stored.push({ articleId: known.id, identity: input.identity, storyId: known.story_id, change: "updated", storyCreated: false });
    } else {
      unchanged.push(known.id);
      stored.push({ articleId: known.id, identity: input.identity, storyId: known.story_id, change: "unchanged", storyCreated: false });
    }
  }
  for (let i = 0; i < unchanged.length; i += CHUNK) {
    await trx.updateTable("articles").set({ last_seen_at: now }).where("id", "in", unchanged.slice(i, i + CHUNK)).execute();
  }
  return stored;
}

async function insertArticles(trx: Trx, sourceId: number, inputs: ArticleInput[], now: Date, dedup: DedupOptions): Promise<StoredArticle[]> {
  if (inputs.length === 0) return [];
  // Stories first: a new story already names its canonical article (the id is taken from the
  // sequence), so no UPDATE of stories follows the insert.
  const stories = await assignStories(trx, sourceId, inputs, now, dedup);
  const stored: StoredArticle[] = [];
  for (let i = 0; i < inputs.length; i += CHUNK) {
    const chunk = inputs.slice(i, i + CHUNK);
    await trx
      .insertInto("articles")
      .values(
        chunk.map((input, j) => {
          const story = stories[i + j] as StoryAssignment;
          return {
            id: story.articleId,
            source_id: sourceId,
            story_id: story.storyId,
            identity: input.identity,
            ...columns(input),
            updated_at: input.updatedAt,
            first_seen_at: now,
            last_seen_at: now,
            canonical_url: story.canonicalUrl,
            dedup_keys: story.dedupKeys,
            dedup_features: story.dedupFeatures,
          };
        }),
      )
      .execute();
    chunk.forEach((input, j) => {
      const story = stories[i + j] as StoryAssignment;
      stored.push({ articleId: story.articleId, identity: input.identity, storyId: story.storyId, change: "new", storyCreated: story.created });
    });
  }
  return stored;
}

async function updateArticle(trx: Trx, articleId: number, storyId: number, input: ArticleInput, now: Date, dedup: DedupOptions): Promise<void> {
  // An edit keeps the article in its story (stable entry); only the keys and features that find and judge its copies follow the text.
  const f = input.derived?.features ?? features(input);
  const keys = dedup.enabled ? (input.derived?.keys ?? dedupKeys(f)) : [];
  const encoded = dedup.enabled ? encodeFeatures(f) : null;
  await trx
    .updateTable("articles")
    .set({ ...columns(input), updated_at: input.updatedAt ?? now, last_seen_at: now, canonical_url: f.canonicalUrl, dedup_keys: keys, dedup_features: encoded })
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
