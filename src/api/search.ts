// Search over HTTP: /search.rss, /search.atom, /search.json?q= (feeds of an ad-hoc query) and
// /api/search?q= (the /api/stories JSON shape). The HTML /search page lives with the pages.
import { Hono, type Context } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import { pageLimit, storyCursor } from "../server/params.ts";
import type { Database } from "../db/schema.ts";
import { buildFeed, type FeedFormat } from "../feeds/build.ts";
import { cleanQuery, searchStories } from "../search/query.ts";
import { storyJson } from "../server/app.ts";
import { encodeCursor } from "../store/stories.ts";
import { version } from "../version.ts";
import { registerRoute } from "./openapi.ts";

export interface SearchApiContext {
  db: Kysely<Database>;
  baseUrl: string;
}

const searchQuery = z.object({
  q: z.string({ message: "is required: the words to search for" }),
  limit: pageLimit,
  before: storyCursor(),
});

function parse(c: Context) {
  const r = searchQuery.safeParse(c.req.query());
  if (r.success) return { ok: true as const, value: r.data };
  const issue = r.error.issues[0];
  const field = issue?.path.join(".") || "q";
  return { ok: false as const, response: c.json({ error: `invalid parameter \`${field}\`: ${issue?.message ?? "invalid"}`, field }, 400) };
}

export function searchRoutes(ctx: SearchApiContext): Hono {
  const app = new Hono();

  app.get("/:file{search\\.(rss|atom|json)}", async (c) => {
    const format = c.req.param("file").slice("search.".length) as FeedFormat;
    const p = parse(c);
    if (!p.ok) return p.response;
    const q = cleanQuery(p.value.q);
    const { stories, next } = await searchStories(ctx.db, q, { limit: p.value.limit, before: p.value.before });
    const enc = encodeURIComponent(q);
    const feedUrl = `${ctx.baseUrl}/search.${format}?q=${enc}`;
    const built = buildFeed(
      format,
      {
        slug: "search",
        title: `Search: ${q}`,
        description: `Stories matching “${q}”, newest first.`,
        topicUpdated: new Date(0),
        baseUrl: ctx.baseUrl,
        version,
        pageUrl: `${ctx.baseUrl}/search?q=${enc}`,
        selfUrl: p.value.before ? `${feedUrl}&before=${encodeCursor(p.value.before)}` : feedUrl,
        currentUrl: p.value.before ? feedUrl : null,
        nextUrl: next ? `${feedUrl}&before=${encodeCursor(next)}` : null,
      },
      stories,
    );
    return c.body(built.body, 200, { "content-type": built.contentType, "last-modified": built.updated.toUTCString() });
  });

  app.get("/api/search", async (c) => {
    const p = parse(c);
    if (!p.ok) return p.response;
    const result = await searchStories(ctx.db, p.value.q, { limit: p.value.limit, before: p.value.before });
    return c.json({ query: cleanQuery(p.value.q), stories: result.stories.map(storyJson), next: result.next ? encodeCursor(result.next) : null });
  });

  return app;
}

registerRoute({
  method: "get", path: "/api/search", tags: ["public"], admin: false, query: searchQuery, summary: "Stories matching a query (websearch syntax: \"a phrase\", -word, or), newest first",
  responses: { 200: { description: "`{query, stories, next}`; stories have the /api/stories shape" } },
});
