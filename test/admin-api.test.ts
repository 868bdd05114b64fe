// The admin API through the real Hono app, on PGlite and Postgres: authentication and every
// refusal, discovery against a real loopback site, sources from add to purge, OPML, backfill and
// tombstones, retention, readiness, metrics and the OpenAPI document.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { runRetention } from "../jobs/retention.ts";
import type { IngestContext } from "../src/ingest/source.ts";
import { createLogger } from "../src/log.ts";
import { createApp } from "../src/server/app.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";
import { startSite, type TestSite } from "./helpers/site.ts";

const TOKEN = "test-admin-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, "content-type": "application/json" };

let site: TestSite;
let bare: Server; // answers an HTML page without feed links on every path
let bareBase: string;
before(async () => {
  site = await startSite();
  bare = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><html><head><title>x</title></head></html>"));
  await new Promise<void>((r) => bare.listen(0, "127.0.0.1", () => r()));
  bareBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
});
after(async () => {
  await site.close();
  await new Promise<void>((r) => bare.close(() => r()));
});

function ingestFor(t: TestDatabase, allowPrivateNetworks: boolean, lines: string[] = []): IngestContext {
  return {
    db: t.handle.db,
    fetch: { userAgent: "feedloom-test", connectTimeoutMs: 2000, timeoutMs: 5000, maxBodyBytes: 1 << 20, maxRedirects: 3, allowPrivateNetworks },
    schedule: { pauseAfterSeconds: 7 * 86_400, perHost: 2 },
    log: createLogger("debug", (l) => void lines.push(l)),
  };
}

type Json = Record<string, unknown>;
async function call(app: Hono, method: string, path: string, body?: unknown, headers: Record<string, string> = json) {
  const res = await app.request(path, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
  const text = await res.text();
  let data: Json = {};
  try {
    data = JSON.parse(text) as Json;
  } catch {
    data = { text };
  }
  return { status: res.status, data, text, headers: res.headers };
}

const sourceCount = async (t: TestDatabase) => (await t.handle.db.selectFrom("sources").select("id").where("deleted_at", "is", null).execute()).length;
const articleIdentities = async (t: TestDatabase, sourceId: number) =>
  (await t.handle.db.selectFrom("articles").select("identity").where("source_id", "=", sourceId).orderBy("identity").execute()).map((r) => r.identity);

for (const kind of databaseKinds) {
  describe(`admin API on ${kind}`, () => {
    let t: TestDatabase;
    let app: Hono; // token set, loopback allowed (the test site is on 127.0.0.1)
    let off: Hono; // no token configured
    let strict: Hono; // token set, private networks refused
    const logs: string[] = [];
    before(async () => {
      t = await openTestDatabase(kind);
      app = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test", adminToken: TOKEN, ingest: ingestFor(t, true, logs), log: ingestFor(t, true, logs).log });
      off = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test", ingest: ingestFor(t, true) });
      strict = createApp({ db: t.handle.db, baseUrl: "http://feedloom.test", adminToken: TOKEN, ingest: ingestFor(t, false) });
    });
    after(() => t.drop());

    const adminRoutes: Array<[string, string]> = [
      ["POST", "/api/sources"], ["GET", "/api/sources"], ["GET", "/api/sources/1"], ["PATCH", "/api/sources/1"], ["DELETE", "/api/sources/1"],
      ["POST", "/api/sources/1/fetch"], ["POST", "/api/sources/import"], ["GET", "/api/sources.opml"],
    ];

    test("no token configured: every admin endpoint is off (403, saying how to turn it on); public reads stay open", async () => {
      for (const [method, path] of adminRoutes) {
        const r = await call(off, method, path, method === "GET" ? undefined : {}, { ...json });
        assert.equal(r.status, 403, `${method} ${path}`);
        assert.match(String(r.data.error), /FEEDLOOM_ADMIN_TOKEN/);
      }
      for (const path of ["/api/stories", "/api/topics", "/api/openapi.json", "/api/docs", "/healthz", "/readyz"]) {
        assert.equal((await off.request(path)).status, 200, path);
      }
      assert.equal(await sourceCount(t), 0);
    });

    test("missing or wrong token: 401, nothing written", async () => {
      for (const [method, path] of adminRoutes) {
        const none = await call(app, method, path, method === "GET" ? undefined : { url: `${site.base}/rss.xml` }, { "content-type": "application/json" });
        assert.equal(none.status, 401, `${method} ${path}`);
        assert.match(String(none.data.error), /missing admin token/);
        assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
        const wrong = await call(app, method, path, method === "GET" ? undefined : { url: `${site.base}/rss.xml` }, { authorization: `Bearer ${TOKEN}x`, "content-type": "application/json" });
        assert.equal(wrong.status, 401, `${method} ${path}`);
        assert.match(String(wrong.data.error), /wrong admin token/);
      }
      const basic = await call(app, "GET", "/api/sources", undefined, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` });
      assert.equal(basic.status, 401);
      assert.equal(await sourceCount(t), 0);
    });

    test("bad bodies and parameters: 400 naming the field, nothing written", async () => {
      const cases: Array<[string, string, unknown, string, RegExp]> = [
        ["POST", "/api/sources", "{not json", "body", /must be a JSON object/],
        ["POST", "/api/sources", {}, "url", /invalid field `url`: is required/],
        ["POST", "/api/sources", { url: "ftp://example.org/feed" }, "url", /http/],
        ["POST", "/api/sources", { url: "not a url" }, "url", /absolute/],
        ["POST", "/api/sources", { url: `${site.base}/rss.xml`, intervalSeconds: 10 }, "intervalSeconds", /at least 300/],
        ["POST", "/api/sources", { url: `${site.base}/rss.xml`, backfill: "lots" }, "backfill", /"none"/],
        ["POST", "/api/sources", { url: `${site.base}/rss.xml`, title: "  " }, "title", /empty/],
        ["POST", "/api/sources", { url: `${site.base}/rss.xml`, colour: "red" }, "colour", /unknown field `colour`/],
        ["PATCH", "/api/sources/1", {}, "body", /at least one of/],
        ["PATCH", "/api/sources/abc", { title: "x" }, "id", /source id/],
        ["PATCH", "/api/sources/1", { enabled: "yes" }, "enabled", /boolean/],
        ["GET", "/api/sources/0", undefined, "id", /source id/],
        ["DELETE", "/api/sources/1?articles=maybe", undefined, "articles", /"keep" or "purge"/],
        ["POST", "/api/sources/import?backfill=lots", "<opml><body></body></opml>", "backfill", /days/],
        ["POST", "/api/sources/import", "just text", "body", /not an OPML document/],
      ];
      for (const [method, path, body, field, message] of cases) {
        const r = await call(app, method, path, body);
        assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
        assert.equal(r.data.field, field, `${method} ${path}`);
        assert.match(String(r.data.error), message);
      }
      assert.equal(await sourceCount(t), 0);
    });

    test("a private address is refused unless FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1; nothing saved", async () => {
      for (const url of [`${site.base}/rss.xml`, "http://[::1]/feed", "http://169.254.169.254/latest/meta-data/"]) {
        const r = await call(strict, "POST", "/api/sources", { url });
        assert.equal(r.status, 400, url);
        assert.equal(r.data.field, "url");
        assert.match(String(r.data.error), /refused: .* address .*FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1/);
      }
      const imported = await call(strict, "POST", "/api/sources/import", `<opml version="2.0"><body><outline xmlUrl="${site.base}/rss.xml"/></body></opml>`);
      assert.equal(imported.status, 200);
      assert.equal((imported.data.lines as Json[])[0]?.result, "failed");
      assert.equal(await sourceCount(t), 0);
    });

    test("a page URL answers with the feeds it names, or the usual paths that answer; nothing saved", async () => {
      const page = await call(app, "POST", "/api/sources", { url: `${site.base}/page.html` });
      assert.equal(page.status, 200, page.text);
      assert.equal(page.data.added, false);
      assert.deepEqual(page.data.candidates, [
        { url: `${site.base}/rss.xml`, title: "Site RSS", type: "application/rss+xml", found: "link", existingId: null },
        { url: `${site.base}/sub/atom.xml`, title: "Site & Atom", type: "application/atom+xml", found: "link", existingId: null },
      ]);
      const blog = await call(app, "POST", "/api/sources", { url: `${site.base}/blog/` });
      assert.equal(blog.status, 200);
      assert.deepEqual((blog.data.candidates as Json[]).map((c) => [c.url, c.title, c.found]), [
        [`${site.base}/rss.xml`, "Site RSS", "guess"],
        [`${site.base}/atom.xml`, "Site Atom", "guess"],
      ]);
      const nothing = await call(app, "POST", "/api/sources", { url: `${bareBase}/` });
      assert.equal(nothing.status, 422);
      assert.match(String(nothing.data.error), /names no feed.*\/feed, \/rss\.xml, \/atom\.xml, \/index\.xml/);
      assert.equal(await sourceCount(t), 0);
    });

    let rssId = 0;
    test("a feed URL is fetched once, previewed and saved; the same canonical URL again is refused with its id", async () => {
      const r = await call(app, "POST", "/api/sources", { url: `${site.base}/rss.xml`, intervalSeconds: 3600 });
      assert.equal(r.status, 201, r.text);
      const source = r.data.source as Json;
      rssId = source.id as number;
      assert.equal(r.headers.get("location"), `/api/sources/${rssId}`);
      assert.deepEqual([source.url, source.title, source.intervalSeconds, source.backfill, source.state], [`${site.base}/rss.xml`, "Site RSS", 3600, "all", "new"]);
      const preview = r.data.preview as { itemCount: number; newest: Array<{ title: string }>; conditionalGet: Json; format: string };
      assert.equal(preview.itemCount, 2);
      assert.equal(preview.format, "rss");
      assert.deepEqual(preview.newest.map((i) => i.title), ["Item r1", "Item r2"]);
      assert.deepEqual(preview.conditionalGet, { supported: true, etag: true, lastModified: false });

      const atom = await call(app, "POST", "/api/sources", { url: `${site.base}/atom.xml`, title: "My Atom", backfill: "none" });
      assert.equal(atom.status, 201);
      assert.deepEqual((atom.data.preview as Json).conditionalGet, { supported: false, etag: false, lastModified: false });
      assert.equal((atom.data.source as Json).title, "My Atom");

      for (const url of [`${site.base}/rss.xml`, `${site.base.replace("127.0.0.1", "127.0.0.1:")}/rss.xml#top`.replace("::", ":"), `${site.base}/rss.xml#x`]) {
        const dup = await call(app, "POST", "/api/sources", { url });
        assert.equal(dup.status, 409, url);
        assert.equal(dup.data.existingId, rssId);
        assert.match(String(dup.data.error), new RegExp(`already a source \\(id ${rssId}\\)`));
      }
      const page = await call(app, "POST", "/api/sources", { url: `${site.base}/page.html` });
      assert.equal((page.data.candidates as Json[])[0]?.existingId, rssId, "candidates say which are sources already");
      assert.equal(await sourceCount(t), 2);
    });

    test("an unreadable feed is refused (422) unless forced", async () => {
      const r = await call(app, "POST", "/api/sources", { url: `${site.base}/missing.xml` });
      assert.equal(r.status, 422);
      assert.match(String(r.data.error), /HTTP 404.*force/);
      assert.equal(r.data.upstreamStatus, 404);
      const forced = await call(app, "POST", "/api/sources", { url: `${site.base}/missing.xml`, force: true });
      assert.equal(forced.status, 201);
      assert.equal(forced.data.preview, null);
      assert.match(String(forced.data.note), /404/);
      const id = (forced.data.source as Json).id as number;
      assert.equal((await call(app, "DELETE", `/api/sources/${id}`)).status, 200);
    });

    test("list, show, edit, fetch now", async () => {
      const list = await call(app, "GET", "/api/sources");
      assert.equal(list.status, 200);
      assert.deepEqual((list.data.sources as Json[]).map((s) => [s.id, s.state]), [[rssId, "new"], [rssId + 1, "new"]]);

      const fetched = await call(app, "POST", `/api/sources/${rssId}/fetch`);
      assert.equal(fetched.status, 200, fetched.text);
      assert.deepEqual([(fetched.data.outcome as Json).outcome, (fetched.data.outcome as Json).newArticles], ["updated", 2]);
      const again = await call(app, "POST", `/api/sources/${rssId}/fetch`);
      assert.equal((again.data.outcome as Json).outcome, "not-modified", "the ETag is used");

      const shown = await call(app, "GET", `/api/sources/${rssId}`);
      assert.equal(shown.status, 200);
      const s = shown.data.source as { state: string; fetchCount: number; supportsEtag: boolean; recentFetches: Array<{ outcome: string }> };
      assert.deepEqual([s.state, s.fetchCount, s.supportsEtag, s.recentFetches.map((f) => f.outcome)], ["ok", 2, true, ["not-modified", "updated"]]);
      assert.equal((await call(app, "GET", "/api/sources/999")).status, 404);

      const edited = await call(app, "PATCH", `/api/sources/${rssId}`, { title: "Renamed", intervalSeconds: 900, enabled: false, backfill: "7d" });
      assert.equal(edited.status, 200, edited.text);
      const e = edited.data.source as Json;
      assert.deepEqual([e.title, e.intervalSeconds, e.enabled, e.state, e.disabledReason, e.backfill], ["Renamed", 900, false, "disabled", "disabled by an operator", "7d"]);
      const refused = await call(app, "POST", `/api/sources/${rssId}/fetch`);
      assert.equal(refused.status, 409);
      assert.match(String(refused.data.error), /not in rotation.*resume/);
      const back = await call(app, "PATCH", `/api/sources/${rssId}`, { enabled: true, title: null });
      assert.deepEqual([(back.data.source as Json).enabled, (back.data.source as Json).title], [true, null]);
      assert.equal((await call(app, "PATCH", "/api/sources/999", { title: "x" })).status, 404);
      assert.equal((await call(app, "POST", "/api/sources/999/fetch")).status, 404);
    });

    test("backfill: `none` keeps nothing of the first fetch, `7d` the last week; left-out items never come back", async () => {
      const atomId = rssId + 1;
      const first = await call(app, "POST", `/api/sources/${atomId}/fetch`);
      assert.equal((first.data.outcome as Json).newArticles, 0);
      const second = await call(app, "POST", `/api/sources/${atomId}/fetch`);
      assert.equal((second.data.outcome as Json).newArticles, 0, "tombstoned on the first fetch");
      assert.deepEqual(await articleIdentities(t, atomId), []);

      const dated = await call(app, "POST", "/api/sources", { url: `${site.base}/dated.xml`, backfill: "7d" });
      assert.equal(dated.status, 201);
      const id = (dated.data.source as Json).id as number;
      await call(app, "POST", `/api/sources/${id}/fetch`);
      assert.equal((await articleIdentities(t, id)).length, 2, "fresh and recent, not the 400-day-old item");
      const again = await call(app, "POST", `/api/sources/${id}/fetch`);
      assert.equal((again.data.outcome as Json).newArticles, 0);
      assert.equal((await articleIdentities(t, id)).length, 2);
    });

    test("delete keeping articles, delete purging them (tombstones), re-adding brings the source back without the purged items", async () => {
      const id = (await t.handle.db.selectFrom("sources").select("id").where("url", "=", `${site.base}/dated.xml`).executeTakeFirstOrThrow()).id;
      const kept = await call(app, "DELETE", `/api/sources/${rssId}`);
      assert.deepEqual(kept.data, { id: rssId, articles: "kept", articlesPurged: 0, storiesDeleted: 0 });
      assert.equal((await articleIdentities(t, rssId)).length, 2, "its articles stay in their stories");
      assert.equal((await call(app, "GET", `/api/sources/${rssId}`)).status, 404);
      assert.equal((await call(app, "DELETE", `/api/sources/${rssId}`)).status, 404);

      const stories = await t.handle.db.selectFrom("stories").select("id").execute();
      const purged = await call(app, "DELETE", `/api/sources/${id}?articles=purge`);
      assert.equal(purged.status, 200);
      assert.deepEqual(purged.data, { id, articles: "purged", articlesPurged: 2, storiesDeleted: 2 });
      assert.equal((await t.handle.db.selectFrom("stories").select("id").execute()).length, stories.length - 2);
      assert.deepEqual(await articleIdentities(t, id), []);

      const readd = await call(app, "POST", "/api/sources", { url: `${site.base}/dated.xml` });
      assert.equal(readd.status, 201);
      assert.equal((readd.data.source as Json).id, id, "the removed source comes back");
      const f = await call(app, "POST", `/api/sources/${id}/fetch`);
      assert.equal((f.data.outcome as Json).newArticles, 0, "purged items still upstream are not re-imported");
      const readdKept = await call(app, "POST", "/api/sources", { url: `${site.base}/rss.xml` });
      assert.equal((readdKept.data.source as Json).id, rssId);
    });

    test("OPML import line by line, and export", async () => {
      const opml = `<?xml version="1.0"?>
<opml version="2.0">
  <head><title>mine</title></head>
  <body>
    <outline text="News">
      <outline text="Site RSS" xmlUrl="${site.base}/rss.xml"/>
      <outline text="Fresh" title="Fresh one" xmlUrl="${site.base}/fresh.xml"/>
    </outline>
    <outline text="bad" xmlUrl="gopher://old.example/feed"/>
    <outline text="twice" xmlUrl="${site.base}/fresh.xml#again"/>
    <outline text="Other &amp; co" xmlUrl="https://other.example/feed.xml"/>
  </body>
</opml>`;
      const r = await call(app, "POST", "/api/sources/import?backfill=none", opml, { ...auth, "content-type": "text/x-opml" });
      assert.equal(r.status, 200, r.text);
      const lines = r.data.lines as Array<{ line: number; result: string; reason?: string; title: string | null }>;
      assert.deepEqual(lines.map((l) => [l.line, l.result]), [[6, "skipped"], [7, "added"], [9, "failed"], [10, "skipped"], [11, "added"]]);
      assert.match(lines[0]!.reason!, new RegExp(`already a source \\(id ${rssId}\\)`));
      assert.match(lines[2]!.reason!, /http/);
      assert.match(lines[3]!.reason!, /listed twice \(first at line 7\)/);
      assert.deepEqual([r.data.added, r.data.skipped, r.data.failed], [2, 2, 1]);
      assert.equal(lines[4]!.title, "Other & co");

      const out = await call(app, "GET", "/api/sources.opml", undefined, auth);
      assert.equal(out.status, 200);
      assert.match(out.headers.get("content-type") ?? "", /text\/x-opml/);
      for (const path of ["/rss.xml", "/fresh.xml", "/dated.xml"]) assert.ok(out.text.includes(`xmlUrl="${site.base}${path}"`), path);
      assert.ok(out.text.includes('xmlUrl="https://other.example/feed.xml"'));
      assert.ok(out.text.includes('text="Other &amp; co"'));
      // The export imports cleanly: everything in it is already a source.
      const round = await call(app, "POST", "/api/sources/import", out.text, auth);
      assert.deepEqual([round.data.added, round.data.failed], [0, 0]);
    });

    test("retention deletes old articles and their stories in batches, with tombstones", async () => {
      const saved = site.dated;
      site.dated = [["n1", 0.1], ["n2", 20], ["n3", 40], ["n4", 50]];
      const add = await call(app, "POST", "/api/sources", { url: `${site.base}/dated.xml?v=2` });
      const id = (add.data.source as Json).id as number;
      await call(app, "POST", `/api/sources/${id}/fetch`);
      site.dated = saved; // the site is shared by both databases' runs
      assert.equal((await articleIdentities(t, id)).length, 4);
      const r = await runRetention(t.handle.db, 30, { batchSize: 1 });
      assert.ok(r.articles >= 2 && r.stories >= 2, JSON.stringify(r));
      assert.equal((await articleIdentities(t, id)).length, 2);
      site.dated = [["n1", 0.1], ["n2", 20], ["n3", 40], ["n4", 50]];
      const again = await call(app, "POST", `/api/sources/${id}/fetch`).finally(() => (site.dated = saved));
      assert.equal((again.data.outcome as Json).newArticles, 0, "items past retention still upstream are not re-imported");
    });

    test("readyz, metrics (token or loopback), request logs at debug level", async () => {
      const ready = await call(off, "GET", "/readyz");
      assert.deepEqual([ready.status, ready.data.status], [200, "ready"]);

      assert.equal((await off.request("/metrics")).status, 403);
      assert.equal((await app.request("/metrics")).status, 401);
      const m = await app.request("/metrics", { headers: auth });
      assert.equal(m.status, 200);
      const text = await m.text();
      assert.match(text, /feedloom_fetches_total\{outcome="updated"\} [1-9]/);
      assert.match(text, /feedloom_fetches_total\{outcome="not-modified"\} [1-9]/);
      assert.match(text, /feedloom_fetch_duration_seconds_bucket/);
      assert.match(text, /feedloom_fetch_bytes_total [1-9]/);
      assert.match(text, /feedloom_items_total\{change="new"\} [1-9]/);
      assert.match(text, /feedloom_stories_merged_total/);
      assert.match(text, /feedloom_topic_matches_total/);
      assert.match(text, /feedloom_http_requests_total\{method="POST",route="\/api\/sources\/:id\/fetch",status="200"\} [1-9]/);
      assert.match(text, /feedloom_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/sources\/:id"/);
      assert.match(text, /feedloom_http_requests_total\{method="GET",route="\/api\/sources",status="401"\}/);

      // From loopback, a local Prometheus needs no token.
      const server: ServerType = await new Promise((resolve) => {
        const s = serve({ fetch: off.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
      });
      try {
        const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
        assert.equal(res.status, 200);
        assert.match(await res.text(), /feedloom_http_requests_total/);
      } finally {
        await new Promise<void>((r) => server.close(() => r()));
      }

      const requestLines = logs.map((l) => JSON.parse(l) as Json).filter((l) => l.msg === "request");
      assert.ok(requestLines.some((l) => l.level === "debug" && l.route === "/api/sources/:id" && l.status === "200" && typeof l.durationMs === "number"));
    });

    test("OpenAPI 3.1 from the same schemas, and a page rendering it", async () => {
      const doc = (await call(off, "GET", "/api/openapi.json", undefined, {})).data as { openapi: string; paths: Record<string, Record<string, Json>> };
      assert.equal(doc.openapi, "3.1.0");
      const post = doc.paths["/api/sources"]!.post as { security: unknown; requestBody: { content: Record<string, { schema: { properties: Record<string, Json>; required: string[]; additionalProperties: boolean } }> }; responses: Record<string, unknown> };
      assert.deepEqual(post.security, [{ adminToken: [] }]);
      const body = post.requestBody.content["application/json"]!.schema;
      assert.deepEqual(body.required, ["url"]);
      assert.equal(body.properties.intervalSeconds!.minimum, 300);
      assert.equal(body.additionalProperties, false);
      for (const status of ["200", "201", "400", "401", "403", "409", "422"]) assert.ok(post.responses[status], status);
      for (const [path, method] of <Array<[string, string]>>[["/api/sources/{id}", "patch"], ["/api/sources/{id}", "delete"], ["/api/sources/{id}/fetch", "post"], ["/api/sources/import", "post"], ["/api/sources.opml", "get"], ["/api/stories", "get"], ["/readyz", "get"], ["/metrics", "get"], ["/api/topics", "post"], ["/api/topics/{slug}", "patch"], ["/api/topics/{slug}", "delete"], ["/api/topics/preview", "post"], ["/api/search", "get"]]) {
        assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
      }
      assert.equal(doc.paths["/api/stories"]!.get!.security, undefined, "public");
      assert.deepEqual(doc.paths["/api/topics"]!.post!.security, [{ adminToken: [] }], "creating a topic needs the token");
      const page = await off.request("/api/docs");
      const html = await page.text();
      assert.match(html, /<code>POST \/api\/sources<\/code>/);
      assert.doesNotMatch(html, /<script/i);
    });
  });
}
