// OPML 2.0 subscription lists: every outline with an xmlUrl, at any depth.
import { decodeHtmlEntities } from "../text/html.ts";

export interface OpmlFeed {
  url: string;
  title: string | null;
}

export function parseOpml(xml: string): OpmlFeed[] {
  const feeds: OpmlFeed[] = [];
  for (const m of xml.matchAll(/<outline\b([^>]*)>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of (m[1] ?? "").matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      attrs.set((a[1] ?? "").toLowerCase(), decodeHtmlEntities(a[3] ?? a[4] ?? ""));
    }
    const url = attrs.get("xmlurl");
    if (url) feeds.push({ url, title: attrs.get("title") || attrs.get("text") || null });
  }
  return feeds;
}
