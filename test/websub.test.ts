// WebSub on each database: with FEEDLOOM_WEBSUB_HUB set, feeds advertise the hub, and an ingest that
// gives a topic a new story pings a real loopback hub (which records what it was told) about that
// topic's feeds, and about nothing else. The feed served in the same process changes at once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runFetchCycle } from "../jobs/fetch-cycle.ts";
import { loadConfig } from "../src/config.ts";
import { openRuntime, type Runtime } from "../src/runtime.ts";
import { addSource } from "../src/store/sources.ts";
import { cliEnv, cliTargets, startServer } from "./helpers/cli.ts";
import { createServerDatabase, databaseKinds } from "./helpers/db.ts";
import { serveApp, type AppServer } from "./helpers/feeds.ts";

interface Ping {
  mode: string | null;
  url: string | null;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A hub that records every publish ping; `fail` makes it answer 500. */
async function startHub() {
  const pings: Ping[] = [];
  const state = { fail: false };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      if (req.method === "POST" && req.headers["content-type"] === "application/x-www-form-urlencoded") pings.push({ mode: form.get("hub.mode"), url: form.get("hub.url") });
      res.writeHead(state.fail ? 500 : 204).end();
    });
  });
  const url = `${await listen(server)}/hub`;
  return { url, pings, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const BASE = "http://feedloom.test";
const item = (n: number, title: string) =>
  `<item><guid>ws-${n}</guid><title>${title}</title><link>https://ws.example/${n}</link><pubDate>Fri, 15 Sep 2023 0${n}:00:00 GMT</pubDate><description>${title}.</description></item>`;

for (const kind of databaseKinds) {
  describe(`WebSub on ${kind}`, () => {
    let hub: Awaited<ReturnType<typeof startHub>>;
    let source: Server;
    let sourceUrl: string;
    let items: string[] = [];
    let rt: Runtime;
    let dir: string;
    let dropDb: (() => Promise<void>) | null = null;
    let app: AppServer;

    before(async () => {
      hub = await startHub();
      source = createServer((_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(`<rss version="2.0"><channel><title>WS</title><link>https://ws.example/</link>${items.join("")}</channel></rss>`));
      sourceUrl = `${await listen(source)}/feed.xml`;
      dir = mkdtempSync(join(tmpdir(), "feedloom-websub-"));
      const env: NodeJS.ProcessEnv = { FEEDLOOM_WEBSUB_HUB: hub.url, FEEDLOOM_BASE_URL: BASE, FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1", FEEDLOOM_LOG_LEVEL: "silent", FEEDLOOM_DATA_DIR: join(dir, "data") };
      if (kind === "postgres") {
        const db = await createServerDatabase();
        env.DATABASE_URL = db.url;
        dropDb = db.drop;
      }
      // The real runtime, as `serve`, `jobs` and `fetch` open it: the hub comes from the environment.
      rt = await openRuntime(loadConfig(env));
      app = await serveApp({ db: rt.db, feeds: { hub: hub.url, cacheSeconds: 600 } });
    });
    after(async () => {
      await app?.close();
      await rt?.close();
      await dropDb?.();
      rmSync(dir, { recursive: true, force: true });
      await hub?.close();
      await new Promise<void>((r) => source.close(() => r()));
    });

    const waitForPings = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (hub.pings.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100)); // and nothing more arrives
    };
    const feedsOf = (...slugs: string[]) => slugs.flatMap((s) => ["rss", "atom", "json"].map((f) => `${BASE}/topics/${s}.${f}`)).sort();

    test("every feed advertises the hub", async () => {
      const rss = await (await fetch(`${app.base}/topics/all.rss`)).text();
      assert.ok(rss.includes(`<atom:link rel="hub" href="${hub.url}"/>`));
      const atom = await (await fetch(`${app.base}/topics/all.atom`)).text();
      assert.ok(atom.includes(`<link rel="hub" href="${hub.url}"/>`));
      const json = (await (await fetch(`${app.base}/topics/all.json`)).json()) as { hubs: unknown };
      assert.deepEqual(json.hubs, [{ type: "WebSub", url: hub.url }]);
    });

    test("a new story pings the hub for its topics' feeds, and only those; the feed shows it at once", async () => {
      const cachedBefore = await (await fetch(`${app.base}/topics/nato.rss`)).text();
      assert.doesNotMatch(cachedBefore, /Alliance ministers/);
      await addSource(rt.db, { url: sourceUrl });
      items = [item(1, "NATO Alliance ministers meet in Brussels")];
      const [outcome] = await runFetchCycle(rt, { all: true, concurrency: 1 });
      assert.equal(outcome!.newArticles, 1);
      await waitForPings(6);
      assert.deepEqual(hub.pings.map((p) => p.mode), Array(6).fill("publish"));
      assert.deepEqual(hub.pings.map((p) => p.url).sort(), feedsOf("all", "nato"));
      // The feed built before the ingest is not served from memory any more.
      assert.match(await (await fetch(`${app.base}/topics/nato.rss`)).text(), /Alliance ministers/);

      hub.pings.length = 0;
      await runFetchCycle(rt, { all: true, concurrency: 1 });
      await waitForPings(1);
      assert.equal(hub.pings.length, 0, "nothing new, no ping");

      items.push(item(2, "Negotiations with Russia on grain corridor resume"));
      await runFetchCycle(rt, { all: true, concurrency: 1 });
      await waitForPings(6);
      assert.deepEqual(hub.pings.map((p) => p.url).sort(), feedsOf("all", "negotiations"));
    });

    test("a hub that fails loses nothing: the ingest stands", async () => {
      hub.state.fail = true;
      hub.pings.length = 0;
      items.push(item(3, "NATO summit dates announced"));
      const [outcome] = await runFetchCycle(rt, { all: true, concurrency: 1 });
      assert.equal(outcome!.outcome, "updated");
      assert.equal(outcome!.newArticles, 1);
      await waitForPings(6);
      assert.equal(hub.pings.length, 6, "it was told, and answered 500");
      hub.state.fail = false;
      const count = await rt.db.selectFrom("articles").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 3);
    });
  });
}

for (const target of cliTargets) {
  describe(`feedloom serve on ${target.name}: feed settings from the environment`, () => {
    test("FEEDLOOM_WEBSUB_HUB and FEEDLOOM_FEED_MAX_AGE reach the feeds; bad values stop the start", async () => {
      const { env, cleanup } = await target.setup({ FEEDLOOM_WEBSUB_HUB: "https://hub.example/", FEEDLOOM_FEED_MAX_AGE: "120" });
      try {
        const server = await startServer(["serve", "--port", "0", "--no-scheduler"], env);
        try {
          const res = await fetch(`${server.url}/topics/nato.atom`);
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("cache-control"), "public, max-age=120");
          assert.match(await res.text(), /<link rel="hub" href="https:\/\/hub\.example\/"\/>/);
        } finally {
          assert.equal(await server.stop(), 0);
        }
      } finally {
        await cleanup();
      }
      assert.throws(() => loadConfig(cliEnv({ FEEDLOOM_FEED_MAX_AGE: "soon" })), /FEEDLOOM_FEED_MAX_AGE/);
      assert.throws(() => loadConfig(cliEnv({ FEEDLOOM_WEBSUB_HUB: "ftp://hub" })), /FEEDLOOM_WEBSUB_HUB/);
    });
  });
}
