// The labelled newsroom corpus, served from 127.0.0.1 by its own reference server.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

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

export async function startNewsroom(): Promise<NewsroomServer> {
  const child: ChildProcess = spawn(process.execPath, [join(newsroomDir, "serve.mjs"), visibleDir, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolveLine, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolveLine);
    child.once("exit", (code) => reject(new Error(`newsroom server exited with ${code}`)));
  });
  const info = JSON.parse(line) as { base: string; feeds: Record<string, string> };
  return {
    ...info,
    async setPhase(phase) {
      const res = await fetch(`${info.base}/__fixture/phase/${phase}`, { method: "POST" });
      if (res.status !== 204) throw new Error(`could not switch the newsroom to phase ${phase}`);
    },
    close: () =>
      new Promise<void>((done) => {
        child.once("exit", () => done());
        child.kill();
      }),
  };
}
