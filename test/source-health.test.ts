// What fetching does to a source, through the real cycle against a real loopback server, on each
// database: validators and 304s, permanent and temporary redirects, 410, Retry-After, pausing after
// long failure and resuming, the health counters and the fetch log.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { runFetchCycle } from "../jobs/fetch-cycle.ts";
import type { IngestContext } from "../src/ingest/source.ts";
import { silentLogger } from "../src/log.ts";
import { addSource, getSource, recentFetches, resumeSource } from "../src/store/sources.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";

const feed = (n: number) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed ${n}</title><ttl>60</ttl>` +
  // A busy feed (an item every ten minutes): the ttl, not the activity, sets the interval.
  Array.from({ length: n }, (_, i) => `<item><guid>g${i}</guid><title>Item ${i}</title><pubDate>${new Date(Date.now() - i * 600_000).toUTCString()}</pubDate></item>`).join("") +
  `</channel></rss>`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

for (const kind of databaseKinds) {
  describe(`source health on ${kind}`, () => {
    let t: TestDatabase;
    let server: Server;
    let base: string;
    const routes = new Map<string, Handler>();
    const hits = new Map<string, number>();

    before(async () => {
      t = await openTestDatabase(kind);
      server = createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        hits.set(path, (hits.get(path) ?? 0) + 1);
        (routes.get(path) ?? ((_q, r) => r.writeHead(404).end()))(req, res);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(async () => {
      server.close();
      await t.drop();
    });

    const ctx = (): IngestContext => ({
      db: t.handle.db,
      fetch: { userAgent: "feedloom-test", connectTimeoutMs: 2000, timeoutMs: 5000, maxBodyBytes: 1 << 20, maxRedirects: 5, allowPrivateNetworks: true },
      schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 2 },
      log: silentLogger,
    });
    const fetchOne = async (id: number) => (await runFetchCycle(ctx(), { sourceIds: [id], concurrency: 1 }))[0]!;

    test("ETag and Last-Modified: a 304 writes no articles and counts toward the 304 rate", async () => {
      routes.set("/etag", (req, res) => {
        if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
        res.writeHead(200, { "content-type": "application/rss+xml", etag: '"v1"', "last-modified": "Mon, 05 Jan 2026 10:00:00 GMT" }).end(feed(3));
      });
      const s = await addSource(t.handle.db, { url: `${base}/etag` });
      assert.equal((await fetchOne(s.id)).newArticles, 3);
      const seenBefore = await t.handle.db.selectFrom("articles").select(["id", "last_seen_at"]).where("source_id", "=", s.id).orderBy("id").execute();
      const second = await fetchOne(s.id);
      assert.deepEqual([second.outcome, second.status], ["not-modified", 304]);
      const seenAfter = await t.handle.db.selectFrom("articles").select(["id", "last_seen_at"]).where("source_id", "=", s.id).orderBy("id").execute();
      assert.deepEqual(seenAfter, seenBefore, "no article row was written");
      const row = (await getSource(t.handle.db, s.id))!;
      assert.deepEqual(
        [row.supports_etag, row.supports_last_modified, row.fetch_count, row.not_modified_count, row.etag, row.error_count, row.last_status],
        [true, true, 2, 1, '"v1"', 0, 304],
      );
      assert.ok(row.bytes_fetched > 100);
      assert.equal(row.current_interval_seconds, 3600, "the feed's ttl of 60 minutes is honoured");
      const log = await recentFetches(t.handle.db, s.id);
      assert.deepEqual(log.map((l) => [l.outcome, l.status, l.items_new]), [["not-modified", 304, 0], ["updated", 200, 3]]);
    });

    test("301: the source moves once the new URL answered with a feed, and the old URL is kept", async () => {
      routes.set("/old", (_q, res) => res.writeHead(301, { location: "/new" }).end());
      routes.set("/new", (_q, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(1)));
      const s = await addSource(t.handle.db, { url: `${base}/old` });
      assert.equal((await fetchOne(s.id)).outcome, "updated");
      assert.equal((await getSource(t.handle.db, s.id))!.url, `${base}/new`);
      const moves = await t.handle.db.selectFrom("source_moves").select(["old_url", "new_url", "status"]).where("source_id", "=", s.id).execute();
      assert.deepEqual(moves, [{ old_url: `${base}/old`, new_url: `${base}/new`, status: 301 }]);
      const oldHits = hits.get("/old");
      await fetchOne(s.id);
      assert.equal(hits.get("/old"), oldHits, "the old URL is not asked again");
    });

    test("301 to something that is not a feed does not move the source", async () => {
      routes.set("/moving-to-html", (_q, res) => res.writeHead(301, { location: "/html" }).end());
      routes.set("/html", (_q, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><html><body>hi</body></html>"));
      const s = await addSource(t.handle.db, { url: `${base}/moving-to-html` });
      const o = await fetchOne(s.id);
      assert.equal(o.outcome, "error");
      assert.match(o.message ?? "", /HTML page/);
      assert.equal((await getSource(t.handle.db, s.id))!.url, `${base}/moving-to-html`);
    });

    test("302 is followed without moving", async () => {
      routes.set("/temp", (_q, res) => res.writeHead(302, { location: "/new" }).end());
      const s = await addSource(t.handle.db, { url: `${base}/temp` });
      assert.equal((await fetchOne(s.id)).outcome, "updated");
      assert.equal((await getSource(t.handle.db, s.id))!.url, `${base}/temp`);
    });

    test("410 retires the source, with the reason", async () => {
      routes.set("/gone", (_q, res) => res.writeHead(410).end());
      const s = await addSource(t.handle.db, { url: `${base}/gone` });
      const o = await fetchOne(s.id);
      assert.match(o.disabled ?? "", /^retired: the server answered 410 Gone/);
      const row = (await getSource(t.handle.db, s.id))!;
      assert.equal(row.enabled, false);
      assert.match(row.disabled_reason ?? "", /410 Gone/);
      assert.equal((await runFetchCycle(ctx(), { all: true, concurrency: 2 })).some((x) => x.sourceId === s.id), false, "a retired source is not fetched");
    });

    test("429 and 503 honour Retry-After", async () => {
      routes.set("/busy", (_q, res) => res.writeHead(429, { "retry-after": "7200" }).end());
      routes.set("/down", (_q, res) => res.writeHead(503, { "retry-after": new Date(Date.now() + 3 * 3600_000).toUTCString() }).end());
      for (const [path, seconds] of [["/busy", 7200], ["/down", 3 * 3600]] as const) {
        const s = await addSource(t.handle.db, { url: `${base}${path}` });
        const before = Date.now();
        assert.equal((await fetchOne(s.id)).outcome, "error");
        const row = (await getSource(t.handle.db, s.id))!;
        assert.ok(row.next_fetch_at.getTime() >= before + (seconds - 2) * 1000, `${path}: not before Retry-After`);
        assert.equal(row.enabled, true);
      }
    });

    test("misbehaving servers: each is a clear error on its own source; every other source carries on", { timeout: 30_000 }, async () => {
      const rss = (title: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>${title}</title><item><guid>1</guid><title>${title}</title></item></channel></rss>`;
      const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ""};`.repeat(10)}">`).join("")}]><rss version="2.0"><channel><title>&lol9;</title></channel></rss>`;
      const xxe = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&xxe;</title></channel></rss>`;
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
      const faults: Record<string, [Handler, RegExp]> = {
        "/f/laughs": [(_q, r) => r.writeHead(200).end(laughs), /billion laughs/],
        "/f/xxe": [(_q, r) => r.writeHead(200).end(xxe), /external XML entity .*XXE/],
        "/f/huge": [
          (_q, r) => {
            r.writeHead(200, { "content-type": "application/xml" });
            const chunk = Buffer.alloc(1 << 20, 0x61);
            let sent = 0;
            const pump = () => {
              while (sent < 100 && r.write(chunk)) sent++;
              if (sent >= 100) r.end();
              else r.once("drain", pump);
            };
            r.on("close", () => (sent = 100));
            pump();
          },
          /larger than the 2 MiB limit/,
        ],
        "/f/bomb": [(_q, r) => r.writeHead(200, { "content-type": "application/xml", "content-encoding": "gzip" }).end(bomb), /larger than the 2 MiB limit/],
        "/f/trickle": [
          (_q, r) => {
            r.writeHead(200, { "content-type": "application/xml" });
            const timer = setInterval(() => r.write("<"), 1000);
            r.on("close", () => clearInterval(timer));
          },
          /timed out after 2 s/,
        ],
        "/f/loop": [(_q, r) => r.writeHead(302, { location: "/f/loop" }).end(), /too many redirects/],
        "/f/html": [(_q, r) => r.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html><html><head><title>x</title></head><body>hello</body></html>"), /not a feed: the document is an HTML page/],
        "/f/empty": [(_q, r) => r.writeHead(200, { "content-type": "application/rss+xml" }).end(), /empty document/],
      };
      const ids = new Map<string, number>();
      for (const [path, [handler]] of Object.entries(faults)) {
        routes.set(path, handler);
        ids.set(path, (await addSource(t.handle.db, { url: `${base}${path}` })).id);
      }
      // Declared UTF-8, with a stray Latin-1 byte in a title.
      const head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Latin</title><item><guid>1</guid><title>caf';
      const tail = "</title></item></channel></rss>";
      routes.set("/f/bad-utf8", (_q, r) => r.writeHead(200).end(Buffer.concat([Buffer.from(head), Buffer.from([0xe9]), Buffer.from(tail)])));
      routes.set("/f/good", (_q, r) => r.writeHead(200).end(rss("fine")));
      const badUtf8 = await addSource(t.handle.db, { url: `${base}/f/bad-utf8` });
      const good = await addSource(t.handle.db, { url: `${base}/f/good` });

      const tight = { ...ctx(), fetch: { ...ctx().fetch, timeoutMs: 2000, maxBodyBytes: 2 * 1024 * 1024 }, schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 16 } };
      const started = Date.now();
      const rssBefore = process.memoryUsage().rss;
      const outcomes = await runFetchCycle(tight, { sourceIds: [...ids.values(), badUtf8.id, good.id], concurrency: 16 });
      assert.ok(Date.now() - started < 15_000, "within the limits");
      assert.ok(process.memoryUsage().rss - rssBefore < 256 * 1024 * 1024, "memory stays bounded");
      for (const [path, [, expected]] of Object.entries(faults)) {
        const row = (await getSource(t.handle.db, ids.get(path)!))!;
        assert.equal(row.error_count, 1, path);
        assert.match(row.last_error ?? "", expected, `${path}: ${row.last_error}`);
        assert.equal(outcomes.find((o) => o.sourceId === row.id)?.outcome, "error");
      }
      const repaired = (await getSource(t.handle.db, badUtf8.id))!;
      assert.deepEqual([repaired.error_count, repaired.last_status], [0, 200]);
      assert.match(repaired.last_warning ?? "", /not valid utf-8 were repaired/);
      const title = await t.handle.db.selectFrom("articles").select("title").where("source_id", "=", badUtf8.id).executeTakeFirstOrThrow();
      assert.equal(title.title, "caf\u00e9");
      assert.equal(outcomes.find((o) => o.sourceId === good.id)?.newArticles, 1, "the good source carried on");
    });

    test("errors back off; failing for longer than the pause time pauses; resume brings it back", async () => {
      routes.set("/flaky", (_q, res) => res.writeHead(500).end());
      const s = await addSource(t.handle.db, { url: `${base}/flaky` });
      await fetchOne(s.id);
      let row = (await getSource(t.handle.db, s.id))!;
      assert.equal(row.error_count, 1);
      assert.ok(row.failing_since);
      assert.ok(row.next_fetch_at.getTime() > Date.now() + 10 * 60_000, "backed off");
      await t.handle.db.updateTable("sources").set({ failing_since: new Date(Date.now() - 8 * 86_400_000) }).where("id", "=", s.id).execute();
      const o = await fetchOne(s.id);
      assert.match(o.disabled ?? "", /^paused: failing since .* \(2 attempts\); last error: HTTP 500/);
      row = (await getSource(t.handle.db, s.id))!;
      assert.equal(row.enabled, false);

      routes.set("/flaky", (_q, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(2)));
      await resumeSource(t.handle.db, s.id);
      const back = await runFetchCycle(ctx(), { concurrency: 2 });
      assert.ok(back.some((x) => x.sourceId === s.id && x.outcome === "updated"), "due again after resume");
      row = (await getSource(t.handle.db, s.id))!;
      assert.deepEqual([row.enabled, row.error_count, row.failing_since, row.disabled_reason], [true, 0, null, null]);
    });
  });
}
