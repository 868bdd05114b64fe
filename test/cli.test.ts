// The real `feedloom` command, as an operator runs it: on the embedded database (directly, and
// forwarded to a running server that owns the data directory) and on Postgres.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cliEnv, cliTargets, runCli, startServer } from "./helpers/cli.ts";
import { startNewsroom, type NewsroomServer } from "./helpers/newsroom.ts";

const SEED = "NATO And EU Discussing Possibility Of Negotiations With Russia After Kherson Liberation By Ukraine";

let newsroom: NewsroomServer;
before(async () => (newsroom = await startNewsroom()));
after(() => newsroom.close());

describe("usage errors and refusals", () => {
  const dir = mkdtempSync(join(tmpdir(), "feedloom-cli-"));
  const env = cliEnv({ FEEDLOOM_DATA_DIR: dir });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("--help lists the commands and exits 0", async () => {
    const r = await runCli(["--help"], env);
    assert.equal(r.code, 0);
    for (const cmd of ["serve", "jobs", "fetch", "migrate", "sources"]) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
  });

  test("an unknown command or option is a usage error (exit 2) with a hint", async () => {
    const r = await runCli(["sources", "frobnicate"], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--help/);
    const r2 = await runCli(["fetch", "--source", "abc"], env);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /source id/);
  });

  test("a bad URL is refused with a clear message (exit 1)", async () => {
    const r = await runCli(["sources", "add", "not a url"], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid <url> "not a url"/);
    const ftp = await runCli(["sources", "add", "ftp://example.org/feed"], env);
    assert.equal(ftp.code, 1);
    assert.match(ftp.stderr, /http/);
  });

  test("private addresses are refused unless FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1", async () => {
    const r = await runCli(["sources", "add", newsroom.feeds["ukrnews"]!], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /loopback address .*FEEDLOOM_ALLOW_PRIVATE_NETWORKS=1/);
    const list = await runCli(["sources", "list", "--json"], env);
    assert.deepEqual(JSON.parse(list.stdout), []);
  });

  test("an unreachable database is a failure (exit 1) that says which one, without its password", async () => {
    const r = await runCli(["fetch"], { ...env, DATABASE_URL: "postgres://feedloom:s3cret@127.0.0.1:9/nowhere" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the database at postgres:\/\/feedloom:\*\*\*@127\.0\.0\.1:9\/nowhere \(DATABASE_URL\)/);
    assert.doesNotMatch(r.stderr, /s3cret/);
  });

  test("an invalid environment names the variable (exit 2)", async () => {
    const r = await runCli(["sources", "list"], { ...env, PORT: "eighty", FEEDLOOM_BASE_URL: "nope" });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /PORT: must be a port number/);
    assert.match(r.stderr, /FEEDLOOM_BASE_URL/);
  });
});

for (const target of cliTargets) {
  describe(`CLI on ${target.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    before(async () => ({ env, cleanup } = await target.setup({ FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1" })));
    after(() => cleanup());

    test("migrate, sources add/list, fetch --all, fetch --source", async () => {
      const m = await runCli(["migrate"], env);
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, /up to date/);

      for (const slug of ["ukrnews", "kyiv-vechir"]) {
        const r = await runCli(["sources", "add", newsroom.feeds[slug]!, "--title", `T ${slug}`], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^added source \d+: http:\/\/127\.0\.0\.1/);
      }
      const dup = await runCli(["sources", "add", newsroom.feeds["ukrnews"]!], env);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already a source \(id 1\)/);

      const fetched = await runCli(["fetch", "--all"], env);
      assert.equal(fetched.code, 0, fetched.stderr);
      const lines = fetched.stdout.trim().split("\n");
      assert.equal(lines.length, 2, "one summary line per source");
      assert.match(fetched.stdout, /#1 T ukrnews: 13 new, 0 updated \(HTTP 200/);
      assert.match(fetched.stdout, /#2 T kyiv-vechir: 7 new/);

      const none = await runCli(["fetch"], env);
      assert.equal(none.code, 0);
      assert.match(none.stdout, /nothing is due/);

      const one = await runCli(["fetch", "--source", "2", "--json"], env);
      assert.equal(one.code, 0, one.stderr);
      const o = JSON.parse(one.stdout) as { sourceId: number; outcome: string; newArticles: number };
      assert.deepEqual([o.sourceId, o.outcome, o.newArticles], [2, "updated", 0]);

      const list = await runCli(["sources", "list", "--json"], env);
      const sources = JSON.parse(list.stdout) as Array<{ id: number; title: string; lastStatus: number; lastSuccessAt: string | null; errorCount: number }>;
      assert.deepEqual(sources.map((s) => [s.id, s.title, s.lastStatus, s.errorCount]), [[1, "T ukrnews", 200, 0], [2, "T kyiv-vechir", 200, 0]]);
      const table = await runCli(["sources", "list"], env);
      assert.match(table.stdout, /^ID\s+STATE\s+HTTP/);

      const show = await runCli(["sources", "show", "1"], env);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /^source\s+1: T ukrnews$/m);
      assert.match(show.stdout, /^fetches\s+1, 0 answered 304 \(0%\)/m);
      assert.match(show.stdout, /^recent fetches:\nWHEN\s+OUTCOME/m);
      const shown = JSON.parse((await runCli(["sources", "show", "2", "--json"], env)).stdout) as { fetchCount: number; recentFetches: Array<{ outcome: string }> };
      assert.deepEqual([shown.fetchCount, shown.recentFetches.map((f) => f.outcome)], [2, ["updated", "updated"]]);
      const missing = await runCli(["sources", "show", "99"], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no source with id 99/);
      const resumed = await runCli(["sources", "resume", "2"], env);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /resumed source 2/);
    });

    test("a failing source is a recorded result, not a crash", async () => {
      const add = await runCli(["sources", "add", `${newsroom.base}/no-such-feed.xml`, "--force"], env);
      assert.equal(add.code, 0, add.stderr);
      const r = await runCli(["fetch", "--all"], env);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /no-such-feed\.xml: failed — HTTP 404/);
      const list = JSON.parse((await runCli(["sources", "list", "--json"], env)).stdout) as Array<{ url: string; lastError: string; errorCount: number }>;
      const bad = list.find((s) => s.url.endsWith("no-such-feed.xml"))!;
      assert.equal(bad.errorCount, 1);
      assert.match(bad.lastError, /404/);
    });

    test("serve answers the topic feeds; the CLI works while it runs; SIGTERM stops it cleanly", async () => {
      const server = await startServer(["serve", "--port", "0", "--no-scheduler"], env);
      try {
        const add = await runCli(["sources", "add", newsroom.feeds["newsmirror"]!], env);
        assert.equal(add.code, 0, add.stderr);
        const f = await runCli(["fetch", "--all"], env);
        assert.equal(f.code, 0, f.stderr);
        assert.match(f.stdout, /newsmirror|10 new/);
        const rss = await (await fetch(`${server.url}/topics/nato.rss`)).text();
        assert.ok(rss.includes(SEED));
        if (target.name === "pglite") {
          // One process owns the embedded database: a second server is refused, not corrupting it.
          const busy = await runCli(["serve", "--port", "0"], env);
          assert.equal(busy.code, 1);
          assert.match(busy.stderr, /already running on this data directory/);
        }
      } finally {
        assert.equal(await server.stop(), 0);
      }
      if (env.FEEDLOOM_DATA_DIR) {
        assert.equal(existsSync(join(env.FEEDLOOM_DATA_DIR, "feedloom.lock")), false, "the lock is released");
        assert.equal(existsSync(join(env.FEEDLOOM_DATA_DIR, "feedloom.sock")), false, "the socket is removed");
      }
    });
  });
}
