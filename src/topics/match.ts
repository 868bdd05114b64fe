// Matching a story's text against topic definitions, in the process at ingest time, so that a topic
// feed is an index lookup and never a full-text query per request. The text is folded once (lower
// case, every run of non-letters one space); each term is then a plain substring test with word
// boundaries, which is far cheaper than one Unicode-aware regular expression per topic.
import type { TopicDefinition } from "./definition.ts";

export interface MatchableTopic {
  id: number;
  slug: string;
  definition: TopicDefinition;
}

export interface CompiledTopic {
  id: number;
  slug: string;
  /** `folded` is the output of foldText. */
  test(folded: string): boolean;
}

/** Lower case, letters and digits only, single spaces, padded: " nato allies meet ". */
export function foldText(text: string): string {
  return ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}

export function compileTopic(topic: MatchableTopic): CompiledTopic {
  const def = topic.definition;
  if ("all" in def) return { id: topic.id, slug: topic.slug, test: () => true };
  // " term " for whole words; " prefix" (no trailing space) for "prefix*".
  const needles = def.any.map((t) => (t.endsWith("*") ? foldText(t.slice(0, -1)).trimEnd() : foldText(t)));
  return { id: topic.id, slug: topic.slug, test: (folded) => needles.some((n) => folded.includes(n)) };
}

export function matchTopics(topics: CompiledTopic[], text: string): CompiledTopic[] {
  const folded = foldText(text);
  return topics.filter((t) => t.test(folded));
}
