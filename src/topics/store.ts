// Topics as rows, and the story–topic table that topic feeds read.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database, Topic } from "../db/schema.ts";
import { topicMatches } from "../metrics.ts";
import { htmlToText } from "../text/html.ts";
import { topicDefinitionSchema } from "./definition.ts";
import { compileTopic, matchTopics, type CompiledTopic } from "./match.ts";

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

/** The text a story is matched on: the headline and body of every article in it. */
/** One article's part of its story's text. */
export function articleText(a: { title: string; categories: string[]; summary: string | null; content: string | null }): string {
  return [a.title, a.categories.join(" "), htmlToText(a.content ?? a.summary ?? "")].join("\n");
}

async function storyTexts(db: Db, storyIds: number[]): Promise<Map<number, string>> {
  if (storyIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("articles")
    .select(["story_id", "title", "summary", "content", "categories"])
    .where("story_id", "in", storyIds)
    .execute();
  const texts = new Map<number, string[]>();
  for (const r of rows) {
    const parts = texts.get(r.story_id) ?? [];
    parts.push(articleText(r));
    texts.set(r.story_id, parts);
  }
  return new Map([...texts].map(([id, parts]) => [id, parts.join("\n")]));
}

/**
 * Recompute the topics of these stories and make story_topics say exactly that. `known` gives the
 * text of stories the caller has in hand (a story just made of one new article), which is then
 * not read back from the database. Returns the slugs of the topics these stories are now filed
 * under (the feeds they changed), sorted.
 */
export async function matchStories(db: Db, storyIds: number[], topics: CompiledTopic[], known: Map<number, string> = new Map()): Promise<string[]> {
  const ids = [...new Set(storyIds)];
  if (ids.length === 0 || topics.length === 0) return [];
  const texts = new Map([...known, ...(await storyTexts(db, ids.filter((id) => !known.has(id))))]);
  const matched = ids.map((storyId) => ({ storyId, topics: matchTopics(topics, texts.get(storyId) ?? "") }));
  const links = matched.flatMap((m) => m.topics.map((t) => ({ story_id: m.storyId, topic_id: t.id })));
  await db.deleteFrom("story_topics").where("story_id", "in", ids).execute();
  if (links.length > 0) await db.insertInto("story_topics").values(links).execute();
  topicMatches.inc(links.length);
  return [...new Set(matched.flatMap((m) => m.topics.map((t) => t.slug)))].sort();
}

