// Counts the pages show beside the stories.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";

/** How many stories each topic has, by topic id. */
export async function storyCountsByTopic(db: Kysely<Database>): Promise<Map<number, number>> {
  const rows = await db.selectFrom("story_topics").select(["topic_id", (eb) => eb.fn.countAll<string>().as("n")]).groupBy("topic_id").execute();
  return new Map(rows.map((r) => [r.topic_id, Number(r.n)]));
}
