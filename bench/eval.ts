// npm run eval: the newsroom corpus through the real pipeline on a fresh embedded database (or
// on DATABASE_URL's server when set: a throwaway database there), then the deduplication scores.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPglite, openPostgres, type DatabaseHandle } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { evaluateDedup, formatDedupEvaluation } from "../src/eval/dedup.ts";
import { ingestNewsroom } from "../src/eval/newsroom.ts";

async function open(): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    const handle = await openPglite({ dataDir: "memory://" });
    return { handle, drop: () => handle.close() };
  }
  const name = `feedloom_eval_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const handle = openPostgres(url.href, 4);
  return {
    handle,
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const { handle, drop } = await open();
try {
  await migrateToLatest(handle.db);
  const started = Date.now();
  // FEEDLOOM_EVAL_ORDER=reverse fetches the sources in reverse order (copies before originals).
  const ingest = await ingestNewsroom(handle.db, { order: process.env.FEEDLOOM_EVAL_ORDER === "reverse" ? "reverse" : "labels" });
  console.log(`ingested on ${process.env.DATABASE_URL ? "postgres" : "pglite"} in ${Date.now() - started} ms`);
  console.log(formatDedupEvaluation(evaluateDedup(ingest)));
} finally {
  await drop();
}
