// Which stored stories a definition would file, and why (terms, fields, scores), before it is
// saved. Scans the newest stories (bounded), matching exactly as ingest does.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { TopicDefinition } from "./definition.ts";
import { compileTopic, prepareArticle, type ArticleVerdict, type Hit } from "./match.ts";
import { storyArticles } from "./store.ts";

export interface PreviewOptions {
  /** Stories listed at most (matches, then near misses). */
  limit: number;
  /** Newest stories examined. */
  scan: number;
}

export interface PreviewArticle {
  id: number | null;
  title: string;
  score: number;
  excludeScore: number;
  matched: boolean;
  reason: string | null;
  hits: Hit[];
  excludeHits: Hit[];
}

export interface PreviewStory {
  id: number;
  title: string;
  published: Date;
  /** The best article's score. */
  score: number;
  articles: PreviewArticle[];
}

export interface Preview {
  scanned: number;
  matched: number;
  stories: PreviewStory[];
  /** Stories with evidence that did not qualify (below the threshold, excluded, filtered): why not. */
  nearMisses: PreviewStory[];
}

const BATCH = 500;

const articleJson = (v: ArticleVerdict): PreviewArticle => ({
  id: v.articleId ?? null,
  title: v.title,
  score: v.score,
  excludeScore: v.excludeScore,
  matched: v.matched,
  reason: v.reason,
  hits: v.hits,
  excludeHits: v.excludeHits,
});

export async function previewDefinition(db: Kysely<Database>, definition: TopicDefinition, opts: PreviewOptions): Promise<Preview> {
  const topic = compileTopic({ id: 0, slug: "preview", definition });
  const out: Preview = { scanned: 0, matched: 0, stories: [], nearMisses: [] };
  let before: number | null = null;
  while (out.scanned < opts.scan) {
    const rows = await db
      .selectFrom("stories")
      .select(["id", "title", "published_at"])
      .$if(before !== null, (q) => q.where("id", "<", before as number))
      .orderBy("id", "desc")
      .limit(Math.min(BATCH, opts.scan - out.scanned))
      .execute();
    if (rows.length === 0) break;
    before = rows.at(-1)!.id;
    out.scanned += rows.length;
    const articles = await storyArticles(db, rows.map((r) => r.id));
    for (const r of rows) {
      const verdicts = topic.judge((articles.get(r.id) ?? []).map(prepareArticle));
      const story = { id: r.id, title: r.title, published: r.published_at, score: Math.max(0, ...verdicts.map((v) => v.score)), articles: verdicts.map(articleJson) };
      if (verdicts.some((v) => v.matched)) {
        out.matched++;
        if (out.stories.length < opts.limit) out.stories.push(story);
      } else if (verdicts.some((v) => v.score > 0 || v.reason === "excluded") && out.nearMisses.length < opts.limit) {
        out.nearMisses.push(story);
      }
    }
  }
  const newest = (a: PreviewStory, b: PreviewStory) => b.published.getTime() - a.published.getTime() || b.id - a.id;
  out.stories.sort(newest);
  out.nearMisses.sort(newest);
  return out;
}

export function previewJson(p: Preview) {
  const story = (s: PreviewStory) => ({ id: s.id, title: s.title, published: s.published.toISOString(), score: s.score, articles: s.articles });
  return { scanned: p.scanned, matched: p.matched, stories: p.stories.map(story), nearMisses: p.nearMisses.map(story) };
}
