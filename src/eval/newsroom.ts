// The labelled newsroom corpus through the real pipeline: its feeds served from 127.0.0.1 (raw
// bytes, no charset, as the corpus asks), every source added, a full fetch cycle, the changing
// source switched to its second version, a second cycle. Returns what maps labels.json article ids
// to stored article and story ids, for the deduplication and topic evaluations.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Kysely } from "kysely";
import { runFetchCycle } from "../../jobs/fetch-cycle.ts";
import type { DedupOptions } from "../dedupe/assign.ts";
import type { Database } from "../db/schema.ts";
import type { IngestContext } from "../ingest/source.ts";
import { silentLogger } from "../log.ts";
import { addSource } from "../store/sources.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The corpus folder: FEEDLOOM_NEWSROOM_DIR, else the shared fixtures beside the repository. */
export function newsroomDir(): string {
  if (process.env.FEEDLOOM_NEWSROOM_DIR) return resolve(process.env.FEEDLOOM_NEWSROOM_DIR);
  const shared = resolve(process.env.FEEDLOOM_SHARED_DIR ?? join(repoRoot, "../shared"));
  return join(shared, "fixtures/newsroom/visible");
}

export interface NewsroomLabels {
  sources: Array<{ slug: string; file: string; file_v2?: string }>;
  articles: Array<{ id: string; source: string; guid?: string; link: string; title: string; lang?: string; language?: string }>;
  stories: string[][];
  cross_language_stories: string[][];
  story_hard_negatives: Array<{ a: string; b: string; kind: string; why: string }>;
  topics: Record<string, { members: string[]; not_members_hard?: string[] }>;
  updates: Array<{ id: string; v1_title: string; v2_title: string }>;
}

export interface StoredLabelledArticle {
  articleId: number;
  storyId: number;
  sourceId: number;
}

export interface NewsroomIngest {
  labels: NewsroomLabels;
  /** labels.json article id (`<source slug>:<guid, else link>`) → the stored article and its story. */
  articles: Map<string, StoredLabelledArticle>;
  /** Source slug → source id. */
  sources: Map<string, number>;
  /** Labelled ids with no stored article (should be empty). */
  missing: string[];
}

function serveCorpus(dir: string, labels: NewsroomLabels): { server: Server; setPhase(p: 1 | 2): void } {
  let phase: 1 | 2 = 1;
  const v2 = new Map(labels.sources.filter((s) => s.file_v2).map((s) => [`/${s.file}`, `/${s.file_v2}`]));
  const files = new Set(labels.sources.flatMap((s) => [`/${s.file}`, ...(s.file_v2 ? [`/${s.file_v2}`] : [])]));
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    if (phase === 2 && v2.has(path)) path = v2.get(path) as string;
    if (!files.has(path)) return void res.writeHead(404).end();
    const body = readFileSync(join(dir, path));
    res.writeHead(200, { "content-type": "application/xml", "content-length": body.length }).end(body);
  });
  return { server, setPhase: (p) => void (phase = p) };
}

/**
 * Ingests the corpus into `db` (migrated, empty) through both fetch phases. Sources are added (and
 * so fetched) in labels order, or in reverse with `order: "reverse"`: copies before their originals.
 */
export async function ingestNewsroom(db: Kysely<Database>, opts: { dir?: string; dedup?: DedupOptions; order?: "labels" | "reverse" } = {}): Promise<NewsroomIngest> {
  const dir = opts.dir ?? newsroomDir();
  const labels = JSON.parse(readFileSync(join(dir, "labels.json"), "utf8")) as NewsroomLabels;
  const { server, setPhase } = serveCorpus(dir, labels);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const sources = new Map<string, number>();
    for (const s of opts.order === "reverse" ? [...labels.sources].reverse() : labels.sources) sources.set(s.slug, (await addSource(db, { url: `http://127.0.0.1:${port}/${s.file}` })).id);
    const ctx: IngestContext = {
      db,
      fetch: { userAgent: "feedloom-eval", connectTimeoutMs: 5_000, timeoutMs: 20_000, maxBodyBytes: 15 * 1024 * 1024, maxRedirects: 5, allowPrivateNetworks: true },
      schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 64 },
      log: silentLogger,
      ...(opts.dedup ? { dedup: opts.dedup } : {}),
    };
    await runFetchCycle(ctx, { all: true, concurrency: 4 });
    setPhase(2);
    await runFetchCycle(ctx, { all: true, concurrency: 4 });

    const slugOf = new Map([...sources].map(([slug, id]) => [id, slug]));
    const rows = await db.selectFrom("articles").select(["id", "story_id", "source_id", "identity"]).execute();
    const articles = new Map<string, StoredLabelledArticle>();
    for (const r of rows) articles.set(`${slugOf.get(r.source_id)}:${r.identity}`, { articleId: r.id, storyId: r.story_id, sourceId: r.source_id });
    return { labels, articles, sources, missing: labels.articles.map((a) => a.id).filter((id) => !articles.has(id)) };
  } finally {
    await new Promise((r) => server.close(r));
  }
}
