// The labelled newsroom corpus, served from 127.0.0.1 by its own reference server.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serveCorpus } from "../../src/eval/topics.ts";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = resolve(process.env.FEEDLOOM_SHARED_DIR ?? join(repoRoot, "../shared"));
if (!existsSync(join(sharedDir, "fixtures/newsroom"))) {
  throw new Error(`the shared test corpora are not at ${sharedDir}: put the project's shared/ folder beside the repository, or set FEEDLOOM_SHARED_DIR`);
}
export const newsroomDir = join(sharedDir, "fixtures/newsroom");
export const visibleDir = join(newsroomDir, "visible");

export interface Labels {
  sources: Array<{ slug: string; file: string; file_v2?: string; encoding: string; well_formed: boolean; title: string }>;
  articles: Array<{ id: string; link: string; title: string; language: string; lang: string; republication_of?: string }>;
  stories: string[][];
  story_hard_negatives: Array<{ a: string; b: string; kind: string }>;
  updates: Array<{ source: string; guid: string; id: string; v1_title: string; v2_title: string }>;
}

export const labels = (): Labels => JSON.parse(readFileSync(join(visibleDir, "labels.json"), "utf8")) as Labels;

export interface NewsroomServer {
  base: string;
  feeds: Record<string, string>;
  setPhase(phase: 1 | 2): Promise<void>;
  close(): Promise<void>;
}

/** The corpus's own reference server (serve.mjs), as the evaluation runs it. */
export function startNewsroom(): Promise<NewsroomServer> {
  return serveCorpus(visibleDir);
}
