// Element and attribute names as the rest of the parser expects them. xml2js is not namespace
// aware here, so a name is its prefix as written: "rss:channel" in an RDF feed that binds RSS 1.0
// to a prefix, "atom:feed" for a prefixed Atom document, "c:encoded" for a content module bound to
// "c". Prefixes are mapped to the conventional ones by namespace URI; the lenient parser's
// upper-case names are lower-cased.

const CONVENTIONAL_PREFIX: Readonly<Record<string, string>> = {
  // RSS elements are unprefixed in the usual form
  "http://purl.org/rss/1.0/": "",
  "http://backend.userland.com/rss2": "",
  "http://backend.userland.com/rss": "",
  "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
  "http://purl.org/dc/elements/1.1/": "dc",
  "http://purl.org/dc/terms/": "dcterms",
  "http://purl.org/rss/1.0/modules/content/": "content",
  "http://purl.org/rss/1.0/modules/syndication/": "sy",
  "http://search.yahoo.com/mrss/": "media",
  "http://www.w3.org/2005/Atom": "atom",
  "http://www.w3.org/1999/xhtml": "xhtml",
};

const ATOM = "http://www.w3.org/2005/Atom";

/** Declared prefix (lower-cased) → conventional prefix ("" = none), from the xmlns declarations. */
export function prefixMap(doc: string): Map<string, string> {
  const map = new Map<string, string>();
  const rootPrefix = /<([A-Za-z_][\w.-]*):feed[\s>]/.exec(doc)?.[1]?.toLowerCase();
  for (const match of doc.matchAll(/\sxmlns:([A-Za-z_][\w.-]*)\s*=\s*["']([^"']*)["']/g)) {
    const prefix = (match[1] ?? "").toLowerCase();
    const uri = (match[2] ?? "").trim();
    let conventional = CONVENTIONAL_PREFIX[uri];
    // A prefixed Atom document (<atom:feed>) reads like an unprefixed one; inside RSS, atom:link
    // must keep its prefix so it does not collide with RSS <link>.
    if (uri === ATOM && prefix === rootPrefix) conventional = "";
    if (conventional !== undefined && !map.has(prefix)) map.set(prefix, conventional);
  }
  return map;
}

/** Maps a "prefix:local" name through `prefixes`; other names pass unchanged. */
export function canonicalName(name: string, prefixes: Map<string, string>): string {
  const colon = name.indexOf(":");
  if (colon < 0) return name;
  const conventional = prefixes.get(name.slice(0, colon).toLowerCase());
  if (conventional === undefined) return name;
  const local = name.slice(colon + 1);
  return conventional === "" ? local : `${conventional}:${local}`;
}
