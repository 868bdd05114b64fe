#!/usr/bin/env node
// The installed `feedloom` command: the compiled build (dist/, made by `npm run build` and at
// install) when it is up to date with the sources, else the TypeScript sources through tsx's loader.
import { distIsFresh, distRoot } from "./dist.js";

let main;
if (distIsFresh()) {
  ({ main } = await import(new URL("src/cli/main.js", distRoot).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
