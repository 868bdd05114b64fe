// Reading stories with their articles, sources and topics: what the API, the feeds and the pages
// show. Newest first, paged by a cursor on (published_at, id) so pages never skip or repeat.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

export interface SourceRef {
  id: number;
  title: string | null;
  url: string;
  siteUrl: string | null;
}

export interface ArticleView {
  id: number;
  source: SourceRef;
  guid: string | null;
  link: string | null;
  title: string;
  published: Date | null;
  updated: Date | null;
  summary: string | null;
  content: string | null;
  author: string | null;
  categories: string[];
  imageUrl: string | null;
  language: string | null;
}

export interface StoryView {
  id: number;
  uuid: string;
  title: string;
  published: Date;
  updated: Date;
  topics: string[];
  /** The canonical article first, then the others oldest first. */
  articles: ArticleView[];
}

export interface StoryCursor {
  published: Date;
  id: number;
}

export function encodeCursor(c: StoryCursor): string {
  return Buffer.from(`${c.published.toISOString()}|${c.id}`).toString("base64url");
}

/** The cursor, or null when it is not one of ours. */
export function decodeCursor(s: string): StoryCursor | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(\d{1,15})$/.exec(Buffer.from(s, "base64url").toString("utf8"));
  if (!m) return null;
  const published = new Date(m[1] as string);
  return Number.isNaN(published.getTime()) ? null : { published, id: Number(m[2]) };
}

export interface StoryPage {
  stories: StoryView[];
  next: StoryCursor | null;
}

export async function listStories(
  db: Kysely<Database>,
  opts: { topicId: number; limit: number; before?: StoryCursor | null; textChars?: number },
): Promise<StoryPage> {
  const before = opts.before;
  const rows = await db
    .selectFrom("story_topics as st")
    .innerJoin("stories as s", "s.id", "st.story_id")
    .select(["s.id", "s.uuid", "s.title", "s.published_at", "s.updated_at", "s.canonical_article_id"])
    .where("st.topic_id", "=", opts.topicId)
    // story_topics carries the story's date (migration 0004): the newest of a topic come from one index.
    .$if(before != null, (q) => q.where(sql<boolean>`(st.published_at, st.story_id) < (${before?.published ?? null}, ${before?.id ?? null})`))
    .orderBy("st.published_at", "desc")
    .orderBy("st.story_id", "desc")
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit);
  const stories = await hydrate(db, page, opts);
  const last = page.at(-1);
  return { stories, next: rows.length > opts.limit && last ? { published: last.published_at, id: last.id } : null };
}

/** One story by its stable public id, or undefined (also for a string that is not a uuid). */
export async function getStoryByUuid(db: Kysely<Database>, uuid: string): Promise<StoryView | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  const row = await db
    .selectFrom("stories")
    .select(["id", "uuid", "title", "published_at", "updated_at", "canonical_article_id"])
    .where("uuid", "=", uuid.toLowerCase())
    .executeTakeFirst();
  return row ? (await hydrate(db, [row]))[0] : undefined;
}

export interface StoryRow {
  id: number;
  uuid: string;
  title: string;
  published_at: Date;
  updated_at: Date;
  canonical_article_id: number | null;
}

export interface HydrateOptions {
  /** Read summaries and contents cut to this many characters: a page showing a short summary need
   * not carry every article's full text from the database. */
  textChars?: number;
}

/** Stories' articles, sources and topics for rows read elsewhere (a topic page, a search). */
export async function hydrate(db: Kysely<Database>, rows: StoryRow[], opts: HydrateOptions = {}): Promise<StoryView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [articles, topics] = await Promise.all([
    db
      .selectFrom("articles as a")
      .innerJoin("sources as src", "src.id", "a.source_id")
      .select([
        "a.id", "a.story_id", "a.guid", "a.link", "a.title", "a.published_at", "a.updated_at",
        opts.textChars === undefined ? "a.summary" : sql<string | null>`left(a.summary, ${opts.textChars})`.as("summary"),
        opts.textChars === undefined ? "a.content" : sql<string | null>`left(a.content, ${opts.textChars})`.as("content"),
        "a.author", "a.categories", "a.image_url", "a.language", "a.first_seen_at",
        "src.id as source_id", "src.title as source_title", "src.url as source_url", "src.site_url as source_site_url",
      ])
      .where("a.story_id", "in", ids)
      .orderBy(sql`coalesce(a.published_at, a.first_seen_at)`)
      .orderBy("a.id")
      .execute(),
    db
      .selectFrom("story_topics as st")
      .innerJoin("topics as t", "t.id", "st.topic_id")
      .select(["st.story_id", "t.slug"])
      .where("st.story_id", "in", ids)
      .where("t.slug", "<>", "all")
      .orderBy("t.slug")
      .execute(),
  ]);
  return rows.map((r) => {
    const own = articles
      .filter((a) => a.story_id === r.id)
      .sort((a, b) => Number(b.id === r.canonical_article_id) - Number(a.id === r.canonical_article_id));
    return {
      id: r.id,
      uuid: r.uuid,
      title: r.title,
      published: r.published_at,
      updated: r.updated_at,
      topics: topics.filter((t) => t.story_id === r.id).map((t) => t.slug),
      articles: own.map((a) => ({
        id: a.id,
        source: { id: a.source_id, title: a.source_title, url: a.source_url, siteUrl: a.source_site_url },
        guid: a.guid,
        link: a.link,
        title: a.title,
        published: a.published_at,
        updated: a.updated_at,
        summary: a.summary,
        content: a.content,
        author: a.author,
        categories: a.categories,
        imageUrl: a.image_url,
        language: a.language,
      })),
    };
  });
}
