// The embedded database belongs to one process. While `feedloom serve` runs, other feedloom
// commands on the same data directory are sent here over a local socket and run inside the server,
// on its database, with their output streamed back.
import { createHash } from "node:crypto";
import { chmodSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export type CommandRunner = (argv: string[], io: CommandIo) => Promise<number>;

/** Unix sockets have a ~100-byte path limit: deep data directories get a short path in the temp dir. */
export function controlSocketPath(dataDir: string): string {
  const inDir = join(dataDir, "feedloom.sock");
  if (inDir.length < 100) return inDir;
  return join(tmpdir(), `feedloom-${createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}.sock`);
}

type Frame = { o: string } | { e: string } | { exit: number };

export async function startControlServer(path: string, run: CommandRunner): Promise<Server> {
  rmSync(path, { force: true }); // a socket file left by a process that died
  const server = createServer((socket) => void serveOne(socket, run));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  // Whoever can connect can run any command: only this user.
  chmodSync(path, 0o600);
  server.on("close", () => rmSync(path, { force: true }));
  return server;
}

async function serveOne(socket: Socket, run: CommandRunner): Promise<void> {
  socket.on("error", () => {});
  const send = (f: Frame) => {
    if (!socket.destroyed) socket.write(JSON.stringify(f) + "\n");
  };
  const lines = createInterface({ input: socket });
  for await (const line of lines) {
    let argv: string[];
    let isTTY = false;
    try {
      const msg = JSON.parse(line) as { argv?: unknown; tty?: unknown };
      isTTY = msg.tty === true;
      if (!Array.isArray(msg.argv) || !msg.argv.every((a) => typeof a === "string")) throw new Error("bad request");
      argv = msg.argv;
    } catch {
      send({ e: "feedloom: malformed control request\n" });
      send({ exit: 2 });
      break;
    }
    const code = await run(argv, { out: (o) => send({ o }), err: (e) => send({ e }), isTTY }).catch((err: unknown) => {
      send({ e: `feedloom: ${err instanceof Error ? err.message : String(err)}\n` });
      return 1;
    });
    send({ exit: code });
    break;
  }
  socket.end();
}

/** Run a command in the process serving this socket; null when nothing listens there. */
export function runRemote(path: string, argv: string[], io: CommandIo): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let exit: number | null = null;
    let connected = false;
    socket.once("connect", () => {
      connected = true;
      socket.write(JSON.stringify({ argv, tty: io.isTTY }) + "\n");
      const lines = createInterface({ input: socket });
      lines.on("line", (line) => {
        let f: Frame;
        try {
          f = JSON.parse(line) as Frame;
        } catch {
          return; // not ours; the exit code decides
        }
        if ("o" in f) io.out(f.o);
        else if ("e" in f) io.err(f.e);
        else exit = f.exit;
      });
    });
    socket.once("error", () => resolve(connected ? 1 : null));
    socket.once("close", () => resolve(connected ? (exit ?? 1) : null));
  });
}
