// The loopback feed server for the ingest benchmark, run as a child process (forked by ingest.ts)
// so that its 125 MB of prepared bodies and its CPU time for serving stay out of the measured
// process's memory and event loop.
//
// Every feed is generated once, up front. One node:http server listens on each loopback address
// the layout uses (127.0.0.2, 127.0.0.3, …; see synthetic.ts), never on a wildcard address, so
// nothing is reachable from outside this machine. A request is answered only on the address its
// feed was assigned to, so the host layout is really what the fetcher sees. Responses carry ETag
// and Last-Modified; a matching If-None-Match (or, without one, an If-Modified-Since not older
// than the feed) gets a 304. The server also keeps the figures the benchmark checks politeness
// with (connections open at once per host) and the 200/304 counts, per phase.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { generateFeed, sourceLayout, type SyntheticOptions } from "./synthetic.ts";

export interface ServerStartMessage {
  type: "start";
  options: SyntheticOptions;
  /** Serve gzip to clients that accept it (bodies compressed once, up front). */
  gzip: boolean;
}

export interface ServerReadyMessage {
  type: "ready";
  /** One URL per source, in source order. */
  urls: string[];
  feeds: number;
  items: number;
  bytes: number;
  atomFeeds: number;
  sharedSources: number;
  sharedHosts: number;
  sharedHostNames: string[];
  hosts: number;
  generationMs: number;
}

export interface ServerStats {
  type: "stats";
  ok: number;
  notModified: number;
  notFound: number;
  bytesSent: number;
  /** TCP connections accepted. */
  connectionsOpened: number;
  /**
   * Most connections open at once to one shared host, to any one host, and in total. The fetcher's
   * connection pool opens a second connection to a host only while the first is busy, so this is
   * how many fetches of one host overlapped (keep-alive connections count while they idle).
   */
  maxConnectionsSharedHost: number;
  maxConnectionsAnyHost: number;
  maxConnectionsTotal: number;
  /** Most requests being answered at once, over all hosts. */
  maxInFlightTotal: number;
}

export type ServerMessage = ServerReadyMessage | ServerStats | { type: "error"; message: string };
export type ServerCommand = ServerStartMessage | { type: "stats"; reset: boolean } | { type: "stop" };

interface Prepared {
  body: Buffer;
  gzipped: Buffer | null;
  contentType: string;
  etag: string;
  lastModified: string;
  lastModifiedMs: number;
}

const send = (message: ServerMessage) => process.send?.(message);

const servers: Server[] = [];
const counts = { ok: 0, notModified: 0, notFound: 0, bytesSent: 0, connectionsOpened: 0, maxShared: 0, maxAny: 0, maxTotal: 0, maxInFlight: 0 };
const open = new Map<string, number>();
let openTotal = 0;
let inFlight = 0;
let sharedAddresses = new Set<string>();

/** Start a new phase: counters to zero, maxima to what is open now. */
function resetStats(): void {
  const now = [...open.entries()];
  Object.assign(counts, {
    ok: 0,
    notModified: 0,
    notFound: 0,
    bytesSent: 0,
    connectionsOpened: 0,
    maxShared: Math.max(0, ...now.filter(([a]) => sharedAddresses.has(a)).map(([, n]) => n)),
    maxAny: Math.max(0, ...now.map(([, n]) => n)),
    maxTotal: openTotal,
    maxInFlight: inFlight,
  });
}

function trackConnection(address: string, socket: { once(event: "close", fn: () => void): unknown }): void {
  const n = (open.get(address) ?? 0) + 1;
  open.set(address, n);
  openTotal += 1;
  counts.connectionsOpened += 1;
  counts.maxAny = Math.max(counts.maxAny, n);
  counts.maxTotal = Math.max(counts.maxTotal, openTotal);
  if (sharedAddresses.has(address)) counts.maxShared = Math.max(counts.maxShared, n);
  socket.once("close", () => {
    open.set(address, (open.get(address) ?? 1) - 1);
    openTotal -= 1;
  });
}

function handler(routes: Map<string, Prepared>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    res.once("close", () => (inFlight -= 1));

    const address = req.socket.localAddress ?? "";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const feed = routes.get(`${address}|${path}`);
    if (!feed) {
      counts.notFound += 1;
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const validators = { etag: feed.etag, "last-modified": feed.lastModified };
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    const notModified = inm !== undefined ? inm.split(/\s*,\s*/).includes(feed.etag) : ims !== undefined && Date.parse(ims) >= feed.lastModifiedMs;
    if (notModified) {
      counts.notModified += 1;
      res.writeHead(304, validators).end();
      return;
    }
    const gzip = feed.gzipped !== null && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip && feed.gzipped ? feed.gzipped : feed.body;
    counts.ok += 1;
    counts.bytesSent += body.length;
    res.writeHead(200, {
      "content-type": feed.contentType,
      "content-length": body.length,
      ...(gzip ? { "content-encoding": "gzip", vary: "Accept-Encoding" } : {}),
      ...validators,
    });
    res.end(body);
  };
}

async function start(msg: ServerStartMessage): Promise<void> {
  const started = performance.now();
  const specs = sourceLayout(msg.options);
  const routes = new Map<string, Prepared>();
  let bytes = 0;
  let items = 0;
  for (const spec of specs) {
    const feed = generateFeed(spec, msg.options);
    bytes += feed.body.length;
    items += feed.items;
    routes.set(`${spec.address}|${spec.path}`, { ...feed, gzipped: msg.gzip ? gzipSync(feed.body) : null });
  }
  const generationMs = performance.now() - started;
  sharedAddresses = new Set(specs.filter((s) => s.shared).map((s) => s.address));

  const addresses = [...new Set(specs.map((s) => s.address))];
  const ports = new Map<string, number>();
  const handle = handler(routes);
  for (const address of addresses) {
    const server = createServer(handle);
    server.on("connection", (socket) => trackConnection(address, socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: address, port: 0, exclusive: true }, () => resolve());
    });
    servers.push(server);
    ports.set(address, (server.address() as AddressInfo).port);
  }
  send({
    type: "ready",
    urls: specs.map((s) => `http://${s.address}:${ports.get(s.address) ?? 0}${s.path}`),
    feeds: specs.length,
    items,
    bytes,
    atomFeeds: specs.filter((s) => s.format === "atom").length,
    sharedSources: specs.filter((s) => s.shared).length,
    sharedHosts: sharedAddresses.size,
    sharedHostNames: [...sharedAddresses],
    hosts: addresses.length,
    generationMs,
  });
}

function stop(code: number): never {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  process.exit(code);
}

if (process.send === undefined) {
  console.error("bench/server.ts is started by bench/ingest.ts (it needs an IPC channel)");
  process.exit(2);
}
// The parent going away (crash, kill) takes the server down with it.
process.on("disconnect", () => stop(0));
process.on("message", (raw: ServerCommand) => {
  if (raw.type === "start") {
    start(raw).catch((err: unknown) => {
      send({ type: "error", message: err instanceof Error ? err.message : String(err) });
      stop(1);
    });
  } else if (raw.type === "stats") {
    send({
      type: "stats",
      ok: counts.ok,
      notModified: counts.notModified,
      notFound: counts.notFound,
      bytesSent: counts.bytesSent,
      connectionsOpened: counts.connectionsOpened,
      maxConnectionsSharedHost: counts.maxShared,
      maxConnectionsAnyHost: counts.maxAny,
      maxConnectionsTotal: counts.maxTotal,
      maxInFlightTotal: counts.maxInFlight,
    });
    if (raw.reset) resetStats();
  } else if (raw.type === "stop") {
    stop(0);
  }
});
