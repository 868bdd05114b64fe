// The starter list: offered once, on the first start of an empty database, so a new install has
// something to show. Remembered in `settings` so that an operator who removes them all is not
// given them back on the next restart.
import { readFileSync } from "node:fs";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { newSourceRow } from "../store/sources.ts";
import { parseOpml, type OpmlFeed } from "./opml.ts";

const STARTER_KEY = "starter_sources_offered";

export function starterSources(): OpmlFeed[] {
  return parseOpml(readFileSync(new URL("./starter-sources.opml", import.meta.url), "utf8"));
}

/** Import the starter sources if this database has never had any; returns how many were added. */
export async function importStarterSources(db: Kysely<Database>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const offered = await trx.selectFrom("settings").select("key").where("key", "=", STARTER_KEY).forUpdate().executeTakeFirst();
    if (offered) return 0;
    await trx.insertInto("settings").values({ key: STARTER_KEY, value: JSON.stringify(new Date().toISOString()) }).onConflict((oc) => oc.doNothing()).execute();
    const any = await trx.selectFrom("sources").select("id").limit(1).executeTakeFirst();
    if (any) return 0;
    const feeds = starterSources();
    if (feeds.length === 0) return 0;
    const added = await trx
      .insertInto("sources")
      .values(feeds.map((f) => newSourceRow(f.url, f.title)))
      .onConflict((oc) => oc.column("url").doNothing())
      .returning("id")
      .execute();
    return added.length;
  });
}
