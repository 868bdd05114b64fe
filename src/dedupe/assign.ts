// Which story does each new article belong to? An article joins the story of a copy already stored
// (same canonical URL, same text, a near-duplicate body, its lead, or for an item without text its
// exact headline), else it starts a story of its own. Candidates come from the GIN index on
// articles.dedup_keys within a time window, one query per batch; the decision is made in memory on
// the few candidates found (src/dedupe/decide.ts).
import { randomUUID } from "node:crypto";
import { sql, type Transaction } from "kysely";
import type { Database } from "../db/schema.ts";
import type { ArticleInput } from "../normalise/article.ts";
import { decide, type Match } from "./decide.ts";
import { decodeFeatures, encodeFeatures } from "./encode.ts";
import { dedupKeys, features, type Features } from "./features.ts";

type Trx = Transaction<Database>;

export interface DedupOptions {
  /** Off: every new article starts its own story (what `bench:dedup` compares against). */
  enabled: boolean;
  /** Copies are looked for this far before and after an article's date. */
  windowHours: number;
}

export const defaultDedupOptions: DedupOptions = { enabled: true, windowHours: 72 };

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
  /** The id the article must be inserted with (taken from the sequence: the story names it already). */
  articleId: number;
  canonicalUrl: string | null;
  dedupKeys: string[];
  /** Its features encoded (src/dedupe/encode.ts), so a later lookup decodes them; null when dedup is off, as the keys are empty then. */
  dedupFeatures: Uint8Array | null;
  /** How it joined an existing story; null when it started one. */
  match: Match | null;
}

const CHUNK = 500; // rows per statement, well under Postgres's 65,535 parameters

/** A stored article sharing a key with a new one, as dedup_candidates() returns it (migrations/0006_dedup_features.ts). */
export interface CandidateRow {
  id: number;
  story_id: number;
  source_id: number;
  at: Date;
  link: string | null;
  canonical_url: string | null;
  title: string;
  /** The text only when dedup_features is null (the features are then computed from it). */
  summary: string | null;
  content: string | null;
  dedup_features: Uint8Array | null;
  dedup_keys: string[];
  story_sources: Array<string | number>;
}

export interface Candidate {
  id: number;
  storyId: number;
  sourceId: number;
  at: Date;
  keys: Set<string>;
  /** The sources the candidate's story carries. */
  storySources: number[];
  features: Features;
}

/** Serialises deduplicating writers (any number of workers on one database): two copies fetched at once must see each other. */
const LOCK_KEY = 0x6665_6431; // "fed1"

/**
 * Takes the deduplication lock until the transaction ends. Taken before a source writes any article
 * or story, so a story merged by another writer is never half-seen (taking it again is free).
 */
export async function lockStories(trx: Trx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
}

export interface CopyMatch {
  /** The existing story joined (after merges), or null when joining an earlier item of the same batch. */
  storyId: number | null;
  batchIndex: number | null;
  match: Match;
}

/** What the new articles bring themselves: features (from the parse thread when it computed them), index keys, dates. */
export interface OwnFeatures {
  features: Features[];
  keys: string[][];
  dates: Date[];
}

export interface Copies extends OwnFeatures {
  /** Per article: the story it joins, or null for a new story. */
  matches: Array<CopyMatch | null>;
  /** Stories found to be one: merged story → the story it folds into (already resolved). */
  merged: Map<number, number>;
}

/**
 * Finds, for each new article of one source, the story it is a copy of: one candidate query for
 * the batch (GIN index on dedup_keys, time window), then the decision in memory. Reads only; the
 * caller holds the dedup lock when it is going to write.
 */
export async function findCopies(trx: Trx, sourceId: number, articles: ArticleInput[], now: Date, opts: DedupOptions = defaultDedupOptions): Promise<Copies> {
  const own = ownFeatures(articles, now, opts);
  if (!opts.enabled) return { ...own, matches: articles.map(() => null), merged: new Map() };
  const rows = await queryCandidates(trx, own.keys, own.dates, opts.windowHours);
  return matchCopies(sourceId, own, rows.map(toCandidate), opts.windowHours);
}

/** The new articles' own features and keys (no keys when dedup is off: nothing will look them up). */
export function ownFeatures(articles: ArticleInput[], now: Date, opts: DedupOptions = defaultDedupOptions): OwnFeatures {
  const feats = articles.map((a) => a.derived?.features ?? features(a));
  const keys = opts.enabled ? articles.map((a, i) => a.derived?.keys ?? dedupKeys(feats[i] as Features)) : articles.map(() => []);
  return { features: feats, keys, dates: articles.map((a) => storyDate(a, now)) };
}

/** The decision in memory: for each new article, the story of the best candidate (or earlier item of the batch) it copies. */
export function matchCopies(sourceId: number, batch: OwnFeatures, candidates: Candidate[], windowHours: number): Copies {
  const { features: feats, keys, dates } = batch;
  const matches: Array<CopyMatch | null> = feats.map(() => null);
  // Stories found to be one (an article matched both: a copy had arrived before its original).
  const mergedInto = new Map<number, number>();
  const resolve = (id: number): number => {
    let r = id;
    while (mergedInto.has(r)) r = mergedInto.get(r) as number;
    return r;
  };
  const sourcesOf = new Map(candidates.map((c) => [c.storyId, new Set(c.storySources)]));
  const windowMs = windowHours * 3_600_000;
  // The batch's candidates by key: each article looks only at those sharing a key with it (in the
  // order the query gave them, so ties are broken as before), not at the whole batch's.
  const byKey = new Map<string, number[]>();
  candidates.forEach((c, n) => {
    for (const k of c.keys) {
      const list = byKey.get(k);
      if (list) list.push(n);
      else byKey.set(k, [n]);
    }
  });
  feats.forEach((_, i) => {
    const at = (dates[i] as Date).getTime();
    const sharing = new Set<number>();
    for (const k of keys[i] as string[]) for (const n of byKey.get(k) ?? []) sharing.add(n);
    const byStory = new Map<number, { match: Match; at: number }>();
    let best: { storyId: number | null; batchIndex: number | null; match: Match; at: number } | null = null;
    // Full matches before partial ones, then the strongest, then the earliest.
    const rank = (m: Match) => (m.partial ? 0 : 10) + m.score;
    const better = (m: Match, candAt: number, than: { match: Match; at: number } | null | undefined) =>
      !than || rank(m) > rank(than.match) || (rank(m) === rank(than.match) && candAt < than.at);
    for (const n of [...sharing].sort((a, b) => a - b)) {
      const c = candidates[n] as Candidate;
      if (Math.abs(c.at.getTime() - at) > windowMs) continue;
      const m = decide(feats[i] as Features, c.features);
      if (!m) continue;
      const storyId = resolve(c.storyId);
      // Two articles of one source are never merged on similarity alone: only the same URL or text.
      const sameSource = c.sourceId === sourceId || sourcesOf.get(storyId)?.has(sourceId);
      if (sameSource && m.kind !== "url" && m.kind !== "fingerprint") continue;
      if (better(m, c.at.getTime(), byStory.get(storyId))) byStory.set(storyId, { match: m, at: c.at.getTime() });
      if (better(m, c.at.getTime(), best)) best = { storyId, batchIndex: null, match: m, at: c.at.getTime() };
    }
    // Earlier items of this batch (same source): the same URL or the same text only.
    for (let j = 0; j < i; j++) {
      if (Math.abs((dates[j] as Date).getTime() - at) > windowMs) continue;
      const m = decide(feats[i] as Features, feats[j] as Features);
      if (m && (m.kind === "url" || m.kind === "fingerprint") && better(m, (dates[j] as Date).getTime(), best)) best = { storyId: null, batchIndex: j, match: m, at: (dates[j] as Date).getTime() };
    }
    matches[i] = best;
    // Every story this article fully matches is one story: the oldest keeps its id (its feed entry),
    // unless two of them carry one source (never merged on similarity alone). A partial match (the
    // new article is a lead or a headline only) never merges: digests quote leads of many stories.
    const found = [...byStory].filter(([, v]) => !v.match.partial).map(([id]) => id).sort((a, b) => a - b);
    if (found.length > 1 && best?.storyId != null) {
      const survivor = found[0] as number;
      const kept = sourcesOf.get(survivor) ?? new Set<number>();
      for (const other of found.slice(1)) {
        const theirs = sourcesOf.get(other) ?? new Set<number>();
        if ([...theirs].some((s) => kept.has(s))) continue;
        mergedInto.set(other, survivor);
        for (const s of theirs) kept.add(s);
        sourcesOf.set(survivor, kept);
      }
      best.storyId = resolve(best.storyId);
    }
  });

  for (const m of matches) if (m?.storyId != null) m.storyId = resolve(m.storyId);
  return { features: feats, keys, dates, matches, merged: new Map([...mergedInto.keys()].map((k) => [k, resolve(k)])) };
}

/**
 * Stories for new articles, in input order (oldest first). Statements per batch, not per article:
 * one candidate lookup, one id allocation, one story insert per chunk, one update of joined stories.
 */
export async function assignStories(
  trx: Trx,
  sourceId: number,
  articles: ArticleInput[],
  now: Date,
  opts: DedupOptions = defaultDedupOptions,
): Promise<StoryAssignment[]> {
  if (articles.length === 0) return [];
  if (opts.enabled) await lockStories(trx);
  const { features: feats, keys, dates, matches, merged } = await findCopies(trx, sourceId, articles, now, opts);
  const ids = await allocateArticleIds(trx, articles.length);
  const assignments: StoryAssignment[] = articles.map((_, i) => ({
    storyId: 0,
    created: false,
    articleId: ids[i] as number,
    canonicalUrl: (feats[i] as Features).canonicalUrl,
    dedupKeys: keys[i] as string[],
    dedupFeatures: opts.enabled ? encodeFeatures(feats[i] as Features) : null,
    match: matches[i]?.match ?? null,
  }));

  // New stories name their canonical article now (the foreign key is checked at commit).
  const fresh = articles.flatMap((a, i) => (matches[i] ? [] : [i]));
  for (let c = 0; c < fresh.length; c += CHUNK) {
    const rows = fresh.slice(c, c + CHUNK).map((i) => {
      const a = articles[i] as ArticleInput;
      const published = dates[i] as Date;
      return { i, row: { uuid: randomUUID(), title: a.title, published_at: published, updated_at: storyUpdated(a, published, now), canonical_article_id: ids[i] as number } };
    });
    const inserted = await trx.insertInto("stories").values(rows.map((r) => r.row)).returning(["id", "uuid"]).execute();
    const idByUuid = new Map(inserted.map((r) => [r.uuid, r.id]));
    for (const r of rows) {
      const a = assignments[r.i] as StoryAssignment;
      a.storyId = idByUuid.get(r.row.uuid) as number;
      a.created = true;
    }
  }
  const joined: number[] = [];
  articles.forEach((_, i) => {
    const m = matches[i];
    if (!m) return;
    const a = assignments[i] as StoryAssignment;
    a.storyId = m.storyId ?? (assignments[m.batchIndex as number] as StoryAssignment).storyId;
    joined.push(i);
  });
  if (merged.size > 0) await mergeStories(trx, [...merged]);
  await updateJoinedStories(trx, joined.map((i) => ({
    storyId: (assignments[i] as StoryAssignment).storyId,
    articleId: ids[i] as number,
    at: storyUpdated(articles[i] as ArticleInput, dates[i] as Date, now),
    published: dates[i] as Date,
    title: (articles[i] as ArticleInput).title,
    complete: !(feats[i] as Features).textless,
  })));
  return assignments;
}

/** The stored articles sharing a key with the batch within the time window: one round trip. */
export async function queryCandidates(trx: Trx, keys: string[][], dates: Date[], windowHours: number): Promise<CandidateRow[]> {
  const all = [...new Set(keys.flat())];
  if (all.length === 0) return [];
  const times = dates.map((d) => d.getTime());
  const lo = new Date(Math.min(...times) - windowHours * 3_600_000);
  const hi = new Date(Math.max(...times) + windowHours * 3_600_000);
  // The candidates and the sources their stories carry (migrations/0006_dedup_features.ts).
  const rows = await sql<CandidateRow>`SELECT * FROM dedup_candidates(${`{${all.join(",")}}`}::bigint[], ${lo}, ${hi})`.execute(trx);
  return rows.rows;
}

/** A candidate's features are decoded from what was stored with it; rows stored before migration 0006 are computed from their text. */
export function toCandidate(r: CandidateRow): Candidate {
  return {
    id: Number(r.id),
    storyId: Number(r.story_id),
    sourceId: Number(r.source_id),
    at: r.at,
    keys: new Set(r.dedup_keys.map(String)),
    storySources: r.story_sources.map(Number),
    features: r.dedup_features ? decodeFeatures(r.dedup_features, r.canonical_url, r.title) : features(r, r.canonical_url),
  };
}

/**
 * Folds stories into the story they turned out to be (pairs of [merged, survivor]): articles move,
 * the earlier canonical article wins, the merged story is deleted (its topic links with it).
 */
async function mergeStories(trx: Trx, pairs: Array<[number, number]>): Promise<void> {
  const values = sql.join(pairs.map(([from, to]) => sql`(${from}::bigint, ${to}::bigint)`));
  await sql`UPDATE articles a SET story_id = m.survivor FROM (VALUES ${values}) AS m(merged, survivor) WHERE a.story_id = m.merged`.execute(trx);
  await sql`
    UPDATE stories s SET
      canonical_article_id = CASE WHEN e.published_at < s.published_at THEN e.canonical_article_id ELSE s.canonical_article_id END,
      title = CASE WHEN e.published_at < s.published_at THEN e.title ELSE s.title END,
      published_at = LEAST(s.published_at, e.published_at),
      updated_at = GREATEST(s.updated_at, e.updated_at)
    FROM (
      SELECT DISTINCT ON (m.survivor) m.survivor, o.canonical_article_id, o.title, o.published_at,
             max(o.updated_at) OVER (PARTITION BY m.survivor) AS updated_at
      FROM (VALUES ${values}) AS m(merged, survivor) JOIN stories o ON o.id = m.merged
      ORDER BY m.survivor, o.published_at
    ) e
    WHERE s.id = e.survivor`.execute(trx);
  await trx.deleteFrom("stories").where("id", "in", pairs.map(([from]) => from)).execute();
}

async function allocateArticleIds(trx: Trx, n: number): Promise<number[]> {
  const rows = await sql<{ id: number }>`SELECT nextval(pg_get_serial_sequence('articles', 'id')) AS id FROM generate_series(1, ${n}::int)`.execute(trx);
  return rows.rows.map((r) => Number(r.id));
}

interface Joined {
  storyId: number;
  articleId: number;
  at: Date;
  published: Date;
  title: string;
  complete: boolean;
}

/**
 * A story that gains an outlet is as new as that outlet's article (never the fetch time); an earlier
 * complete version becomes the canonical article (a copy fetched before its original).
 */
async function updateJoinedStories(trx: Trx, joined: Joined[]): Promise<void> {
  for (let c = 0; c < joined.length; c += CHUNK) {
    const values = joined
      .slice(c, c + CHUNK)
      .map((j) => sql`(${j.storyId}::bigint, ${j.articleId}::bigint, ${j.at}::timestamptz, ${j.published}::timestamptz, ${j.title}::text, ${j.complete}::boolean)`);
    // One row per story: several articles of a batch may join the same story; the earliest wins.
    await sql`
      UPDATE stories s SET
        updated_at = GREATEST(s.updated_at, v.at),
        canonical_article_id = CASE WHEN v.complete AND v.published < s.published_at THEN v.article_id ELSE s.canonical_article_id END,
        title = CASE WHEN v.complete AND v.published < s.published_at THEN v.title ELSE s.title END,
        published_at = CASE WHEN v.complete AND v.published < s.published_at THEN v.published ELSE s.published_at END
      FROM (
        SELECT DISTINCT ON (story_id) story_id, article_id, max(at) OVER (PARTITION BY story_id) AS at, published, title, complete
        FROM (VALUES ${sql.join(values)}) AS x(story_id, article_id, at, published, title, complete)
        ORDER BY story_id, complete DESC, published
      ) v
      WHERE s.id = v.story_id`.execute(trx);
  }
}
