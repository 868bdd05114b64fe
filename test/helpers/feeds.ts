// The newsroom corpus ingested (both fetches of the changing source) and the real app served on
// 127.0.0.1 with FEEDLOOM_BASE_URL equal to its own address, so self links match where feeds are read.
import { createServer, type Server } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { runFetchCycle } from "../../jobs/fetch-cycle.ts";
import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.ts";
import type { IngestContext } from "../../src/ingest/source.ts";
import { silentLogger } from "../../src/log.ts";
import { createApp, type AppContext } from "../../src/server/app.ts";
import { addSource } from "../../src/store/sources.ts";
import type { TestDatabase } from "./db.ts";
import { labels, startNewsroom, type NewsroomServer } from "./newsroom.ts";

export const fetchOpts = {
  userAgent: "feedloom-test",
  connectTimeoutMs: 5_000,
  timeoutMs: 10_000,
  maxBodyBytes: 15 * 1024 * 1024,
  maxRedirects: 5,
  allowPrivateNetworks: true,
};

/** How the tests ingest: loopback allowed, short timeouts, nothing logged. */
export const ingestContext = (db: Kysely<Database>): IngestContext => ({ db, fetch: fetchOpts, schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 2 }, log: silentLogger });

/** Every labelled source added and fetched, then the changing one fetched again in its second version. */
export async function ingestNewsroom(t: TestDatabase, newsroom: NewsroomServer): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const s of labels().sources) ids.set(s.slug, (await addSource(t.handle.db, { url: newsroom.feeds[s.slug]! })).id);
  await runFetchCycle(ingestContext(t.handle.db), { all: true, concurrency: 4 });
  await newsroom.setPhase(2);
  await runFetchCycle(ingestContext(t.handle.db), { sourceIds: [ids.get("capital-daily")!], concurrency: 1 });
  return ids;
}

export interface AppServer {
  base: string;
  server: Server;
  close(): Promise<void>;
}

/** The real app on a loopback port, its base URL being that address. */
export async function serveApp(ctx: Omit<AppContext, "baseUrl">): Promise<AppServer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  server.on("request", getRequestListener(createApp({ ...ctx, baseUrl: base }).fetch));
  return {
    base,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export { startNewsroom };
