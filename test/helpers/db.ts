// Every database test runs on PGlite and, when TEST_DATABASE_URL is set, on Postgres too, each
// time on a fresh database so tests never see each other's rows.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPglite, openPostgres, type DatabaseHandle } from "../../src/db/database.ts";
import { migrateToLatest } from "../../src/db/migrate.ts";

export interface TestDatabase {
  name: "pglite" | "postgres";
  /** DATABASE_URL for child processes (postgres only). */
  url: string | null;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

export const serverUrl = process.env.TEST_DATABASE_URL || null;

export const databaseKinds: Array<"pglite" | "postgres"> = serverUrl ? ["pglite", "postgres"] : ["pglite"];

/** A new, empty Postgres database on the test server; returns its URL and a way to drop it. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `feedloom_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated database of the given kind. */
export async function openTestDatabase(kind: "pglite" | "postgres", opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  let t: TestDatabase;
  if (kind === "pglite") {
    const handle = await openPglite({ dataDir: "memory://" });
    t = { name: kind, url: null, handle, drop: () => handle.close() };
  } else {
    const server = await createServerDatabase();
    const handle = openPostgres(server.url, 4);
    t = {
      name: kind,
      url: server.url,
      handle,
      async drop() {
        await handle.close();
        await server.drop();
      },
    };
  }
  if (opts.migrate !== false) await migrateToLatest(t.handle.db);
  return t;
}
