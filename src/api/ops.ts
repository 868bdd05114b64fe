// Operations: readiness, Prometheus metrics, one debug log line and one metric sample per request,
// and the API's own description (OpenAPI JSON and a plain page rendering it, no scripts).
import type { Hono, MiddlewareHandler } from "hono";
import { html, raw } from "hono/html";
import { routePath } from "hono/route";
import { sql, type Kysely } from "kysely";
import { z } from "zod";
import type { Database } from "../db/schema.ts";
import { pendingMigrations } from "../db/migrate.ts";
import type { Logger } from "../log.ts";
import { httpDuration, httpRequests, registry } from "../metrics.ts";
import { requireAdminOrLoopback } from "./auth.ts";
import { openApiDocument, registerRoute, type ApiRoute } from "./openapi.ts";

/** Count and time every request by its route pattern (never the raw path: ids would explode the label set). */
export function observeRequests(log: Logger | undefined): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const matched = routePath(c, -1);
    const route = matched === "*" || matched === "/*" ? "unmatched" : matched;
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    httpRequests.inc(labels);
    httpDuration.observe(labels, seconds);
    log?.debug("request", { ...labels, path: c.req.path, durationMs: Math.round(seconds * 1000) });
  };
}

const O = ["operations"];
registerRoute({ method: "get", path: "/healthz", tags: O, admin: false, summary: "The process is up", responses: { 200: { description: "Up", schema: z.object({ status: z.literal("ok"), version: z.string() }) } } });
registerRoute({
  method: "get", path: "/readyz", tags: O, admin: false, summary: "Ready: the database answers and its schema is current",
  responses: { 200: { description: "Ready", schema: z.object({ status: z.literal("ready") }) }, 503: { description: "Not ready, with the reason", schema: z.object({ status: z.literal("unavailable"), error: z.string() }) } },
});
registerRoute({
  method: "get", path: "/metrics", tags: O, admin: true, summary: "Prometheus metrics (admin token, or from loopback)",
  responses: { 200: { description: "Prometheus text format", contentType: "text/plain; version=0.0.4" } },
});
registerRoute({ method: "get", path: "/api/openapi.json", tags: O, admin: false, summary: "This document (OpenAPI 3.1)", responses: { 200: { description: "OpenAPI 3.1" } } });
registerRoute({ method: "get", path: "/api/docs", tags: O, admin: false, summary: "This document as a web page", responses: { 200: { description: "HTML", contentType: "text/html" } } });

export function registerOpsRoutes(app: Hono, ctx: { db: Kysely<Database>; baseUrl: string; adminToken: string | undefined }): void {
  app.get("/readyz", async (c) => {
    try {
      await sql`SELECT 1`.execute(ctx.db);
      const pending = await pendingMigrations(ctx.db);
      if (pending.length > 0) return c.json({ status: "unavailable", error: `migrations not applied: ${pending.join(", ")}; run \`feedloom migrate\`` }, 503);
      return c.json({ status: "ready" });
    } catch (err) {
      return c.json({ status: "unavailable", error: `database unreachable: ${err instanceof Error ? err.message : String(err)}` }, 503);
    }
  });

  app.get("/metrics", requireAdminOrLoopback(ctx.adminToken), async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }));

  app.get("/api/openapi.json", (c) => c.json(openApiDocument(ctx.baseUrl)));
  app.get("/api/docs", (c) => c.html(docsPage(openApiDocument(ctx.baseUrl))));
}

type Doc = ReturnType<typeof openApiDocument>;
interface Operation {
  summary: string;
  description?: string;
  security?: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean; description?: string; schema: unknown }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

function docsPage(doc: Doc) {
  const paths = doc.paths as Record<string, Record<ApiRoute["method"], Operation>>;
  const ops = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedloom API</title>
</head>
<body>
<h1>feedloom API <small>${(doc.info as { version: string }).version}</small></h1>
<p>${(doc.info as { description: string }).description} The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
<ul>${ops.map(({ path, method }) => html`<li><a href="#${method}-${path}"><code>${method.toUpperCase()} ${path}</code></a></li>`)}</ul>
${ops.map(
  ({ path, method, op }) => html`<section id="${method}-${path}">
<h2><code>${method.toUpperCase()} ${path}</code> ${op.security ? html`<em>(admin token)</em>` : ""}</h2>
<p>${op.summary}</p>${op.description ? html`<p>${op.description}</p>` : ""}
${op.parameters.length > 0
  ? html`<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${op.parameters.map(
      (p) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? "yes" : "no"}</td><td><pre>${pretty(p.schema)}</pre></td></tr>`,
    )}</table>`
  : ""}
${op.requestBody ? html`<h3>Body</h3>${Object.entries(op.requestBody.content).map(([type, c]) => html`<p><code>${type}</code></p><pre>${pretty(c.schema)}</pre>`)}` : ""}
<h3>Responses</h3>
<table>${Object.entries(op.responses).map(
  ([status, r]) => html`<tr><td><code>${status}</code></td><td>${r.description}${r.content
    ? Object.entries(r.content).map(([type, c]) => html`<br><code>${type}</code>${c.schema ? html`<details><summary>schema</summary><pre>${pretty(c.schema)}</pre></details>` : ""}`)
    : raw("")}</td></tr>`,
)}</table>
</section>`,
)}
</body>
</html>`;
}
