// The fetcher against real misbehaving servers on 127.0.0.1: encodings, bombs, trickles, silent
// listeners, status codes, redirects, refusals, and hostile documents handed on to the parser.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { connect, createServer as createNetServer, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { AddressRefusedError, urlRefusal } from "../src/fetch/address.ts";
import { agentFor, publicOnlyLookup } from "../src/fetch/agent.ts";
import { fetchFeed, type FetchOptions, type FetchResult } from "../src/fetch/fetcher.ts";
import { parseCacheHints, parseRetryAfter } from "../src/fetch/headers.ts";
import { decodeFeed } from "../src/parse/charset.ts";
import { FeedParseError, parseFeed } from "../src/parse/feed.ts";

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Faults</title><link>http://feed.test/</link><item><title>caf\u00e9</title><link>http://feed.test/a</link></item></channel></rss>`;
const MiB = 1024 * 1024;
const UA = "feedloom/0.1 (+https://feedloom.test/about; faults)";

const opts: FetchOptions = { userAgent: UA, connectTimeoutMs: 1000, timeoutMs: 3000, maxBodyBytes: MiB, maxRedirects: 5, allowPrivateNetworks: true };

// ---- the misbehaving server ----------------------------------------------------------------------

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

let server: Server;
let port = 0;
let base = "";
const requests: Array<{ path: string; headers: IncomingMessage["headers"] }> = [];
/** Bytes each streaming route wrote before the client went away, by path. */
const sent = new Map<string, Promise<number>>();

function lines(...parts: string[]): string {
  return parts.join("\n");
}

const LAUGHS = lines(
  `<?xml version="1.0"?>`,
  `<!DOCTYPE rss [`,
  ` <!ENTITY lol "lol">`,
  ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? "" : i};`.repeat(10)}">`),
  `]>`,
  `<rss version="2.0"><channel><title>&lol9;</title><link>http://feed.test/</link>`,
  `<item><title>a &lol9;</title><link>http://feed.test/a</link></item></channel></rss>`,
);

function xxe(target: string): string {
  return lines(
    `<?xml version="1.0"?>`,
    `<!DOCTYPE rss SYSTEM "${base}/dtd" [`,
    ` <!ENTITY xxe SYSTEM "${target}">`,
    ` <!ENTITY % remote SYSTEM "${base}/param"> %remote;`,
    `]>`,
    `<rss version="2.0"><channel><title>&xxe;</title><link>http://feed.test/</link>`,
    `<item><title>t &xxe;</title><link>http://feed.test/a</link><description>&xxe;</description></item></channel></rss>`,
  );
}

/** Write `total` bytes in 64 KiB chunks, honouring backpressure; record how many went out. */
function stream(res: ServerResponse, path: string, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let written = 0;
  sent.set(path, new Promise((resolve) => res.once("close", () => resolve(written))));
  const pump = (): void => {
    while (written < total && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end();
  };
  pump();
}

// 20 gzip members of 10 MiB of zeros each: ≈ 200 KiB on the wire, 200 MiB inflated.
let bomb = Buffer.alloc(0);

const routes: Record<string, Route> = {
  "/feed": (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(FEED),
  "/gzip": (_req, res) => res.writeHead(200, { "content-encoding": "gzip" }).end(gzipSync(FEED)),
  "/deflate": (_req, res) => res.writeHead(200, { "content-encoding": "deflate" }).end(deflateSync(FEED)),
  "/br": (_req, res) => res.writeHead(200, { "content-encoding": "br" }).end(brotliCompressSync(FEED)),
  "/corrupt-gzip": (_req, res) => res.writeHead(200, { "content-encoding": "gzip" }).end(Buffer.from("this is not gzip at all, not even close")),
  "/corrupt-br": (_req, res) => res.writeHead(200, { "content-encoding": "br" }).end(Buffer.from("this is not brotli either")),
  "/hangup": (_req, res) => {
    res.writeHead(200, { "content-length": "1000" }).write("<rss>");
    setTimeout(() => res.socket?.destroy(), 20);
  },
  "/bomb": (_req, res) => res.writeHead(200, { "content-encoding": "gzip", "content-type": "application/xml" }).end(bomb),
  "/huge-declared": (_req, res) => {
    res.writeHead(200, { "content-length": String(100_000_000) });
    stream(res, "/huge-declared", 100_000_000);
  },
  "/huge-chunked": (_req, res) => {
    res.writeHead(200, { "content-type": "application/xml" });
    stream(res, "/huge-chunked", 100_000_000);
  },
  "/trickle": (_req, res) => {
    res.writeHead(200, { "content-type": "application/xml" });
    const timer = setInterval(() => res.write("<"), 1000);
    res.write("<");
    res.once("close", () => clearInterval(timer));
  },
  "/silent": () => undefined, // reads the request, never answers
  "/status": (_req, res, url) => {
    const code = Number(url.searchParams.get("code"));
    const retry = url.searchParams.get("retry");
    res.writeHead(code, "Whatever The Server Says", retry === null ? {} : { "retry-after": retry }).end("nope");
  },
  "/cache": (_req, res) =>
    res.writeHead(200, { "cache-control": "public, s-maxage=99, max-age=600", expires: "Wed, 21 Oct 2037 07:28:00 GMT", etag: '"c1"' }).end(FEED),
  "/cache-304": (req, res) =>
    req.headers["if-modified-since"] === "Fri, 15 Sep 2023 10:00:00 GMT"
      ? res.writeHead(304, { "cache-control": "max-age=120", expires: "0", etag: '"c2"', "last-modified": "Fri, 15 Sep 2023 10:00:00 GMT" }).end()
      : res.writeHead(200).end(FEED),
  "/go": (_req, res, url) => {
    // /go?to=/feed&s=301,308: answer with the first status, pass the rest on.
    const [first = "302", ...rest] = (url.searchParams.get("s") ?? "").split(",");
    const to = url.searchParams.get("to") ?? "/feed";
    const location = rest.length > 0 ? `/go?to=${encodeURIComponent(to)}&s=${rest.join(",")}` : to;
    res.writeHead(Number(first), { location }).end();
  },
  "/laughs": (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(LAUGHS),
  "/xxe-file": (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(xxe("file:///etc/passwd")),
  "/xxe-http": (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(xxe(`${base}/entity`)),
  "/html": (_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>"),
  "/empty": (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml", "content-length": "0" }).end(),
  "/bad-utf8": (_req, res) =>
    res
      .writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" })
      .end(Buffer.concat([Buffer.from(FEED.slice(0, 90)), Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0xff]), Buffer.from(FEED.slice(90))])),
};

before(async () => {
  const deflated = gzipSync(Buffer.alloc(10 * MiB), { level: 9 });
  bomb = Buffer.concat(Array.from({ length: 20 }, () => deflated));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push({ path: url.pathname, headers: req.headers });
    (routes[url.pathname] ?? ((_q, r) => r.writeHead(404).end()))(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function errorOf(r: FetchResult): { status: number | null; message: string; retryAfter: Date | null } {
  if (r.kind !== "error") assert.fail(`expected an error, got ${r.kind}`);
  return { status: r.status, message: r.message, retryAfter: r.retryAfter };
}

function okOf(r: FetchResult): Extract<FetchResult, { kind: "ok" }> {
  if (r.kind !== "ok") assert.fail(`expected ok, got ${r.kind}: ${r.kind === "error" ? r.message : ""}`);
  return r;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

// ---- tests ---------------------------------------------------------------------------------------

describe("fetchFeed: encodings", () => {
  test("asks for gzip, deflate and br, with our User-Agent exactly", async () => {
    okOf(await fetchFeed({ url: `${base}/feed` }, opts));
    const seen = requests.findLast((r) => r.path === "/feed")?.headers;
    assert.equal(seen?.["accept-encoding"], "gzip, deflate, br");
    assert.equal(seen?.["user-agent"], UA);
  });

  for (const encoding of ["gzip", "deflate", "br"]) {
    test(`decodes a ${encoding} body`, async () => {
      const r = okOf(await fetchFeed({ url: `${base}/${encoding}` }, opts));
      assert.equal(Buffer.from(r.body).toString("utf8"), FEED);
    });
  }

  test("a body that is not what its Content-Encoding says is an error in plain words", { timeout: 5000 }, async () => {
    for (const path of ["/corrupt-gzip", "/corrupt-br"]) {
      assert.match(errorOf(await fetchFeed({ url: `${base}${path}` }, opts)).message, /^the response body could not be decompressed \(/, path);
    }
  });
});

describe("fetchFeed: limits", () => {
  test("a gzip bomb is stopped at the cap after decompression, quickly and in little memory", { timeout: 8000 }, async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const { value, ms } = await timed(() => fetchFeed({ url: `${base}/bomb` }, opts));
    clearInterval(sampler);
    assert.equal(errorOf(value).message, "response body is larger than the 1 MiB limit");
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(peak - baseline < 64 * MiB, `grew by ${((peak - baseline) / MiB).toFixed(1)} MiB`);
  });

  test("a declared 100 MB body is refused without reading it", { timeout: 8000 }, async () => {
    const { value, ms } = await timed(() => fetchFeed({ url: `${base}/huge-declared` }, opts));
    assert.equal(errorOf(value).message, "response body is larger than the 1 MiB limit");
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(((await sent.get("/huge-declared")) ?? Infinity) < 20 * MiB);
  });

  test("an undeclared 100 MB body is cut at the cap, not read to the end", { timeout: 8000 }, async () => {
    const { value, ms } = await timed(() => fetchFeed({ url: `${base}/huge-chunked` }, opts));
    assert.equal(errorOf(value).message, "response body is larger than the 1 MiB limit");
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(((await sent.get("/huge-chunked")) ?? Infinity) < 20 * MiB);
  });

  test("a server trickling a byte a second is cut at timeoutMs", { timeout: 8000 }, async () => {
    const { value, ms } = await timed(() => fetchFeed({ url: `${base}/trickle` }, { ...opts, timeoutMs: 1500 }));
    assert.deepEqual(errorOf(value), { status: null, message: "timed out after 1.5 s", retryAfter: null });
    assert.ok(ms >= 1400 && ms < 3000, `took ${ms} ms`);
  });

  test("a server that accepts but never answers is cut at timeoutMs", { timeout: 8000 }, async () => {
    const { value, ms } = await timed(() => fetchFeed({ url: `${base}/silent` }, { ...opts, timeoutMs: 1000 }));
    assert.equal(errorOf(value).message, "timed out after 1 s");
    assert.ok(ms < 2500, `took ${ms} ms`);
  });

  test("a handshake that never completes is cut at connectTimeoutMs", { timeout: 8000 }, async () => {
    const listener = await unansweringListener();
    try {
      const { value, ms } = await timed(() => fetchFeed({ url: `http://127.0.0.1:${listener.port}/` }, { ...opts, connectTimeoutMs: 300, timeoutMs: 5000 }));
      assert.equal(errorOf(value).message, "could not connect within 0.3 s (connect timeout)");
      assert.ok(ms < 2000, `took ${ms} ms`);
    } finally {
      await listener.release();
    }
  });

  test("one Agent per option set, reused across requests", () => {
    const a = agentFor(opts);
    const otherTimeout: FetchOptions = { ...opts, timeoutMs: 1, maxBodyBytes: 1 };
    assert.equal(agentFor(otherTimeout), a);
    assert.notEqual(agentFor({ ...opts, connectTimeoutMs: 999 }), a);
    assert.notEqual(agentFor({ ...opts, allowPrivateNetworks: false }), a);
  });
});

describe("fetchFeed: statuses and redirects", () => {
  test("301 and 308 all the way report movedTo; a 302 or 307 anywhere does not", async () => {
    const moved = okOf(await fetchFeed({ url: `${base}/go?s=301,308,301` }, opts));
    assert.equal(moved.movedTo, `${base}/feed`);
    assert.equal(moved.url, `${base}/feed`);
    for (const chain of ["302", "307", "301,302", "308,307,301"]) {
      const r = okOf(await fetchFeed({ url: `${base}/go?s=${chain}` }, opts));
      assert.equal(r.movedTo, null, chain);
      assert.equal(r.url, `${base}/feed`, chain);
    }
    assert.equal(okOf(await fetchFeed({ url: `${base}/feed` }, opts)).movedTo, null);
  });

  test("five redirects are followed; a sixth is an error naming the limit", async () => {
    okOf(await fetchFeed({ url: `${base}/go?s=302,302,302,302,302` }, opts));
    const r = errorOf(await fetchFeed({ url: `${base}/go?s=302,302,302,302,302,302` }, opts));
    assert.equal(r.message, "too many redirects (more than 5)");
  });

  test("validators go to the first hop only; a 304 carries validators and cache hints", async () => {
    requests.length = 0;
    okOf(await fetchFeed({ url: `${base}/go?s=302&to=/feed`, etag: '"e1"', lastModified: "Fri, 15 Sep 2023 10:00:00 GMT" }, opts));
    assert.equal(requests[0]?.headers["if-none-match"], '"e1"');
    assert.equal(requests[1]?.headers["if-none-match"], undefined);
    assert.equal(requests[1]?.headers["if-modified-since"], undefined);
    const r = await fetchFeed({ url: `${base}/cache-304`, lastModified: "Fri, 15 Sep 2023 10:00:00 GMT" }, opts);
    assert.deepEqual(r, { kind: "not-modified", status: 304, etag: '"c2"', lastModified: "Fri, 15 Sep 2023 10:00:00 GMT", cache: { maxAgeSeconds: 120, expires: null } });
  });

  test("Cache-Control max-age (not s-maxage) and Expires are reported", async () => {
    const r = okOf(await fetchFeed({ url: `${base}/cache` }, opts));
    assert.deepEqual(r.cache, { maxAgeSeconds: 600, expires: new Date("2037-10-21T07:28:00Z") });
    assert.deepEqual(parseCacheHints(new Headers({ "cache-control": "s-maxage=5" })), { maxAgeSeconds: null, expires: null });
  });

  test("410, 404 and 500 are errors with their status, in standard words", async () => {
    for (const [code, words] of [[410, "HTTP 410 Gone"], [404, "HTTP 404 Not Found"], [500, "HTTP 500 Internal Server Error"]] as const) {
      const r = errorOf(await fetchFeed({ url: `${base}/status?code=${code}&retry=60` }, opts));
      assert.deepEqual(r, { status: code, message: words, retryAfter: null }, "Retry-After is read on 429 and 503 only");
    }
  });

  test("429 and 503 carry Retry-After, as seconds or as an HTTP date; unreadable or absent is null", async () => {
    const before = Date.now();
    const seconds = errorOf(await fetchFeed({ url: `${base}/status?code=503&retry=120` }, opts));
    assert.equal(seconds.message, "HTTP 503 Service Unavailable (retry after 120 s)");
    const delay = (seconds.retryAfter?.getTime() ?? 0) - before;
    assert.ok(delay >= 119_000 && delay <= 122_000, `delay ${delay}`);
    const date = new Date(Date.now() + 3_600_000);
    date.setMilliseconds(0);
    const dated = errorOf(await fetchFeed({ url: `${base}/status?code=429&retry=${encodeURIComponent(date.toUTCString())}` }, opts));
    assert.deepEqual(dated.retryAfter, date);
    assert.match(dated.message, /^HTTP 429 Too Many Requests \(retry after 3[56]\d\d s\)$/);
    for (const bad of ["soon", "-5", "1.5", "Tomorrow 12"]) {
      assert.equal(errorOf(await fetchFeed({ url: `${base}/status?code=503&retry=${bad}` }, opts)).retryAfter, null, bad);
    }
    assert.deepEqual(errorOf(await fetchFeed({ url: `${base}/status?code=429` }, opts)), { status: 429, message: "HTTP 429 Too Many Requests", retryAfter: null });
    assert.deepEqual(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT"), new Date("1994-11-06T08:49:37Z"));
    assert.deepEqual(parseRetryAfter("Sun Nov  6 08:49:37 1994"), new Date("1994-11-06T08:49:37Z"));
  });

  test("network failures are described in plain words", { timeout: 8000 }, async () => {
    const dns = errorOf(await fetchFeed({ url: "http://feedloom-faults.invalid/feed" }, opts));
    assert.deepEqual(dns, { status: null, message: "host not found (DNS lookup failed)", retryAfter: null });
    const tls = await selfSignedServer();
    try {
      const r = errorOf(await fetchFeed({ url: `https://127.0.0.1:${tls.port}/feed` }, opts));
      assert.match(r.message, /^TLS certificate problem \(self[- ]signed certificate\)$/);
    } finally {
      tls.close();
    }
    assert.match(errorOf(await fetchFeed({ url: "not a url" }, opts)).message, /^not a valid URL/);
  });

  test("broken responses are described in plain words", { timeout: 8000 }, async () => {
    const hangup = errorOf(await fetchFeed({ url: `${base}/hangup` }, opts));
    assert.equal(hangup.message, "the server closed the connection before the response was complete");
    const tlsToPlain = errorOf(await fetchFeed({ url: `https://127.0.0.1:${port}/feed` }, opts));
    assert.match(tlsToPlain.message, /^TLS handshake failed \(.+\)$/);
    const garbage = createNetServer((socket) => socket.end("HELLO, THIS IS NOT HTTP\r\n\r\n"));
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    try {
      const r = errorOf(await fetchFeed({ url: `http://127.0.0.1:${(garbage.address() as { port: number }).port}/` }, opts));
      assert.match(r.message, /^the server sent an invalid HTTP response \(/);
    } finally {
      garbage.close();
    }
  });
});

describe("fetchFeed: address rules", () => {
  const strict: FetchOptions = { ...opts, allowPrivateNetworks: false };

  test("loopback is refused at connect time, however it is written, and the server sees nothing", async () => {
    requests.length = 0;
    for (const host of ["127.0.0.1", "localhost", "2130706433", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]"]) {
      const r = errorOf(await fetchFeed({ url: `http://${host}:${port}/feed` }, strict));
      assert.match(r.message, /^refused: \S+ is a loopback address \(\S+\); set FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1/, host);
    }
    assert.equal(requests.length, 0);
  });

  test("a name that resolves to a non-public address is refused by the lookup itself", async () => {
    const err = await new Promise<unknown>((resolve) => publicOnlyLookup("localhost", {}, (e) => resolve(e)));
    assert.ok(err instanceof AddressRefusedError);
    assert.match(err.message, /^refused: localhost is a loopback address/);
  });

  test("the hop check refuses non-public IP literals and non-http schemes on every redirect", () => {
    for (const [target, reason] of [
      ["http://2130706433/", "loopback"],
      ["http://0x7f.1/", "loopback"],
      ["http://[::ffff:127.0.0.1]/", "loopback"],
      ["http://169.254.169.254/latest/meta-data/", "link-local"],
      ["http://10.0.0.1/", "private"],
      ["http://100.64.1.1/", "shared (CGNAT)"],
      ["http://[fd12::1]/", "unique local"],
      ["http://[fe80::1]/", "link-local"],
      ["http://0.0.0.0/", "unspecified"],
    ] as const) {
      assert.match(urlRefusal(new URL(target), false)?.message ?? "", new RegExp(`is an? ${reason.replace(/[()]/g, "\\$&")} address`), target);
      assert.equal(urlRefusal(new URL(target), true), null, target);
    }
    assert.equal(urlRefusal(new URL("https://example.org/feed"), false), null);
    assert.match(urlRefusal(new URL("file:///etc/passwd"), true)?.message ?? "", /only http and https/);
  });

  test("a redirect to another scheme is refused on the hop", async () => {
    const r = errorOf(await fetchFeed({ url: `${base}/go?s=302&to=${encodeURIComponent("file:///etc/passwd")}` }, opts));
    assert.equal(r.message, "refused: only http and https URLs can be fetched, not file:");
  });
});

describe("fetched documents the parser must survive", () => {
  async function fetchAndParse(path: string): Promise<{ outcome: Awaited<ReturnType<typeof parseFeed>> | FeedParseError; ms: number }> {
    const r = okOf(await fetchFeed({ url: `${base}${path}` }, opts));
    return timed(async () => {
      try {
        return await parseFeed(decodeFeed(r.body, r.contentType).text, r.url);
      } catch (err) {
        if (err instanceof FeedParseError) return err;
        throw err;
      }
    }).then(({ value, ms }) => ({ outcome: value, ms }));
  }

  test("billion laughs: entities stay unexpanded, quickly", { timeout: 8000 }, async () => {
    const before = process.memoryUsage().rss;
    const { outcome, ms } = await fetchAndParse("/laughs");
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.ok(process.memoryUsage().rss - before < 64 * MiB);
    if (!(outcome instanceof FeedParseError)) {
      const text = JSON.stringify(outcome);
      assert.ok(text.length < 10_000, `parsed to ${text.length} characters`);
      assert.doesNotMatch(text, /(lol){11}/);
    }
  });

  for (const [path, target] of [["/xxe-file", "file:///etc/passwd"], ["/xxe-http", "an http URL on this server"]] as const) {
    test(`XXE to ${target}: the entity is not fetched or read`, { timeout: 8000 }, async () => {
      requests.length = 0;
      const { outcome, ms } = await fetchAndParse(path);
      assert.ok(ms < 2000, `took ${ms} ms`);
      if (!(outcome instanceof FeedParseError)) assert.doesNotMatch(JSON.stringify(outcome), /root:|nope/);
      await new Promise((r) => setTimeout(r, 100)); // a stray entity fetch would have arrived by now
      assert.deepEqual(requests.map((r) => r.path), [path]);
    });
  }

  test("an HTML page is refused as not a feed", async () => {
    const { outcome } = await fetchAndParse("/html");
    assert.ok(outcome instanceof FeedParseError);
    assert.equal(outcome.message, "not a feed: the document is an HTML page");
  });

  test("an empty 200 is fetched as zero bytes and refused as an empty document", async () => {
    const r = okOf(await fetchFeed({ url: `${base}/empty` }, opts));
    assert.equal(r.body.length, 0);
    const { outcome } = await fetchAndParse("/empty");
    assert.ok(outcome instanceof FeedParseError);
    assert.equal(outcome.message, "empty document");
  });

  test("invalid UTF-8 bytes are repaired and the feed still reads", async () => {
    const r = okOf(await fetchFeed({ url: `${base}/bad-utf8` }, opts));
    const decoded = decodeFeed(r.body, r.contentType);
    assert.equal(decoded.repaired, true);
    assert.equal(decoded.encoding, "utf-8");
    assert.match(decoded.text, /Caf\u00e9 \u00ff/);
    const feed = await parseFeed(decoded.text, r.url);
    assert.equal(feed.items[0]?.title, "caf\u00e9");
  });
});

// ---- helpers that need their own sockets -----------------------------------------------------------

/**
 * A port whose TCP handshake never completes: a listener on a thread that is blocked, so nothing
 * accepts, with its accept queue filled. Linux then drops further SYNs and connect() just waits.
 */
async function unansweringListener(): Promise<{ port: number; release: () => Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const server = require("node:net").createServer().listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(workerData, 0, 0, 15000);
       server.close();
     });`,
    { eval: true, workerData: gate },
  );
  const listenPort = await new Promise<number>((resolve) => worker.once("message", resolve));
  const fillers: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const socket = connect(listenPort, "127.0.0.1");
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.once("connect", () => (clearTimeout(timer), resolve(true)));
      socket.once("error", () => (clearTimeout(timer), resolve(false)));
    });
    if (!connected) break; // the queue is full: the next SYN is dropped too
  }
  return {
    port: listenPort,
    release: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}

// A throwaway self-signed certificate for localhost / 127.0.0.1 (P-256, valid until 2126).
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZaMpOOjIhac2HRdy
jHRP2wakRBaOJJ5p4LEqAekUwm+hRANCAATXTag4ZuiIlRZH5GcMVuCn2POK1CTH
mBtAfyyslbi2fF0kbRbacgywLCqcjBVPhH1cL6cDmRF5bLZ479mHp55C
-----END PRIVATE KEY-----`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUde4QRZSAM3MgZ6Jr4Hzj+0wQlbMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNzEzMjUwMloYDzIxMjYxMTAz
MTMyNTAyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATXTag4ZuiIlRZH5GcMVuCn2POK1CTHmBtAfyyslbi2fF0kbRbacgyw
LCqcjBVPhH1cL6cDmRF5bLZ479mHp55Co28wbTAdBgNVHQ4EFgQUUlWGkOwwFTnD
j7sYF85VRB9OJYEwHwYDVR0jBBgwFoAUUlWGkOwwFTnDj7sYF85VRB9OJYEwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIgO9ehAk3eh143tyCZ1NKvY4soOKpNgnd2Ej14kqqbj6ACIQDq
ZsIuJU2lgDJtN2HpaVhYWpaR2hYXQgOvHl5AoaBlcQ==
-----END CERTIFICATE-----`;

async function selfSignedServer(): Promise<{ port: number; close: () => void }> {
  const tls = createTlsServer({ key: TLS_KEY, cert: TLS_CERT }, (_req, res) => res.end(FEED));
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  return {
    port: (tls.address() as { port: number }).port,
    close: () => {
      tls.closeAllConnections();
      tls.close();
    },
  };
}
