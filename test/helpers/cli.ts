// Run the real `feedloom` command as a child process.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { createServerDatabase, serverUrl } from "./db.ts";
import { repoRoot } from "./newsroom.ts";

export const bin = join(repoRoot, "bin/feedloom.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment for a child: nothing from ours that could point it at another database. */
export function cliEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FEEDLOOM_LOG_LEVEL: "warn", FEEDLOOM_STARTER_SOURCES: "0" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000, opts: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: opts.cwd ?? repoRoot, stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`feedloom ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Everything printed so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start `feedloom serve` (or another long-running command) and wait for its "listening"/"running" line. */
export function startServer(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`feedloom ${args.join(" ")} did not start:\n${out}`));
    }, timeoutMs);
    void exited.then((code) => reject(new Error(`feedloom ${args.join(" ")} exited with ${code}:\n${out}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      out += line + "\n";
      const m = /listening on (http:\/\/\S+)|jobs running/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        child,
        url: (m[1] ?? "").replace("localhost", "127.0.0.1"),
        output: () => out,
        stop: async (signal = "SIGTERM") => {
          child.kill(signal);
          return exited;
        },
      });
    });
  });
}

export interface CliTarget {
  name: "pglite" | "postgres";
  /** A fresh database for the child processes: a new data directory, or a new Postgres database. */
  setup(extra?: Record<string, string | undefined>): Promise<{ env: NodeJS.ProcessEnv; cleanup(): Promise<void> }>;
}

/** Where CLI tests run: always the embedded database, and Postgres when TEST_DATABASE_URL is set. */
export const cliTargets: CliTarget[] = [
  {
    name: "pglite",
    setup: async (extra = {}) => {
      const dir = mkdtempSync(join(tmpdir(), "feedloom-cli-"));
      return { env: cliEnv({ FEEDLOOM_DATA_DIR: dir, ...extra }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  ...(serverUrl
    ? [
        {
          name: "postgres" as const,
          setup: async (extra: Record<string, string | undefined> = {}) => {
            const db = await createServerDatabase();
            return { env: cliEnv({ DATABASE_URL: db.url, ...extra }), cleanup: () => db.drop() };
          },
        },
      ]
    : []),
];
