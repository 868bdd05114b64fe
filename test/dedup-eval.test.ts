// The targets on the labelled newsroom corpus, through the real pipeline (loopback server,
// both fetch phases) on each database: same-language pairwise precision ≥ 0.97 and recall ≥ 0.93,
// no labelled hard negative merged. Fetched once in labels order and, on PGlite, once in reverse
// (copies before their originals), which must score the same.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeFeatures } from "../src/dedupe/encode.ts";
import { features } from "../src/dedupe/features.ts";
import { evaluateDedup, formatDedupEvaluation } from "../src/eval/dedup.ts";
import { ingestNewsroom } from "../src/eval/newsroom.ts";
import { databaseKinds, openTestDatabase } from "./helpers/db.ts";
import { visibleDir } from "./helpers/newsroom.ts";

type Run = { kind: "pglite" | "postgres"; order: "labels" | "reverse" };
const runs: Run[] = databaseKinds.flatMap((kind): Run[] => (kind === "pglite" ? [{ kind, order: "labels" }, { kind, order: "reverse" }] : [{ kind, order: "labels" }]));

for (const { kind, order } of runs) {
  describe(`deduplication on the newsroom corpus, ${kind}, sources in ${order} order`, () => {
    test("precision ≥ 0.97, recall ≥ 0.93 on same-language pairs; no hard negative merged", async () => {
      const t = await openTestDatabase(kind);
      try {
        const ingest = await ingestNewsroom(t.handle.db, { dir: visibleDir, order });
        const e = evaluateDedup(ingest);
        const report = formatDedupEvaluation(e);
        assert.deepEqual(e.missing, [], report);
        assert.ok(e.sameLanguage.precision >= 0.97, report);
        assert.ok(e.sameLanguage.recall >= 0.93, report);
        assert.deepEqual(e.hardNegatives.merged, [], report);
        assert.equal(e.crossLanguage.falsePositives, 0, report);
        // The score counts pairs: make sure there were pairs to find.
        assert.ok(e.sameLanguage.truePositives >= 40, report);
        // A joined story is one feed entry: stored stories ≤ labelled stories + unjoined translations.
        assert.ok(e.storiesStored <= e.storiesLabelled + 6, report);
        // Every stored article's encoded features decode to what its text gives (edited ones included).
        const rows = await t.handle.db.selectFrom("articles").select(["id", "link", "title", "summary", "content", "canonical_url", "dedup_features"]).execute();
        assert.ok(rows.length >= 80);
        for (const r of rows) {
          assert.ok(r.dedup_features, `article ${r.id} has features`);
          assert.deepStrictEqual(decodeFeatures(r.dedup_features, r.canonical_url, r.title), features(r, r.canonical_url), `article ${r.id}`);
        }
      } finally {
        await t.drop();
      }
    });
  });
}
