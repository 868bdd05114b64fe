// A topic's definition, as stored in topics.definition (jsonb) and accepted by the CLI and the API.
//
//   { "match": <expr>, "exclude"?: <expr>, "categories"?: [...], "sources"?: [...],
//     "languages"?: [...], "threshold"?: 3, "weights"?: { "title": 3, "tags": 3, "lead": 3, "body": 1 } }
//
//   <expr> := "term" | { "term": "...", "stem"?, "case"?, "fields"? } | { "any": [<expr>...] } | { "all": [<expr>...] }
//
// Grouping is explicit (nested any/all), so there is no operator precedence to get wrong. The first
// stored forms stay valid: { "all": true } (every story) and { "any": [terms] } (read as { "match": { "any": [...] } }).
import { z } from "zod";

export const FIELDS = ["title", "tags", "lead", "body"] as const;
export type Field = (typeof FIELDS)[number];

const termText = z
  .string()
  .trim()
  .min(1, "a term cannot be empty")
  .max(200, "a term is at most 200 characters")
  .refine((t) => !/(^|\s)\*|\*[^\s]/u.test(t), "* only at the end of a word (prefix match)")
  .refine((t) => /[\p{L}\p{N}]/u.test(t), "a term needs at least one letter or digit");

const termObject = z
  .object({
    term: termText,
    /** English stemming of Latin-script words (default true; "talks" with stem:false matches only "talks"). */
    stem: z.boolean().optional(),
    /**
     * "acronym": an all-capitals occurrence always counts; a capitalised one directly followed by
     * another capitalised word reads as a personal name ("Nato Gabunia") and does not, unless the
     * whole field is written in title case.
     */
    case: z.enum(["any", "acronym"]).optional(),
    /** Only occurrences in these fields count (default: all four). */
    fields: z.array(z.enum(FIELDS)).min(1).optional(),
  })
  .strict();

export type TermObject = z.infer<typeof termObject>;
export type Expr = string | TermObject | { any: Expr[] } | { all: Expr[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A union whose branch is chosen by the value's shape, so an error names the real field
 * ("match.any.1.term: a term cannot be empty") instead of "invalid input" for the whole union.
 */
function byShape<T>(pick: (v: unknown) => z.ZodType<T> | null, expected: string): z.ZodType<T> {
  return z.unknown().transform((v, ctx): T => {
    const schema = pick(v);
    if (!schema) {
      ctx.addIssue({ code: "custom", message: `must be ${expected}` });
      return z.NEVER;
    }
    const r = schema.safeParse(v);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
      return z.NEVER;
    }
    return r.data;
  }) as unknown as z.ZodType<T>;
}

const anyExpr: z.ZodType<{ any: Expr[] }> = z.lazy(() => z.object({ any: z.array(exprSchema).min(1, "give at least one term") }).strict());
const allExpr: z.ZodType<{ all: Expr[] }> = z.lazy(() => z.object({ all: z.array(exprSchema).min(1, "give at least one term") }).strict());

export const exprSchema: z.ZodType<Expr> = byShape<Expr>(
  (v) => (typeof v === "string" ? termText : !isObject(v) ? null : "term" in v ? termObject : "any" in v ? anyExpr : "all" in v ? allExpr : null),
  'a term ("nato"), {"term": …}, {"any": [...]} or {"all": [...]}',
);

const weight = z.number().min(0).max(100);

export const fullDefinitionSchema = z
  .object({
    match: exprSchema,
    exclude: exprSchema.optional(),
    /** Feed categories that count as evidence in the tags field (whole category, any case). */
    categories: z.array(z.string().trim().min(1).max(200)).optional(),
    /** Only articles from these sources: a source id, or a host name ("ukranews.com" also matches "www.ukranews.com"). */
    sources: z.array(z.union([z.number().int().positive(), z.string().trim().min(1).max(253)])).min(1).optional(),
    /** Only articles in these languages ("en", "uk"; "en" also matches "en-GB"). Articles of unknown language pass. */
    languages: z.array(z.string().trim().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/, "a language code such as en or uk")).min(1).optional(),
    /** Relevance needed to file a story (default 3). */
    threshold: z.number().positive().max(1000).optional(),
    weights: z.object({ title: weight, tags: weight, lead: weight, body: weight }).partial().strict().optional(),
  })
  .strict();

export type FullDefinition = z.infer<typeof fullDefinitionSchema>;

const everyStory = z.object({ all: z.literal(true) }).strict();
const legacyAny = z.object({ any: z.array(exprSchema).min(1, "give at least one term") }).strict();

type Definition = z.infer<typeof everyStory> | z.infer<typeof legacyAny> | FullDefinition;

export const topicDefinitionSchema: z.ZodType<Definition> = byShape<Definition>(
  (v) => (!isObject(v) ? null : "match" in v ? fullDefinitionSchema : "any" in v ? legacyAny : "all" in v ? everyStory : null),
  '{"match": …, "exclude"?: …, …} (or {"any": [terms]}, or {"all": true} for every story)',
);

export type TopicDefinition = z.infer<typeof topicDefinitionSchema>;

export const DEFAULT_WEIGHTS: Record<Field, number> = { title: 3, tags: 3, lead: 3, body: 1 };
export const DEFAULT_THRESHOLD = 3;

/** Every definition in its full form; null for the reserved "every story". */
export function normaliseDefinition(def: TopicDefinition): FullDefinition | null {
  if ("all" in def && def.all === true) return null;
  if ("any" in def) return { match: { any: def.any } };
  return def as FullDefinition;
}
