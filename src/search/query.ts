// Search: the stories whose weighted vector (stories.search, GIN) matches a query typed by anyone,
// newest first, paged by the same cursor as listStories. Any string is safe: it is cleaned, cut to
// 500 characters and parsed by websearch_to_tsquery, which never raises a syntax error ("quoted
// phrases", -exclusions, `or`). Old data stays fast because the search steps back through 30-day
// windows from the cursor (or the newest story), skipping stretches without stories, at most 12 per
// request: each step is a bounded index query; a page that could not be filled within a year ends with a cursor to continue from.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { hydrate, type StoryCursor, type StoryPage, type StoryRow } from "../store/stories.ts";

export interface SearchOptions {
  limit: number;
  before?: StoryCursor | null;
}

export const SEARCH_MAX_QUERY = 500;
const WINDOW_MS = 30 * 86_400_000;
const MAX_WINDOWS = 12;

/** The query as it is searched: no control characters (Postgres text cannot hold NUL), single spaces, at most 500 characters. */
export function cleanQuery(q: string): string {
  // eslint-disable-next-line no-control-regex
  return q.replace(/[\u0000-\u001f\u007f\ufffe\uffff]/g, " ").replace(/\s+/g, " ").trim().slice(0, SEARCH_MAX_QUERY).replace(/[\ud800-\udbff]$/, "");
}

export async function searchStories(db: Kysely<Database>, q: string, opts: SearchOptions): Promise<StoryPage> {
  const text = cleanQuery(q);
  const limit = Math.max(1, Math.min(Math.floor(opts.limit) || 1, 200));
  if (text === "") return { stories: [], next: null };
  // A query of stop words only ("the") is an empty tsquery: nothing to find, no scan.
  const parsed = await sql<{ q: string }>`SELECT websearch_to_tsquery('russian', ${text})::text AS q`.execute(db);
  if ((parsed.rows[0]?.q ?? "") === "") return { stories: [], next: null };

  const bounds = await db.selectFrom("stories").select([(eb) => eb.fn.min("published_at").as("oldest"), (eb) => eb.fn.max("published_at").as("newest")]).executeTakeFirst();
  const oldest = bounds?.oldest ? new Date(bounds.oldest) : null;
  const newest = bounds?.newest ? new Date(bounds.newest) : null;
  if (!oldest || !newest) return { stories: [], next: null };

  // The upper bound: the cursor, or just past the newest story.
  let hi: StoryCursor = opts.before ?? { published: new Date(newest.getTime() + 1), id: 0 };
  const rows: StoryRow[] = [];
  let exhausted = hi.published.getTime() <= oldest.getTime();
  for (let windows = 0; !exhausted && rows.length <= limit && windows < MAX_WINDOWS; windows++) {
    const lo = new Date(hi.published.getTime() - WINDOW_MS);
    const found = await db
      .selectFrom("stories as s")
      .select(["s.id", "s.uuid", "s.title", "s.published_at", "s.updated_at", "s.canonical_article_id"])
      .where(sql<boolean>`s.search @@ websearch_to_tsquery('russian', ${text})`)
      .where("s.published_at", ">=", lo)
      .where(sql<boolean>`(s.published_at, s.id) < (${hi.published}, ${hi.id})`)
      .orderBy("s.published_at", "desc")
      .orderBy("s.id", "desc")
      .limit(limit + 1 - rows.length)
      .execute();
    rows.push(...found);
    // The next window starts at the next older story: a stretch with no stories at all is skipped (an index look-up).
    const older = await db.selectFrom("stories").select("published_at").where("published_at", "<", lo).orderBy("published_at", "desc").limit(1).executeTakeFirst();
    if (older) hi = { published: new Date(older.published_at.getTime() + 1), id: 0 };
    else exhausted = true;
  }
  const page = rows.slice(0, limit);
  const stories = await hydrate(db, page);
  let next: StoryCursor | null = null;
  if (rows.length > limit) next = { published: page.at(-1)!.published_at, id: page.at(-1)!.id };
  else if (!exhausted) next = hi; // twelve windows searched; older stories remain
  return { stories, next };
}
