// Just enough HTML for feed fields: entity decoding, tag stripping for titles, escaping text.
// Not a sanitiser (that happens at output); nothing here produces markup from untrusted text
// except escapeHtml, which only escapes.
import { cp1252Char } from "./cp1252.ts";

const LATIN1_NAMES =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 " +
  "acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml " +
  "Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde " +
  "Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig " +
  "ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide " +
  "oslash ugrave uacute ucirc uuml yacute thorn yuml";

const GREEK_UPPER = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho _ Sigma Tau Upsilon Phi Chi Psi Omega";

const OTHER_ENTITIES =
  "quot:34 amp:38 apos:39 lt:60 gt:62 QUOT:34 AMP:38 LT:60 GT:62 COPY:169 REG:174 OElig:338 oelig:339 " +
  "Scaron:352 scaron:353 Yuml:376 fnof:402 circ:710 tilde:732 thetasym:977 upsih:978 piv:982 ensp:8194 " +
  "emsp:8195 thinsp:8201 zwnj:8204 zwj:8205 lrm:8206 rlm:8207 hyphen:8208 ndash:8211 mdash:8212 horbar:8213 " +
  "lsquo:8216 rsquo:8217 sbquo:8218 ldquo:8220 rdquo:8221 bdquo:8222 dagger:8224 Dagger:8225 bull:8226 " +
  "hellip:8230 permil:8240 prime:8242 Prime:8243 lsaquo:8249 rsaquo:8250 oline:8254 frasl:8260 euro:8364 " +
  "image:8465 weierp:8472 real:8476 trade:8482 alefsym:8501 larr:8592 uarr:8593 rarr:8594 darr:8595 " +
  "harr:8596 crarr:8629 lArr:8656 uArr:8657 rArr:8658 dArr:8659 hArr:8660 forall:8704 part:8706 exist:8707 " +
  "empty:8709 nabla:8711 isin:8712 notin:8713 ni:8715 prod:8719 sum:8721 minus:8722 lowast:8727 radic:8730 " +
  "prop:8733 infin:8734 ang:8736 and:8743 or:8744 cap:8745 cup:8746 int:8747 there4:8756 sim:8764 cong:8773 " +
  "asymp:8776 ne:8800 equiv:8801 le:8804 ge:8805 sub:8834 sup:8835 nsub:8836 sube:8838 supe:8839 oplus:8853 " +
  "otimes:8855 perp:8869 sdot:8901 lceil:8968 rceil:8969 lfloor:8970 rfloor:8971 lang:9001 rang:9002 " +
  "loz:9674 spades:9824 clubs:9827 hearts:9829 diams:9830";

/** The HTML 4 entity set (plus a few common HTML5 additions), name → character. */
export const HTML_ENTITIES: ReadonlyMap<string, string> = buildEntityTable();

function buildEntityTable(): Map<string, string> {
  const table = new Map<string, string>();
  LATIN1_NAMES.split(" ").forEach((name, i) => table.set(name, String.fromCodePoint(160 + i)));
  GREEK_UPPER.split(" ").forEach((name, i) => {
    if (name === "_") return; // U+03A2 is unassigned
    table.set(name, String.fromCodePoint(913 + i));
    table.set(name.toLowerCase(), String.fromCodePoint(945 + i));
  });
  table.set("sigmaf", "\u03c2");
  for (const pair of OTHER_ENTITIES.split(" ")) {
    const [name, code] = pair.split(":");
    if (name !== undefined && code !== undefined) table.set(name, String.fromCodePoint(Number(code)));
  }
  return table;
}

function fromCodePoint(code: number): string {
  // HTML reads the C1 range of numeric references as windows-1252 (&#146; is a right quote).
  if (code >= 0x80 && code <= 0x9f) return cp1252Char(code);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\uFFFD";
  return String.fromCodePoint(code);
}

/** Decodes named (HTML 4 set) and numeric references; unknown names are left as written. */
export function decodeHtmlEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));/g, (whole, hex?: string, dec?: string, name?: string) => {
    if (hex !== undefined) return fromCodePoint(parseInt(hex, 16));
    if (dec !== undefined) return fromCodePoint(parseInt(dec, 10));
    return HTML_ENTITIES.get(name ?? "") ?? whole;
  });
}

/** Every run of whitespace (U+00A0 and other Unicode spaces included) becomes one space. */
export function collapseWhitespace(s: string): string {
  return s.replace(/[\s\u200b\ufeff]+/g, " ").trim();
}

const BLOCK_TAG = /<\/?(?:p|div|br|hr|li|ul|ol|h[1-6]|blockquote|tr|td|th|table|section|article|header|footer|pre|dd|dt|figure|figcaption)\b[^>]*>/gi;

/** Plain text of an HTML fragment: tags stripped, entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(BLOCK_TAG, " ")
    .replace(/<\/?[A-Za-z][^>]*>|<![^>]*>|<\?[^>]*>/g, "");
  return collapseWhitespace(decodeHtmlEntities(text));
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The first `max` characters of text, cut at a word boundary. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.-]+$/, "") + "…";
}
