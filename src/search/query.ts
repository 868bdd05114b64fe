// Interim search (issue 7's stand-in; the search issue replaces this file with the real one, same
// signature): every word of the query must appear, case-insensitively, in the story's headline or
// in one of its articles' titles or summaries. Parameterised, newest first, paged by the stories' cursor.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { hydrate, type StoryCursor, type StoryPage } from "../store/stories.ts";

export interface SearchOptions {
  limit: number;
  before?: StoryCursor | null;
}

const likePattern = (word: string) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchStories(db: Kysely<Database>, q: string, opts: SearchOptions): Promise<StoryPage> {
  const words = q.split(/\s+/).filter((w) => w !== "").slice(0, 16);
  if (words.length === 0) return { stories: [], next: null };
  const before = opts.before ?? null;
  let query = db
    .selectFrom("stories as s")
    .select(["s.id", "s.uuid", "s.title", "s.published_at", "s.updated_at", "s.canonical_article_id"]);
  for (const word of words) {
    const p = likePattern(word);
    query = query.where((eb) =>
      eb.or([
        eb("s.title", "ilike", p),
        eb.exists(
          eb
            .selectFrom("articles as a")
            .select(sql<number>`1`.as("one"))
            .whereRef("a.story_id", "=", "s.id")
            .where((inner) => inner.or([inner("a.title", "ilike", p), inner("a.summary", "ilike", p)])),
        ),
      ]),
    );
  }
  const rows = await query
    .$if(before !== null, (qb) => qb.where(sql<boolean>`(s.published_at, s.id) < (${before?.published ?? null}, ${before?.id ?? null})`))
    .orderBy("s.published_at", "desc")
    .orderBy("s.id", "desc")
    .limit(opts.limit + 1)
    .execute();
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return { stories: await hydrate(db, page), next: rows.length > opts.limit && last ? { published: last.published_at, id: last.id } : null };
}
