// The web pages' routes: each reads from src/store (or src/search) and renders a page from pages.tsx.
// Registered from the app with registerPages(); notFound/onError there use pageNotFound/pageError.
import type { Context, ErrorHandler, Hono, NotFoundHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { Kysely } from "kysely";
import { z } from "zod";
import { pageLimit, storyCursor } from "../server/params.ts";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../log.ts";
import { searchStories } from "../search/query.ts";
import { listSources } from "../store/sources.ts";
import { encodeCursor, getStoryByUuid, listStories } from "../store/stories.ts";
import { getTopicBySlug, listTopics } from "../topics/store.ts";
import { storyCountsByTopic } from "./data.ts";
import { PREVIEW_CHARS } from "./format.ts";
import { renderDocument } from "./layout.tsx";
import { ErrorPage, IndexPage, SearchPage, SourcesPage, StoryPage, TopicPage } from "./pages.tsx";
import { registerStatic } from "./static.ts";

export interface PagesContext {
  db: Kysely<Database>;
  log?: Logger;
}

/** Newest stories shown per topic on the front page. */
const FRONT_PAGE_STORIES = 3;

// No script at all; styles and images from this origin only; forms post back here; no framing.
const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "strict-origin-when-cross-origin",
  permissionsPolicy: { camera: [], microphone: [], geolocation: []},
});

/** The security headers for pages and their assets (HTML and CSS answers; feeds and the API are left as they are). */
async function pageHeaders(c: Context, next: () => Promise<void>): Promise<void> {
  await next();
  if (/^text\/(html|css)|^image\/svg/.test(c.res.headers.get("content-type") ?? "")) await headers(c, async () => {});
}

const listQuery = z.object({
  before: storyCursor("this link to older stories is not valid; start again from the newest"),
  limit: pageLimit,
});

const searchQuery = listQuery.extend({ q: z.string().trim().max(200, "the search is too long (200 characters at most)").default("") });

function html(c: Context, node: unknown, status: 200 | 400 | 404 | 500 = 200) {
  return c.html(renderDocument(node), status);
}

function errorMessage(err: z.ZodError): string {
  return err.issues[0]?.message ?? "invalid request";
}

export function registerPages(app: Hono, ctx: PagesContext): void {
  app.use("*", pageHeaders);
  registerStatic(app);

  app.get("/", async (c) => {
    const [topics, counts] = await Promise.all([listTopics(ctx.db), storyCountsByTopic(ctx.db)]);
    const summaries = [];
    for (const topic of topics) {
      const { stories } = await listStories(ctx.db, { topicId: topic.id, limit: FRONT_PAGE_STORIES, textChars: 0 });
      summaries.push({ topic, count: counts.get(topic.id) ?? 0, newest: stories });
    }
    return html(c, <IndexPage topics={summaries} now={new Date()} />);
  });

  app.get("/topics/:slug{[a-z0-9][a-z0-9-]{0,62}}", async (c) => {
    const slug = c.req.param("slug");
    const topic = await getTopicBySlug(ctx.db, slug);
    if (!topic) return html(c, <ErrorPage status={404} message={`There is no topic named “${slug}”.`} />, 404);
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) return html(c, <ErrorPage status={400} message={errorMessage(query.error)} />, 400);
    const page = await listStories(ctx.db, { topicId: topic.id, limit: query.data.limit, before: query.data.before, textChars: PREVIEW_CHARS });
    const older = page.next ? `/topics/${slug}?before=${encodeCursor(page.next)}` : null;
    return html(c, <TopicPage topic={topic} stories={page.stories} older={older} paged={query.data.before !== null} now={new Date()} />);
  });

  app.get("/stories/:uuid", async (c) => {
    const story = await getStoryByUuid(ctx.db, c.req.param("uuid"));
    if (!story) return html(c, <ErrorPage status={404} message="There is no story with that id. It may have been merged into another story." />, 404);
    return html(c, <StoryPage story={story} now={new Date()} />);
  });

  app.get("/sources", async (c) => html(c, <SourcesPage sources={await listSources(ctx.db)} now={new Date()} />));

  app.get("/search", async (c) => {
    const query = searchQuery.safeParse(c.req.query());
    const now = new Date();
    if (!query.success) {
      const q = (c.req.query("q") ?? "").slice(0, 200);
      return html(c, <SearchPage q={q} stories={[]} older={null} paged={false} error={errorMessage(query.error)} now={now} />, 400);
    }
    const { q, limit, before } = query.data;
    if (q === "") return html(c, <SearchPage q="" stories={[]} older={null} paged={false} error={null} now={now} />);
    const page = await searchStories(ctx.db, q, { limit, before });
    const older = page.next ? `/search?q=${encodeURIComponent(q)}&before=${encodeCursor(page.next)}` : null;
    return html(c, <SearchPage q={q} stories={page.stories} older={older} paged={before !== null} error={null} now={now} />);
  });
}

const isApi = (path: string) => path.startsWith("/api/");

/** Unknown paths: a page for people, the old plain answer for the API. */
export const pageNotFound: NotFoundHandler = (c) => {
  if (isApi(c.req.path)) return c.text("not found", 404);
  return html(c, <ErrorPage status={404} message="There is nothing at this address." />, 404);
};

/** Errors: logged in full, answered with a page that says nothing of the internals. */
export function pageError(log?: Logger): ErrorHandler {
  return (err, c) => {
    log?.error("request failed", { method: c.req.method, path: c.req.path, error: err.message, stack: err.stack });
    if (isApi(c.req.path)) return c.text("internal error", 500);
    return html(c, <ErrorPage status={500} message="Something went wrong on our side. Please try again in a moment." />, 500);
  };
}
