// Topics as rows, and the story–topic table that topic feeds read.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Topic } from "../db/schema.ts";
import { topicMatches } from "../metrics.ts";
import { searchFields, writeSearchVectors } from "../search/index.ts";
import { htmlToText } from "../text/html.ts";
import { topicDefinitionSchema } from "./definition.ts";
import { compileTopic, matchTopics, type CompiledTopic, type MatchArticle } from "./match.ts";

type Db = Kysely<Database> | Transaction<Database>;

export function listTopics(db: Db): Promise<Topic[]> {
  return db.selectFrom("topics").selectAll().orderBy(sql`slug = 'all'`, "desc").orderBy("slug").execute();
}

export function getTopicBySlug(db: Db, slug: string): Promise<Topic | undefined> {
  return db.selectFrom("topics").selectAll().where("slug", "=", slug).executeTakeFirst();
}

/** Every topic, compiled for matching. A definition that no longer parses is skipped, not fatal. */
export async function loadCompiledTopics(db: Db): Promise<CompiledTopic[]> {
  const rows = await db.selectFrom("topics").select(["id", "slug", "definition"]).execute();
  return rows.flatMap((r) => {
    const def = topicDefinitionSchema.safeParse(r.definition);
    return def.success ? [compileTopic({ id: r.id, slug: r.slug, definition: def.data })] : [];
  });
}

/** One article's part of its story's text (title, categories, body as plain text). */
export function articleText(a: { title: string; categories: string[]; summary: string | null; content: string | null }): string {
  return [a.title, a.categories.join(" "), htmlToText(a.content ?? a.summary ?? "")].join("\n");
}

/** An article as matching sees it. */
export function matchArticle(
  a: { id?: number; title: string; categories: string[]; summary: string | null; content: string | null; language: string | null; derived?: { plainText: string } },
  source: { id: number | null; url: string | null },
): MatchArticle {
  return {
    articleId: a.id,
    title: a.title,
    categories: a.categories,
    text: a.derived?.plainText ?? htmlToText(a.content ?? a.summary ?? ""),
    language: a.language,
    sourceId: source.id,
    sourceUrl: source.url,
  };
}

/** The articles of these stories, read from the database, as matching sees them. */
export async function storyArticles(db: Db, storyIds: number[]): Promise<Map<number, MatchArticle[]>> {
  const out = new Map<number, MatchArticle[]>();
  if (storyIds.length === 0) return out;
  const rows = await db
    .selectFrom("articles as a")
    .innerJoin("sources as s", "s.id", "a.source_id")
    .select(["a.id", "a.story_id", "a.title", "a.summary", "a.content", "a.categories", "a.language", "s.id as source_id", "s.url as source_url"])
    .where("a.story_id", "in", storyIds)
    .orderBy("a.id")
    .execute();
  for (const r of rows) {
    const list = out.get(r.story_id) ?? [];
    list.push(matchArticle(r, { id: r.source_id, url: r.source_url }));
    out.set(r.story_id, list);
  }
  return out;
}

/**
 * Recompute the topics and the search vector of these stories and make story_topics say exactly
 * that. `known` gives the articles of stories the caller has in hand (a story just made of one
 * new article), which are then not read back from the database. Returns the slugs of the topics
 * these stories are now filed under (the feeds they changed), sorted.
 */
export async function matchStories(db: Db, storyIds: number[], topics: CompiledTopic[], known: Map<number, MatchArticle[]> = new Map()): Promise<string[]> {
  const ids = [...new Set(storyIds)];
  if (ids.length === 0) return [];
  const read = await storyArticles(db, ids.filter((id) => !known.has(id)));
  const articles = new Map([...known, ...read]);
  await writeSearchVectors(db, ids.flatMap((storyId) => {
    const list = articles.get(storyId);
    return list && list.length > 0 ? [{ storyId, fields: searchFields(list) }] : [];
  }));
  if (topics.length === 0) return [];
  const matched = ids.map((storyId) => ({ storyId, topics: matchTopics(topics, articles.get(storyId) ?? []) }));
  const links = matched.flatMap((m) => m.topics.map((t) => ({ story_id: m.storyId, topic_id: t.id })));
  await db.deleteFrom("story_topics").where("story_id", "in", ids).execute();
  if (links.length > 0) await db.insertInto("story_topics").values(links).execute();
  topicMatches.inc(links.length);
  return [...new Set(matched.flatMap((m) => m.topics.map((t) => t.slug)))].sort();
}

