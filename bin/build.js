#!/usr/bin/env node
// npm run build (and npm install, through "prepare"): compiles the TypeScript sources to dist/ and
// copies the files they read at run time beside them. The stamp says when the build started, so a
// source saved during the build makes it stale at once (bin/dist.js).
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { distRoot, stampFile } from "./dist.js";

const started = Date.now();
const root = new URL("..", import.meta.url);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  // Installed without dev dependencies (npm install --omit=dev): no compiler, and nothing lost;
  // feedloom runs the TypeScript sources through tsx instead.
  console.error("feedloom build: typescript is not installed; skipped (feedloom runs from the sources)");
  process.exit(0);
}
try {
  execFileSync(process.execPath, [tsc, "-p", new URL("tsconfig.build.json", root).pathname], { stdio: "inherit" });
} catch {
  // Type errors still emit JavaScript; `npm run check` is where they fail. Say so, and go on.
  console.error("feedloom build: the compiler reported errors (see above); dist/ was written anyway");
}
const assets = ["src/starter/starter-sources.opml", "src/ui/static/", "package.json"];
for (const path of assets) {
  const to = new URL(path, distRoot);
  mkdirSync(new URL(".", to), { recursive: true });
  cpSync(new URL(path, root), to, { recursive: true });
}
writeFileSync(stampFile, String(started));
