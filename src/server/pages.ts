// A minimal landing page until the web pages stage: the topics and their feeds.
import { html } from "hono/html";
import type { Topic } from "../db/schema.ts";

export function indexPage(topics: Topic[], baseUrl: string) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>feedloom</title>
${topics.map((t) => html`<link rel="alternate" type="application/rss+xml" title="${t.title}" href="${baseUrl}/topics/${t.slug}.rss">\n`)}
</head>
<body>
<main>
<h1>feedloom</h1>
<p>Topic feeds: one entry per story, naming every outlet that carried it.</p>
<ul>
${topics.map(
  (t) => html`<li><strong>${t.title}</strong> — ${t.description}
  <a href="/topics/${t.slug}.rss">RSS</a> · <a href="/topics/${t.slug}.atom">Atom</a> · <a href="/topics/${t.slug}.json">JSON Feed</a></li>\n`,
)}
</ul>
</main>
</body>
</html>`;
}
