// Everything a command or the server needs, opened from the configuration: the database (embedded
// or server, migrated), the fetch settings and a logger.
import { sql } from "kysely";
import type { Config } from "./config.ts";
import { openPglite, openPostgres, type DatabaseHandle } from "./db/database.ts";
import { migrateToLatest } from "./db/migrate.ts";
import type { FetchOptions } from "./fetch/fetcher.ts";
import { createParsePool } from "./ingest/parse-pool.ts";
import type { IngestContext } from "./ingest/source.ts";
import { createWebSubNotifier } from "./feeds/websub.ts";
import { createLogger, type Logger } from "./log.ts";
import { onTopicChange } from "./topics/changes.ts";
import { observePool } from "./metrics.ts";
import { userAgent } from "./version.ts";

export interface Runtime extends IngestContext {
  config: Config;
  database: DatabaseHandle;
  close(): Promise<void>;
}

export function fetchOptions(config: Config): FetchOptions {
  return {
    userAgent: userAgent(config.baseUrl),
    connectTimeoutMs: config.connectTimeoutMs,
    timeoutMs: config.fetchTimeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    maxRedirects: config.maxRedirects,
    allowPrivateNetworks: config.allowPrivateNetworks,
  };
}

export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite({ dataDir: config.dataDir });
}

/** The database URL without its password, fit for an error message. */
function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `the embedded database in ${config.dataDir}`;
  const url = new URL(config.databaseUrl);
  if (url.password) url.password = "***";
  return `the database at ${url.href} (DATABASE_URL)`;
}

export async function openRuntime(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Runtime> {
  const database = await openDatabase(config);
  try {
    await sql`SELECT 1`.execute(database.db).catch((err: unknown) => {
      throw new Error(`cannot reach ${describeDatabase(config)}: ${err instanceof Error ? err.message : String(err)}`);
    });
    await migrateToLatest(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  const pool = config.parseThreads > 0 ? createParsePool({ threads: config.parseThreads, log }) : null;
  // Whichever process ingests (serve, jobs, a `fetch` run on Postgres) tells the hub itself.
  const websub = config.websubHub ? createWebSubNotifier({ hub: config.websubHub, baseUrl: config.baseUrl, log, userAgent: userAgent(config.baseUrl) }) : null;
  const stopListening = websub ? onTopicChange(websub) : () => undefined;
  observePool(database.pool ?? null);
  return {
    config,
    database,
    db: database.db,
    fetch: fetchOptions(config),
    schedule: { pauseAfterSeconds: config.pauseAfterSeconds, perHost: config.perHostConcurrency },
    log,
    dedup: { enabled: true, windowHours: config.dedupWindowHours },
    ...(pool ? { read: pool.read } : {}),
    close: async () => {
      stopListening();
      await websub?.idle();
      await pool?.close();
      await database.close();
    },
  };
}
