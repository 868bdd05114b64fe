// The `feedloom` command line. Each command is a thin shell over src/ and jobs/; output goes
// through `io` so the same program runs in a terminal or, forwarded, inside a running server.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { runFetchCycle } from "../../jobs/fetch-cycle.ts";
import type { Config } from "../config.ts";
import { DataDirBusyError } from "../db/lock.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { Runtime } from "../runtime.ts";
import type { CommandIo } from "../server/control.ts";
import { getSource, listSources, recentFetches, resumeSource } from "../store/sources.ts";
import { version } from "../version.ts";
import { fetchLogJson, outcomeLine, sourceDetails, sourceJson, sourcesTable } from "./format.ts";
import { progressBar, sourcesToFetch } from "./progress.ts";
import { registerSourceCommands } from "./sources.ts";
import { registerTopicCommands } from "./topics.ts";

export interface CliContext {
  config: Config;
  io: CommandIo;
  /** The database and friends; opened on first use. */
  runtime(): Promise<Runtime>;
  serve(opts: { port: number; scheduler: boolean }): Promise<number>;
  jobs(): Promise<number>;
}

/** A failure the user can fix: printed as is, exit code 1. */
export class CliError extends Error {}

function parseId(value: string): number {
  if (!/^\d{1,15}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a source id (a positive whole number)");
  return Number(value);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError("must be a port number from 0 to 65535");
  return n;
}

export function buildProgram(ctx: CliContext, result: { code: number }): Command {
  const { io } = ctx;
  const program = new Command("feedloom")
    .description("A news aggregator: fetches sources, groups republished articles into stories, publishes topic feeds.")
    .version(version)
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command("serve")
    .description("serve HTTP (topic feeds, API) and run the fetch scheduler")
    .addOption(new Option("-p, --port <n>", "port to listen on (default: $PORT or 3000)").argParser(parsePort))
    .option("--no-scheduler", "serve only; fetch from a separate `feedloom jobs` process")
    .action(async (opts: { port?: number; scheduler: boolean }) => {
      result.code = await ctx.serve({ port: opts.port ?? ctx.config.port, scheduler: opts.scheduler });
    });

  program
    .command("jobs")
    .description("run the fetch scheduler alone (no HTTP server)")
    .action(async () => {
      result.code = await ctx.jobs();
    });

  program
    .command("migrate")
    .description("apply database migrations")
    .action(async () => {
      const rt = await ctx.runtime(); // opening the runtime migrates; report what that did
      const { applied } = await migrateToLatest(rt.db);
      io.out(applied.length > 0 ? `applied ${applied.join(", ")}\n` : "the database schema is up to date\n");
    });

  program
    .command("fetch")
    .description("run one fetch cycle now and exit (due sources by default); a progress bar on a terminal, one line per source otherwise")
    .option("--all", "fetch every enabled source, due or not")
    .addOption(new Option("--source <id>", "fetch only this source").argParser(parseId))
    .option("--json", "print one JSON object per source")
    .action(async (opts: { all?: boolean; source?: number; json?: boolean }) => {
      const rt = await ctx.runtime();
      const bar = io.isTTY && !opts.json ? progressBar(io, await sourcesToFetch(rt.db, opts)) : null;
      const outcomes = await runFetchCycle(rt, {
        all: opts.all,
        sourceIds: opts.source !== undefined ? [opts.source] : undefined,
        concurrency: ctx.config.fetchConcurrency,
        onOutcome: (o) => (bar ? bar.tick(o) : io.out(opts.json ? JSON.stringify(o) + "\n" : outcomeLine(o))),
      });
      if (bar && outcomes.length > 0) bar.finish(outcomes);
      else if (bar) io.out("\r\x1b[K");
      if (outcomes.length === 0 && !opts.json) {
        io.out(opts.source !== undefined ? `source ${opts.source} is not fetchable now (unknown, disabled or being fetched)\n` : "nothing is due; use --all to fetch every source now\n");
      }
    });

  const sources = program.command("sources").description("manage sources (the feeds feedloom fetches)");
  registerSourceCommands(sources, ctx);
  sources
    .command("list")
    .description("list sources with their health")
    .option("--json", "print a JSON array")
    .action(async (opts: { json?: boolean }) => {
      const rt = await ctx.runtime();
      const rows = await listSources(rt.db);
      io.out(opts.json ? JSON.stringify(rows.map(sourceJson), null, 2) + "\n" : sourcesTable(rows));
    });

  sources
    .command("show")
    .description("show one source's health and its recent fetches")
    .argument("<id>", "the source's id", parseId)
    .option("--json", "print JSON")
    .action(async (id: number, opts: { json?: boolean }) => {
      const rt = await ctx.runtime();
      const source = await getSource(rt.db, id);
      if (!source) throw new CliError(`no source with id ${id}; \`feedloom sources list\` shows them`);
      const log = await recentFetches(rt.db, id, 10);
      io.out(opts.json ? JSON.stringify({ ...sourceJson(source), recentFetches: log.map(fetchLogJson) }, null, 2) + "\n" : sourceDetails(source, log));
    });
  sources
    .command("resume")
    .description("put a paused, retired or disabled source back into rotation, due now")
    .argument("<id>", "the source's id", parseId)
    .action(async (id: number) => {
      const rt = await ctx.runtime();
      const source = await resumeSource(rt.db, id);
      if (!source) throw new CliError(`no source with id ${id}; \`feedloom sources list\` shows them`);
      io.out(`resumed source ${id}: it will be fetched in the next cycle (or now, with \`feedloom fetch --source ${id}\`)\n`);
    });

  registerTopicCommands(program, ctx);

  return program;
}

/** Run the program; returns the exit code: 0 success, 1 failure, 2 usage error. */
export async function runProgram(argv: string[], ctx: CliContext): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(ctx, result);
  try {
    await program.parseAsync(argv, { from: "user" });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CliError) {
      ctx.io.err(`feedloom: ${err.message}\n`);
      return 1;
    }
    if (err instanceof DataDirBusyError) {
      ctx.io.err(`feedloom: ${err.message}, which does not take commands; wait for it to finish, or stop it\n`);
      return 1;
    }
    ctx.io.err(`feedloom: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
