// OPML 2.0 (http://opml.org/spec2.opml) of every topic's feed: one file a reader imports to subscribe
// to all of them at once. One format per file (RSS unless asked), so an import does not subscribe
// to each topic three times.
import type { Topic } from "../db/schema.ts";

export type OpmlFormat = "rss" | "atom" | "json";

const formatNames: Record<OpmlFormat, string> = { rss: "RSS 2.0", atom: "Atom 1.0", json: "JSON Feed 1.1" };

// eslint-disable-next-line no-control-regex
const x = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function buildOpml(topics: Topic[], opts: { baseUrl: string; format?: OpmlFormat }): { body: string; contentType: string; updated: Date } {
  const format = opts.format ?? "rss";
  // The document's date is the newest topic change, never the clock: the same topics, the same bytes.
  const updated = new Date(Math.max(0, ...topics.map((t) => t.updated_at.getTime())));
  const lines = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<opml version="2.0">`,
    `<head>`,
    `<title>feedloom topic feeds (${formatNames[format]})</title>`,
    `<dateCreated>${updated.toUTCString()}</dateCreated>`,
    `<dateModified>${updated.toUTCString()}</dateModified>`,
    `<ownerId>${x(`${opts.baseUrl}/`)}</ownerId>`,
    `<docs>http://opml.org/spec2.opml</docs>`,
    `</head>`,
    `<body>`,
    ...topics.map((t) => {
      const title = `${t.title} · feedloom`;
      return `<outline type="rss" version="${format === "rss" ? "RSS2" : format === "atom" ? "ATOM" : "JSONFEED"}" text="${x(title)}" title="${x(title)}" description="${x(t.description)}" xmlUrl="${x(`${opts.baseUrl}/topics/${t.slug}.${format}`)}" htmlUrl="${x(`${opts.baseUrl}/topics/${t.slug}`)}"/>`;
    }),
    `</body>`,
    `</opml>`,
    ``,
  ];
  return { body: lines.join("\n"), contentType: "text/x-opml; charset=utf-8", updated };
}
