// The OpenAPI 3.1 document, generated from the zod schemas the routes validate with, so the
// document cannot drift from the code. Route modules describe themselves with registerRoute() when
// they are loaded; openApiDocument() assembles what has been registered.
import { z } from "zod";
import { version } from "../version.ts";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

export interface ApiResponse {
  description: string;
  /** A zod schema of the JSON body (or of the text when contentType is not JSON). */
  schema?: z.ZodType;
  contentType?: string;
}

export interface ApiRoute {
  method: HttpMethod;
  /** OpenAPI style: /api/sources/{id} */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Needs the admin token: adds the security requirement and the 401/403 answers. */
  admin: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; contentType?: string; description?: string };
  responses: Record<number, ApiResponse>;
}

const routes = new Map<string, ApiRoute>();

/** Describe a route in /api/openapi.json. Registering the same method and path again replaces it. */
export function registerRoute(route: ApiRoute): void {
  routes.set(`${route.method} ${route.path}`, route);
}

export function registeredRoutes(): ApiRoute[] {
  return [...routes.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** A zod schema as JSON Schema (2020-12, what OpenAPI 3.1 uses), as accepted on input. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output" = "input"): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

export const errorSchema = z
  .object({
    error: z.string().meta({ description: "What is wrong and what to do, in plain words" }),
    field: z.string().optional().meta({ description: "The parameter or body field at fault" }),
    existingId: z.number().int().optional().meta({ description: "For a duplicate: the id of the source already present" }),
  });

function parameters(where: "path" | "query", obj: z.ZodObject | undefined) {
  if (!obj) return [];
  return Object.entries(obj.shape).map(([name, schema]) => {
    const s = jsonSchema(schema as z.ZodType);
    const description = typeof s.description === "string" ? s.description : undefined;
    return { name, in: where, required: where === "path" || !(schema as z.ZodType).safeParse(undefined).success, ...(description ? { description } : {}), schema: s };
  });
}

function content(schema: z.ZodType | undefined, contentType = "application/json") {
  return { [contentType]: schema ? { schema: jsonSchema(schema, "output") } : {} };
}

export function openApiDocument(baseUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registeredRoutes()) {
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = { description: res.description, ...(res.schema || res.contentType ? { content: content(res.schema, res.contentType) } : {}) };
    }
    const err = (description: string) => ({ description, content: content(errorSchema) });
    if (r.params || r.query || r.body) responses["400"] ??= err("Invalid parameter or body: `field` names it");
    if (r.admin) {
      responses["401"] ??= err("Missing or wrong admin token");
      responses["403"] ??= err("The admin API is off (no FEEDLOOM_ADMIN_TOKEN configured)");
    }
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: r.tags,
      operationId: `${r.method}${r.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
      ...(r.admin ? { security: [{ adminToken: [] }] } : {}),
      parameters: [...parameters("path", r.params), ...parameters("query", r.query)],
      ...(r.body ? { requestBody: { required: true, ...(r.body.description ? { description: r.body.description } : {}), content: { [r.body.contentType ?? "application/json"]: { schema: jsonSchema(r.body.schema) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "feedloom API",
      version,
      description: "Public reads (stories, topics) and the admin API (sources, topics), which needs `Authorization: Bearer <FEEDLOOM_ADMIN_TOKEN>`.",
    },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { adminToken: { type: "http", scheme: "bearer", description: "The value of FEEDLOOM_ADMIN_TOKEN" } } },
    paths,
  };
}
