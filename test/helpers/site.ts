// A small web site on 127.0.0.1 for discovery and admin tests: HTML pages naming feeds (or not),
// feeds with validators, and feeds whose items are dated relative to now (for backfill/retention).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestSite {
  base: string;
  /** Items of /dated.xml: [guid, days ago] (change it to change the feed). */
  dated: Array<[string, number]>;
  close(): Promise<void>;
}

const rss = (title: string, items: Array<[string, Date]>) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${title}</title><link>http://example.org/</link><description>d</description>
${items.map(([guid, d]) => `<item><title>Item ${guid}</title><guid isPermaLink="false">${guid}</guid><link>http://example.org/${guid}</link><pubDate>${d.toUTCString()}</pubDate><description>About ${guid}.</description></item>`).join("\n")}
</channel></rss>`;

const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Site Atom</title><id>urn:site</id><updated>2026-01-01T00:00:00Z</updated>
<entry><title>Atom one</title><id>urn:a1</id><updated>2026-01-01T00:00:00Z</updated><link href="http://example.org/a1"/></entry></feed>`;

export async function startSite(): Promise<TestSite> {
  const site = { dated: [["fresh", 0.05], ["recent", 2], ["old", 400]] as Array<[string, number]> };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, ...headers });
      res.end(body);
    };
    const now = Date.now();
    switch (path) {
      case "/page.html":
        return send(200, "text/html; charset=utf-8", `<!doctype html><html><head><title>Site</title>
<base href="/sub/">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Site RSS" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Site &amp; Atom" href="atom.xml">
<link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
<!-- <link rel="alternate" type="application/rss+xml" href="/commented.xml"> -->
</head><body>hello</body></html>`);
      case "/sub/atom.xml":
      case "/atom.xml":
        return send(200, "application/atom+xml", atom);
      case "/blog/":
        return send(200, "text/html", "<!doctype html><html><head><title>No links</title></head><body>blog</body></html>");
      case "/rss.xml":
        if (req.headers["if-none-match"] === '"v1"') return send(304, "application/rss+xml", "");
        return send(200, "application/rss+xml", rss("Site RSS", [["r1", new Date(now - 3600_000)], ["r2", new Date(now - 7200_000)]]), { etag: '"v1"' });
      case "/dated.xml":
        return send(200, "application/rss+xml", rss("Dated", site.dated.map(([g, days]) => [g, new Date(now - days * 86_400_000)])));
      case "/index.xml":
        return send(200, "text/html", "<html><body>not a feed</body></html>");
      default:
        return send(404, "text/plain", "not found");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(site, {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}
