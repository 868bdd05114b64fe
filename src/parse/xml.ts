// Typed access to the trees xml2js builds (and rss-parser hands back in custom fields): a text-only
// element is a string; any other element is an object with its text under "_", attributes under
// "$", and child elements as arrays keyed by name. With preserveChildrenOrder the object also
// holds "$$": every child in document order, text runs as { "#name": "__text__", _ }.
import { cp1252Char } from "../text/cp1252.ts";
import { escapeHtml } from "../text/html.ts";

export type XmlValue = string | XmlObject;
export interface XmlObject {
  [key: string]: unknown;
}

export function isXmlObject(value: unknown): value is XmlObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isXmlValue(value: unknown): value is XmlValue {
  return typeof value === "string" || isXmlObject(value);
}

/** A custom field's value (an array of nodes, one node, or nothing) as a list of nodes. */
export function asNodes(value: unknown): XmlValue[] {
  if (Array.isArray(value)) return value.filter(isXmlValue);
  return isXmlValue(value) ? [value] : [];
}

export function childNodes(node: XmlValue | undefined, name: string): XmlValue[] {
  return isXmlObject(node) ? asNodes(node[name]) : [];
}

/** The element's own text (XML-decoded by the parser), "" if none. */
export function textOf(node: XmlValue | undefined): string {
  if (typeof node === "string") return cleanText(node);
  if (isXmlObject(node) && typeof node["_"] === "string") return cleanText(node["_"]);
  return "";
}

/**
 * Control characters out of feed text: C0 controls (other than tab and line breaks) are dropped,
 * as XML forbids them and they would break the feeds we publish; C1 controls (U+0080-U+009F)
 * are windows-1252 punctuation that was read as Latin-1, and become that punctuation.
 */
function cleanText(text: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const c0 = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    if (!c0 && (code < 0x80 || code > 0x9f)) continue;
    out += text.slice(start, i) + (c0 ? "" : cp1252Char(code));
    start = i + 1;
  }
  return start === 0 ? text : out + text.slice(start);
}

/** An attribute by name, case-insensitively (the lenient parser reports names in upper case). */
export function attrOf(node: XmlValue | undefined, name: string): string | null {
  if (!isXmlObject(node)) return null;
  const attrs = node["$"];
  if (!isXmlObject(attrs)) return null;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(attrs)) {
    if (key.toLowerCase() === wanted && typeof value === "string") return value;
  }
  return null;
}

const BOOKKEEPING = new Set(["_", "$", "$$", "#name"]);

/** True when the element holds child elements (markup), not only text. */
export function hasElementChildren(node: XmlValue | undefined): boolean {
  return isXmlObject(node) && Object.keys(node).some((key) => !BOOKKEEPING.has(key));
}

const VOID_ELEMENTS = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]);

/** Local name without a namespace prefix: "xhtml:p" → "p". */
function localName(name: string): string {
  return name.slice(name.indexOf(":") + 1);
}

/**
 * The children of an element parsed with preserveChildrenOrder, serialised as HTML in document
 * order. Namespace prefixes and xmlns declarations are dropped (Atom xhtml content).
 */
export function serialiseChildren(node: XmlValue | undefined): string {
  if (typeof node === "string") return escapeHtml(node);
  if (!isXmlObject(node)) return "";
  const ordered = node["$$"];
  if (!Array.isArray(ordered)) return escapeHtml(textOf(node));
  return ordered.map((child) => (isXmlObject(child) ? serialiseNode(child) : "")).join("");
}

function serialiseNode(node: XmlObject): string {
  const name = typeof node["#name"] === "string" ? node["#name"] : "";
  if (name === "__text__") return escapeHtml(textOf(node));
  const tag = localName(name);
  const attrs = isXmlObject(node["$"]) ? Object.entries(node["$"]) : [];
  const attrText = attrs
    .filter(([key, value]) => typeof value === "string" && key !== "xmlns" && !key.startsWith("xmlns:"))
    .map(([key, value]) => ` ${localName(key)}="${escapeHtml(String(value))}"`)
    .join("");
  const inner = serialiseChildren(node);
  if (inner === "" && VOID_ELEMENTS.has(tag.toLowerCase())) return `<${tag}${attrText}>`;
  return `<${tag}${attrText}>${inner}</${tag}>`;
}

/** For Atom xhtml constructs: the content of the wrapping <div>, else of the element itself. */
export function serialiseXhtml(node: XmlValue | undefined): string {
  if (!isXmlObject(node)) return serialiseChildren(node);
  const ordered = Array.isArray(node["$$"]) ? node["$$"].filter(isXmlObject) : [];
  const elements = ordered.filter((child) => child["#name"] !== "__text__");
  const onlyDiv = elements.length === 1 && elements[0] !== undefined && localName(String(elements[0]["#name"])).toLowerCase() === "div";
  return (onlyDiv ? serialiseChildren(elements[0]) : serialiseChildren(node)).trim();
}
