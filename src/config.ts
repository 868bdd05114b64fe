// Configuration comes from the environment only, validated once at start so a typo fails loudly
// with the variable's name instead of surfacing later as a strange runtime error.
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import cron from "node-cron";
import { z } from "zod";

const flag = z
  .enum(["0", "1", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const envSchema = z.object({
  PORT: z.coerce.number({ message: "must be a port number" }).int("must be a port number").min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  FEEDLOOM_DATA_DIR: z.string().min(1).default("./data"),
  FEEDLOOM_BASE_URL: z
    .url({ protocol: /^https?$/, message: "must be an absolute http(s) URL such as https://news.example.org" })
    .optional(),
  FEEDLOOM_ALLOW_PRIVATE_NETWORKS: flag.default(false),
  FEEDLOOM_STARTER_SOURCES: flag.default(true),
  FEEDLOOM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  FEEDLOOM_FETCH_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  FEEDLOOM_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  FEEDLOOM_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(15 * 1024 * 1024),
  FEEDLOOM_FETCH_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  FEEDLOOM_PER_HOST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  FEEDLOOM_PAUSE_AFTER_HOURS: z.coerce.number().positive().max(24 * 365).default(7 * 24),
  FEEDLOOM_FETCH_SCHEDULE: z
    .string()
    .refine((v) => cron.validate(v), "must be a cron expression such as '* * * * *' (five fields, or six with seconds)")
    .default("* * * * *"),
  // 0: parse on the main thread. Default: every core but one (the main thread's), at most 4.
  FEEDLOOM_PARSE_THREADS: z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(0).max(64).optional(),
  FEEDLOOM_FEED_MAX_AGE: z.coerce.number({ message: "must be a number of seconds" }).int("must be a whole number of seconds").min(0).max(86_400).default(60),
  FEEDLOOM_FEED_CACHE_SECONDS: z.coerce.number({ message: "must be a number of seconds" }).min(0).max(3600).default(5),
  FEEDLOOM_WEBSUB_HUB: z
    .url({ protocol: /^https?$/, message: "must be the absolute http(s) URL of a WebSub hub" })
    .optional()
    .or(z.literal("").transform(() => undefined)),
  FEEDLOOM_DEDUP_WINDOW_HOURS: z.coerce.number({ message: "must be a number of hours" }).positive("must be more than 0").max(24 * 90, "must be at most 2160 (90 days)").default(72),
  FEEDLOOM_LOG_LEVEL: z.enum(["silent", "error", "warn", "info", "debug"]).default("info"),
  FEEDLOOM_ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters (e.g. the output of `openssl rand -hex 32`)")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  FEEDLOOM_RETENTION_DAYS: z.coerce
    .number({ message: "must be a number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 (unset it to keep everything)")
    .optional()
    .or(z.literal("").transform(() => undefined)),
});

export interface Config {
  port: number;
  host: string;
  /** Set: run on that Postgres server. Unset: embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  baseUrl: string;
  allowPrivateNetworks: boolean;
  starterSources: boolean;
  connectTimeoutMs: number;
  fetchTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  fetchConcurrency: number;
  /** Sources of one host fetched at once, across every worker sharing the database. */
  perHostConcurrency: number;
  /** Continuous failure for this long pauses a source until an operator resumes it. */
  pauseAfterSeconds: number;
  /** When the scheduler wakes to claim due sources (cron syntax, UTC). */
  fetchSchedule: string;
  logLevel: "silent" | "error" | "warn" | "info" | "debug";
  /** Worker threads that decode and parse feeds; 0 parses on the main thread. */
  parseThreads: number;
  /** Cache-Control max-age of topic feeds, in seconds. */
  feedMaxAgeSeconds: number;
  /** How long a built feed is served from memory before it is built again (changes seen in this process rebuild it at once). */
  feedCacheSeconds: number;
  /** WebSub hub advertised by every feed and pinged when a topic changes. */
  websubHub: string | undefined;
  /** Bearer token for the admin API; unset: the admin API is off. */
  adminToken: string | undefined;
  /** Articles older than this many days are deleted (tombstoned); unset: kept forever. */
  retentionDays: number | undefined;
  /** Copies of an article are looked for this many hours before and after it. */
  dedupWindowHours: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration in the environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.FEEDLOOM_DATA_DIR),
    // Without a configured public URL, links point at the local server so a fresh install works.
    baseUrl: (e.FEEDLOOM_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    allowPrivateNetworks: e.FEEDLOOM_ALLOW_PRIVATE_NETWORKS,
    starterSources: e.FEEDLOOM_STARTER_SOURCES,
    connectTimeoutMs: e.FEEDLOOM_CONNECT_TIMEOUT_MS,
    fetchTimeoutMs: e.FEEDLOOM_FETCH_TIMEOUT_MS,
    maxRedirects: e.FEEDLOOM_MAX_REDIRECTS,
    maxBodyBytes: e.FEEDLOOM_MAX_BODY_BYTES,
    fetchConcurrency: e.FEEDLOOM_FETCH_CONCURRENCY,
    perHostConcurrency: e.FEEDLOOM_PER_HOST_CONCURRENCY,
    pauseAfterSeconds: Math.round(e.FEEDLOOM_PAUSE_AFTER_HOURS * 3600),
    fetchSchedule: e.FEEDLOOM_FETCH_SCHEDULE,
    logLevel: e.FEEDLOOM_LOG_LEVEL,
    parseThreads: e.FEEDLOOM_PARSE_THREADS ?? Math.min(4, Math.max(1, availableParallelism() - 1)),
    feedMaxAgeSeconds: e.FEEDLOOM_FEED_MAX_AGE,
    feedCacheSeconds: e.FEEDLOOM_FEED_CACHE_SECONDS,
    websubHub: e.FEEDLOOM_WEBSUB_HUB,
    adminToken: e.FEEDLOOM_ADMIN_TOKEN,
    retentionDays: e.FEEDLOOM_RETENTION_DAYS,
    dedupWindowHours: e.FEEDLOOM_DEDUP_WINDOW_HOURS,
  };
}
