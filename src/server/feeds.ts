// Topic feeds over HTTP, built to be polled: a feed is built once and served from memory until it
// changes (an ingest in this process says so) or `cacheSeconds` pass (another process may have
// ingested: then it is rebuilt in the background while the copy in hand is served); requests that
// arrive while a feed nobody has yet is being built wait for that one build. Every answer
// carries a strong ETag computed from the bytes and Last-Modified from the newest entry, so a
// reader that has it gets a 304 without a query or a byte of body.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants as zlibConstants, gzip } from "node:zlib";
import type { Context, Hono } from "hono";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { buildFeed, type FeedFormat } from "../feeds/build.ts";
import { buildOpml, type OpmlFormat } from "../feeds/opml.ts";
import type { Logger } from "../log.ts";
import { decodeCursor, encodeCursor, listStories, type StoryCursor } from "../store/stories.ts";
import { onTopicChange } from "../topics/changes.ts";
import { getTopicBySlug, listTopics } from "../topics/store.ts";
import { version } from "../version.ts";

export interface FeedSettings {
  /** Cache-Control max-age, seconds. */
  maxAgeSeconds: number;
  /** How long a built feed is reused when no change was announced in this process, seconds. */
  cacheSeconds: number;
  /** WebSub hub advertised in every feed. */
  hub: string | null;
}

export const defaultFeedSettings: FeedSettings = { maxAgeSeconds: 60, cacheSeconds: 5, hub: null };

export interface FeedRoutesContext {
  db: Kysely<Database>;
  baseUrl: string;
  log?: Logger;
  feeds?: Partial<FeedSettings>;
}

const DEFAULT_LIMIT = 50;
const MAX_CACHED = 256;

const feedQuery = z.object({
  limit: z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(200, "must be at most 200")
    .default(DEFAULT_LIMIT),
  before: z
    .string()
    .optional()
    .transform((v, ctx): { raw: string; cursor: StoryCursor } | null => {
      if (v === undefined || v === "") return null;
      const cursor = decodeCursor(v);
      if (!cursor) {
        ctx.addIssue({ code: "custom", message: "is not a cursor from a feed's next link or /api/stories' `next`" });
        return z.NEVER;
      }
      return { raw: v, cursor };
    }),
});

const opmlQuery = z.object({ format: z.enum(["rss", "atom", "json"], { message: "must be rss, atom or json" }).default("rss") });

function badRequest(c: Context, error: z.ZodError) {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "request";
  return c.json({ error: `invalid parameter \`${field}\`: ${issue?.message ?? "invalid"}`, field }, 400);
}

type Encoding = "br" | "gzip";

/** A built document: its bytes, validators and (made on first use, then kept) compressed forms. */
export interface Representation {
  body: Buffer;
  /** The opaque part of the strong ETag (a hash of the bytes); each encoding adds a suffix. */
  hash: string;
  lastModified: Date;
  contentType: string;
  builtAt: number;
  encoded: Map<Encoding, Promise<Buffer>>;
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

export function representation(body: string, contentType: string, lastModified: Date): Representation {
  const bytes = Buffer.from(body, "utf8");
  return {
    body: bytes,
    hash: createHash("sha256").update(bytes).digest("base64url").slice(0, 32),
    // HTTP dates have whole seconds: compare and send them so.
    lastModified: new Date(Math.floor(lastModified.getTime() / 1000) * 1000),
    contentType,
    builtAt: Date.now(),
    encoded: new Map(),
  };
}

function encodedBody(rep: Representation, encoding: Encoding): Promise<Buffer> {
  let p = rep.encoded.get(encoding);
  if (!p) {
    p =
      encoding === "br"
        ? brotliAsync(rep.body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: rep.body.length } })
        : gzipAsync(rep.body, { level: 9 });
    rep.encoded.set(encoding, p);
  }
  return p;
}

/** The best encoding the client accepts: br, then gzip, else none. */
export function negotiateEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const q = new Map<string, number>();
  for (const part of header.toLowerCase().split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qp ? Number(qp.slice(2)) : 1;
    q.set(name.trim(), Number.isFinite(value) ? value : 0);
  }
  const accepts = (e: string) => (q.get(e) ?? q.get("*") ?? 0) > 0;
  if (accepts("br")) return "br";
  if (accepts("gzip") || (q.get("x-gzip") ?? 0) > 0) return "gzip";
  return null;
}

const etagOf = (rep: Representation, encoding: Encoding | null) => `"${rep.hash}${encoding ? `-${encoding}` : ""}"`;

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): any encoding of the same bytes matches. */
function matchesEtag(header: string, rep: Representation): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => {
    const opaque = tag.trim().replace(/^W\//, "").replace(/^"|"$/g, "").replace(/-(br|gzip)$/, "");
    return opaque === rep.hash;
  });
}

/** The answer for a representation: 304 when the client's copy is current, else the bytes. */
export async function respond(c: Context, rep: Representation, maxAgeSeconds: number): Promise<Response> {
  const encoding = negotiateEncoding(c.req.header("accept-encoding"));
  const headers: Record<string, string> = {
    etag: etagOf(rep, encoding),
    "last-modified": rep.lastModified.toUTCString(),
    "cache-control": `public, max-age=${maxAgeSeconds}`,
    vary: "Accept-Encoding",
  };
  const inm = c.req.header("if-none-match");
  const ims = c.req.header("if-modified-since");
  // If-Modified-Since counts only without If-None-Match (RFC 9110 §13.1.3).
  const fresh = inm !== undefined ? matchesEtag(inm, rep) : ims !== undefined && !Number.isNaN(Date.parse(ims)) && rep.lastModified.getTime() <= Date.parse(ims);
  if (fresh) return c.body(null, 304, headers);
  const body = encoding ? await encodedBody(rep, encoding) : rep.body;
  headers["content-type"] = rep.contentType;
  headers["content-length"] = String(body.length);
  if (encoding) headers["content-encoding"] = encoding;
  return c.body(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), 200, headers);
}

interface Cached {
  slug: string;
  rep: Representation;
}

export function registerFeedRoutes(app: Hono, ctx: FeedRoutesContext): void {
  const settings: FeedSettings = { ...defaultFeedSettings, ...ctx.feeds };
  const cache = new Map<string, Cached>();
  const building = new Map<string, Promise<Representation | null>>();
  // Bumped when a topic changes: a build that started before the change is served but not kept.
  const generations = new Map<string, number>();
  onTopicChange((slugs) => {
    for (const slug of slugs) generations.set(slug, (generations.get(slug) ?? 0) + 1);
    const changed = new Set(slugs);
    for (const [key, entry] of cache) if (changed.has(entry.slug)) cache.delete(key);
  });

  const pageUrl = (slug: string, format: FeedFormat, limit: number, before: string | null) => {
    const params = new URLSearchParams();
    if (before) params.set("before", before);
    if (limit !== DEFAULT_LIMIT) params.set("limit", String(limit));
    const q = params.toString();
    return `${ctx.baseUrl}/topics/${slug}.${format}${q ? `?${q}` : ""}`;
  };

  async function build(slug: string, format: FeedFormat, limit: number, before: { raw: string; cursor: StoryCursor } | null): Promise<Representation | null> {
    const topic = await getTopicBySlug(ctx.db, slug);
    if (!topic) return null;
    const page = await listStories(ctx.db, { topicId: topic.id, limit, before: before?.cursor ?? null });
    const built = buildFeed(
      format,
      {
        slug,
        title: topic.title,
        description: topic.description,
        topicUpdated: topic.updated_at,
        baseUrl: ctx.baseUrl,
        version,
        selfUrl: pageUrl(slug, format, limit, before?.raw ?? null),
        currentUrl: before ? pageUrl(slug, format, limit, null) : null,
        nextUrl: page.next ? pageUrl(slug, format, limit, encodeCursor(page.next)) : null,
        hub: settings.hub,
        ttlMinutes: Math.max(1, Math.ceil(settings.maxAgeSeconds / 60)),
      },
      page.stories,
    );
    return representation(built.body, built.contentType, built.updated);
  }

  /** One build per key at a time, kept unless a change was announced while it ran. */
  function rebuild(key: string, slug: string, format: FeedFormat, limit: number, before: { raw: string; cursor: StoryCursor } | null): Promise<Representation | null> {
    const pending = building.get(key);
    if (pending) return pending;
    const generation = generations.get(slug) ?? 0;
    const p = build(slug, format, limit, before)
      .then((rep) => {
        if (rep && settings.cacheSeconds > 0 && (generations.get(slug) ?? 0) === generation) {
          cache.delete(key);
          cache.set(key, { slug, rep });
          while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
        } else if (!rep) cache.delete(key);
        return rep;
      })
      .finally(() => building.delete(key));
    building.set(key, p);
    return p;
  }

  /**
   * The feed from memory while fresh. Past `cacheSeconds` the old copy is still served while one
   * rebuild runs in the background (a change announced in this process drops the copy instead), so
   * pollers never queue behind a build; with no copy at all, everyone asking waits for one build.
   */
  function feed(slug: string, format: FeedFormat, limit: number, before: { raw: string; cursor: StoryCursor } | null): Promise<Representation | null> {
    const key = `${slug}\u0000${format}\u0000${limit}\u0000${before?.raw ?? ""}`;
    const hit = cache.get(key);
    if (!hit) return rebuild(key, slug, format, limit, before);
    // Most recently used last: the oldest entry is the first evicted.
    cache.delete(key);
    cache.set(key, hit);
    if (Date.now() - hit.rep.builtAt >= settings.cacheSeconds * 1000 && !building.has(key)) {
      rebuild(key, slug, format, limit, before).catch((err: unknown) => ctx.log?.error("feed rebuild failed", { slug, format, error: err instanceof Error ? err.message : String(err) }));
    }
    return Promise.resolve(hit.rep);
  }

  app.get("/topics/:file{[^/]+\\.(rss|atom|json)}", async (c) => {
    const file = c.req.param("file");
    const dot = file.lastIndexOf(".");
    const slug = file.slice(0, dot);
    const format = file.slice(dot + 1) as FeedFormat;
    let limit = DEFAULT_LIMIT;
    let before: { raw: string; cursor: StoryCursor } | null = null;
    // Most polls carry no query: skip parsing it.
    if (c.req.url.includes("?")) {
      const q = feedQuery.safeParse(c.req.query());
      if (!q.success) return badRequest(c, q.error);
      ({ limit, before } = q.data);
    }
    const rep = await feed(slug, format, limit, before);
    if (!rep) return c.text(`no topic named "${slug}"; see ${ctx.baseUrl}/ or ${ctx.baseUrl}/opml for the topics`, 404);
    return respond(c, rep, settings.maxAgeSeconds);
  });

  app.get("/opml", async (c) => {
    const q = opmlQuery.safeParse(c.req.query());
    if (!q.success) return badRequest(c, q.error);
    const topics = await listTopics(ctx.db);
    const opml = buildOpml(topics, { baseUrl: ctx.baseUrl, format: q.data.format as OpmlFormat });
    return respond(c, representation(opml.body, opml.contentType, opml.updated), settings.maxAgeSeconds);
  });
}
