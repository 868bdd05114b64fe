// The weighted full-text vector of each story (stories.search, GIN-indexed): title A, feed
// categories B, lead C, the rest of the body D. The `russian` configuration stems Latin-script
// words with the English Snowball stemmer and Cyrillic words with the Russian one; Ukrainian has no
// stemmer in Postgres, so its words are kept as written (lower case) and matched by prefix aliases.
import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import { splitLead, type MatchArticle } from "../topics/match.ts";

type Db = Kysely<Database> | Transaction<Database>;

export const SEARCH_CONFIG = "russian";
/**
 * Each article's body is cut before indexing, and the story's too: positions stop at 16,383 anyway,
 * and on the embedded database a long to_tsvector blocks the event loop (PGlite runs in this thread).
 */
const MAX_ARTICLE_BODY_CHARS = 10_000;
const MAX_BODY_CHARS = 50_000;

export interface SearchFields {
  title: string;
  tags: string;
  lead: string;
  body: string;
}

export function searchFields(articles: MatchArticle[]): SearchFields {
  const leads: string[] = [];
  const bodies: string[] = [];
  for (const a of articles) {
    const { lead, body } = splitLead(a.text.slice(0, MAX_ARTICLE_BODY_CHARS));
    leads.push(lead);
    bodies.push(body);
  }
  return {
    title: articles.map((a) => a.title).join("\n").slice(0, 10_000),
    tags: articles.flatMap((a) => a.categories).join("\n").slice(0, 10_000),
    lead: leads.join("\n"),
    body: bodies.join("\n").slice(0, MAX_BODY_CHARS),
  };
}

/** Write the search vectors of these stories in one statement. */
export async function writeSearchVectors(db: Db, entries: Array<{ storyId: number; fields: SearchFields }>): Promise<void> {
  if (entries.length === 0) return;
  const col = (k: keyof SearchFields) => entries.map((e) => e.fields[k]);
  await sql`
    UPDATE stories AS s SET search =
        setweight(to_tsvector('russian', v.title), 'A')
     || setweight(to_tsvector('russian', v.tags), 'B')
     || setweight(to_tsvector('russian', v.lead), 'C')
     || setweight(to_tsvector('russian', v.body), 'D')
    FROM unnest(${entries.map((e) => e.storyId)}::bigint[], ${col("title")}::text[], ${col("tags")}::text[], ${col("lead")}::text[], ${col("body")}::text[])
      AS v(id, title, tags, lead, body)
    WHERE s.id = v.id`.execute(db);
}
