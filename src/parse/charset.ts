// Bytes → text for a fetched feed. Precedence: byte-order mark, then the HTTP charset, then the
// XML declaration, then detection (valid UTF-8, else windows-1252). Labels are resolved the WHATWG
// way through TextDecoder, so "latin1" and "us-ascii" both mean windows-1252, as browsers do.
import { cp1252Char, decodeWindows1252 } from "../text/cp1252.ts";

export interface DecodedFeed {
  text: string;
  /** WHATWG name of the encoding actually used, e.g. "utf-8", "windows-1251", "koi8-u". */
  encoding: string;
  /** True when bytes that were invalid in that encoding had to be repaired. */
  repaired: boolean;
}

export function decodeFeed(bytes: Uint8Array, contentType?: string | null): DecodedFeed {
  const bom = sniffBom(bytes);
  if (bom) return decodeAs(bom.encoding, bytes.subarray(bom.length));
  const encoding =
    usableLabel(charsetFromContentType(contentType), bytes) ??
    unicodeWithoutBom(bytes) ??
    usableLabel(declaredEncoding(bytes), bytes) ??
    (isValidUtf8(bytes) ? "utf-8" : "windows-1252");
  return decodeAs(encoding, bytes);
}

function sniffBom(bytes: Uint8Array): { encoding: string; length: number } | null {
  const [a, b, c, d] = bytes;
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: "utf-8", length: 3 };
  if (a === 0x00 && b === 0x00 && c === 0xfe && d === 0xff) return { encoding: "utf-32be", length: 4 };
  if (a === 0xff && b === 0xfe && c === 0x00 && d === 0x00) return { encoding: "utf-32le", length: 4 };
  if (a === 0xff && b === 0xfe) return { encoding: "utf-16le", length: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: "utf-16be", length: 2 };
  return null;
}

export function charsetFromContentType(contentType: string | null | undefined): string | null {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;\s]+))/i.exec(contentType ?? "");
  const label = match?.[1] ?? match?.[2] ?? match?.[3] ?? "";
  return label.trim() || null;
}

/** The encoding named in `<?xml … encoding="…"?>`, read from the first bytes as ASCII. */
export function declaredEncoding(bytes: Uint8Array): string | null {
  let head = "";
  for (const byte of bytes.subarray(0, 512)) head += String.fromCharCode(byte);
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']+)["']/.exec(head);
  return match?.[1]?.trim() ?? null;
}

/** "<" written in UTF-32 or UTF-16 without a byte-order mark (XML 1.0 appendix F). */
function unicodeWithoutBom(bytes: Uint8Array): string | null {
  const [a, b, c, d] = bytes;
  if (a === 0x00 && b === 0x00 && c === 0x00 && d === 0x3c) return "utf-32be";
  if (a === 0x3c && b === 0x00 && c === 0x00 && d === 0x00) return "utf-32le";
  if (a === 0x3c && b === 0x00 && c === 0x3f && d === 0x00) return "utf-16le";
  if (a === 0x00 && b === 0x3c && c === 0x00 && d === 0x3f) return "utf-16be";
  return null;
}

/** The WHATWG name for a label, or null when the label is unknown or cannot fit these bytes. */
const LATIN_LABELS = new Set(["windows-1252", "iso-8859-15"]);

function hasNonAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80) return true;
  return false;
}

function usableLabel(label: string | null, bytes: Uint8Array): string | null {
  if (label === null) return null;
  const encoding = canonicalEncoding(label);
  if (encoding === null || encoding === "replacement") return null;
  if (/^utf-(16|32)/.test(encoding)) {
    // The bytes decide the byte order; a UTF-16/32 label on a document whose "<" is a single
    // byte is a mislabel (common in feeds) and is ignored.
    const sniffed = unicodeWithoutBom(bytes);
    return sniffed !== null && sniffed.slice(0, 6) === encoding.slice(0, 6) ? sniffed : null;
  }
  // "us-ascii" cannot hold non-ASCII bytes; when they form valid UTF-8 that is what they are.
  if (/^(us-)?ascii$/i.test(label.trim()) && isValidUtf8(bytes)) return "utf-8";
  // A Latin-1 label on bytes that are valid UTF-8 with multi-byte sequences is a mislabel: Latin-1
  // text almost never happens to be valid UTF-8, and reading it as labelled would garble it ("Ã©").
  if (LATIN_LABELS.has(encoding) && hasNonAscii(bytes) && isValidUtf8(bytes)) return "utf-8";
  return encoding;
}

export function canonicalEncoding(label: string): string | null {
  // UTF-32 is not a WHATWG encoding (TextDecoder refuses it); it is decoded by hand below.
  const utf32 = /^(?:utf-?32|ucs-?4)(le|be)?$/i.exec(label.trim());
  if (utf32) return `utf-32${(utf32[1] ?? "be").toLowerCase()}`;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null; // RangeError: not a label TextDecoder knows
  }
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function decodeAs(encoding: string, bytes: Uint8Array): DecodedFeed {
  let text: string;
  let repaired = false;
  if (encoding === "windows-1252") return { text: decodeWindows1252(bytes).replace(/^\uFEFF/, ""), encoding, repaired };
  if (encoding.startsWith("utf-32")) return decodeUtf32(bytes, encoding === "utf-32le");
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    repaired = true;
    text = encoding === "utf-8" ? repairUtf8(bytes) : new TextDecoder(encoding).decode(bytes);
  }
  return { text: text.replace(/^\uFEFF/, ""), encoding, repaired };
}

/**
 * UTF-8 with stray bytes: valid sequences decode normally, each invalid byte is read as
 * windows-1252 (the usual cause is Latin-1 text pasted into a UTF-8 feed, so 0xE9 becomes "é").
 */
export function repairUtf8(bytes: Uint8Array): string {
  const decoder = new TextDecoder("utf-8");
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += decoder.decode(bytes.subarray(runStart, i)) + cp1252Char(bytes[i] ?? 0x3f);
    i += 1;
    runStart = i;
  }
  return out + decoder.decode(bytes.subarray(runStart));
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0 if there is none. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const inRange = (offset: number, lo: number, hi: number): boolean => {
    const b = bytes[i + offset];
    return b !== undefined && b >= lo && b <= hi;
  };
  const tail = (from: number, to: number): boolean => {
    for (let k = from; k <= to; k++) if (!inRange(k, 0x80, 0xbf)) return false;
    return true;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return tail(1, 1) ? 2 : 0;
  if (b0 === 0xe0) return inRange(1, 0xa0, 0xbf) && tail(2, 2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return tail(1, 2) ? 3 : 0;
  if (b0 === 0xed) return inRange(1, 0x80, 0x9f) && tail(2, 2) ? 3 : 0;
  if (b0 === 0xf0) return inRange(1, 0x90, 0xbf) && tail(2, 3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return tail(1, 3) ? 4 : 0;
  if (b0 === 0xf4) return inRange(1, 0x80, 0x8f) && tail(2, 3) ? 4 : 0;
  return 0;
}

function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): DecodedFeed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chars: string[] = [];
  let repaired = bytes.length % 4 !== 0;
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const code = view.getUint32(i, littleEndian);
    const valid = code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    if (!valid) repaired = true;
    chars.push(valid ? String.fromCodePoint(code) : "\uFFFD");
  }
  return { text: chars.join("").replace(/^\uFEFF/, ""), encoding: littleEndian ? "utf-32le" : "utf-32be", repaired };
}
