// The fetcher against a real misbehaving loopback server: validators, redirects, limits, refusals.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { nonPublicReason, assertFetchable, AddressRefusedError } from "../src/fetch/address.ts";
import { fetchFeed, type FetchOptions } from "../src/fetch/fetcher.ts";

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>`;

let server: Server;
let base: string;
const seen: Array<Record<string, string | string[] | undefined>> = [];
const resets = { once: 0, always: 0 };

before(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/feed":
        if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304).end();
        return void res.writeHead(200, { "content-type": "application/rss+xml", etag: '"v1"', "last-modified": "Fri, 15 Sep 2023 10:00:00 GMT" }).end(FEED);
      case "/moved":
        return void res.writeHead(301, { location: "/feed" }).end();
      case "/temp":
        return void res.writeHead(302, { location: "/moved" }).end();
      case "/loop":
        return void res.writeHead(302, { location: "/loop" }).end();
      case "/big":
        res.writeHead(200, { "content-type": "application/xml" });
        return void res.end(Buffer.alloc(64 * 1024, 0x61));
      case "/slow":
        res.writeHead(200, { "content-type": "application/xml" });
        res.write("<rss>");
        return; // never ends
      case "/gone":
        return void res.writeHead(410).end();
      case "/reset-once":
        // The first request's connection is closed without an answer (a stale kept-alive socket).
        if (++resets.once === 1) return void req.socket.destroy();
        return void res.writeHead(200, { "content-type": "application/rss+xml" }).end(FEED);
      case "/reset-always":
        resets.always++;
        return void req.socket.destroy();
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const opts: FetchOptions = { userAgent: "feedloom/test (+http://feedloom.test)", connectTimeoutMs: 1000, timeoutMs: 2000, maxBodyBytes: 32 * 1024, maxRedirects: 5, allowPrivateNetworks: true };

describe("fetchFeed", () => {
  test("sends our User-Agent and returns the body with its validators", async () => {
    const r = await fetchFeed({ url: `${base}/feed` }, opts);
    assert.equal(r.kind, "ok");
    assert.equal(r.kind === "ok" && Buffer.from(r.body).toString(), FEED);
    assert.equal(r.kind === "ok" && r.etag, '"v1"');
    assert.equal(seen.at(-1)?.["user-agent"], "feedloom/test (+http://feedloom.test)");
    assert.match(String(seen.at(-1)?.["accept-encoding"]), /gzip/);
  });

  test("a matching validator gets 304, with no body", async () => {
    const r = await fetchFeed({ url: `${base}/feed`, etag: '"v1"' }, opts);
    assert.equal(r.kind, "not-modified");
  });

  test("redirects: followed; all-permanent chains report the new URL, others do not", async () => {
    const moved = await fetchFeed({ url: `${base}/moved` }, opts);
    assert.equal(moved.kind === "ok" && moved.movedTo, `${base}/feed`);
    assert.equal(moved.kind === "ok" && moved.movedStatus, 301);
    const temp = await fetchFeed({ url: `${base}/temp` }, opts);
    assert.equal(temp.kind, "ok");
    assert.equal(temp.kind === "ok" && temp.movedTo, null);
    assert.equal(temp.kind === "ok" && temp.movedStatus, null, "a 302 before the 301: not moved");
    const loop = await fetchFeed({ url: `${base}/loop` }, opts);
    assert.equal(loop.kind, "error");
    assert.match(loop.kind === "error" ? loop.message : "", /too many redirects/);
  });

  test("limits: a body over the cap and a server that never finishes are errors, in time", async () => {
    const big = await fetchFeed({ url: `${base}/big` }, opts);
    assert.equal(big.kind, "error");
    assert.match(big.kind === "error" ? big.message : "", /larger than the 32 KiB limit/);
    const started = Date.now();
    const slow = await fetchFeed({ url: `${base}/slow` }, opts);
    assert.equal(slow.kind, "error");
    assert.match(slow.kind === "error" ? slow.message : "", /timed out after 2 s/);
    assert.ok(Date.now() - started < 5000);
  });

  test("HTTP errors and unreachable hosts are described in plain words", async () => {
    const gone = await fetchFeed({ url: `${base}/gone` }, opts);
    assert.deepEqual(gone.kind === "error" && [gone.status, gone.message], [410, "HTTP 410 Gone"]);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const refused = await fetchFeed({ url: `http://127.0.0.1:${port}/feed` }, opts);
    assert.equal(refused.kind === "error" && refused.message, "connection refused");
  });

  test("a connection closed before any answer is retried once, on a fresh connection; no more", async () => {
    const r = await fetchFeed({ url: `${base}/reset-once` }, opts);
    assert.equal(r.kind, "ok", "the second attempt answers");
    assert.equal(resets.once, 2);
    const always = await fetchFeed({ url: `${base}/reset-always` }, opts);
    assert.equal(always.kind, "error");
    assert.match(always.kind === "error" ? always.message : "", /connection|closed|reset/i);
    assert.equal(resets.always, 2, "one retry, not a storm");
  });

  test("private addresses are refused unless allowed, on the first hop and on redirects", async () => {
    const r = await fetchFeed({ url: `${base}/feed` }, { ...opts, allowPrivateNetworks: false });
    assert.equal(r.kind, "error");
    assert.match(r.kind === "error" ? r.message : "", /refused: 127\.0\.0\.1 is a loopback address/);
  });
});

describe("address rules", () => {
  test("classify non-public addresses", () => {
    for (const [ip, reason] of [
      ["127.0.0.1", "loopback"], ["10.1.2.3", "private"], ["172.16.0.1", "private"], ["192.168.1.1", "private"],
      ["169.254.169.254", "link-local"], ["100.64.0.1", "shared (CGNAT)"], ["0.0.0.0", "unspecified"], ["224.0.0.1", "multicast"],
      ["::1", "loopback"], ["fd00::1", "unique local"], ["fe80::1", "link-local"], ["::ffff:127.0.0.1", "loopback"], ["::ffff:8.8.8.8", "IPv4-mapped"], ["::", "unspecified"],
    ] as const) {
      assert.equal(nonPublicReason(ip), reason, ip);
    }
    for (const ip of ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"]) assert.equal(nonPublicReason(ip), null, ip);
  });

  test("only http and https, always", async () => {
    for (const url of ["file:///etc/passwd", "ftp://example.org/", "gopher://x/"]) {
      await assert.rejects(assertFetchable(new URL(url), true), AddressRefusedError);
    }
    await assert.rejects(assertFetchable(new URL("http://[::1]/"), false), /loopback/);
    await assert.rejects(assertFetchable(new URL("http://2130706433/"), false), /loopback/);
  });
});
