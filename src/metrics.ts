// Prometheus metrics (prom-client), one registry per process. Stages record what they did; the
// server exposes it at /metrics. Counters only go up: a scraper computes the rates.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "feedloom_" });

export const fetches = new Counter({ name: "feedloom_fetches_total", help: "Source fetches by outcome (updated, not-modified, error)", labelNames: ["outcome"] as const, registers: [registry] });
export const fetchDuration = new Histogram({
  name: "feedloom_fetch_duration_seconds",
  help: "Duration of one source's fetch, parse and store",
  labelNames: ["outcome"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
export const fetchBytes = new Counter({ name: "feedloom_fetch_bytes_total", help: "Feed bytes received (after decompression)", registers: [registry] });
export const items = new Counter({ name: "feedloom_items_total", help: "Articles stored, by change (new, updated)", labelNames: ["change"] as const, registers: [registry] });
export const storiesMerged = new Counter({ name: "feedloom_stories_merged_total", help: "New articles that joined an existing story instead of starting one", registers: [registry] });
export const topicMatches = new Counter({ name: "feedloom_topic_matches_total", help: "Story–topic links written when matching", registers: [registry] });
export const httpRequests = new Counter({ name: "feedloom_http_requests_total", help: "HTTP requests by method, route and status", labelNames: ["method", "route", "status"] as const, registers: [registry] });
export const httpDuration = new Histogram({
  name: "feedloom_http_request_duration_seconds",
  help: "HTTP request durations by method, route and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** What a pg.Pool reports about itself. */
export interface PoolStats {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

let pool: PoolStats | null = null;
/** The database pool whose connections /metrics reports. */
export function observePool(p: PoolStats | null): void {
  pool = p;
}

new Gauge({
  name: "feedloom_db_pool_connections",
  help: "Database pool connections by state (total, idle, waiting clients)",
  labelNames: ["state"] as const,
  registers: [registry],
  collect() {
    if (!pool) return;
    this.set({ state: "total" }, pool.totalCount);
    this.set({ state: "idle" }, pool.idleCount);
    this.set({ state: "waiting" }, pool.waitingCount);
  },
});

export function recordFetch(o: { outcome: "updated" | "not-modified" | "error"; durationMs: number; bytes?: number; newArticles: number; updatedArticles: number }): void {
  fetches.inc({ outcome: o.outcome });
  fetchDuration.observe({ outcome: o.outcome }, o.durationMs / 1000);
  if (o.bytes) fetchBytes.inc(o.bytes);
  if (o.newArticles) items.inc({ change: "new" }, o.newArticles);
  if (o.updatedArticles) items.inc({ change: "updated" }, o.updatedArticles);
}
