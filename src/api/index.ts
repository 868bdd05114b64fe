// The admin API and the operations endpoints, registered on the app in one call.
import type { Hono } from "hono";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { IngestContext } from "../ingest/source.ts";
import { silentLogger, type Logger } from "../log.ts";
import { userAgent } from "../version.ts";
import { observeRequests, registerOpsRoutes } from "./ops.ts";
import { registerSourceRoutes } from "./sources.ts";

export interface ApiContext {
  db: Kysely<Database>;
  baseUrl: string;
  log?: Logger;
  /** FEEDLOOM_ADMIN_TOKEN; unset: admin endpoints answer 403. */
  adminToken?: string;
  /** What fetching needs; without it, safe defaults (public networks only). */
  ingest?: IngestContext;
}

/** Request metrics and debug logs for every route: call before registering any route. */
export function observeApp(app: Hono, ctx: ApiContext): void {
  app.use("*", observeRequests(ctx.log));
}

export function registerApi(app: Hono, ctx: ApiContext): void {
  const ingest: IngestContext = ctx.ingest ?? {
    db: ctx.db,
    fetch: { userAgent: userAgent(ctx.baseUrl), connectTimeoutMs: 10_000, timeoutMs: 30_000, maxBodyBytes: 15 * 1024 * 1024, maxRedirects: 5, allowPrivateNetworks: false },
    schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 2 },
    log: ctx.log ?? silentLogger,
  };
  registerOpsRoutes(app, { db: ctx.db, baseUrl: ctx.baseUrl, adminToken: ctx.adminToken });
  registerSourceRoutes(app, { adminToken: ctx.adminToken, ingest });
}
