// The stylesheet and icon, read once at start and served from /static/ with a content hash in the
// link, so browsers may keep them for a year and still see a new version at once.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Hono } from "hono";

interface Asset {
  body: string;
  type: string;
  hash: string;
}

function load(file: string, type: string): Asset {
  const body = readFileSync(new URL(`./static/${file}`, import.meta.url), "utf8");
  return { body, type, hash: createHash("sha256").update(body).digest("hex").slice(0, 12) };
}

const assets = new Map<string, Asset>([
  ["feedloom.css", load("feedloom.css", "text/css; charset=utf-8")],
  ["favicon.svg", load("favicon.svg", "image/svg+xml")],
]);

/** The URL of a static file, with its hash for cache busting. */
export function assetHref(file: "feedloom.css" | "favicon.svg"): string {
  return `/static/${file}?v=${assets.get(file)?.hash ?? "0"}`;
}

export function registerStatic(app: Hono): void {
  app.get("/static/:file", (c) => {
    const asset = assets.get(c.req.param("file"));
    if (!asset) return c.notFound();
    const immutable = c.req.query("v") === asset.hash;
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": immutable ? "public, max-age=31536000, immutable" : "public, max-age=300",
      etag: `"${asset.hash}"`,
    });
  });
  app.get("/favicon.ico", (c) => c.redirect(assetHref("favicon.svg"), 301));
}
