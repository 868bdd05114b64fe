import { Migrator, type Kysely, type MigrationResultSet } from "kysely";
import { migrations } from "../../migrations/index.ts";
import type { Database } from "./schema.ts";

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export interface MigrateOutcome {
  applied: string[];
}

/** Apply every pending migration; Kysely serialises concurrent callers with an advisory lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateOutcome> {
  const result: MigrationResultSet = await migrator(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    const cause = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(failed ? `migration ${failed} failed: ${cause}` : `could not migrate the database: ${cause}`);
  }
  return { applied: (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

/** Names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const all = await migrator(db).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
