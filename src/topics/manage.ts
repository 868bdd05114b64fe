// Adding, changing and removing topics: what the CLI (`feedloom topics …`) and the admin API
// share. Every input is checked with zod; a change of definition queues a background re-match of
// the stored stories (src/topics/rematch.ts).
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database, Topic } from "../db/schema.ts";
import { topicDefinitionSchema, type TopicDefinition } from "./definition.ts";
import { pendingRematches, requestRematch } from "./rematch.ts";
import { getTopicBySlug, listTopics } from "./store.ts";

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1-63 lower-case letters, digits or hyphens, starting with a letter or digit");

export const topicCreateSchema = z
  .object({
    slug: slugSchema,
    title: z.string().trim().min(1, "cannot be empty").max(200, "is at most 200 characters"),
    description: z.string().trim().max(2000, "is at most 2000 characters").optional(),
    definition: topicDefinitionSchema,
  })
  .strict();

export const topicPatchSchema = z
  .object({
    title: z.string().trim().min(1, "cannot be empty").max(200, "is at most 200 characters").optional(),
    description: z.string().trim().max(2000, "is at most 2000 characters").optional(),
    definition: topicDefinitionSchema.optional(),
  })
  .strict()
  .refine((p) => p.title !== undefined || p.description !== undefined || p.definition !== undefined, "give at least one of title, description, definition");

export type TopicCreate = z.infer<typeof topicCreateSchema>;
export type TopicPatch = z.infer<typeof topicPatchSchema>;

export class TopicError extends Error {
  constructor(
    message: string,
    readonly kind: "not-found" | "exists" | "reserved",
  ) {
    super(message);
  }
}

const notFound = (slug: string) => new TopicError(`no topic named "${slug}"`, "not-found");

export async function createTopic(db: Kysely<Database>, input: TopicCreate): Promise<Topic> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("topics")
      .values({ slug: input.slug, title: input.title, description: input.description ?? "", definition: JSON.stringify(input.definition) })
      .onConflict((oc) => oc.column("slug").doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) throw new TopicError(`a topic named "${input.slug}" already exists`, "exists");
    await requestRematch(trx, inserted.id);
    return inserted;
  });
}

export async function updateTopic(db: Kysely<Database>, slug: string, patch: TopicPatch): Promise<Topic> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom("topics").selectAll().where("slug", "=", slug).forUpdate().executeTakeFirst();
    if (!current) throw notFound(slug);
    if (current.reserved && patch.definition !== undefined) throw new TopicError(`"${slug}" is reserved: its definition cannot change`, "reserved");
    const updated = await trx
      .updateTable("topics")
      .set({
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.definition !== undefined ? { definition: JSON.stringify(patch.definition) } : {}),
        updated_at: sql<Date>`now()`,
      })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (patch.definition !== undefined && JSON.stringify(patch.definition) !== JSON.stringify(current.definition)) await requestRematch(trx, current.id);
    return updated;
  });
}

export async function deleteTopic(db: Kysely<Database>, slug: string): Promise<void> {
  const topic = await getTopicBySlug(db, slug);
  if (!topic) throw notFound(slug);
  if (topic.reserved) throw new TopicError(`"${slug}" is reserved and cannot be removed`, "reserved");
  await db.deleteFrom("topics").where("id", "=", topic.id).execute();
}

export async function requireTopic(db: Kysely<Database>, slug: string): Promise<Topic> {
  const topic = await getTopicBySlug(db, slug);
  if (!topic) throw notFound(slug);
  return topic;
}

export interface TopicInfo {
  topic: Topic;
  rematch: { scanned: number; matched: number; requestedAt: Date } | null;
  stories: number;
}

export async function topicInfos(db: Kysely<Database>, only?: Topic): Promise<TopicInfo[]> {
  const topics = only ? [only] : await listTopics(db);
  const [pending, counts] = await Promise.all([
    pendingRematches(db),
    db
      .selectFrom("story_topics")
      .select(["topic_id", (eb) => eb.fn.countAll<number>().as("n")])
      .$if(only !== undefined, (q) => q.where("topic_id", "=", only!.id))
      .groupBy("topic_id")
      .execute(),
  ]);
  return topics.map((topic) => {
    const p = pending.find((r) => r.topicId === topic.id);
    return { topic, rematch: p ? { scanned: p.scanned, matched: p.matched, requestedAt: p.requestedAt } : null, stories: Number(counts.find((c) => c.topic_id === topic.id)?.n ?? 0) };
  });
}

export function topicJson(info: TopicInfo, baseUrl: string) {
  const t = info.topic;
  return {
    slug: t.slug,
    title: t.title,
    description: t.description,
    definition: t.definition as TopicDefinition,
    reserved: t.reserved,
    created: t.created_at.toISOString(),
    updated: t.updated_at.toISOString(),
    stories: info.stories,
    rematch: info.rematch ? { pending: true, scanned: info.rematch.scanned, matched: info.rematch.matched, requested: info.rematch.requestedAt.toISOString() } : null,
    feeds: { rss: `${baseUrl}/topics/${t.slug}.rss`, atom: `${baseUrl}/topics/${t.slug}.atom`, json: `${baseUrl}/topics/${t.slug}.json` },
  };
}
