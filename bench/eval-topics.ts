// npm run eval:topics: the labelled newsroom corpus through the real pipeline on an embedded
// database, then precision and recall of every labelled topic at article level, and the hard
// negatives that got into each feed. Exit code 1 when a default topic misses its target.
import { join } from "node:path";
import { openPglite, openPostgres, type DatabaseHandle } from "../src/db/database.ts";
import { migrateToLatest } from "../src/db/migrate.ts";
import { TOPIC_TARGETS, evaluateTopics } from "../src/eval/topics.ts";

const shared = process.env.FEEDLOOM_SHARED_DIR ?? join(import.meta.dirname, "../../shared");
const corpus = process.argv[2] ?? join(shared, "fixtures/newsroom/visible");

const url = process.env.EVAL_DATABASE_URL;
const handle: DatabaseHandle = url ? openPostgres(url, 4) : await openPglite({ dataDir: "memory://" });
try {
  await migrateToLatest(handle.db);
  const report = await evaluateTopics(handle.db, corpus);
  let failed = false;
  for (const s of report) {
    const target = TOPIC_TARGETS[s.topic];
    const ok = !target || (s.precision >= target.precision && s.recall >= target.recall && s.hardNegativesInFeed.length === 0);
    if (!ok) failed = true;
    console.log(
      `${s.topic.padEnd(26)} precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}  (${s.truePositives}/${s.predicted} filed, ${s.members} members)  hard negatives in feed: ${s.hardNegativesInFeed.length}` +
        (target ? `  ${ok ? "meets" : "MISSES"} target (P >= ${target.precision}, R >= ${target.recall}, no hard negative)` : "  (no target)"),
    );
    for (const a of s.falsePositives) console.log(`    false positive: ${a}`);
    for (const a of s.falseNegatives) console.log(`    missed:         ${a}`);
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  await handle.close();
}
