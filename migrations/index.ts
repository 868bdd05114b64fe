// Every migration, in order. Listed statically (not read from the directory at run time) so the set
// is checked by the compiler and cannot differ between machines.
import type { Migration } from "kysely";
import * as m0001 from "./0001_initial.ts";
import * as m0002 from "./0002_fetch_health.ts";
import * as m0003 from "./0003_dedup.ts";

export const migrations: Record<string, Migration> = {
  "0001_initial": m0001,
  "0002_fetch_health": m0002,
  "0003_dedup": m0003,
};
