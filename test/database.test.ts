// The database layer on both engines: migrations, the PGlite-through-pg driver (not in PGlite's
// README, so kept under test), and claiming work with SKIP LOCKED and leases.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import { DataDirBusyError } from "../src/db/lock.ts";
import { openPglite } from "../src/db/database.ts";
import { migrateToLatest, pendingMigrations } from "../src/db/migrate.ts";
import { addSource, claimSources, DuplicateSourceError, releaseSource } from "../src/store/sources.ts";
import { databaseKinds, openTestDatabase, type TestDatabase } from "./helpers/db.ts";

for (const kind of databaseKinds) {
  describe(`database on ${kind}`, async () => {
    const t: TestDatabase = await openTestDatabase(kind);
    after(() => t.drop());

    test("migrations are applied once and are then current", async () => {
      assert.deepEqual(await pendingMigrations(t.handle.db), []);
      assert.deepEqual((await migrateToLatest(t.handle.db)).applied, []);
    });

    test("default topics exist: all (reserved), nato, negotiations", async () => {
      const topics = await t.handle.db.selectFrom("topics").select(["slug", "reserved"]).orderBy("slug").execute();
      assert.deepEqual(topics, [
        { slug: "all", reserved: true },
        { slug: "nato", reserved: false },
        { slug: "negotiations", reserved: false },
      ]);
    });

    test("the driver returns numbers for int8, Dates for timestamptz, objects for jsonb, arrays for text[]", async () => {
      const row = await sql<{ big: number; at: Date; doc: { a: number }; tags: string[] }>`
        SELECT 9007199254740::int8 AS big, '2023-09-15T10:00:00Z'::timestamptz AS at,
               '{"a": 1}'::jsonb AS doc, ARRAY['x', 'y']::text[] AS tags`.execute(t.handle.db);
      const r = row.rows[0]!;
      assert.equal(r.big, 9007199254740);
      assert.ok(r.at instanceof Date);
      assert.equal(r.at.toISOString(), "2023-09-15T10:00:00.000Z");
      assert.deepEqual(r.doc, { a: 1 });
      assert.deepEqual(r.tags, ["x", "y"]);
    });

    test("a transaction that fails leaves nothing behind", async () => {
      await assert.rejects(
        t.handle.db.transaction().execute(async (trx) => {
          await addSource(trx, { url: "https://rollback.example/feed.xml" });
          throw new Error("boom");
        }),
        /boom/,
      );
      const n = await t.handle.db.selectFrom("sources").select("id").where("url", "=", "https://rollback.example/feed.xml").execute();
      assert.equal(n.length, 0);
    });

    test("a source URL is registered once", async () => {
      const s = await addSource(t.handle.db, { url: "https://dup.example/feed.xml" });
      await assert.rejects(addSource(t.handle.db, { url: "https://dup.example/feed.xml" }), (err: unknown) => err instanceof DuplicateSourceError && err.existingId === s.id);
    });

    test("claims: concurrent workers never get the same source; leases expire; named sources need not be due", async () => {
      const db = t.handle.db;
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push((await addSource(db, { url: `https://claim${i}.example/feed.xml` })).id);
      await db.updateTable("sources").set({ enabled: false }).where("id", "not in", ids).execute();
      const [a, b] = await Promise.all([
        claimSources(db, { owner: "a", leaseSeconds: 60, limit: 4 }),
        claimSources(db, { owner: "b", leaseSeconds: 60, limit: 4 }),
      ]);
      const got = [...a, ...b].map((s) => s.id).sort((x, y) => x - y);
      assert.deepEqual(got, ids, "every due source claimed exactly once");
      assert.deepEqual(await claimSources(db, { owner: "c", leaseSeconds: 60, limit: 10, sourceIds: ids }), [], "leased sources are not claimed again");

      // A killed worker's lease runs out and the source is taken over.
      await db.updateTable("sources").set({ lease_expires_at: new Date(Date.now() - 1000) }).where("id", "=", ids[0]!).execute();
      const taken = await claimSources(db, { owner: "c", leaseSeconds: 60, limit: 10 });
      assert.deepEqual(taken.map((s) => s.id), [ids[0]]);
      assert.equal(taken[0]!.lease_owner, "c");

      // Not due: only naming it claims it.
      for (const s of [...a, ...b, ...taken]) await releaseSource(db, s.id, s.lease_owner!);
      await db.updateTable("sources").set({ next_fetch_at: new Date(Date.now() + 3600_000) }).where("id", "in", ids).execute();
      assert.equal((await claimSources(db, { owner: "d", leaseSeconds: 60, limit: 10 })).length, 0);
      assert.deepEqual((await claimSources(db, { owner: "d", leaseSeconds: 60, limit: 10, sourceIds: [ids[2]!] })).map((s) => s.id), [ids[2]]);
      assert.equal((await claimSources(db, { owner: "e", leaseSeconds: 60, limit: 10, sourceIds: ids })).length, 5);
      await db.updateTable("sources").set({ enabled: false }).where("id", "=", ids[3]!).execute();
      await db.updateTable("sources").set({ lease_owner: null, lease_expires_at: null }).where("id", "in", ids).execute();
      assert.equal((await claimSources(db, { owner: "f", leaseSeconds: 60, limit: 10, sourceIds: ids })).length, 5, "a disabled source is never claimed");
    });

    test("claims never take a host past its share, across workers", async () => {
      const db = t.handle.db;
      await db.updateTable("sources").set({ enabled: false }).execute();
      const shared: number[] = [];
      for (let i = 0; i < 5; i++) shared.push((await addSource(db, { url: `https://shared.example/feed${i}.xml` })).id);
      const lone = (await addSource(db, { url: "https://lone.example/feed.xml" })).id;
      const x = await claimSources(db, { owner: "x", leaseSeconds: 60, limit: 10, perHost: 2 });
      assert.deepEqual(x.map((s) => s.host).sort(), ["lone.example", "shared.example", "shared.example"]);
      assert.ok(x.some((s) => s.id === lone));
      const y = await claimSources(db, { owner: "y", leaseSeconds: 60, limit: 10, perHost: 2, sourceIds: shared });
      assert.equal(y.length, 0, "two of shared.example are in flight already");
      await releaseSource(db, x.find((s) => s.host === "shared.example")!.id, "x");
      const z = await claimSources(db, { owner: "z", leaseSeconds: 60, limit: 10, perHost: 2 });
      assert.deepEqual(z.map((s) => s.host), ["shared.example"]);
    });
  });
}

describe("embedded data directory", () => {
  test("is file-backed, survives a reopen, and is locked against a second opener", async () => {
    const dir = mkdtempSync(join(tmpdir(), "feedloom-dir-"));
    try {
      const first = await openPglite({ dataDir: dir });
      await migrateToLatest(first.db);
      await addSource(first.db, { url: "https://persist.example/feed.xml" });
      await assert.rejects(openPglite({ dataDir: dir }), (err: unknown) => err instanceof DataDirBusyError && err.pid === process.pid);
      await first.close();

      const again = await openPglite({ dataDir: dir });
      const rows = await again.db.selectFrom("sources").select("url").execute();
      assert.deepEqual(rows.map((r) => r.url), ["https://persist.example/feed.xml"]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
