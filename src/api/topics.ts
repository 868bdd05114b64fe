// The topics admin API: create, read, change, remove topics, and preview a definition against the
// stored stories. Mounted at /api/topics (the public list, GET /api/topics, stays in the app).
// Mutating routes live here together so one middleware can guard them.
import { Hono, type Context } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { topicDefinitionSchema } from "../topics/definition.ts";
import { createTopic, deleteTopic, requireTopic, slugSchema, topicCreateSchema, topicInfos, topicJson, topicPatchSchema, TopicError, updateTopic } from "../topics/manage.ts";
import { previewDefinition, previewJson } from "../topics/preview.ts";
import { registerRoute } from "./openapi.ts";

export interface TopicsApiContext {
  db: Kysely<Database>;
  baseUrl: string;
}

const previewSchema = z
  .object({
    definition: topicDefinitionSchema,
    limit: z.number().int().min(1).max(200).default(50),
    scan: z.number().int().min(1).max(100_000).default(5_000),
  })
  .strict();

const MAX_BODY = 256 * 1024;

/** 400 naming the first wrong field, e.g. `definition.match.any.0`. */
function invalid(c: Context, error: z.ZodError) {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "body";
  return c.json({ error: `invalid field \`${field}\`: ${issue?.message ?? "invalid"}`, field }, 400);
}

async function readJson(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const length = Number(c.req.header("content-length") ?? 0);
  if (length > MAX_BODY) return { ok: false, response: c.json({ error: `the body is larger than ${MAX_BODY} bytes`, field: "body" }, 413) };
  const text = await c.req.text();
  if (text.length > MAX_BODY) return { ok: false, response: c.json({ error: `the body is larger than ${MAX_BODY} bytes`, field: "body" }, 413) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, response: c.json({ error: "the body is not valid JSON", field: "body" }, 400) };
  }
}

function topicError(c: Context, err: unknown) {
  if (!(err instanceof TopicError)) throw err;
  const status = err.kind === "not-found" ? 404 : 409;
  return c.json({ error: err.message, field: err.kind === "exists" ? "slug" : "slug" }, status);
}

export function topicsApi(ctx: TopicsApiContext): Hono {
  const api = new Hono();

  api.post("/preview", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const input = previewSchema.safeParse(body.value);
    if (!input.success) return invalid(c, input.error);
    const preview = await previewDefinition(ctx.db, input.data.definition, { limit: input.data.limit, scan: input.data.scan });
    return c.json(previewJson(preview));
  });

  api.post("/", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const input = topicCreateSchema.safeParse(body.value);
    if (!input.success) return invalid(c, input.error);
    try {
      const topic = await createTopic(ctx.db, input.data);
      const [info] = await topicInfos(ctx.db, topic);
      return c.json(topicJson(info!, ctx.baseUrl), 201, { location: `${ctx.baseUrl}/api/topics/${topic.slug}` });
    } catch (err) {
      return topicError(c, err);
    }
  });

  const slugOf = (c: Context): string | null => {
    const s = slugSchema.safeParse(c.req.param("slug"));
    return s.success ? s.data : null;
  };
  const noSuchTopic = (c: Context) => c.json({ error: `no topic named "${c.req.param("slug")}"`, field: "slug" }, 404);

  api.get("/:slug", async (c) => {
    const slug = slugOf(c);
    if (!slug) return noSuchTopic(c);
    try {
      const [info] = await topicInfos(ctx.db, await requireTopic(ctx.db, slug));
      return c.json(topicJson(info!, ctx.baseUrl));
    } catch (err) {
      return topicError(c, err);
    }
  });

  api.patch("/:slug", async (c) => {
    const slug = slugOf(c);
    if (!slug) return noSuchTopic(c);
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const input = topicPatchSchema.safeParse(body.value);
    if (!input.success) return invalid(c, input.error);
    try {
      const topic = await updateTopic(ctx.db, slug, input.data);
      const [info] = await topicInfos(ctx.db, topic);
      return c.json(topicJson(info!, ctx.baseUrl));
    } catch (err) {
      return topicError(c, err);
    }
  });

  api.delete("/:slug", async (c) => {
    const slug = slugOf(c);
    if (!slug) return noSuchTopic(c);
    try {
      await deleteTopic(ctx.db, slug);
      return c.body(null, 204);
    } catch (err) {
      return topicError(c, err);
    }
  });

  return api;
}

// The same schemas describe the routes in /api/openapi.json.
const slugParams = z.object({ slug: slugSchema });
registerRoute({
  method: "post", path: "/api/topics", tags: ["topics"], admin: true, summary: "Create a topic; its stored stories are matched in the background",
  body: { schema: topicCreateSchema },
  responses: { 201: { description: "The topic, with its feeds and re-match state" }, 409: { description: "A topic with that slug exists" } },
});
registerRoute({ method: "get", path: "/api/topics/{slug}", tags: ["topics"], admin: false, summary: "One topic and its definition", params: slugParams, responses: { 200: { description: "The topic" }, 404: { description: "No such topic" } } });
registerRoute({
  method: "patch", path: "/api/topics/{slug}", tags: ["topics"], admin: true, summary: "Change a topic's title, description or definition (a new definition re-matches in the background)",
  params: slugParams, body: { schema: topicPatchSchema },
  responses: { 200: { description: "The changed topic" }, 404: { description: "No such topic" }, 409: { description: "A reserved topic's definition cannot change" } },
});
registerRoute({
  method: "delete", path: "/api/topics/{slug}", tags: ["topics"], admin: true, summary: "Remove a topic (its stories stay)", params: slugParams,
  responses: { 204: { description: "Removed" }, 404: { description: "No such topic" }, 409: { description: "A reserved topic cannot be removed" } },
});
registerRoute({
  method: "post", path: "/api/topics/preview", tags: ["topics"], admin: true, summary: "Which stored stories a definition would match, and why (writes nothing)",
  body: { schema: previewSchema }, responses: { 200: { description: "Matching stories with their matched terms and fields, and near misses with the reason" } },
});
