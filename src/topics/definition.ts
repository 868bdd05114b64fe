// A topic's definition, as stored in topics.definition (jsonb). This is the first, simple form:
// any of a list of terms, matched as whole words; "negotiat*" matches by prefix. The topics stage
// grows it (aliases, exclusions, grouping, weighting) without breaking stored definitions.
import { z } from "zod";

const term = z
  .string()
  .trim()
  .min(1, "a term cannot be empty")
  .max(200)
  .refine((t) => !/^\*|\*.+$/.test(t), "only a trailing * (prefix match) is allowed");

export const topicDefinitionSchema = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ any: z.array(term).min(1, "give at least one term") }).strict(),
]);

export type TopicDefinition = z.infer<typeof topicDefinitionSchema>;
