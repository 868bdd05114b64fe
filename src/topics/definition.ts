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

export const exprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.union([
    termText,
    termObject,
    z.object({ any: z.array(exprSchema).min(1, "give at least one term") }).strict(),
    z.object({ all: z.array(exprSchema).min(1, "give at least one term") }).strict(),
  ]),
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

export const topicDefinitionSchema = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ any: z.array(exprSchema).min(1, "give at least one term") }).strict(),
  fullDefinitionSchema,
]);

export type TopicDefinition = z.infer<typeof topicDefinitionSchema>;

export const DEFAULT_WEIGHTS: Record<Field, number> = { title: 3, tags: 3, lead: 3, body: 1 };
export const DEFAULT_THRESHOLD = 3;

/** Every definition in its full form; null for the reserved "every story". */
export function normaliseDefinition(def: TopicDefinition): FullDefinition | null {
  if ("all" in def && def.all === true) return null;
  if ("any" in def) return { match: { any: def.any } };
  return def as FullDefinition;
}
