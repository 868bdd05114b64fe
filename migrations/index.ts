// Every migration, in order. Listed statically (not read from the directory at run time) so the set
// is checked by the compiler and cannot differ between machines.
import type { Migration } from "kysely";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_fetch_health.ts";
import * as m0003 from "./0003_dedup.ts";
import * as m0004 from "./0004_topics_search.ts";
import * as m0005 from "./0005_operators.ts";
import * as m0006 from "./0006_dedup_features.ts";

export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_fetch_health": m0002,
  "0003_dedup": m0003,
  "0004_topics_search": m0004,
  "0005_operators": m0005,
  "0006_dedup_features": m0006,
};
