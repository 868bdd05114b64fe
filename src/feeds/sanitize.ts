// Summaries come from sources as HTML we do not trust. This is the one place it is turned into HTML
// we serve: a strict allowlist (sanitize-html, the well-kept parser-based sanitiser that runs on
// Node 20; 2.17.6+ needs Node 22), links only to http, https and mailto, and relative URLs resolved
// against the article so they still work inside a reader.
import { createRequire } from "node:module";
import type sanitizeHtml from "sanitize-html";

// Loaded on first use (~75 ms of CPU): every CLI command imports the server's modules, few build feeds.
const requireCjs = createRequire(import.meta.url);
let loaded: typeof sanitizeHtml | undefined;
const sanitizer = (): typeof sanitizeHtml => (loaded ??= requireCjs("sanitize-html") as typeof sanitizeHtml);

const allowedTags = [
  "p", "br", "a", "b", "strong", "i", "em", "u", "s", "small", "sub", "sup", "mark", "q", "cite", "abbr",
  "blockquote", "pre", "code", "ul", "ol", "li", "dl", "dt", "dd", "h2", "h3", "h4", "h5", "h6",
  "figure", "figcaption", "img", "table", "thead", "tbody", "tr", "th", "td", "caption", "hr",
];

/** Absolute http(s)/mailto URL of `value` against `base`, or null when it is anything else. */
export function safeUrl(value: string | null | undefined, base?: string | null, schemes: readonly string[] = ["http:", "https:", "mailto:"]): string | null {
  if (!value) return null;
  try {
    const url = base ? new URL(value.trim(), base) : new URL(value.trim());
    return schemes.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const httpOnly = ["http:", "https:"] as const;

/**
 * Sanitised HTML of a source's summary: no script, style, iframe, form, on* attributes or inline
 * styles; only the allowlisted tags; links and images resolved against `articleUrl`.
 */
export function sanitizeSummary(html: string, articleUrl: string | null): string {
  const resolve = (attr: string, schemes: readonly string[]) => (tagName: string, attribs: sanitizeHtml.Attributes) => {
    const out: sanitizeHtml.Attributes = { ...attribs };
    const url = safeUrl(attribs[attr], articleUrl, schemes);
    if (url) out[attr] = url;
    else delete out[attr];
    return { tagName, attribs: out };
  };
  return sanitizer()(html, {
    allowedTags,
    allowedAttributes: {
      a: ["href", "title"],
      img: ["src", "alt", "title", "width", "height"],
      abbr: ["title"],
      td: ["colspan", "rowspan"],
      th: ["colspan", "rowspan", "scope"],
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["http", "https"] },
    allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    transformTags: { a: resolve("href", ["http:", "https:", "mailto:"]), img: resolve("src", httpOnly) },
    // An image whose source was unsafe is dropped, not kept as an empty tag.
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
  }).trim();
}
