// Parse threads give exactly what inline parsing gives, report failures as errors, and never keep
// the process alive or lose a read when they stop.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createParsePool } from "../src/ingest/parse-pool.ts";
import { readFeed } from "../src/ingest/read-feed.ts";
import { labels, visibleDir } from "./helpers/newsroom.ts";

const newsroomFiles = () => labels().sources.flatMap((s) => [s.file, ...(s.file_v2 ? [s.file_v2] : [])]);

test("parse threads: every newsroom feed reads the same as on the main thread", async () => {
  const pool = createParsePool({ threads: 2 });
  try {
    const files = newsroomFiles();
    assert.ok(files.length >= 10, "the newsroom corpus has its feeds");
    // All at once: the pool queues them across its two threads.
    const results = await Promise.all(
      files.map(async (file) => {
        const input = { body: readFileSync(join(visibleDir, file)), contentType: null, url: `http://127.0.0.1/${file}` };
        return { file, threaded: await pool.read(input), inline: await readFeed(input) };
      }),
    );
    for (const r of results) {
      assert.equal(r.threaded.ok, true, `${r.file} read on a thread`);
      assert.deepEqual(r.threaded, r.inline, `${r.file}: same articles, dates and warnings either way`);
    }
  } finally {
    await pool.close();
  }
});

test("parse threads: a body that is not a feed comes back as that error", async () => {
  const pool = createParsePool({ threads: 1 });
  try {
    const reading = await pool.read({ body: Buffer.from("<!doctype html><html><body>hello</body></html>"), contentType: "text/html", url: "http://127.0.0.1/" });
    assert.deepEqual(reading, { ok: false, error: "not a feed: the document is an HTML page" });
    // The thread carries on after an error.
    const next = await pool.read({ body: Buffer.from('<rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item></channel></rss>'), contentType: null, url: "http://127.0.0.1/" });
    assert.equal(next.ok && next.articles[0]?.title, "a");
  } finally {
    await pool.close();
  }
});

test("parse threads: a feed too big for the thread's heap is an error on that feed, and the pool recovers", async () => {
  // A tiny heap limit stands in for a pathological feed.
  const pool = createParsePool({ threads: 1, maxHeapMb: 24 });
  try {
    const items = Array.from({ length: 40_000 }, (_, i) => `<item><title>item ${i} ${"x".repeat(200)}</title><guid>${i}</guid></item>`).join("");
    const huge = Buffer.from(`<rss version="2.0"><channel><title>t</title>${items}</channel></rss>`);
    const reading = await pool.read({ body: huge, contentType: null, url: "http://127.0.0.1/" });
    assert.equal(reading.ok, false);
    assert.match(reading.ok ? "" : reading.error, /too large to parse|parse thread/);
    const small = await pool.read({ body: Buffer.from('<rss version="2.0"><channel><title>t</title><item><title>b</title><guid>2</guid></item></channel></rss>'), contentType: null, url: "http://127.0.0.1/" });
    assert.equal(small.ok && small.articles.length, 1, "a fresh thread takes the next feed");
  } finally {
    await pool.close();
  }
});

test("parse threads: reads after close are refused, not lost in a queue", async () => {
  const pool = createParsePool({ threads: 1 });
  await pool.close();
  const reading = await pool.read({ body: Buffer.from("<rss/>"), contentType: null, url: "http://127.0.0.1/" });
  assert.deepEqual(reading, { ok: false, error: "shutting down: the feed was not parsed" });
});
