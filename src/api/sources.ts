// The sources admin API: add (discovery and preview), list with health, show, edit, remove, fetch
// now, OPML import and export. Thin: validation here, the work in src/operators/sources.ts.
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { fetchLogJson, sourceJson } from "../cli/format.ts";
import type { IngestContext } from "../ingest/source.ts";
import {
  addSourceFromUrl, backfillSchema, createSourceBody, editSource, exportOpml, fetchSourceNow, importOpml, patchSourceBody, removeModeSchema, removeSource,
} from "../operators/sources.ts";
import { getSource, listSources, recentFetches } from "../store/sources.ts";
import { requireAdmin } from "./auth.ts";
import { registerRoute } from "./openapi.ts";
import { check, jsonBody, operatorFailure } from "./validate.ts";

export interface SourcesApiContext {
  adminToken: string | undefined;
  /** What fetching needs (database, fetch options, schedule policy, log). */
  ingest: IngestContext;
}

const idParams = z.object({ id: z.string().regex(/^[1-9]\d{0,14}$/, "must be a source id (a positive whole number)").transform(Number).meta({ description: "The source's id" }) });
const removeQuery = z.strictObject({ articles: removeModeSchema.default("keep").meta({ description: '"keep" (default): its articles stay in their stories; "purge": deleted, with tombstones' }) });
const importQuery = z.strictObject({ backfill: backfillSchema.optional() });

// Response shapes, for the OpenAPI document.
const sourceSchema = z.looseObject({
  id: z.number().int(), url: z.string(), title: z.string().nullable(), siteUrl: z.string().nullable(), enabled: z.boolean(), disabledReason: z.string().nullable(),
  state: z.string().meta({ description: "ok, new, failing×N, paused, retired or disabled" }), intervalSeconds: z.number().int(), backfill: z.string(),
  nextFetchAt: z.string(), lastAttemptAt: z.string().nullable(), lastSuccessAt: z.string().nullable(), lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(), lastWarning: z.string().nullable(), errorCount: z.number().int(), failingSince: z.string().nullable(),
  supportsEtag: z.boolean(), supportsLastModified: z.boolean(), fetchCount: z.number().int(), notModifiedCount: z.number().int(),
  notModifiedRate: z.number().nullable(), bytesFetched: z.number().int(),
});
const previewSchema = z.object({
  title: z.string().nullable(), siteUrl: z.string().nullable(), format: z.enum(["rss", "atom", "rdf"]), itemCount: z.number().int(),
  newest: z.array(z.object({ title: z.string(), link: z.string().nullable(), published: z.string().nullable() })),
  conditionalGet: z.object({ supported: z.boolean(), etag: z.boolean(), lastModified: z.boolean() }),
});
const candidateSchema = z.object({ url: z.string(), title: z.string().nullable(), type: z.string().nullable(), found: z.enum(["link", "guess"]), existingId: z.number().int().nullable() });
const outcomeSchema = z.looseObject({ sourceId: z.number().int(), outcome: z.enum(["updated", "not-modified", "error"]), status: z.number().int().nullable(), newArticles: z.number().int(), updatedArticles: z.number().int(), message: z.string().nullable(), durationMs: z.number() });
const importSchema = z.object({
  added: z.number().int(), skipped: z.number().int(), failed: z.number().int(),
  lines: z.array(z.object({ line: z.number().int(), url: z.string(), title: z.string().nullable(), result: z.enum(["added", "skipped", "failed"]), id: z.number().int().optional(), reason: z.string().optional() })),
});

const T = ["sources"];
registerRoute({
  method: "post", path: "/api/sources", tags: T, admin: true, summary: "Add a source (a feed URL), or discover the feeds of a page",
  description: "A feed URL is fetched once under the address rules, previewed and saved (201). An HTML page answers with the feeds it names (<link rel=\"alternate\">), or else those found at /feed, /rss.xml, /atom.xml, /index.xml (200, nothing saved): POST the chosen candidate's url.",
  body: { schema: createSourceBody },
  responses: {
    201: { description: "Saved", schema: z.object({ added: z.literal(true), source: sourceSchema, preview: previewSchema.nullable(), note: z.string().optional() }) },
    200: { description: "A web page: the feeds found on it; nothing saved", schema: z.object({ added: z.literal(false), url: z.string(), candidates: z.array(candidateSchema), message: z.string() }) },
    409: { description: "Already a source (same canonical URL): `existingId` says which" },
    422: { description: "Could not be read as a feed, or a page without feeds (nothing saved)" },
  },
});
registerRoute({ method: "get", path: "/api/sources", tags: T, admin: true, summary: "Every source with its health", responses: { 200: { description: "The sources", schema: z.object({ sources: z.array(sourceSchema) }) } } });
registerRoute({
  method: "get", path: "/api/sources/{id}", tags: T, admin: true, summary: "One source: health and recent fetches", params: idParams,
  responses: { 200: { description: "The source", schema: z.object({ source: sourceSchema }) }, 404: { description: "No such source" } },
});
registerRoute({
  method: "patch", path: "/api/sources/{id}", tags: T, admin: true, summary: "Change a source's title, interval, enabled state or backfill", params: idParams, body: { schema: patchSourceBody },
  responses: { 200: { description: "The source as changed", schema: z.object({ source: sourceSchema }) }, 404: { description: "No such source" } },
});
registerRoute({
  method: "delete", path: "/api/sources/{id}", tags: T, admin: true, summary: "Remove a source, keeping or purging its articles", params: idParams, query: removeQuery,
  description: "Purged articles leave tombstones: were the source added again, items still in its feed are not imported again.",
  responses: { 200: { description: "Removed", schema: z.object({ id: z.number().int(), articles: z.enum(["kept", "purged"]), articlesPurged: z.number().int(), storiesDeleted: z.number().int() }) }, 404: { description: "No such source" } },
});
registerRoute({
  method: "post", path: "/api/sources/{id}/fetch", tags: T, admin: true, summary: "Fetch a source now", params: idParams,
  responses: { 200: { description: "What the fetch did (a failed fetch is a result, recorded and retried later)", schema: z.object({ outcome: outcomeSchema }) }, 404: { description: "No such source" }, 409: { description: "Disabled, or being fetched by another worker" } },
});
registerRoute({
  method: "post", path: "/api/sources/import", tags: T, admin: true, summary: "Import an OPML subscription list", query: importQuery,
  body: { schema: z.string().meta({ description: "An OPML 2.0 document" }), contentType: "text/x-opml" },
  responses: { 200: { description: "Line by line: added, skipped (already a source, listed twice) or failed, with the reason", schema: importSchema } },
});
registerRoute({ method: "get", path: "/api/sources.opml", tags: T, admin: true, summary: "Every source as an OPML 2.0 list", responses: { 200: { description: "OPML", contentType: "text/x-opml" } } });

export function registerSourceRoutes(app: Hono, ctx: SourcesApiContext): void {
  const admin = requireAdmin(ctx.adminToken);
  const db = ctx.ingest.db;

  app.post("/api/sources", admin, async (c) => {
    const body = await jsonBody(c, createSourceBody);
    if (!body.ok) return body.response;
    try {
      const r = await addSourceFromUrl(ctx.ingest, body.value);
      if (!r.added) {
        return c.json({ added: false, url: r.url, candidates: r.candidates, message: `${r.url} is a web page; add one of its feeds by POSTing its url` }, 200);
      }
      c.header("Location", `/api/sources/${r.source.id}`);
      return c.json({ added: true, source: sourceJson(r.source), preview: r.preview, ...(r.note ? { note: r.note } : {}) }, 201);
    } catch (err) {
      return operatorFailure(c, err);
    }
  });

  app.get("/api/sources", admin, async (c) => c.json({ sources: (await listSources(db)).map(sourceJson) }));

  app.get("/api/sources.opml", admin, async (c) =>
    c.body(await exportOpml(db), 200, { "content-type": "text/x-opml; charset=utf-8", "content-disposition": 'attachment; filename="feedloom-sources.opml"' }),
  );

  app.post("/api/sources/import", admin, bodyLimit({ maxSize: 5 * 1024 * 1024, onError: (c) => c.json({ error: "the OPML document is larger than 5 MiB", field: "body" }, 413) }), async (c) => {
    const query = check(c, importQuery, c.req.query(), "parameter");
    if (!query.ok) return query.response;
    try {
      return c.json(await importOpml(ctx.ingest, await c.req.text(), query.value));
    } catch (err) {
      return operatorFailure(c, err);
    }
  });

  app.get("/api/sources/:id", admin, async (c) => {
    const p = check(c, idParams, c.req.param(), "parameter");
    if (!p.ok) return p.response;
    const s = await getSource(db, p.value.id);
    if (!s) return c.json({ error: `no source with id ${p.value.id}` }, 404);
    return c.json({ source: { ...sourceJson(s), recentFetches: (await recentFetches(db, s.id, 10)).map(fetchLogJson) } });
  });

  app.patch("/api/sources/:id", admin, async (c) => {
    const p = check(c, idParams, c.req.param(), "parameter");
    if (!p.ok) return p.response;
    const body = await jsonBody(c, patchSourceBody);
    if (!body.ok) return body.response;
    try {
      return c.json({ source: sourceJson(await editSource(db, p.value.id, body.value)) });
    } catch (err) {
      return operatorFailure(c, err);
    }
  });

  app.delete("/api/sources/:id", admin, async (c) => {
    const p = check(c, idParams, c.req.param(), "parameter");
    if (!p.ok) return p.response;
    const q = check(c, removeQuery, c.req.query(), "parameter");
    if (!q.ok) return q.response;
    try {
      return c.json(await removeSource(db, p.value.id, q.value.articles));
    } catch (err) {
      return operatorFailure(c, err);
    }
  });

  app.post("/api/sources/:id/fetch", admin, async (c) => {
    const p = check(c, idParams, c.req.param(), "parameter");
    if (!p.ok) return p.response;
    try {
      return c.json({ outcome: await fetchSourceNow(ctx.ingest, p.value.id) });
    } catch (err) {
      return operatorFailure(c, err);
    }
  });
}
