// OPML 2.0 subscription lists, in and out. Reading keeps each outline's line number so an import
// can report line by line; nested folders are walked, outlines without xmlUrl (folders) skipped.
import { decodeHtmlEntities, escapeHtml } from "../text/html.ts";

export interface OpmlOutline {
  line: number;
  url: string;
  title: string | null;
}

export class OpmlError extends Error {}

export function readOpml(text: string): OpmlOutline[] {
  const doc = text.replace(/^\uFEFF/, "");
  if (!/<opml\b/i.test(doc) || !/<body\b/i.test(doc)) throw new OpmlError("not an OPML document: expected <opml> with a <body> of <outline> elements");
  const out: OpmlOutline[] = [];
  const body = doc.replace(/<!--[\s\S]*?-->/g, (c) => c.replace(/[^\n]/g, " ")); // comments out, lines kept
  for (const m of body.matchAll(/<outline\b([^>]*)>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of (m[1] ?? "").matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
      attrs.set((a[1] ?? "").toLowerCase(), decodeHtmlEntities(a[3] ?? a[4] ?? "").trim());
    }
    const url = attrs.get("xmlurl");
    if (url === undefined) continue;
    const line = body.slice(0, m.index).split("\n").length;
    out.push({ line, url, title: attrs.get("title") || attrs.get("text") || null });
  }
  return out;
}

export function writeOpml(title: string, feeds: Array<{ url: string; title: string | null; siteUrl: string | null }>, now = new Date()): string {
  const outlines = feeds.map((f) => {
    const name = escapeHtml(f.title ?? f.url);
    return `    <outline type="rss" text="${name}" title="${name}" xmlUrl="${escapeHtml(f.url)}"${f.siteUrl ? ` htmlUrl="${escapeHtml(f.siteUrl)}"` : ""}/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>${escapeHtml(title)}</title>
    <dateCreated>${now.toUTCString()}</dateCreated>
  </head>
  <body>
${outlines.join("\n")}
  </body>
</opml>
`;
}
