// Raw nodes (as rss-parser copies them through custom fields) → ParsedFeed fields. rss-parser's
// own derived fields are not used: it mixes strings and {_, $} objects, ignores xml:base, picks
// an Atom feed's self link as its home page and does not interpret HTML titles.
import { Buffer } from "node:buffer";
import type { ParsedFeed, ParsedItem } from "./feed.ts";
import { parseDate } from "./date.ts";
import { collapseWhitespace, escapeHtml, htmlToText } from "../text/html.ts";
import { isHttpUrl, resolveBase, resolveUrl } from "./url.ts";
import { asNodes, attrOf, childNodes, hasElementChildren, isXmlObject, serialiseXhtml, textOf, type XmlObject, type XmlValue } from "./xml.ts";

export type FeedFormat = ParsedFeed["format"];

// rss-parser reads some elements itself in ways that reject the whole feed: Atom <published> and
// <updated> go through `new Date(x).toISOString()` (one bad date throws), an Atom <link> without
// attributes crashes its link picker, and markup inside <description>/<summary>/<content> is
// re-serialised with xml2js's Builder, which throws on a stray control character. feed.ts renames
// them while rss-parser parses, so it never sees them; the custom fields below copy them back
// under their own names.
export const HIDDEN_FROM_RSS_PARSER: Readonly<Record<string, string>> = {
  link: "fl-link",
  published: "fl-published",
  updated: "fl-updated",
  description: "fl-description",
  summary: "fl-summary",
  content: "fl-content",
};

// Element names (lower-cased by feed.ts in both strict and lenient mode).
const ITEM_ELEMENTS = [
  "title", "description", "content:encoded", "summary", "content", "guid", "id", "link", "atom:link",
  "published", "updated", "issued", "created", "modified", "pubdate", "dc:date", "dcterms:issued",
  "dcterms:created", "dcterms:modified", "dc:modified", "atom:published", "atom:updated", "dc:creator",
  "author", "dc:subject", "category", "enclosure", "media:content", "media:thumbnail", "media:group",
  "source", "dc:language", "dc:title", "media:title", "feedburner:origlink",
];
const FEED_ELEMENTS = [
  "title", "dc:title", "subtitle", "tagline", "description", "link", "language", "dc:language", "author",
  "ttl", "sy:updateperiod", "sy:updatefrequency",
];

/** rss-parser custom fields: every element above copied raw (all occurrences) to "raw:<name>". */
type RawField = [string, string, { keepArray: boolean }];
const rawField = (name: string): RawField => [HIDDEN_FROM_RSS_PARSER[name] ?? name, `raw:${name}`, { keepArray: true }];
// "$" copies the element's own attributes (xml:base, xml:lang, rdf:about).
export const ITEM_FIELDS: RawField[] = [...ITEM_ELEMENTS, "$"].map(rawField);
export const FEED_FIELDS: RawField[] = [...FEED_ELEMENTS, "$"].map(rawField);

/** The same "raw:<name>" view for an element of the ordered tree (which nothing renamed). */
function rawViewOf(element: XmlObject): XmlObject {
  const view: XmlObject = { "raw:$": element["$"] };
  for (const name of ITEM_ELEMENTS) if (element[name] !== undefined) view[`raw:${name}`] = element[name];
  return view;
}

/** Link children, under either name (renamed in rss-parser's tree, not in the ordered one). */
function linkChildren(node: XmlValue | undefined): XmlValue[] {
  return [...childNodes(node, "fl-link"), ...childNodes(node, "link")];
}

function raw(node: XmlObject, name: string): XmlValue[] {
  return asNodes(node[`raw:${name}`]);
}

function rawFirst(node: XmlObject, name: string): XmlValue | undefined {
  return raw(node, name)[0];
}

/** The element's own attributes, as copied through the "$" field. */
function ownAttr(node: XmlObject, name: string): string | null {
  return attrOf({ $: node["raw:$"] }, name);
}

function nonEmpty(s: string | null | undefined): string | null {
  const t = (s ?? "").trim();
  return t === "" ? null : t;
}

// ---- text constructs ---------------------------------------------------------------------------

interface Construct {
  html: boolean;
  value: string;
}

/**
 * An Atom text construct (or an RSS element holding markup). `ordered` is the same element from
 * the ordered tree, needed to serialise xhtml in document order.
 */
function readConstruct(node: XmlValue | undefined, ordered: XmlValue | undefined, format: FeedFormat): Construct | null {
  if (node === undefined) return null;
  if (hasElementChildren(node)) return { html: true, value: ordered !== undefined ? serialiseXhtml(ordered) : textOf(node) };
  if (format !== "atom") return { html: true, value: textOf(node) }; // RSS text is HTML
  const type = (attrOf(node, "type") ?? "").trim().toLowerCase() || "text";
  const mode = attrOf(node, "mode")?.toLowerCase(); // Atom 0.3
  if (attrOf(node, "src") !== null && textOf(node).trim() === "") return null; // out-of-line content
  const value = mode === "base64" ? Buffer.from(textOf(node), "base64").toString("utf8") : textOf(node);
  if (type === "html" || type === "text/html" || mode === "escaped") return { html: true, value };
  if (type === "xhtml" || type === "application/xhtml+xml") return { html: true, value: ordered !== undefined ? serialiseXhtml(ordered) : value };
  if (type === "text" || type.startsWith("text/")) return { html: false, value };
  return null; // another media type (e.g. a base64 image): not article text
}

/** Plain text of the first non-empty element among `names` (fallback titles: dc:title, media:title). */
function firstText(node: XmlObject, names: string[]): string {
  for (const name of names) {
    const text = htmlToText(textOf(rawFirst(node, name)));
    if (text !== "") return text;
  }
  return "";
}

function constructHtml(c: Construct | null): string | null {
  if (c === null) return null;
  return nonEmpty(c.html ? c.value : escapeHtml(c.value.trim()));
}

function constructText(c: Construct | null): string {
  if (c === null) return "";
  return c.html ? htmlToText(c.value) : collapseWhitespace(c.value);
}

/** The same child element in the ordered tree (first occurrence), when there is one. */
function orderedChild(ordered: XmlObject | undefined, name: string): XmlValue | undefined {
  return childNodes(ordered, name)[0];
}

// ---- links -------------------------------------------------------------------------------------

/** href (Atom) or text (RSS) of a link element, resolved against its own xml:base and `base`. */
function linkHref(node: XmlValue, base: string): string | null {
  const href = attrOf(node, "href") ?? textOf(node);
  return resolveUrl(href, resolveBase(attrOf(node, "xml:base"), base));
}

/** rel="alternate" (the default), preferring an HTML type; never self, enclosure, etc. */
function alternateLink(nodes: XmlValue[], base: string): string | null {
  const alternates = nodes.filter((node) => {
    const rel = (attrOf(node, "rel") ?? "alternate").trim().toLowerCase();
    return rel === "alternate" || rel === "" || rel.endsWith("/alternate");
  });
  const html = alternates.find((node) => /html/i.test(attrOf(node, "type") ?? "html"));
  for (const node of html !== undefined ? [html, ...alternates] : alternates) {
    const href = linkHref(node, base);
    if (href !== null) return href;
  }
  return null;
}

/** RSS <link> is text; a link element with only attributes is an Atom link in the default namespace. */
function rssLink(nodes: XmlValue[], base: string): string | null {
  const withText = nodes.find((node) => textOf(node).trim() !== "");
  if (withText !== undefined) return linkHref(withText, base);
  return alternateLink(nodes, base);
}

// ---- people, categories, dates, images -----------------------------------------------------------

/** "jdoe@example.com (John Doe)" → "John Doe"; Atom <author><name> → name. */
function personName(node: XmlValue): string | null {
  const name = childNodes(node, "name")[0];
  const text = collapseWhitespace(name !== undefined ? textOf(name) : textOf(node));
  const inParens = /^\S+@\S+\s*\((.+)\)$/.exec(text);
  return nonEmpty(inParens?.[1] ?? text);
}

function people(nodes: XmlValue[]): string[] {
  return [...new Set(nodes.map(personName).filter((n): n is string => n !== null))];
}

function categoriesOf(node: XmlObject): string[] {
  const names = [
    ...raw(node, "category").map((c) => attrOf(c, "label") ?? attrOf(c, "term") ?? textOf(c)),
    ...raw(node, "dc:subject").map(textOf),
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names.map(collapseWhitespace)) {
    const key = name.toLowerCase();
    if (name === "" || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** The first of these elements that holds a readable date; unreadable ones are reported. */
function firstDate(node: XmlObject, names: string[], warn: (message: string) => void): Date | null {
  for (const name of names) {
    for (const value of raw(node, name)) {
      const text = collapseWhitespace(textOf(value));
      if (text === "") continue;
      const date = parseDate(text);
      if (date !== null) return date;
      warn(`unreadable date "${text.slice(0, 60)}"`);
    }
  }
  return null;
}

const IMAGE_EXTENSION = /\.(?:jpe?g|png|gif|webp|avif|bmp|svg)(?:[?#]|$)/i;

function isImage(node: XmlValue, urlAttr: string): boolean {
  const type = attrOf(node, "type") ?? "";
  const medium = attrOf(node, "medium") ?? "";
  if (type !== "" || medium !== "") return /^image\//i.test(type) || medium.toLowerCase() === "image";
  return IMAGE_EXTENSION.test(attrOf(node, urlAttr) ?? "");
}

function imageOf(node: XmlObject, base: string): string | null {
  const groups = raw(node, "media:group");
  const candidates: Array<[XmlValue, string]> = [
    ...raw(node, "enclosure").filter((n) => isImage(n, "url")).map((n): [XmlValue, string] => [n, "url"]),
    ...[...raw(node, "media:content"), ...groups.flatMap((g) => childNodes(g, "media:content"))]
      .filter((n) => isImage(n, "url"))
      .map((n): [XmlValue, string] => [n, "url"]),
    ...[...raw(node, "media:thumbnail"), ...groups.flatMap((g) => childNodes(g, "media:thumbnail"))].map((n): [XmlValue, string] => [n, "url"]),
    ...raw(node, "link")
      .filter((n) => attrOf(n, "rel")?.toLowerCase() === "enclosure" && isImage(n, "href"))
      .map((n): [XmlValue, string] => [n, "href"]),
  ];
  for (const [candidate, attr] of candidates) {
    const url = resolveUrl(attrOf(candidate, attr), base);
    if (url !== null) return url;
  }
  return null;
}

/** RSS <source url="…">Title</source>, or an Atom <source> holding the original feed's metadata. */
function sourceOf(node: XmlObject, base: string): { sourceTitle: string | null; sourceUrl: string | null } {
  const source = rawFirst(node, "source");
  if (source === undefined) return { sourceTitle: null, sourceUrl: null };
  const title = childNodes(source, "title")[0];
  if (title !== undefined || linkChildren(source).length > 0) {
    return { sourceTitle: nonEmpty(collapseWhitespace(textOf(title))), sourceUrl: alternateLink(linkChildren(source), base) };
  }
  return { sourceTitle: nonEmpty(collapseWhitespace(textOf(source))), sourceUrl: resolveUrl(attrOf(source, "url"), base) };
}

// ---- items -----------------------------------------------------------------------------------

interface ItemContext {
  format: FeedFormat;
  base: string;
  ordered: XmlObject | undefined;
  feedAuthors: string[];
  warn: (message: string) => void;
}

function itemLink(node: XmlObject, guid: string | null, ctx: ItemContext): string | null {
  const links = raw(node, "link");
  // An Atom entry without an alternate link: its id, when that is an http(s) URL, is the permalink.
  if (ctx.format === "atom") return alternateLink(links, ctx.base) ?? (guid !== null && isHttpUrl(guid) ? guid : null);
  // RSS items sometimes carry only an Atom link (<atom:link href>, e.g. .NET's a10 namespace).
  const link = rssLink(links, ctx.base) ?? alternateLink(raw(node, "atom:link"), ctx.base);
  if (link !== null) return link;
  if (ctx.format === "rdf") return resolveUrl(ownAttr(node, "rdf:about"), ctx.base);
  // An RSS guid is a permalink unless isPermaLink="false".
  const permalink = (attrOf(rawFirst(node, "guid"), "isPermaLink") ?? "true").trim().toLowerCase() !== "false";
  return permalink && guid !== null && isHttpUrl(guid) ? guid : null;
}

function itemAuthor(node: XmlObject, ctx: ItemContext): string | null {
  const names = people(raw(node, "dc:creator"));
  const authors = names.length > 0 ? names : people(raw(node, "author"));
  // Atom: an entry without authors has the feed's (RFC 4287 §4.2.1).
  const chosen = authors.length > 0 ? authors : ctx.format === "atom" ? ctx.feedAuthors : [];
  return chosen.length > 0 ? chosen.join(", ") : null;
}

function itemDates(node: XmlObject, ctx: ItemContext): { published: Date | null; updated: Date | null } {
  if (ctx.format === "atom") {
    const updated = firstDate(node, ["updated", "modified"], ctx.warn);
    const published = firstDate(node, ["published", "issued", "created"], ctx.warn);
    return { published: published ?? updated, updated };
  }
  return {
    published: firstDate(node, ["pubdate", "dc:date", "dcterms:issued", "dcterms:created", "atom:published"], ctx.warn),
    updated: firstDate(node, ["dc:modified", "dcterms:modified", "atom:updated", "updated"], ctx.warn),
  };
}

function construct(node: XmlObject, name: string, ctx: ItemContext): Construct | null {
  return readConstruct(rawFirst(node, name), orderedChild(ctx.ordered, name), ctx.format);
}

/** FeedBurner's <feedburner:origLink>: the publisher's own URL behind a feedproxy redirect link. */
function originalLink(node: XmlObject, base: string): string | null {
  const url = resolveUrl(textOf(rawFirst(node, "feedburner:origlink")), base);
  return url !== null && isHttpUrl(url) ? url : null;
}

function toParsedItem(node: XmlObject, ctx: ItemContext): ParsedItem | null {
  const guid = ctx.format === "rdf" ? null : nonEmpty(collapseWhitespace(textOf(rawFirst(node, ctx.format === "atom" ? "id" : "guid"))));
  const link = itemLink(node, guid, ctx);
  const title = constructText(construct(node, "title", ctx)) || firstText(node, ["dc:title", "media:title"]);
  const summaryHtml = constructHtml(construct(node, ctx.format === "atom" ? "summary" : "description", ctx));
  const contentHtml = constructHtml(construct(node, ctx.format === "atom" ? "content" : "content:encoded", ctx));
  if (guid === null && link === null && title === "" && summaryHtml === null && contentHtml === null) return null;
  return {
    guid,
    link,
    title,
    summaryHtml,
    contentHtml,
    author: itemAuthor(node, ctx),
    categories: categoriesOf(node),
    ...itemDates(node, ctx),
    imageUrl: imageOf(node, ctx.base),
    ...sourceOf(node, ctx.base),
    language: nonEmpty(textOf(rawFirst(node, "dc:language"))) ?? nonEmpty(ownAttr(node, "xml:lang")),
    about: ctx.format === "rdf" ? nonEmpty(ownAttr(node, "rdf:about")?.trim()) : null,
    origLink: originalLink(node, ctx.base),
  };
}

// ---- the feed ----------------------------------------------------------------------------------

/** Where the ordered tree keeps the root, the channel-level element and the items, with xml:base. */
interface OrderedLayout {
  root: XmlObject;
  channel: XmlObject | undefined;
  channelBase: string;
  items: Array<{ node: XmlObject | undefined; base: string }>;
}

function objects(values: XmlValue[]): XmlObject[] {
  return values.filter(isXmlObject);
}

function itemName(format: FeedFormat): string {
  return format === "atom" ? "entry" : "item";
}

function orderedLayout(tree: XmlObject | null, format: FeedFormat, feedUrl: string): OrderedLayout | null {
  if (tree === null) return null;
  const root = objects(asNodes(tree[format === "atom" ? "feed" : format === "rdf" ? "rdf:rdf" : "rss"]))[0];
  if (root === undefined) return null;
  const rootBase = resolveBase(attrOf(root, "xml:base"), feedUrl);
  const channel = format === "atom" ? root : objects(childNodes(root, "channel"))[0];
  const channelBase = format === "atom" ? rootBase : resolveBase(attrOf(channel, "xml:base"), rootBase);
  const itemParent = format === "rss" ? channel : root;
  const itemBase = format === "rdf" ? rootBase : channelBase; // RDF items are siblings of the channel
  const items = childNodes(itemParent, itemName(format)).map((item) => ({
    node: isXmlObject(item) ? item : undefined,
    base: resolveBase(attrOf(item, "xml:base"), itemBase),
  }));
  return { root, channel, channelBase, items };
}

/** Every item element anywhere under `node`, in document order (not looking inside items). */
function itemsAnywhere(node: XmlObject, name: string): XmlObject[] {
  const children = Array.isArray(node["$$"]) ? node["$$"].filter(isXmlObject) : [];
  return children.flatMap((child) => (child["#name"] === name ? [child] : itemsAnywhere(child, name)));
}

/** The ordered tree costs a second parse: for xml:base, xhtml, markup inside elements, leniency. */
export function needsOrderedTree(doc: string, output: XmlObject, lenient: boolean): boolean {
  if (lenient || /xml:base|xhtml/i.test(doc)) return true;
  const items = objects(asNodes(output["items"]));
  const markup = (node: XmlObject, names: string[]): boolean => names.some((name) => hasElementChildren(rawFirst(node, name)));
  return markup(output, ["title", "subtitle", "description"]) || items.some((item) => markup(item, ["title", "description", "summary", "content", "content:encoded"]));
}

export interface BuildInput {
  output: XmlObject; // rss-parser's result
  format: FeedFormat;
  feedUrl: string;
  ordered: XmlObject | null;
  lenient: boolean;
  warnings: string[];
}

interface Entry {
  node: XmlObject; // "raw:<name>" view
  base: string;
  ordered: XmlObject | undefined;
}

/**
 * rss-parser's items with their place in the ordered tree. After a lenient read, items that
 * mis-nesting put outside the channel (e.g. under an unclosed element) are taken where found.
 */
function entriesOf(input: BuildInput, layout: OrderedLayout | null): Entry[] {
  const rssItems = objects(asNodes(input.output["items"]));
  const base = layout?.channelBase ?? input.feedUrl;
  const found = input.lenient && layout !== null ? itemsAnywhere(layout.root, itemName(input.format)) : [];
  if (found.length > rssItems.length) {
    input.warnings.push(`${found.length - rssItems.length} items were not where the format puts them (mis-nested elements): read where found`);
    return found.map((element) => ({ node: rawViewOf(element), base: resolveBase(attrOf(element, "xml:base"), base), ordered: element }));
  }
  const aligned = layout !== null && layout.items.length === rssItems.length;
  return rssItems.map((node, index) => {
    const place = aligned ? layout.items[index] : undefined;
    return { node, base: place?.base ?? base, ordered: place?.node };
  });
}

export function buildFeed(input: BuildInput): Omit<ParsedFeed, "recovered" | "warnings"> {
  const { output, format, feedUrl, warnings } = input;
  const layout = orderedLayout(input.ordered, format, feedUrl);
  const channelBase = layout?.channelBase ?? feedUrl;
  const feedCtx: ItemContext = { format, base: channelBase, ordered: layout?.channel, feedAuthors: [], warn: () => undefined };
  const feedAuthors = people(raw(output, "author"));
  const items: ParsedItem[] = [];
  entriesOf(input, layout).forEach((entry, index) => {
    const warn = (message: string): void => void warnings.push(`item ${index + 1}: ${message}`);
    const item = toParsedItem(entry.node, { format, base: entry.base, ordered: entry.ordered, feedAuthors, warn });
    if (item === null) warn("no title, link, id or content: skipped");
    else items.push(item);
  });
  const description = format === "atom" ? construct(output, "subtitle", feedCtx) ?? construct(output, "tagline", feedCtx) : construct(output, "description", feedCtx);
  return {
    format,
    title: nonEmpty(constructText(construct(output, "title", feedCtx)) || firstText(output, ["dc:title"])),
    description: nonEmpty(constructText(description)),
    link: format === "atom" ? alternateLink(raw(output, "link"), channelBase) : rssLink(raw(output, "link"), channelBase),
    language: nonEmpty(textOf(rawFirst(output, "language"))) ?? nonEmpty(textOf(rawFirst(output, "dc:language"))) ?? nonEmpty(ownAttr(output, "xml:lang")),
    ttlMinutes: positiveInt(textOf(rawFirst(output, "ttl"))),
    updatePeriodSeconds: updatePeriod(textOf(rawFirst(output, "sy:updateperiod")), textOf(rawFirst(output, "sy:updatefrequency"))),
    items,
  };
}

function positiveInt(text: string): number | null {
  const n = Number(text.trim());
  return Number.isInteger(n) && n > 0 ? n : null;
}

const PERIOD_SECONDS: Record<string, number> = { hourly: 3600, daily: 86_400, weekly: 604_800, monthly: 2_592_000, yearly: 31_536_000 };

/** sy:updatePeriod (default daily) divided by sy:updateFrequency (default 1), when either is given. */
function updatePeriod(period: string, frequency: string): number | null {
  if (!period.trim() && !frequency.trim()) return null;
  const seconds = PERIOD_SECONDS[period.trim().toLowerCase() || "daily"];
  if (seconds === undefined) return null;
  return Math.round(seconds / (positiveInt(frequency) ?? 1));
}
