// Starts a parse thread. Plain JavaScript because a worker thread does not inherit the main
// thread's TypeScript loader when that was registered in code (bin/feedloom.js): register it here.
import { register } from "tsx/esm/api";

register();
await import("./parse-thread.ts");
