// Whether dist/ (the compiled build) may run: only when it was built from the sources as they are
// now. A source changed since the build means dist/ is stale, and the TypeScript sources run instead
// (through tsx), so an edit is never shadowed by an old build.
import { readdirSync, readFileSync, statSync } from "node:fs";

const root = new URL("..", import.meta.url);
export const distRoot = new URL("dist/", root);
/** Written by bin/build.js when a build is complete: the time it started (ms). */
export const stampFile = new URL(".built", distRoot);
const SOURCE_DIRS = ["src", "jobs", "migrations", "bench"];

function newest(dir) {
  let latest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0; // a folder this copy does not have
  }
  for (const entry of entries) {
    const url = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    latest = Math.max(latest, entry.isDirectory() ? newest(url) : statSync(url).mtimeMs);
  }
  return latest;
}

/** The newest modification time among the sources a build is made of (ms). */
export function newestSource() {
  return Math.max(...SOURCE_DIRS.map((d) => newest(new URL(`${d}/`, root))), statSync(new URL("package.json", root)).mtimeMs);
}

/** True when dist/ holds a complete build at least as new as every source. */
export function distIsFresh() {
  if (process.env.FEEDLOOM_NO_DIST === "1") return false;
  try {
    return Number(readFileSync(stampFile, "utf8")) >= newestSource();
  } catch {
    return false; // never built
  }
}
