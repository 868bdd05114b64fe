// How commands print: aligned plain text for people, --json for scripts.
import type { FetchLogEntry, Source } from "../db/schema.ts";
import type { SourceOutcome } from "../ingest/source.ts";

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd()).join("\n") + "\n";
}

export function ago(d: Date | null, now = new Date()): string {
  if (!d) return "never";
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const unit = abs < 90 ? `${abs}s` : abs < 5400 ? `${Math.round(abs / 60)}m` : abs < 129600 ? `${Math.round(abs / 3600)}h` : `${Math.round(abs / 86400)}d`;
  return s >= 0 ? `${unit} ago` : `in ${unit}`;
}

const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 100) / 100 : null);

export function sourceJson(s: Source) {
  return {
    id: s.id,
    url: s.url,
    title: s.title,
    siteUrl: s.site_url,
    enabled: s.enabled,
    disabledReason: s.disabled_reason,
    intervalSeconds: s.fetch_interval_seconds,
    nextFetchAt: s.next_fetch_at.toISOString(),
    lastAttemptAt: s.last_attempt_at?.toISOString() ?? null,
    lastSuccessAt: s.last_success_at?.toISOString() ?? null,
    lastStatus: s.last_status,
    lastError: s.last_error,
    lastWarning: s.last_warning,
    errorCount: s.error_count,
    failingSince: s.failing_since?.toISOString() ?? null,
    currentIntervalSeconds: s.current_interval_seconds,
    supportsEtag: s.supports_etag,
    supportsLastModified: s.supports_last_modified,
    fetchCount: s.fetch_count,
    notModifiedCount: s.not_modified_count,
    notModifiedRate: rate(s.not_modified_count, s.fetch_count),
    bytesFetched: s.bytes_fetched,
    state: sourceState(s),
    backfill: s.backfill_days === null ? "all" : s.backfill_days === 0 ? "none" : `${s.backfill_days}d`,
  };
}

export function fetchLogJson(f: FetchLogEntry) {
  return {
    fetchedAt: f.fetched_at.toISOString(),
    outcome: f.outcome,
    status: f.status,
    durationMs: f.duration_ms,
    bytes: f.bytes,
    itemsNew: f.items_new,
    itemsUpdated: f.items_updated,
    message: f.message,
  };
}

/** The state of a source in a word or two, as an operator would say it. */
export function sourceState(s: Source): string {
  if (!s.enabled) return s.disabled_reason?.startsWith("retired") ? "retired" : s.disabled_reason?.startsWith("paused") ? "paused" : "disabled";
  if (s.error_count > 0) return `failing×${s.error_count}`;
  return s.last_success_at ? "ok" : "new";
}

const duration = (seconds: number) =>
  seconds < 90 ? `${seconds}s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : seconds < 129_600 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 86_400)} d`;

export function sourceDetails(s: Source, log: FetchLogEntry[], now = new Date()): string {
  const lines: Array<[string, string]> = [
    ["source", `${s.id}: ${s.title ?? "(untitled)"}`],
    ["feed", s.url],
    ["site", s.site_url ?? "-"],
    ["state", `${sourceState(s)}${s.disabled_reason ? ` — ${s.disabled_reason}` : ""}`],
    ["last attempt", `${ago(s.last_attempt_at, now)}${s.last_status !== null ? ` (HTTP ${s.last_status})` : ""}`],
    ["last success", ago(s.last_success_at, now)],
    ["last error", s.last_error ?? "-"],
    ["note", s.last_warning ?? "-"],
    ["failing since", s.failing_since ? `${s.failing_since.toISOString()} (${s.error_count} attempts in a row)` : "-"],
    ["next fetch", s.enabled ? `${ago(s.next_fetch_at, now)} (${s.next_fetch_at.toISOString()})` : "not scheduled: resume it with `feedloom sources resume " + s.id + "`"],
    ["interval", `${duration(s.current_interval_seconds ?? s.fetch_interval_seconds)} (operator: ${duration(s.fetch_interval_seconds)})`],
    ["validators", `ETag ${s.supports_etag ? "yes" : "no"}, Last-Modified ${s.supports_last_modified ? "yes" : "no"}`],
    ["fetches", `${s.fetch_count}, ${s.not_modified_count} answered 304 (${Math.round((rate(s.not_modified_count, s.fetch_count) ?? 0) * 100)}%), ${s.bytes_fetched} bytes in all`],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  let out = lines.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
  if (log.length > 0) {
    out += "\nrecent fetches:\n";
    out += table([
      ["WHEN", "OUTCOME", "HTTP", "MS", "BYTES", "NEW", "UPDATED", "NOTE"],
      ...log.map((f) => [ago(f.fetched_at, now), f.outcome, f.status === null ? "-" : String(f.status), String(f.duration_ms), String(f.bytes), String(f.items_new), String(f.items_updated), f.message ?? ""]),
    ]);
  }
  return out;
}

export function sourcesTable(sources: Source[]): string {
  if (sources.length === 0) return "no sources yet: add one with `feedloom sources add <url>`\n";
  const now = new Date();
  const rows = sources.map((s) => [
    String(s.id),
    sourceState(s),
    s.last_status === null ? "-" : String(s.last_status),
    ago(s.last_success_at, now),
    s.enabled ? ago(s.next_fetch_at, now) : "-",
    s.fetch_count > 0 ? `${Math.round((s.not_modified_count / s.fetch_count) * 100)}%` : "-",
    `${s.title ?? "(untitled)"} <${s.url}>${s.disabled_reason ? ` — ${s.disabled_reason}` : s.last_error ? ` — ${s.last_error}` : s.last_warning ? ` — note: ${s.last_warning}` : ""}`,
  ]);
  return table([["ID", "STATE", "HTTP", "LAST SUCCESS", "NEXT FETCH", "304s", "SOURCE"], ...rows]);
}

export function outcomeLine(o: SourceOutcome): string {
  const name = `#${o.sourceId} ${o.title ?? o.url}`;
  const secs = `${(o.durationMs / 1000).toFixed(1)}s`;
  switch (o.outcome) {
    case "updated":
      return `${name}: ${o.newArticles} new, ${o.updatedArticles} updated (HTTP ${o.status}, ${secs})${o.message ? ` — note: ${o.message}` : ""}\n`;
    case "not-modified":
      return `${name}: not modified (HTTP 304, ${secs})\n`;
    case "error":
      return o.disabled
        ? `${name}: failed — ${o.message}; ${o.disabled}\n`
        : `${name}: failed — ${o.message}${o.status && !o.message?.includes(String(o.status)) ? ` (HTTP ${o.status})` : ""}; will retry later\n`;
  }
}
