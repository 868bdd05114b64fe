// Entities declared in a DOCTYPE's internal subset. Feeds almost never need them, and the two
// classic attacks live here: nested entities that expand exponentially ("billion laughs") and
// external entities that read files or URLs (XXE). Those are refused with a clear reason; simple
// text entities (feedparser's `<!ENTITY id "tag:example.com,">`) are expanded, within a budget.
import { FeedParseError } from "./errors.ts";

const SUBSET = /<!DOCTYPE\s[^[>]*\[([\s\S]*?)\]\s*>/i;
const GENERAL_ENTITY = /<!ENTITY\s+(?!%)([A-Za-z_][\w.:-]*)\s+(?:"([^"]*)"|'([^']*)'|((?:SYSTEM|PUBLIC)\b[^>]*))>/g;
const EXPANSION_BUDGET = 1 << 20; // characters added by expansion

export function applyInternalSubset(doc: string): string {
  const doctype = SUBSET.exec(doc);
  if (!doctype || doctype.index > doc.search(/<(?![?!])/)) return doc; // none, or not before the root
  const bodyStart = doctype.index + doctype[0].length;
  let body = doc.slice(bodyStart);
  const simple = new Map<string, string>();
  for (const m of (doctype[1] ?? "").matchAll(GENERAL_ENTITY)) {
    const name = m[1] as string;
    const value = m[2] ?? m[3];
    if (value === undefined) {
      if (body.includes(`&${name};`)) {
        throw new FeedParseError(`refused: the document uses an external XML entity (&${name};), which could read local files or URLs (XXE)`);
      }
      continue;
    }
    if (/[&%]/.test(value)) {
      throw new FeedParseError(`refused: the document declares XML entities that expand other entities (&${name};), the "billion laughs" pattern`);
    }
    simple.set(name, value);
  }
  if (simple.size === 0) return doc;
  let added = 0;
  body = body.replace(/&([A-Za-z_][\w.:-]*);/g, (whole, name: string) => {
    const value = simple.get(name);
    if (value === undefined) return whole;
    added += value.length;
    if (added > EXPANSION_BUDGET) throw new FeedParseError("refused: the document's XML entities expand to more than 1 MiB");
    return value;
  });
  return doc.slice(0, bodyStart) + body;
}
