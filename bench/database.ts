// The Postgres server the benchmarks create their databases on (BENCH_DATABASE_URL), and the few
// statements they run there outside any database of their own.
import pg from "pg";

export const benchServerUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** One statement on the server's own database, on a connection of its own. */
export async function adminQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: benchServerUrl, connectionTimeoutMillis: 10_000, query_timeout: 120_000 });
  client.on("error", () => {}); // a dropped connection surfaces as the query's error
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The URL of database `name` on the benchmark server. */
export function benchDatabaseUrl(name: string): string {
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  return url.href;
}

export const dropBenchDatabase = (name: string) => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);

/** A new, empty database `name` (one left by an earlier run is dropped first); its URL. */
export async function freshBenchDatabase(name: string): Promise<string> {
  await dropBenchDatabase(name);
  await adminQuery(`CREATE DATABASE ${name}`);
  return benchDatabaseUrl(name);
}
