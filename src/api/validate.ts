// Validation at the edge: every parameter and body goes through a zod schema; a failure is a 400
// whose JSON names the field and the problem, and nothing has been written.
import type { Context } from "hono";
import type { z } from "zod";
import { OperatorError } from "../operators/sources.ts";

export type Checked<T> = { ok: true; value: T } | { ok: false; response: Response };

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function describe(error: z.ZodError, input: unknown, where: "parameter" | "field"): { error: string; field: string } {
  const issue = error.issues[0];
  if (issue?.code === "unrecognized_keys") {
    const field = issue.keys[0] ?? "body";
    return { error: `unknown ${where} \`${field}\`${issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).join(", ")})` : ""}`, field };
  }
  const field = issue?.path.join(".") || (where === "field" ? "body" : "request");
  const problem = issue?.code === "invalid_type" && valueAt(input, issue.path) === undefined ? "is required" : (issue?.message ?? "is invalid");
  return { error: `invalid ${where} \`${field}\`: ${problem}`, field };
}

export function check<S extends z.ZodType>(c: Context, schema: S, input: unknown, where: "parameter" | "field"): Checked<z.output<S>> {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, value: r.data } : { ok: false, response: c.json(describe(r.error, input, where), 400) };
}

/** The JSON body, checked; a body that is not JSON is a 400 too. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<Checked<z.output<S>>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return { ok: false, response: c.json({ error: "the body must be a JSON object (Content-Type: application/json)", field: "body" }, 400) };
  }
  return check(c, schema, body, "field");
}

const STATUS = { invalid: 400, refused: 400, "not-found": 404, duplicate: 409, unreachable: 422, conflict: 409 } as const;

/** An operator error as its HTTP answer; anything else is rethrown (a 500, logged). */
export function operatorFailure(c: Context, err: unknown): Response {
  if (!(err instanceof OperatorError)) throw err;
  const { field, existingId, status } = err.details;
  return c.json(
    { error: err.message, ...(field ? { field } : {}), ...(existingId !== undefined ? { existingId } : {}), ...(status !== undefined && status !== null ? { upstreamStatus: status } : {}) },
    STATUS[err.kind],
  );
}
