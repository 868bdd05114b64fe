// Entry point of the `feedloom` command. In embedded mode a running server owns the data
// directory; then the command is forwarded to it over the control socket instead of opening the
// database a second time.
import { ConfigError, loadConfig, type Config } from "../config.ts";
import { lockHolder } from "../db/lock.ts";
import { openRuntime, type Runtime } from "../runtime.ts";
import { controlSocketPath, runRemote, type CommandIo } from "../server/control.ts";
import { runJobs, runServer } from "../server/serve.ts";
import { runProgram, type CliContext } from "./program.ts";
import { prepareForwarding } from "./sources.ts";

const processIo: CommandIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  isTTY: process.stdout.isTTY === true,
};

/** Commands forwarded into a running server use its runtime; it is never closed by them. */
function forwardedContext(config: Config, rt: Runtime, io: CommandIo): CliContext {
  const busy = async () => {
    io.err(`feedloom: already running on this data directory (pid ${process.pid}); stop it first, or use DATABASE_URL to share a Postgres server\n`);
    return 1;
  };
  return { config, io, runtime: async () => rt, serve: busy, jobs: busy };
}

export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    io.err(`feedloom: ${err instanceof ConfigError ? err.message : String(err)}\n`);
    return 2;
  }

  if (!config.databaseUrl) {
    const holder = lockHolder(config.dataDir);
    if (holder !== null && holder !== process.pid) {
      argv = prepareForwarding(argv); // also what runs here if the holder does not listen
      const code = await runRemote(controlSocketPath(config.dataDir), argv, io);
      if (code !== null) return code;
      // Locked by a process that does not listen (another command): wait for it to finish.
    }
  }

  let runtime: Runtime | null = null;
  const open = async () => (runtime ??= await openRuntime(config));
  const runForwarded = async (args: string[], fio: CommandIo) => runProgram(args, forwardedContext(config, await open(), fio));
  const ctx: CliContext = {
    config,
    io,
    runtime: open,
    serve: async (opts) => runServer(await open(), { ...opts, io, runForwarded }),
    jobs: async () => runJobs(await open(), io, runForwarded),
  };
  try {
    return await runProgram(argv, ctx);
  } catch (err) {
    io.err(`feedloom: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await (runtime as Runtime | null)?.close();
  }
}
