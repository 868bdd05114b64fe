// The HTTP face: topic feeds, the public stories API and a health check. Thin: every answer is
// a query from src/store and a rendering from src/feeds.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { pageLimit, storyCursor } from "./params.ts";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../log.ts";
import { encodeCursor, listStories, type StoryView } from "../store/stories.ts";
import { getTopicBySlug, listTopics } from "../topics/store.ts";
import { version } from "../version.ts";
import { pageError, pageNotFound, registerPages } from "../ui/routes.tsx";
import { registerFeedRoutes, type FeedSettings } from "./feeds.ts";
import { requireAdmin } from "../api/auth.ts";
import { observeApp, registerApi } from "../api/index.ts";
import { registerRoute } from "../api/openapi.ts";
import type { IngestContext } from "../ingest/source.ts";
import { searchRoutes } from "../api/search.ts";
import { topicsApi } from "../api/topics.ts";

export interface AppContext {
  db: Kysely<Database>;
  baseUrl: string;
  log?: Logger;
  /** Topic feeds: Cache-Control max-age, memory cache, WebSub hub (defaults when absent). */
  feeds?: Partial<FeedSettings>;
  /** FEEDLOOM_ADMIN_TOKEN; unset: the admin API answers 403. */
  adminToken?: string;
  /** What the admin API needs to fetch (discovery, fetch now). */
  ingest?: IngestContext;
}

const pageQuery = z.object({
  limit: pageLimit,
  before: storyCursor(),
  topic: z.string().optional(),
});

type PageQuery = z.infer<typeof pageQuery>;

registerRoute({
  method: "get", path: "/api/stories", tags: ["public"], admin: false, query: pageQuery, summary: "Stories as JSON, newest first",
  responses: { 200: { description: "A page of stories; `next` is the `before` cursor of the following page" }, 404: { description: "No such topic" } },
});
registerRoute({ method: "get", path: "/api/topics", tags: ["public"], admin: false, summary: "The topics and their feed URLs", responses: { 200: { description: "The topics" } } });

function badRequest(c: Context, error: z.ZodError) {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "request";
  return c.json({ error: `invalid parameter \`${field}\`: ${issue?.message ?? "invalid"}`, field }, 400);
}

function parsePage(c: Context): { ok: true; value: PageQuery } | { ok: false; error: z.ZodError } {
  const r = pageQuery.safeParse(c.req.query());
  return r.success ? { ok: true, value: r.data } : { ok: false, error: r.error };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The public JSON shape of a story (a contract: add fields, never rename). */
export function storyJson(s: StoryView) {
  return {
    id: s.id,
    title: s.title,
    published: iso(s.published),
    updated: iso(s.updated),
    topics: s.topics,
    articles: s.articles.map((a) => ({
      id: a.id,
      source: { id: a.source.id, title: a.source.title, url: a.source.url },
      guid: a.guid,
      link: a.link,
      title: a.title,
      published: iso(a.published),
    })),
  };
}

export function createApp(ctx: AppContext): Hono {
  const app = new Hono();
  observeApp(app, ctx);
  // The web pages (src/ui): first, so their security-headers middleware sees every answer.
  registerPages(app, ctx);

  app.get("/healthz", (c) => c.json({ status: "ok", version }));

  registerFeedRoutes(app, ctx);

  app.get("/api/stories", async (c) => {
    const page = parsePage(c);
    if (!page.ok) return badRequest(c, page.error);
    const slug = page.value.topic ?? "all";
    const topic = await getTopicBySlug(ctx.db, slug);
    if (!topic) return c.json({ error: `no topic named "${slug}"`, field: "topic" }, 404);
    const result = await listStories(ctx.db, { topicId: topic.id, limit: page.value.limit, before: page.value.before });
    return c.json({ stories: result.stories.map(storyJson), next: result.next ? encodeCursor(result.next) : null });
  });

  app.get("/api/topics", async (c) => {
    const topics = await listTopics(ctx.db);
    return c.json({
      topics: topics.map((t) => ({
        slug: t.slug, title: t.title, description: t.description,
        feeds: { rss: `${ctx.baseUrl}/topics/${t.slug}.rss`, atom: `${ctx.baseUrl}/topics/${t.slug}.atom`, json: `${ctx.baseUrl}/topics/${t.slug}.json` },
      })),
    });
  });

  // Topics: reading one is public like the list; creating, changing, removing and previewing are admin work.
  const topicAdmin = requireAdmin(ctx.adminToken);
  const guardTopics: MiddlewareHandler = (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : topicAdmin(c, next));
  app.use("/api/topics", guardTopics);
  app.use("/api/topics/*", guardTopics);
  app.route("/api/topics", topicsApi(ctx));
  app.route("/", searchRoutes(ctx));
  registerApi(app, ctx);

  app.notFound(pageNotFound);
  // Internals go to the log, never to the client.
  app.onError(pageError(ctx.log));
  return app;
}
