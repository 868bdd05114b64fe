// Matching a story's text against topic definitions, in the process at ingest time, so that a topic
// feed is an index lookup and never a full-text query per request.
import type { TopicDefinition } from "./definition.ts";

export interface MatchableTopic {
  id: number;
  slug: string;
  definition: TopicDefinition;
}

export interface CompiledTopic {
  id: number;
  slug: string;
  test(text: string): boolean;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One case-insensitive, Unicode-aware regular expression per topic. */
export function compileTopic(topic: MatchableTopic): CompiledTopic {
  const def = topic.definition;
  if ("all" in def) return { id: topic.id, slug: topic.slug, test: () => true };
  const alternatives = def.any.map((t) => {
    const prefix = t.endsWith("*");
    const words = (prefix ? t.slice(0, -1) : t).trim().split(/\s+/).map(escapeRegExp).join("\\s+");
    return prefix ? `${words}\\p{L}*` : words;
  });
  // \p{L}\p{N} boundaries instead of \b, which knows nothing of Cyrillic.
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}])`, "iu");
  return { id: topic.id, slug: topic.slug, test: (text) => re.test(text) };
}

export function matchTopics(topics: CompiledTopic[], text: string): CompiledTopic[] {
  return topics.filter((t) => t.test(text));
}
