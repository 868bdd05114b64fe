// Feed text → ParsedFeed. rss-parser (parseString) recognises the format and walks channel/items;
// everything it reads loosely or not at all is taken from the raw nodes it copies through custom
// fields and interpreted in items.ts. A document that is not well-formed is read a second time
// with the lenient (non-strict) XML parser, producing the same shapes.
import Parser from "rss-parser";
import xml2js from "xml2js";
import { buildFeed, FEED_FIELDS, HIDDEN_FROM_RSS_PARSER, ITEM_FIELDS, needsOrderedTree, type FeedFormat } from "./items.ts";
import { applyInternalSubset } from "./doctype.ts";
import { FeedParseError } from "./errors.ts";
import { canonicalName, prefixMap } from "./names.ts";
import { isXmlObject, type XmlObject } from "./xml.ts";

export interface ParsedItem {
  /** RSS <guid> text, Atom <id>; null for RSS 1.0 (rdf:about == link is the identity). */
  guid: string | null;
  /** Absolute: resolved against xml:base (nested) and the feed URL; otherwise as published. */
  link: string | null;
  /** Plain text, whitespace collapsed; "" when absent. */
  title: string;
  summaryHtml: string | null;
  contentHtml: string | null;
  author: string | null;
  categories: string[];
  published: Date | null;
  updated: Date | null;
  imageUrl: string | null;
  sourceTitle?: string | null;
  sourceUrl?: string | null;
  /** dc:language or xml:lang of the item itself, when given. */
  language?: string | null;
  /** RSS 1.0: the item's rdf:about, as written (its identifier; usually equal to its link). */
  about?: string | null;
  /** FeedBurner <feedburner:origLink>: the article's own URL when `link` is a feedproxy redirect. */
  origLink?: string | null;
}

export interface ParsedFeed {
  format: "rss" | "atom" | "rdf";
  title: string | null;
  description: string | null;
  /** The site's home page (absolute), never the feed's self link. */
  link: string | null;
  language: string | null;
  /** RSS <ttl>: minutes the feed may be cached. */
  ttlMinutes: number | null;
  /** sy:updatePeriod / sy:updateFrequency, as seconds between updates. */
  updatePeriodSeconds: number | null;
  items: ParsedItem[];
  /** True when the XML was not well-formed and was read by the lenient retry. */
  recovered: boolean;
  warnings: string[];
}

export { FeedParseError };

export async function parseFeed(text: string, feedUrl: string): Promise<ParsedFeed> {
  let doc = text.replace(/^\uFEFF/, "");
  refuseNonXml(doc);
  doc = applyInternalSubset(doc);
  doc = wrapEntryDocument(doc);
  const warnings: string[] = [];
  let run = await runRssParser(doc, true);
  const problem = run.ok ? null : wellFormednessProblem(run, doc);
  const lenient = problem !== null;
  if (lenient) {
    ({ run, doc } = await readLeniently(doc));
    const where = problem.line === null ? "" : ` at line ${problem.line}`;
    if (!run.ok && isXmlSyntaxError(run.error)) throw new FeedParseError(`XML error${where}: ${problem.what}`);
    if (run.ok) warnings.push(`not well-formed XML (${problem.what})${where}: read leniently`);
  }
  if (!run.ok) throw notAFeed(run.error, run.root);
  const format = formatOf(run.root);
  if (format === null) throw notAFeed(new Error("Feed not recognized"), run.root);
  const ordered = needsOrderedTree(doc, run.output, lenient) ? await parseOrdered(doc, !lenient) : null;
  const feed = buildFeed({ output: run.output, format, feedUrl, ordered, lenient, warnings });
  return { ...feed, recovered: lenient, warnings };
}

const FEED_ROOT_TAG = /<(?:rss|feed|rdf:RDF)[\s>]/i;

/** Why the strict read failed, when a lenient read may help; null when it will not. */
function wellFormednessProblem(run: RssRun & { ok: false }, doc: string): { what: string; line: number | null } | null {
  if (isXmlSyntaxError(run.error)) return describeXmlError(run.error);
  // Markup before the feed (a server warning) becomes the root element of a strict read.
  const feedStart = doc.search(FEED_ROOT_TAG);
  if (formatOf(run.root) === null && feedStart > 0) return { what: "markup before the feed's root element", line: 1 };
  return null;
}

/**
 * The non-strict parser forgives bad entities and mismatched tags, but not a document whose root
 * element is never closed (a truncated download): then drop any cut-off tag, close the root and
 * read up to the cut.
 */
async function readLeniently(original: string): Promise<{ run: RssRun; doc: string }> {
  const doc = escapeBareAmpersands(dropLeadingJunk(original));
  const run = await runRssParser(doc, false);
  const closers = run.root === null ? undefined : ROOT_CLOSERS[run.root];
  const unfinished = !run.ok && (isXmlSyntaxError(run.error) || (run.error instanceof Error && run.error.message === "Unable to parse XML."));
  if (!unfinished || closers === undefined) return { run, doc };
  const closed = doc.replace(/<[^>]*$/, "") + closers;
  return { run: await runRssParser(closed, false), doc: closed };
}

/** Text before the XML declaration or the feed's root (e.g. a server's warning printed first). */
function dropLeadingJunk(doc: string): string {
  const declaration = doc.search(/<\?xml\s/);
  const start = declaration >= 0 ? declaration : doc.search(FEED_ROOT_TAG);
  return start > 0 && /[^\s]/.test(doc.slice(0, start).replace(/<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/gi, "")) ? doc.slice(start) : doc;
}

/**
 * "&" that starts no entity or character reference becomes "&amp;" (outside CDATA and comments).
 * The lenient parser would otherwise swallow the next "<" into the text ("a&b</link>").
 */
function escapeBareAmpersands(doc: string): string {
  return doc
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/&(?![A-Za-z][A-Za-z0-9._-]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)/g, "&amp;")))
    .join("");
}

// Unmatched closing tags are skipped by the lenient parser, so closing too much is harmless.
const ROOT_CLOSERS: Record<string, string> = { rss: "</channel></rss>", feed: "</feed>", "rdf:rdf": "</rdf:RDF>" };

// ---- refusing what is plainly not a feed --------------------------------------------------------

function refuseNonXml(doc: string): void {
  const t = doc.trimStart();
  if (t === "") throw new FeedParseError("empty document");
  if (/^[[{]/.test(t)) {
    const jsonFeed = /jsonfeed\.org\/version/i.test(t.slice(0, 4000));
    throw new FeedParseError(jsonFeed ? "not a feed: the document is a JSON Feed (JSON); only RSS, Atom and RDF are read" : "not a feed: the document is JSON");
  }
  if (!t.includes("<")) throw new FeedParseError("not a feed: the document is not XML");
  const root = sniffRootName(t);
  // The root decides: some feeds carry a stray XHTML DOCTYPE.
  const htmlDoctype = /^\s*<!doctype\s+html/i.test(withoutPrologue(t));
  if (root === "html" || (htmlDoctype && formatOf(root) === null)) throw new FeedParseError("not a feed: the document is an HTML page");
}

/** An Atom entry document (RFC 4287 §4.1.2) is read as a feed of that one entry. */
function wrapEntryDocument(doc: string): string {
  if (sniffRootName(doc) !== "entry" || !doc.includes("http://www.w3.org/2005/Atom")) return doc;
  const body = withoutPrologue(doc).replace(/^<!doctype\b[^>]*>\s*/i, "");
  return `<feed xmlns="http://www.w3.org/2005/Atom">${body}</feed>`;
}

/** The document after any XML declaration, processing instructions and comments. */
function withoutPrologue(t: string): string {
  let rest = t.trimStart();
  for (;;) {
    const skip = /^(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->)\s*/.exec(rest);
    if (!skip) return rest;
    rest = rest.slice(skip[0].length);
  }
}

/** Name of the first element, lower-cased, skipping the prologue and a DOCTYPE. */
function sniffRootName(t: string): string | null {
  let rest = withoutPrologue(t);
  const doctype = /^<!doctype\b[^[>]*(?:\[[\s\S]*?\])?\s*>/i.exec(rest);
  if (doctype) rest = withoutPrologue(rest.slice(doctype[0].length));
  const match = /<([A-Za-z_][\w:.-]*)/.exec(rest);
  return match?.[1]?.toLowerCase() ?? null;
}

function formatOf(root: string | null): FeedFormat | null {
  if (root === "feed") return "atom";
  if (root === "rdf:rdf") return "rdf";
  if (root === "rss") return "rss";
  return null;
}

function notAFeed(error: unknown, rootName: string | null): FeedParseError {
  const message = error instanceof Error ? error.message : String(error);
  const root = rootName === "rdf:rdf" ? "rdf:RDF" : rootName;
  if (root === null) return new FeedParseError("not a feed: the document has no root element");
  if (root === "html") return new FeedParseError("not a feed: the document is an HTML page");
  if (formatOf(rootName) === null) return new FeedParseError(`not a feed: the root element is <${root}>, not <rss>, <feed> or <rdf:RDF>`);
  if (root !== "feed" && error instanceof TypeError) return new FeedParseError(`not a feed: <${root}> has no <channel>`);
  return new FeedParseError(`could not read the feed: ${message}`);
}

// ---- rss-parser ------------------------------------------------------------------------------

type RssRun = { ok: true; output: XmlObject; root: string | null } | { ok: false; error: unknown; root: string | null };

// "rdf:RDF" keeps its case because rss-parser looks for exactly that key; see items.ts for the rest.
const RENAMED_TAGS: Record<string, string> = { "rdf:rdf": "rdf:RDF", ...HIDDEN_FROM_RSS_PARSER };

/** Name processors for xml2js: conventional prefixes, lower case (the lenient parser shouts). */
function nameProcessors(doc: string, strict: boolean): { tag: (name: string) => string; attr: (name: string) => string } {
  const prefixes = prefixMap(doc);
  return {
    tag: (name) => canonicalName(name.toLowerCase(), prefixes),
    attr: (name) => canonicalName(strict ? name : name.toLowerCase(), prefixes),
  };
}

async function runRssParser(doc: string, strict: boolean): Promise<RssRun> {
  let root: string | null = null;
  const names = nameProcessors(doc, strict);
  const tagName = (name: string): string => {
    const canonical = names.tag(name);
    root ??= canonical; // the first element opened is the root
    return RENAMED_TAGS[canonical] ?? canonical;
  };
  const parser = new Parser<Record<string, unknown>, Record<string, unknown>>({
    defaultRSS: 2,
    // Element names are lower-cased in both modes (and attribute names when lenient, where sax
    // upper-cases them), so the strict and lenient reads produce the same keys.
    xml2js: { strict, tagNameProcessors: [tagName], attrNameProcessors: [names.attr] },
    customFields: {
      // rss-parser's typings only allow plain names for feed fields; its runtime (copyFromXML)
      // accepts the same [from, to, { keepArray }] form as for items.
      feed: FEED_FIELDS as unknown as string[],
      item: ITEM_FIELDS,
    },
  });
  try {
    const output: unknown = await parser.parseString(doc);
    if (!isXmlObject(output)) return { ok: false, error: new Error("Unable to parse XML."), root };
    return { ok: true, output, root };
  } catch (error) {
    return { ok: false, error, root };
  }
}

// ---- XML errors --------------------------------------------------------------------------------

function isXmlSyntaxError(error: unknown): error is Error {
  return error instanceof Error && /\nLine: \d+/.test(error.message);
}

const SAX_PROBLEMS: Array<[RegExp, string]> = [
  [/^Invalid character in entity name/, "unescaped &"],
  [/^Invalid character entity/, "bad character reference"],
  [/^Unexpected close tag/, "mismatched closing tag"],
  [/^Unmatched closing tag/, "closing tag without an opening tag"],
  [/^Unclosed root tag/, "the document ends before the root element is closed"],
  [/^Non-whitespace before first tag/, "text before the first tag"],
  [/^Text data outside of root node/, "text after the root element"],
  [/^Unquoted attribute value/, "unquoted attribute value"],
  [/^Attribute without value/, "attribute without a value"],
  [/^Invalid attribute name/, "invalid attribute name"],
  [/^Invalid tagname/, "invalid tag name"],
  [/^Unexpected end/, "the document ends early"],
];

/** sax messages look like "Invalid character in entity name\nLine: 10\nColumn: 19\nChar:  ". */
function describeXmlError(error: Error): { what: string; line: number | null } {
  const [first = ""] = error.message.split("\n");
  const what = SAX_PROBLEMS.find(([pattern]) => pattern.test(first))?.[1] ?? first.replace(/\.$/, "").toLowerCase();
  const line = /\nLine: (\d+)/.exec(error.message);
  return { what, line: line ? Number(line[1]) + 1 : null }; // sax counts lines from 0
}

// ---- the ordered tree (xml:base and xhtml need attributes and document order) ---------------------

async function parseOrdered(doc: string, strict: boolean): Promise<XmlObject | null> {
  const names = nameProcessors(doc, strict);
  const parser = new xml2js.Parser({
    strict,
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: true,
    includeWhiteChars: true,
    tagNameProcessors: [names.tag],
    attrNameProcessors: [names.attr],
  });
  try {
    const tree: unknown = await parser.parseStringPromise(doc);
    return isXmlObject(tree) ? tree : null;
  } catch {
    return null; // cannot happen after the same parser accepted it; fall back to unordered nodes
  }
}
