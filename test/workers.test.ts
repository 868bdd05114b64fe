// Scaling out through Postgres: two real `feedloom jobs` processes on one database never fetch the
// same source at once and never take a host past its share; a killed worker's sources are taken
// over once its leases expire. (PGlite is one process by design, so this runs on Postgres only.)
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { cliEnv, runCli, startServer } from "./helpers/cli.ts";
import { createServerDatabase, serverUrl } from "./helpers/db.ts";

const SOURCES = 24;

describe("workers sharing one Postgres", { skip: serverUrl ? false : "needs TEST_DATABASE_URL" }, () => {
  let server: Server;
  let base: string;
  let delayMs = 150;
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const served = new Map<string, number>();
  let hostInFlight = 0;
  let maxHostInFlight = 0;
  let db: { url: string; drop(): Promise<void> };

  before(async () => {
    db = await createServerDatabase();
    server = createServer((req, res) => {
      const path = req.url ?? "/";
      inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
      maxInFlight.set(path, Math.max(maxInFlight.get(path) ?? 0, inFlight.get(path)!));
      hostInFlight++;
      maxHostInFlight = Math.max(maxHostInFlight, hostInFlight);
      setTimeout(() => {
        inFlight.set(path, inFlight.get(path)! - 1);
        hostInFlight--;
        served.set(path, (served.get(path) ?? 0) + 1);
        res.writeHead(200, { "content-type": "application/rss+xml" });
        res.end(`<rss version="2.0"><channel><title>${path}</title><item><guid>${path}-1</guid><title>Item of ${path}</title></item></channel></rss>`);
      }, delayMs);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await db.drop();
  });

  const env = (extra: Record<string, string> = {}) =>
    cliEnv({
      DATABASE_URL: db.url,
      FEEDLOOM_ALLOW_PRIVATE_NETWORKS: "1",
      FEEDLOOM_FETCH_SCHEDULE: "* * * * * *",
      FEEDLOOM_FETCH_CONCURRENCY: "2",
      FEEDLOOM_PER_HOST_CONCURRENCY: "4",
      FEEDLOOM_LOG_LEVEL: "info",
      ...extra,
    });

  test("two `feedloom jobs` processes split the work: each source once, no host past its share", async () => {
    const migrate = await runCli(["migrate"], env());
    assert.equal(migrate.code, 0, migrate.stderr);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // Both workers are up and idle before there is any work, so neither gets a head start.
    const a = await startServer(["jobs"], env());
    const b = await startServer(["jobs"], env());
    delayMs = 300;
    await client.query(
      "INSERT INTO sources (url, host) SELECT $1 || '/feed/' || i, '127.0.0.1' FROM generate_series(0, $2::int - 1) AS i",
      [base, SOURCES],
    );
    try {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM sources WHERE last_success_at IS NOT NULL");
        if (Number(rows[0]!.n) === SOURCES) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      assert.equal(await a.stop(), 0);
      assert.equal(await b.stop(), 0);
    }
    for (let i = 0; i < SOURCES; i++) {
      assert.equal(served.get(`/feed/${i}`), 1, `/feed/${i} fetched exactly once`);
      assert.equal(maxInFlight.get(`/feed/${i}`), 1);
    }
    assert.ok(maxHostInFlight <= 4, `at most 4 requests at once to the shared host, saw ${maxHostInFlight}`);
    const fetchedBy = (out: string) => (out.match(/"msg":"fetched"/g) ?? []).length;
    assert.equal(fetchedBy(a.output()) + fetchedBy(b.output()), SOURCES);
    assert.ok(fetchedBy(a.output()) > 0 && fetchedBy(b.output()) > 0, "both workers did some of the work");
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM sources WHERE lease_owner IS NOT NULL");
    assert.equal(Number(rows[0]!.n), 0, "every lease released on shutdown");
    await client.end();
  });

  test("a killed worker's leases are taken over after they expire", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("UPDATE sources SET enabled = false");
    const { rows } = await client.query<{ id: number }>("INSERT INTO sources (url, host) VALUES ($1, '127.0.0.1') RETURNING id", [`${base}/slow`]);
    const id = rows[0]!.id;
    delayMs = 4000;
    // Lease = 3 × the fetch timeout + 10 s: 13 s here.
    const killed = await startServer(["jobs"], env({ FEEDLOOM_FETCH_TIMEOUT_MS: "1000" }));
    const leased = Date.now() + 10_000;
    while (Date.now() < leased) {
      const r = await client.query<{ lease_owner: string | null }>("SELECT lease_owner FROM sources WHERE id = $1", [id]);
      if (r.rows[0]!.lease_owner) break;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    await killed.stop("SIGKILL");
    const stuck = await client.query<{ lease_owner: string | null; lease_expires_at: Date }>("SELECT lease_owner, lease_expires_at FROM sources WHERE id = $1", [id]);
    assert.ok(stuck.rows[0]!.lease_owner, "the killed worker held the lease");
    delayMs = 10;
    const survivor = await startServer(["jobs"], env({ FEEDLOOM_FETCH_TIMEOUT_MS: "1000" }));
    try {
      const deadline = Date.now() + 30_000;
      let done = false;
      while (Date.now() < deadline && !done) {
        const r = await client.query<{ last_success_at: Date | null }>("SELECT last_success_at FROM sources WHERE id = $1", [id]);
        done = r.rows[0]!.last_success_at !== null;
        if (!done) await new Promise((r2) => setTimeout(r2, 250));
      }
      assert.ok(done, "the survivor fetched the source");
      assert.ok(Date.now() >= stuck.rows[0]!.lease_expires_at.getTime(), "only after the lease expired");
    } finally {
      await survivor.stop();
      await client.end();
    }
  });
});
