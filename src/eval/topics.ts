// Topic evaluation against the labelled newsroom corpus: the corpus is served from 127.0.0.1 by its
// own reference server, ingested through the real pipeline (both phases of the changing source),
// then every labelled topic's feed is scored at article level (a story counts for all its articles).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Kysely } from "kysely";
import { runFetchCycle } from "../../jobs/fetch-cycle.ts";
import type { Database } from "../db/schema.ts";
import type { IngestContext } from "../ingest/source.ts";
import { silentLogger } from "../log.ts";
import { addSource } from "../store/sources.ts";

export interface TopicLabels {
  members: string[];
  not_members_hard: string[];
  optional?: boolean;
}

export interface NewsroomLabels {
  sources: Array<{ slug: string; file: string; file_v2?: string }>;
  articles: Array<{ id: string; title: string; language: string }>;
  topics: Record<string, TopicLabels>;
}

export function readLabels(corpusDir: string): NewsroomLabels {
  return JSON.parse(readFileSync(join(corpusDir, "labels.json"), "utf8")) as NewsroomLabels;
}

interface Served {
  feeds: Record<string, string>;
  base: string;
  setPhase(phase: 1 | 2): Promise<void>;
  close(): Promise<void>;
}

/** The corpus's own reference server (`serve.mjs`, one directory up from the corpus). */
export async function serveCorpus(corpusDir: string): Promise<Served> {
  const child = spawn(process.execPath, [join(corpusDir, "..", "serve.mjs"), corpusDir, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the corpus server exited with ${code}`)));
  });
  const info = JSON.parse(line) as { base: string; feeds: Record<string, string> };
  return {
    ...info,
    async setPhase(phase) {
      const res = await fetch(`${info.base}/__fixture/phase/${phase}`, { method: "POST" });
      if (res.status !== 204) throw new Error(`could not switch the corpus to phase ${phase}`);
    },
    close: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once("exit", () => done());
        child.kill();
      }),
  };
}

/** Every source of the corpus through two real fetch cycles (the changing source switches in between). Returns source slug by source id. */
export async function ingestCorpus(db: Kysely<Database>, corpusDir: string): Promise<Map<number, string>> {
  const labels = readLabels(corpusDir);
  const served = await serveCorpus(corpusDir);
  try {
    const slugById = new Map<number, string>();
    for (const s of labels.sources) {
      const url = served.feeds[s.slug];
      if (!url) throw new Error(`the corpus server does not serve ${s.slug}`);
      slugById.set((await addSource(db, { url })).id, s.slug);
    }
    const ctx: IngestContext = {
      db,
      fetch: { userAgent: "feedloom-eval", connectTimeoutMs: 5_000, timeoutMs: 10_000, maxBodyBytes: 15 * 1024 * 1024, maxRedirects: 5, allowPrivateNetworks: true },
      schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 4 },
      log: silentLogger,
    };
    await runFetchCycle(ctx, { all: true, concurrency: 4 });
    await served.setPhase(2);
    const changing = [...slugById].filter(([, slug]) => labels.sources.find((s) => s.slug === slug)?.file_v2).map(([id]) => id);
    if (changing.length > 0) await runFetchCycle(ctx, { sourceIds: changing, concurrency: 2 });
    return slugById;
  } finally {
    await served.close();
  }
}

export interface TopicScore {
  topic: string;
  members: number;
  predicted: number;
  truePositives: number;
  precision: number;
  recall: number;
  falsePositives: string[];
  falseNegatives: string[];
  hardNegativesInFeed: string[];
}

/** Article ids (`<source slug>:<identity>`) per story id, and the stories filed under each topic. */
async function storyArticles(db: Kysely<Database>, slugById: Map<number, string>): Promise<Map<number, string[]>> {
  const rows = await db.selectFrom("articles").select(["story_id", "source_id", "identity"]).execute();
  const byStory = new Map<number, string[]>();
  for (const r of rows) byStory.set(r.story_id, [...(byStory.get(r.story_id) ?? []), `${slugById.get(r.source_id)}:${r.identity}`]);
  return byStory;
}

/** Precision and recall per labelled topic that exists in the database, at article level. */
export async function scoreTopics(db: Kysely<Database>, corpusDir: string, slugById: Map<number, string>): Promise<TopicScore[]> {
  const labels = readLabels(corpusDir);
  const byStory = await storyArticles(db, slugById);
  const scores: TopicScore[] = [];
  for (const [topic, l] of Object.entries(labels.topics)) {
    const row = await db.selectFrom("topics").select("id").where("slug", "=", topic.replaceAll("_", "-")).executeTakeFirst();
    if (!row) continue;
    const filed = await db.selectFrom("story_topics").select("story_id").where("topic_id", "=", row.id).execute();
    const predicted = new Set(filed.flatMap((f) => byStory.get(f.story_id) ?? []));
    const members = new Set(l.members);
    const tp = [...predicted].filter((a) => members.has(a)).length;
    scores.push({
      topic,
      members: members.size,
      predicted: predicted.size,
      truePositives: tp,
      precision: predicted.size === 0 ? 0 : tp / predicted.size,
      recall: members.size === 0 ? 1 : tp / members.size,
      falsePositives: [...predicted].filter((a) => !members.has(a)).sort(),
      falseNegatives: [...members].filter((a) => !predicted.has(a)).sort(),
      hardNegativesInFeed: l.not_members_hard.filter((a) => predicted.has(a)),
    });
  }
  return scores;
}

/** The targets of issue 5 for the default topics. */
export const TOPIC_TARGETS: Record<string, { precision: number; recall: number }> = {
  nato: { precision: 0.95, recall: 0.93 },
  negotiations: { precision: 0.95, recall: 0.93 },
};

/** Ingest the corpus into this (migrated, empty) database and score its topics. */
export async function evaluateTopics(db: Kysely<Database>, corpusDir: string): Promise<TopicScore[]> {
  const slugById = await ingestCorpus(db, corpusDir);
  return scoreTopics(db, corpusDir, slugById);
}
