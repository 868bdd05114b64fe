// First start, as `npm start` does it: an empty data directory, the starter sources imported, the
// topic feeds answering; and the scheduler fetching due sources on its own.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { starterSources } from "../src/starter/import.ts";
import { cliEnv, cliTargets, runCli, startServer } from "./helpers/cli.ts";
import { startNewsroom, type NewsroomServer } from "./helpers/newsroom.ts";

describe("first start on an empty embedded database", () => {
  const dir = mkdtempSync(join(tmpdir(), "feedloom-first-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("answers /topics/nato.rss with RSS 2.0 and imports the starter sources once", async (t) => {
    // The scheduler stays off: the starter sources are real outlets on the internet, out of reach here.
    const env = cliEnv({ FEEDLOOM_DATA_DIR: join(dir, "data"), FEEDLOOM_STARTER_SOURCES: "1" });
    const started = Date.now();
    const server = await startServer(["serve", "--port", "0", "--no-scheduler"], env);
    try {
      const res = await fetch(`${server.url}/topics/nato.rss`);
      const elapsed = Date.now() - started;
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^<\?xml[^>]*\?>\s*<rss [^>]*version="2.0"/);
      // A target, measured and reported (the closing note has the figures), never a timed assertion.
      t.diagnostic(`first start: /topics/nato.rss answered ${elapsed} ms after launch`);
      assert.match(server.output(), new RegExp(`imported ${starterSources().length} starter sources`));

      const list = await runCli(["sources", "list", "--json"], env);
      assert.equal(list.code, 0, list.stderr);
      const urls = (JSON.parse(list.stdout) as Array<{ url: string }>).map((s) => s.url);
      assert.deepEqual(urls, starterSources().map((s) => s.url));
      assert.ok(urls.length >= 10 && urls.every((u) => u.startsWith("https://")));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // A restart does not import them again (nor after an operator removed them).
    const again = await startServer(["serve", "--port", "0", "--no-scheduler"], env);
    await again.stop();
    assert.doesNotMatch(again.output(), /imported \d+ starter sources/);
  });
});

for (const target of cliTargets) {
  describe(`the scheduler on ${target.name}`, () => {
    let newsroom: NewsroomServer;
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    before(async () => {
      newsroom = await startNewsroom();
      ({ env, cleanup } = await target.setup({ FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1", FEEDLOOM_FETCH_SCHEDULE: "* * * * * *", FEEDLOOM_LOG_LEVEL: "info" }));
    });
    after(async () => {
      await newsroom.close();
      await cleanup();
    });

    test("wakes on its schedule and fetches due sources from the database", async () => {
      const server = await startServer(["serve", "--port", "0"], env);
      try {
        const add = await runCli(["sources", "add", newsroom.feeds["ukrnews"]!], env);
        assert.equal(add.code, 0, add.stderr);
        // No `fetch` command: the scheduler must find the new, due source by itself.
        const deadline = Date.now() + 20_000;
        let body = "";
        while (Date.now() < deadline) {
          body = await (await fetch(`${server.url}/api/stories?topic=nato`)).text();
          if (body.includes("NATO And EU Discussing")) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.match(body, /NATO And EU Discussing/);
        assert.match(server.output(), /"msg":"fetched".*"new":13/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });

    test("`feedloom jobs` runs the scheduler alone; commands still reach the database meanwhile", async () => {
      const jobs = await startServer(["jobs"], env);
      try {
        const add = await runCli(["sources", "add", newsroom.feeds["zakhid"]!], env);
        assert.equal(add.code, 0, add.stderr);
        const deadline = Date.now() + 20_000;
        let zakhid: { lastStatus: number | null } | undefined;
        while (Date.now() < deadline) {
          const list = JSON.parse((await runCli(["sources", "list", "--json"], env)).stdout) as Array<{ url: string; lastStatus: number | null }>;
          zakhid = list.find((s) => s.url === newsroom.feeds["zakhid"]);
          if (zakhid?.lastStatus === 200) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.equal(zakhid?.lastStatus, 200);
      } finally {
        assert.equal(await jobs.stop(), 0);
      }
    });
  });
}

for (const target of cliTargets) {
  describe(`graceful shutdown on ${target.name}`, () => {
    let server: Server;
    let base: string;
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    const started: string[] = [];
    before(async () => {
      server = createServer((req, res) => {
        started.push(req.url ?? "");
        setTimeout(() => res.writeHead(200, { "content-type": "application/rss+xml" }).end(`<rss version="2.0"><channel><title>${req.url}</title><item><guid>1</guid><title>one</title></item></channel></rss>`), 2000);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      ({ env, cleanup } = await target.setup({
        FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1",
        FEEDLOOM_FETCH_SCHEDULE: "* * * * * *",
        FEEDLOOM_FETCH_CONCURRENCY: "1",
        FEEDLOOM_PER_HOST_CONCURRENCY: "8",
      }));
    });
    after(async () => {
      server.closeAllConnections();
      server.close();
      await cleanup();
    });

    test("SIGTERM: stop claiming, finish what is in flight, release the rest, exit 0", { timeout: 120_000 }, async () => {
      for (let i = 0; i < 4; i++) assert.equal((await runCli(["sources", "add", `${base}/slow/${i}`], env)).code, 0);
      started.length = 0; // adding a source reads it once (its preview): count only the scheduler's fetches
      const jobs = await startServer(["jobs"], env);
      const deadline = Date.now() + 20_000;
      while (started.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(started.length > 0, "a fetch is in flight");
      const inFlight = started.length;
      const stoppedAt = Date.now();
      assert.equal(await jobs.stop("SIGTERM"), 0);
      assert.ok(Date.now() - stoppedAt < 10_000, "stops promptly");
      assert.equal(started.length, inFlight, "nothing new was started after SIGTERM");
      const list = JSON.parse((await runCli(["sources", "list", "--json"], env)).stdout) as Array<{ url: string; lastStatus: number | null }>;
      const finished = list.filter((s) => s.lastStatus === 200).map((s) => new URL(s.url).pathname).sort();
      assert.deepEqual(finished, [...started].sort(), "what was in flight finished and was recorded");
      // Nothing is left leased: another worker could take the rest right away.
      const again = await runCli(["fetch"], { ...env, FEEDLOOM_FETCH_TIMEOUT_MS: "5000" });
      assert.equal(again.code, 0, again.stderr);
      assert.equal((again.stdout.match(/: 1 new/g) ?? []).length, 4 - finished.length);
    });
  });
}
