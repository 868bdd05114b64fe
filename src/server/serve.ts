// `feedloom serve` and `feedloom jobs`: long-running shells around the app and the scheduler, with a
// graceful stop on SIGTERM/SIGINT (stop claiming, finish what is in flight, close the database).
import { serve as serveHttp, type ServerType } from "@hono/node-server";
import type { Server } from "node:net";
import { startScheduler, type Scheduler } from "../../jobs/scheduler.ts";
import type { Runtime } from "../runtime.ts";
import { importStarterSources } from "../starter/import.ts";
import { createApp } from "./app.ts";
import { controlSocketPath, startControlServer, type CommandIo, type CommandRunner } from "./control.ts";

export interface ServeOptions {
  port: number;
  scheduler: boolean;
  io: CommandIo;
  /** Runs forwarded CLI commands in this process (embedded mode). */
  runForwarded: CommandRunner;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off("SIGTERM", term);
      process.off("SIGINT", int);
      resolve(sig);
    };
    const term = on("SIGTERM");
    const int = on("SIGINT");
    process.once("SIGTERM", term);
    process.once("SIGINT", int);
  });
}

async function startSideServices(rt: Runtime, runForwarded: CommandRunner, scheduler: boolean) {
  let control: Server | null = null;
  if (rt.database.dataDir) control = await startControlServer(controlSocketPath(rt.database.dataDir), runForwarded);
  const jobs: Scheduler | null = scheduler ? startScheduler(rt, { concurrency: rt.config.fetchConcurrency, expression: rt.config.fetchSchedule, retentionDays: rt.config.retentionDays }) : null;
  return {
    async stop() {
      await jobs?.stop();
      await new Promise<void>((resolve) => (control ? control.close(() => resolve()) : resolve()));
    },
  };
}

export async function runServer(rt: Runtime, opts: ServeOptions): Promise<number> {
  if (rt.config.starterSources) {
    const added = await importStarterSources(rt.db);
    if (added > 0) opts.io.out(`imported ${added} starter sources (set FEEDLOOM_STARTER_SOURCES=0 to skip)\n`);
  }
  const feeds = { maxAgeSeconds: rt.config.feedMaxAgeSeconds, cacheSeconds: rt.config.feedCacheSeconds, hub: rt.config.websubHub ?? null };
  const app = createApp({ db: rt.db, baseUrl: rt.config.baseUrl, log: rt.log, feeds, adminToken: rt.config.adminToken, ingest: rt });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serveHttp({ fetch: app.fetch, port: opts.port, hostname: rt.config.host }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  const side = await startSideServices(rt, opts.runForwarded, opts.scheduler);
  const where = rt.database.dataDir ? `embedded database in ${rt.database.dataDir}` : "Postgres";
  opts.io.out(`feedloom listening on http://localhost:${port} (${where}${opts.scheduler ? "" : ", scheduler off"})\n`);

  const signal = await waitForSignal();
  opts.io.out(`${signal}: shutting down\n`);
  await side.stop();
  await new Promise<void>((resolve) => {
    const deadline = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), 5000);
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  });
  return 0;
}

export async function runJobs(rt: Runtime, io: CommandIo, runForwarded: CommandRunner): Promise<number> {
  const side = await startSideServices(rt, runForwarded, true);
  io.out(`feedloom jobs running (${rt.database.dataDir ? `embedded database in ${rt.database.dataDir}` : "Postgres"})\n`);
  const signal = await waitForSignal();
  io.out(`${signal}: finishing the sources in flight\n`);
  await side.stop();
  return 0;
}
