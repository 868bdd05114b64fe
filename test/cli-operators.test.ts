// The operator's command line, as run for real: --help everywhere, sources add (discovery and
// preview), edit, remove, import, export, the fetch progress bar, and the admin API, metrics and
// readiness of a running `feedloom serve`, with commands forwarded to it, on both databases.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runProgram, type CliContext } from "../src/cli/program.ts";
import { loadConfig } from "../src/config.ts";
import { openRuntime, type Runtime } from "../src/runtime.ts";
import { silentLogger } from "../src/log.ts";
import { cliEnv, cliTargets, runCli, startServer } from "./helpers/cli.ts";
import { createServerDatabase, serverUrl } from "./helpers/db.ts";
import { startSite, type TestSite } from "./helpers/site.ts";

const TOKEN = "cli-admin-token-0123456789";
let site: TestSite;
before(async () => (site = await startSite()));
after(() => site.close());

/** The real program in this process (no process start-up: the machine is shared), on a real database. */
async function inProcess(env: NodeJS.ProcessEnv, isTTY = false) {
  const config = loadConfig(env);
  let rt: Runtime | null = null;
  let out = "";
  let err = "";
  const ctx: CliContext = {
    config,
    io: { out: (t) => void (out += t), err: (t) => void (err += t), isTTY },
    runtime: async () => (rt ??= await openRuntime(config, silentLogger)),
    serve: async () => 1,
    jobs: async () => 1,
  };
  return {
    async run(args: string[]) {
      out = "";
      err = "";
      const code = await runProgram(args, ctx);
      return { code, stdout: out, stderr: err };
    },
    close: async () => (rt as Runtime | null)?.close(),
  };
}

test("--help on every command (exit 0); usage errors exit 2 and say what to do", async () => {
  const cli = await inProcess(cliEnv({ FEEDLOOM_DATA_DIR: join(tmpdir(), "feedloom-help-never-created") }));
  const commands = [[], ["serve"], ["jobs"], ["fetch"], ["migrate"], ["sources"], ...["add", "list", "show", "edit", "remove", "resume", "import", "export"].map((c) => ["sources", c])];
  for (const cmd of commands) {
    const r = await cli.run([...cmd, "--help"]);
    assert.equal(r.code, 0, `${cmd.join(" ")} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: feedloom${cmd.length ? ` ${cmd.join(" ")}` : ""}`), cmd.join(" "));
  }
  for (const [args, message] of [
    [["sources", "edit", "1", "--interval", "2m"], /--interval.*5m to 24h/],
    [["sources", "edit", "1", "--interval", "soon"], /--interval.*duration/],
    [["sources", "add", "https://example.org/feed", "--backfill", "lots"], /--backfill.*"none"/],
    [["sources", "edit", "1"], /nothing to change/],
    [["sources", "edit", "1", "--enable", "--disable"], /cannot be used with/],
    [["sources", "remove", "x"], /source id/],
  ] as Array<[string[], RegExp]>) {
    const r = await cli.run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  await cli.close();
});

for (const target of cliTargets) {
  describe(`operator CLI on ${target.name}`, () => {
    let env: NodeJS.ProcessEnv;
    let cleanup: () => Promise<void>;
    let dir: string;
    before(async () => {
      ({ env, cleanup } = await target.setup({ FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1", FEEDLOOM_ADMIN_TOKEN: TOKEN }));
      dir = mkdtempSync(join(tmpdir(), "feedloom-opml-"));
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    test("sources add, edit, remove, import, export; fetch lines", async () => {
      const cli = await inProcess(env);
      const runCli = (args: string[], _env?: unknown) => cli.run(args);
      try {
      const page = await runCli(["sources", "add", `${site.base}/page.html`], env);
      assert.equal(page.code, 1);
      assert.match(page.stderr, /is a web page, not a feed; the feeds it offers:\n {2}http:\/\/127\.0\.0\.1:\d+\/rss\.xml {2}"Site RSS"\n.*\/sub\/atom\.xml/);
      assert.match(page.stderr, /--first/);

      const first = await runCli(["sources", "add", `${site.base}/page.html`, "--first"], env);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^added source 1: http:\/\/127\.0\.0\.1:\d+\/rss\.xml\n {2}title +Site RSS\n {2}format +rss, 2 items\n {2}conditional GET +yes \(ETag\)\n {2}newest +\d{4}-\d\d-\d\d {2}Item r1/);

      const dup = await runCli(["sources", "add", `${site.base}/rss.xml`], env);
      assert.equal(dup.code, 1);
      assert.match(dup.stderr, /already a source \(id 1\)/);
      const missing = await runCli(["sources", "add", `${site.base}/missing.xml`], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /HTTP 404.*--force/);

      const atom = await runCli(["sources", "add", `${site.base}/atom.xml`, "--backfill", "none", "--interval", "1h", "--json"], env);
      assert.equal(atom.code, 0, atom.stderr);
      const added = JSON.parse(atom.stdout) as { id: number; backfill: string; intervalSeconds: number; preview: { itemCount: number } };
      assert.deepEqual([added.id, added.backfill, added.intervalSeconds, added.preview.itemCount], [2, "none", 3600, 1]);

      const edit = await runCli(["sources", "edit", "2", "--title", "Renamed", "--interval", "2h", "--disable"], env);
      assert.equal(edit.code, 0, edit.stderr);
      assert.match(edit.stdout, /updated source 2: Renamed <.*>, every 120 min, not in rotation \(disabled by an operator\)/);
      const enabled = JSON.parse((await runCli(["sources", "edit", "2", "--enable", "--json"], env)).stdout) as { enabled: boolean; state: string };
      assert.deepEqual([enabled.enabled, enabled.state], [true, "new"]);
      const nosuch = await runCli(["sources", "edit", "99", "--title", "x"], env);
      assert.equal(nosuch.code, 1);
      assert.match(nosuch.stderr, /no source with id 99/);

      const fetched = await runCli(["fetch", "--all"], env);
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.match(fetched.stdout, /#1 Site RSS: 2 new/);
      assert.match(fetched.stdout, /#2 Renamed: 0 new/, "backfill none");
      assert.equal(fetched.stdout.trim().split("\n").length, 2, "one line per source when not on a terminal");

      const opml = join(dir, "list.opml");
      writeFileSync(opml, `<?xml version="1.0"?>\n<opml version="2.0"><body>\n<outline text="A" xmlUrl="${site.base}/rss.xml"/>\n<outline text="B" xmlUrl="${site.base}/dated.xml"/>\n<outline text="C" xmlUrl="mailto:x@example.org"/>\n</body></opml>\n`);
      const imported = await runCli(["sources", "import", opml], env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /^line 3: skipped .*rss\.xml — already a source \(id 1\)\nline 4: added +.*dated\.xml \(source 3\)\nline 5: failed +mailto:x@example\.org — xmlUrl must be an absolute http/m);
      assert.match(imported.stdout, /1 added, 1 skipped, 1 failed\n$/);
      const second = await runCli(["sources", "import", "-", "--json", "--opml-text", `<opml><body><outline xmlUrl="${site.base}/sub/atom.xml"/></body></opml>`]);
      assert.equal(second.code, 0, second.stderr);
      assert.equal((JSON.parse(second.stdout) as { added: number }).added, 1);
      writeFileSync(join(dir, "hello.txt"), "hello");
      const notOpml = await runCli(["sources", "import", join(dir, "hello.txt")]);
      assert.equal(notOpml.code, 1);
      assert.match(notOpml.stderr, /not an OPML document/);
      const unreadable = await runCli(["sources", "import", join(dir, "nope.opml")], env);
      assert.equal(unreadable.code, 1);
      assert.match(unreadable.stderr, /cannot read .*nope\.opml/);

      const exported = await runCli(["sources", "export"], env);
      assert.equal(exported.code, 0);
      assert.match(exported.stdout, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<opml version="2.0">/);
      assert.equal(exported.stdout.match(/<outline /g)?.length, 4);

      const kept = await runCli(["sources", "remove", "2"], env);
      assert.equal(kept.code, 0, kept.stderr);
      assert.match(kept.stdout, /removed source 2; its articles stay/);
      const purged = JSON.parse((await runCli(["sources", "remove", "1", "--purge", "--json"], env)).stdout) as { articlesPurged: number; storiesDeleted: number };
      assert.deepEqual([purged.articlesPurged, purged.storiesDeleted], [2, 2]);
      const gone = await runCli(["sources", "remove", "1"], env);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /no source with id 1/);
      const list = JSON.parse((await runCli(["sources", "list", "--json"], env)).stdout) as Array<{ id: number }>;
      assert.deepEqual(list.map((s) => s.id), [3, 4]);
      } finally {
        await cli.close();
      }
    });

    test("a running server: admin API, /readyz, /metrics from loopback, and forwarded commands", async () => {
      const server = await startServer(["serve", "--port", "0", "--no-scheduler"], env);
      try {
        const ready = await fetch(`${server.url}/readyz`);
        assert.deepEqual([ready.status, ((await ready.json()) as { status: string }).status], [200, "ready"]);
        const refused = await fetch(`${server.url}/api/sources`);
        assert.equal(refused.status, 401);
        const list = await fetch(`${server.url}/api/sources`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(list.status, 200);
        assert.deepEqual(((await list.json()) as { sources: Array<{ id: number }> }).sources.map((s) => s.id), [3, 4]);
        const fetchNow = await fetch(`${server.url}/api/sources/3/fetch`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(fetchNow.status, 200);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /feedloom_fetches_total\{outcome="updated"\} 1/);
        assert.match(metrics, /feedloom_db_pool_connections\{state="total"\} [1-9]/);

        // Forwarded to the server on the embedded database (a relative file path still works).
        writeFileSync(join(dir, "more.opml"), `<opml><body><outline xmlUrl="https://more.example/feed.xml"/></body></opml>`);
        const imported = await runCli(["sources", "import", "more.opml"], env, 60_000, { cwd: dir });
        assert.equal(imported.code, 0, imported.stderr);
        assert.match(imported.stdout, /1 added/);
        const fromStdin = await runCli(["sources", "import", "-", "--json"], env, 60_000, { input: `<opml><body><outline xmlUrl="https://stdin.example/feed.xml"/></body></opml>` });
        assert.equal(fromStdin.code, 0, fromStdin.stderr);
        assert.equal((JSON.parse(fromStdin.stdout) as { added: number }).added, 1);
        const edited = await runCli(["sources", "edit", "3", "--title", "Dated"], env);
        assert.equal(edited.code, 0, edited.stderr);
        assert.match((await runCli(["sources", "export"], env)).stdout, /text="Dated"[^\n]*dated\.xml[\s\S]*more\.example[\s\S]*stdin\.example/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  });
}

for (const kind of serverUrl ? ["pglite", "postgres"] : ["pglite"]) {
  test(`fetch on a terminal: a progress bar, then failures and a summary (${kind})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "feedloom-tty-"));
    const pg = kind === "postgres" ? await createServerDatabase() : null;
    const config = loadConfig({ FEEDLOOM_DATA_DIR: dir, FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1", ...(pg ? { DATABASE_URL: pg.url } : {}) });
    const rt = await openRuntime(config, silentLogger);
    let out = "";
    const ctx: CliContext = { config, io: { out: (s) => void (out += s), err: (s) => void (out += s), isTTY: true }, runtime: async () => rt, serve: async () => 1, jobs: async () => 1 };
    try {
      assert.equal(await runProgram(["sources", "add", `${site.base}/rss.xml`], ctx), 0);
      assert.equal(await runProgram(["sources", "add", `${site.base}/gone.xml`, "--force"], ctx), 0);
      out = "";
      assert.equal(await runProgram(["fetch"], ctx), 0);
      out = out.replaceAll("\x1b[K", "<EL>"); // the terminal's erase-line, made visible
      assert.match(out, /^\r<EL>\[-{30}\] 0\/2 sources, 0 new articles/);
      assert.match(out, /\r<EL>\[#{30}\] 2\/2 sources, 2 new articles, 1 failed/);
      assert.match(out, /\r<EL>#2 .*gone\.xml: failed — HTTP 404.*\nfetched 2 sources in \d+\.\ds: 1 updated \(2 new articles, 0 changed\), 0 not modified, 1 failed\n$/);
    } finally {
      await rt.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
