// Parse threads: decoding and parsing a feed is synchronous CPU work (rss-parser builds the whole
// tree at once), so on the main thread it would stall every fetch and query in flight. A small pool
// of worker threads does it instead, and because each thread parses one feed at a time, only a few
// parse trees are ever alive at once, which bounds memory however many sources are in flight.
import { Worker } from "node:worker_threads";
import type { Logger } from "../log.ts";
import type { FeedBody, FeedReader, FeedReading } from "./read-feed.ts";

export interface ParsePool {
  read: FeedReader;
  /** Stops the threads; reads still waiting are answered with an error. */
  close(): Promise<void>;
}

export interface ParsePoolOptions {
  threads: number;
  /** Old-space limit per thread: a pathological feed ends that thread, not the process. */
  maxHeapMb?: number;
  log?: Logger;
}

interface Waiting {
  resolve(reading: FeedReading): void;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

// Compiled (dist/), the thread runs parse-thread.js as it is; from the TypeScript sources, a small
// .mjs starts it under tsx.
const threadUrl = new URL(import.meta.url.endsWith(".js") ? "./parse-thread.js" : "./parse-thread.mjs", import.meta.url);

export function createParsePool(opts: ParsePoolOptions): ParsePool {
  const threads: Thread[] = [];
  let nextId = 1;
  let closed = false;

  const fail = (thread: Thread, error: string) => {
    const index = threads.indexOf(thread);
    if (index >= 0) threads.splice(index, 1); // the next read starts a fresh thread
    for (const w of thread.waiting.values()) w.resolve({ ok: false, error });
    thread.waiting.clear();
  };

  const start = (): Thread => {
    const worker = new Worker(threadUrl, {
      // The thread registers its own TypeScript loader; inheriting --import flags would load it twice.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: opts.maxHeapMb ?? 512, maxYoungGenerationSizeMb: 8 },
    });
    const thread: Thread = { worker, waiting: new Map() };
    worker.on("message", (msg: { id?: number; reading?: FeedReading }) => {
      if (msg.id === undefined || !msg.reading) return;
      thread.waiting.get(msg.id)?.resolve(msg.reading);
      thread.waiting.delete(msg.id);
      if (thread.waiting.size === 0) worker.unref(); // an idle pool never keeps the process alive
    });
    worker.on("error", (err) => {
      opts.log?.error("parse thread failed", { error: err.message });
      const heap = /heap|memory/i.test(err.message) || (err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
      fail(thread, heap ? "the feed is too large to parse within the memory limit" : `the parse thread failed: ${err.message}`);
    });
    worker.on("exit", (code) => fail(thread, `the parse thread stopped (exit code ${code})`));
    worker.unref();
    threads.push(thread);
    return thread;
  };

  const pick = (): Thread => {
    const idle = threads.find((t) => t.waiting.size === 0);
    if (idle) return idle;
    if (threads.length < opts.threads) return start();
    return threads.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
  };

  const read: FeedReader = (input: FeedBody) => {
    if (closed) return Promise.resolve({ ok: false, error: "shutting down: the feed was not parsed" });
    const thread = pick();
    const id = nextId++;
    // A copy of the bytes, moved (not cloned again) to the thread; the caller keeps its own.
    const body = new Uint8Array(input.body);
    return new Promise<FeedReading>((resolve) => {
      thread.waiting.set(id, { resolve });
      thread.worker.ref();
      thread.worker.postMessage({ id, body, contentType: input.contentType, url: input.url }, [body.buffer]);
    });
  };

  const close = async () => {
    closed = true;
    const all = threads.splice(0);
    await Promise.all(
      all.map(async (t) => {
        for (const w of t.waiting.values()) w.resolve({ ok: false, error: "shutting down: the feed was not parsed" });
        t.waiting.clear();
        await t.worker.terminate();
      }),
    );
  };

  return { read, close };
}
