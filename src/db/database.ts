// One Kysely code path for both modes: a pg.Pool either talks to a Postgres server or, through
// PGlite's node-postgres adapter, to the embedded database in this process. Same driver, same
// result types, same SQL.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { acquireDataDirLock, type DataDirLock } from "./lock.ts";
import type { Database } from "./schema.ts";

export type DatabaseKind = "postgres" | "pglite";

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** The PGlite data directory, when embedded. */
  dataDir: string | null;
  /** The connection pool, for its metrics. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

// int8 ids and counts fit comfortably in a JS number; parse them as numbers, not strings.
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

export function openPostgres(connectionString: string, poolSize = 10): DatabaseHandle {
  const pool = new pg.Pool({ connectionString, max: poolSize, types: pgTypes });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: "postgres", dataDir: null, pool, close: () => db.destroy() };
}

export interface PgliteOptions {
  /** A directory for the files, or "memory://" for a throwaway database (tests). */
  dataDir: string;
  /** Hold the data directory's lock file (default true for directories): PGlite itself does not lock. */
  lock?: boolean;
}

export async function openPglite(opts: PgliteOptions): Promise<DatabaseHandle> {
  const inMemory = opts.dataDir.startsWith("memory://");
  let lock: DataDirLock | null = null;
  let pgdata = opts.dataDir;
  if (!inMemory) {
    mkdirSync(opts.dataDir, { recursive: true });
    if (opts.lock !== false) lock = acquireDataDirLock(opts.dataDir);
    pgdata = join(opts.dataDir, "pgdata");
  }
  try {
    // Loaded only in embedded mode: a process on a Postgres server never pays for PGlite's memory.
    const [{ PGlite }, { createPgConfig }] = await Promise.all([import("@electric-sql/pglite"), import("@electric-sql/pglite/node-postgres")]);
    const pglite = await PGlite.create(pgdata);
    const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1, types: pgTypes });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: "pglite",
      dataDir: inMemory ? null : opts.dataDir,
      pool,
      async close() {
        await db.destroy();
        await pglite.close();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}
