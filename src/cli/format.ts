// How commands print: aligned plain text for people, --json for scripts.
import type { Source } from "../db/schema.ts";
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
  };
}

export function sourcesTable(sources: Source[]): string {
  if (sources.length === 0) return "no sources yet: add one with `feedloom sources add <url>`\n";
  const now = new Date();
  const rows = sources.map((s) => [
    String(s.id),
    !s.enabled ? "disabled" : s.error_count > 0 ? `failing×${s.error_count}` : s.last_success_at ? "ok" : "new",
    s.last_status === null ? "-" : String(s.last_status),
    ago(s.last_success_at, now),
    ago(s.next_fetch_at, now),
    `${s.title ?? "(untitled)"} <${s.url}>${s.last_error ? ` — ${s.last_error}` : s.last_warning ? ` — note: ${s.last_warning}` : ""}`,
  ]);
  return table([["ID", "STATE", "HTTP", "LAST SUCCESS", "NEXT FETCH", "SOURCE"], ...rows]);
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
      return `${name}: failed — ${o.message}${o.status ? ` (HTTP ${o.status})` : ""}; will retry later\n`;
  }
}
