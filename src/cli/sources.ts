// `feedloom sources add|edit|remove|import|export`: the same operations as the admin API
// (src/operators/sources.ts), with words for people and --json for scripts.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { z } from "zod";
import {
  addSourceFromUrl, backfillSchema, editSource, exportOpml, feedUrlSchema, importOpml, intervalSchema, OperatorError, parseDuration, removeSource,
  type AddOutcome, type PatchSourceInput,
} from "../operators/sources.ts";
import type { FeedPreview } from "../discover/discover.ts";
import { sourceJson } from "./format.ts";
import type { CliContext } from "./program.ts";
import { CliError } from "./program.ts";

function parseId(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a source id (a positive whole number)");
  return Number(value);
}

const zodArg = <S extends z.ZodType>(schema: S) => (value: string): z.output<S> => {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(r.error.issues[0]?.message ?? "is invalid");
  return r.data;
};

function parseInterval(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === null) throw new InvalidArgumentError('must be a duration such as "30m", "2h", "1d" or a number of seconds');
  const r = intervalSchema.safeParse(seconds);
  if (!r.success) throw new InvalidArgumentError("must be from 5m to 24h");
  return r.data;
}

const parseBackfill = zodArg(backfillSchema);

/** Operator errors are failures the user can fix (exit 1), in the same words as the API's. */
async function operate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OperatorError) throw new CliError(err.message);
    throw err;
  }
}

function previewLines(p: FeedPreview | null): string {
  if (!p) return "";
  const cg = p.conditionalGet.supported ? `yes (${[p.conditionalGet.etag && "ETag", p.conditionalGet.lastModified && "Last-Modified"].filter(Boolean).join(", ")})` : "no (every fetch downloads the whole feed)";
  return (
    `  title            ${p.title ?? "(none)"}\n  format           ${p.format}, ${p.itemCount} items\n  conditional GET  ${cg}\n` +
    p.newest.map((i, n) => `  ${n === 0 ? "newest" : "      "}           ${i.published?.slice(0, 10) ?? "undated   "}  ${i.title}\n`).join("")
  );
}

export function registerSourceCommands(sources: Command, ctx: CliContext): void {
  const { io } = ctx;

  sources
    .command("add")
    .description("add a source: a feed URL (read once and previewed), or a page URL (its feeds are listed)")
    .argument("<url>", "a feed's URL, or a web page's (http or https)")
    .option("--title <title>", "a title to show instead of the feed's own")
    .addOption(new Option("--interval <duration>", "baseline fetch interval, 5m to 24h (default 30m)").argParser(parseInterval))
    .addOption(new Option("--backfill <all|none|Nd>", "items kept on the first fetch: all (default), none, or the last N days (e.g. 7d)").argParser(parseBackfill))
    .option("--first", "for a page URL: add the first feed it names")
    .option("--force", "add the URL even if it cannot be read now (it is retried later)")
    .option("--json", "print the result as JSON")
    .action(async (rawUrl: string, opts: { title?: string; interval?: number; backfill?: string; first?: boolean; force?: boolean; json?: boolean }) => {
      const parsed = feedUrlSchema.safeParse(rawUrl);
      if (!parsed.success) throw new CliError(`invalid <url> "${rawUrl}": ${parsed.error.issues[0]?.message}`);
      const rt = await ctx.runtime();
      const input = { title: opts.title?.trim() || undefined, intervalSeconds: opts.interval, backfill: opts.backfill, force: opts.force };
      let r: AddOutcome = await operate(() => addSourceFromUrl(rt, { url: parsed.data, ...input }));
      if (!r.added && opts.first && r.candidates[0]) {
        const first = r.candidates[0].url;
        r = await operate(() => addSourceFromUrl(rt, { url: first, ...input }));
      }
      if (opts.json) {
        // The source's own fields at the top level, as `sources add --json` always printed them; the preview beside.
        io.out(JSON.stringify(r.added ? { ...sourceJson(r.source), preview: r.preview, ...(r.note ? { note: r.note } : {}) } : r) + "\n");
        if (!r.added) throw new CliError("a web page, not a feed: nothing added");
        return;
      }
      if (r.added) {
        io.out(`added source ${r.source.id}: ${r.source.url}\n${previewLines(r.preview)}${r.note ? `  note             ${r.note}\n` : ""}`);
        return;
      }
      const list = r.candidates.map((c) => `  ${c.url}${c.title ? `  "${c.title}"` : ""}${c.found === "guess" ? "  (found at a usual path)" : ""}${c.existingId !== null ? `  (already source ${c.existingId})` : ""}\n`).join("");
      throw new CliError(`${r.url} is a web page, not a feed; the feeds it offers:\n${list}add one with \`feedloom sources add <feed url>\`, or the first with --first`);
    });

  sources
    .command("edit")
    .description("change a source's title, interval, backfill, or take it out of rotation")
    .argument("<id>", "the source's id", parseId)
    .option("--title <title>", "a title to show instead of the feed's own")
    .option("--feed-title", "show the feed's own title again")
    .addOption(new Option("--interval <duration>", "baseline fetch interval, 5m to 24h").argParser(parseInterval))
    .addOption(new Option("--backfill <all|none|Nd>", "items kept on the first fetch (applies only if it has not been fetched yet)").argParser(parseBackfill))
    .addOption(new Option("--enable", "put it back into rotation, due now").conflicts("disable"))
    .option("--disable", "take it out of rotation (not fetched until enabled)")
    .option("--json", "print the source as JSON")
    .action(async (id: number, opts: { title?: string; feedTitle?: boolean; interval?: number; backfill?: string; enable?: boolean; disable?: boolean; json?: boolean }, cmd: Command) => {
      if (opts.title !== undefined && opts.feedTitle) cmd.error("error: use either --title or --feed-title", { exitCode: 2 });
      const title = opts.feedTitle ? null : opts.title?.trim();
      if (title === "") cmd.error("error: option '--title <title>' must not be empty", { exitCode: 2 });
      const patch: PatchSourceInput = {
        ...(title !== undefined ? { title } : {}),
        ...(opts.interval !== undefined ? { intervalSeconds: opts.interval } : {}),
        ...(opts.backfill !== undefined ? { backfill: opts.backfill } : {}),
        ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
      };
      if (Object.keys(patch).length === 0) cmd.error("error: nothing to change: give --title, --feed-title, --interval, --backfill, --enable or --disable", { exitCode: 2 });
      const rt = await ctx.runtime();
      const s = await operate(() => editSource(rt.db, id, patch));
      if (opts.json) return void io.out(JSON.stringify(sourceJson(s)) + "\n");
      io.out(`updated source ${id}: ${s.title ?? "(untitled)"} <${s.url}>, every ${Math.round(s.fetch_interval_seconds / 60)} min, ${s.enabled ? "enabled" : `not in rotation (${s.disabled_reason})`}\n`);
      if (opts.backfill !== undefined && s.last_success_at !== null) io.out("note: backfill applies on a source's first fetch; this one has been fetched already\n");
    });

  sources
    .command("remove")
    .description("remove a source; its articles stay in their stories unless --purge")
    .argument("<id>", "the source's id", parseId)
    .option("--purge", "delete its articles too (tombstones keep them from being imported again)")
    .option("--json", "print the result as JSON")
    .action(async (id: number, opts: { purge?: boolean; json?: boolean }) => {
      const rt = await ctx.runtime();
      const r = await operate(() => removeSource(rt.db, id, opts.purge ? "purge" : "keep"));
      if (opts.json) return void io.out(JSON.stringify(r) + "\n");
      io.out(
        r.articles === "purged"
          ? `removed source ${id} and purged ${r.articlesPurged} articles (${r.storiesDeleted} stories left empty were deleted); tombstones keep them from coming back\n`
          : `removed source ${id}; its articles stay in their stories (use --purge to delete them)\n`,
      );
    });

  sources
    .command("import")
    .description("import an OPML subscription list (a file, or - for standard input); reports each line")
    .argument("<file>", "the OPML file, or - to read standard input")
    .addOption(new Option("--backfill <all|none|Nd>", "backfill for every added source").argParser(parseBackfill))
    .addOption(new Option("--opml-text <text>").hideHelp()) // standard input, read by a forwarding client
    .option("--json", "print the report as JSON")
    .action(async (file: string, opts: { backfill?: string; opmlText?: string; json?: boolean }) => {
      let text: string;
      try {
        text = opts.opmlText ?? readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (err) {
        throw new CliError(`cannot read ${file === "-" ? "standard input" : file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const rt = await ctx.runtime();
      const r = await operate(() => importOpml(rt, text, { backfill: opts.backfill }));
      if (opts.json) io.out(JSON.stringify(r, null, 2) + "\n");
      else {
        for (const l of r.lines) io.out(`line ${l.line}: ${l.result.padEnd(7)} ${l.url}${l.id !== undefined && l.result === "added" ? ` (source ${l.id})` : ""}${l.reason ? ` — ${l.reason}` : ""}\n`);
        io.out(`${r.added} added, ${r.skipped} skipped, ${r.failed} failed\n`);
      }
      if (r.failed > 0 && r.added === 0 && r.skipped === 0) throw new CliError("nothing could be imported; see the reasons above");
    });

  sources
    .command("export")
    .description("print every source as an OPML 2.0 list (redirect it to a file)")
    .action(async () => {
      const rt = await ctx.runtime();
      io.out(await exportOpml(rt.db));
    });
}

/**
 * Before a command is forwarded to a running server (another process, perhaps another working
 * directory): file arguments become absolute, and standard input is read here.
 */
export function prepareForwarding(argv: string[]): string[] {
  if (argv[0] !== "sources" || argv[1] !== "import") return argv;
  const out = [...argv];
  let n = 2;
  while (n < out.length) {
    const a = out[n] as string;
    if (a === "--backfill" || a === "--opml-text") n += 2;
    else if (a.startsWith("--")) n += 1;
    else break;
  }
  const file = out[n];
  if (file === "-") out.push("--opml-text", readFileSync(0, "utf8"));
  else if (file !== undefined && !isAbsolute(file)) out[n] = resolve(file);
  return out;
}
