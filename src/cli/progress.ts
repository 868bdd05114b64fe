// `feedloom fetch` on a terminal: one progress bar that redraws in place, then the failures and a
// summary. Not on a terminal (a pipe, a log, cron), one line per source instead.
import { sql, type Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { SourceOutcome } from "../ingest/source.ts";
import type { CommandIo } from "../server/control.ts";
import { outcomeLine } from "./format.ts";

/** How many sources the cycle will look at: for the bar's denominator (others' leases may make it fewer). */
export async function sourcesToFetch(db: Kysely<Database>, opts: { all?: boolean; source?: number }): Promise<number> {
  if (opts.source !== undefined) return 1;
  const row = await db
    .selectFrom("sources")
    .select(sql<number>`count(*)::int`.as("n"))
    .where("enabled", "=", true)
    .$if(!opts.all, (q) => q.where("next_fetch_at", "<=", sql<Date>`now()`))
    .executeTakeFirstOrThrow();
  return row.n;
}

export function summaryLine(outcomes: SourceOutcome[], ms: number): string {
  const count = (k: SourceOutcome["outcome"]) => outcomes.filter((o) => o.outcome === k).length;
  const fresh = outcomes.reduce((n, o) => n + o.newArticles, 0);
  const changed = outcomes.reduce((n, o) => n + o.updatedArticles, 0);
  return `fetched ${outcomes.length} source${outcomes.length === 1 ? "" : "s"} in ${(ms / 1000).toFixed(1)}s: ${count("updated")} updated (${fresh} new articles, ${changed} changed), ${count("not-modified")} not modified, ${count("error")} failed\n`;
}

export function progressBar(io: CommandIo, total: number, width = 30) {
  const started = Date.now();
  let done = 0;
  let failed = 0;
  let fresh = 0;
  const draw = () => {
    const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
    io.out(`\r\x1b[K[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${Math.max(total, done)} sources, ${fresh} new articles${failed ? `, ${failed} failed` : ""}`);
  };
  draw();
  return {
    tick(o: SourceOutcome) {
      done += 1;
      fresh += o.newArticles;
      if (o.outcome === "error") failed += 1;
      draw();
    },
    finish(outcomes: SourceOutcome[]) {
      io.out("\r\x1b[K");
      for (const o of outcomes) if (o.outcome === "error") io.out(outcomeLine(o));
      io.out(summaryLine(outcomes, Date.now() - started));
    },
  };
}
