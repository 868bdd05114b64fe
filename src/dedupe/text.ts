// Text features for deduplication: the normalised text of an article, its exact fingerprint, its
// word 3-shingles and their MinHash signature. Pure functions, no database.
import { createHash } from "node:crypto";
import { decodeHtmlEntities, htmlToText } from "../text/html.ts";

/**
 * Text as compared: Unicode NFKC, tags removed, entities decoded (twice: feeds often escape them
 * twice), every run of whitespace (NBSP and zero-width included) one space, case folded.
 */
export function normaliseText(html: string): string {
  const text = decodeHtmlEntities(htmlToText(html));
  return text
    .normalize("NFKC")
    .replace(/[\s\u00a0\u200b-\u200d\u2060\ufeff]+/g, " ")
    .trim()
    .toLowerCase();
}

/** Words of normalised text: letters and digits only, punctuation and quotes dropped. */
export function words(normalised: string): string[] {
  return normalised.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? [];
}

/** sha256 (hex) of normalised text; null for text too short to identify an article on its own. */
export function textFingerprint(normalised: string, minWords = 8): string | null {
  if (words(normalised).length < minWords) return null;
  return createHash("sha256").update(normalised, "utf8").digest("hex");
}

/** FNV-1a, 32 bits: fast, deterministic and well spread enough for shingles. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that similar strings land far apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes of the word k-shingles, in text order (a text shorter than k words is one shingle). */
export function shingleHashes(ws: string[], k = 3): number[] {
  if (ws.length === 0) return [];
  if (ws.length < k) return [hash32(ws.join(" "))];
  const out: number[] = new Array<number>(ws.length - k + 1);
  for (let i = 0; i + k <= ws.length; i++) out[i] = hash32(`${ws[i]} ${ws[i + 1]} ${ws[i + 2]}`);
  return out;
}

// Universal hashing (a·x + b) mod p with p = 2^31 − 1, seeds fixed so signatures stay comparable
// across processes and releases.
const P = 2147483647;
const SEEDS: Array<[number, number]> = (() => {
  let s = 0x9e3779b9;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % (P - 1);
  };
  return Array.from({ length: 128 }, () => [next() + 1, next()] as [number, number]);
})();

function mulmod(a: number, x: number): number {
  // (a·x) mod p without leaving doubles' exact range: split a into 16-bit halves.
  const hi = Math.floor(a / 65536);
  const lo = a % 65536;
  return ((((hi * x) % P) * 65536) % P + ((lo * x) % P)) % P;
}

/** MinHash signature of `n` values over a set of shingle hashes (empty set: empty signature). */
export function minhash(shingles: Iterable<number>, n: number, offset = 0): number[] {
  const sig = new Array<number>(n).fill(P);
  let any = false;
  for (const raw of shingles) {
    any = true;
    const x = raw % P;
    for (let i = 0; i < n; i++) {
      const [a, b] = SEEDS[offset + i] as [number, number];
      const v = (mulmod(a, x) + b) % P;
      if (v < (sig[i] as number)) sig[i] = v;
    }
  }
  return any ? sig : [];
}

/** A 63-bit signed key (int8) for a labelled value: what the index stores. */
export function key64(label: string): bigint {
  const d = createHash("sha1").update(label).digest();
  return d.readBigInt64BE(0);
}
