// Text features for deduplication: the normalised text of an article, its exact fingerprint, its
// word 3-shingles and their MinHash signature. Pure functions, no database.
import { createHash } from "node:crypto";
import { decodeHtmlEntities, htmlToText } from "../text/html.ts";

/**
 * Text as compared: Unicode NFKC, tags removed, entities decoded (twice: feeds often escape them
 * twice), every run of whitespace (NBSP and zero-width included) one space, case folded.
 */
export function normaliseText(html: string): string {
  return normalisePlain(htmlToText(html));
}

const NOT_ASCII = /[^\p{ASCII}]/u;

/** normaliseText for text already out of its markup (htmlToText's result), which ingest has in hand. */
export function normalisePlain(plain: string): string {
  const text = decodeHtmlEntities(plain);
  // NFKC leaves ASCII as it is, and most feeds' text is ASCII: skip the call there.
  return (NOT_ASCII.test(text) ? text.normalize("NFKC") : text)
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
  return fingerprintOf(normalised);
}

/** sha256 (hex) of normalised text already known to be long enough. */
export function fingerprintOf(normalised: string): string {
  return createHash("sha256").update(normalised, "utf8").digest("hex");
}

/** FNV-1a over s, continuing from state h (not yet mixed). */
function fnv(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** Final avalanche (murmur3 fmix32) so that similar strings land far apart. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a, 32 bits: fast, deterministic and well spread enough for shingles. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  return fmix(fnv(s, seed));
}

const SPACE = 0x20;

/** Hashes of the word k-shingles, in text order (a text shorter than k words is one shingle). */
export function shingleHashes(ws: string[], k = 3): number[] {
  if (ws.length === 0) return [];
  if (ws.length < k) return [hash32(ws.join(" "))];
  const out: number[] = new Array<number>(ws.length - k + 1);
  // hash32 of the k words joined by spaces, without making that string.
  for (let i = 0; i + k <= ws.length; i++) {
    let h = fnv(ws[i] as string, 0x811c9dc5);
    for (let j = 1; j < k; j++) h = fnv(ws[i + j] as string, Math.imul(h ^ SPACE, 0x01000193));
    out[i] = fmix(h);
  }
  return out;
}

// MinHash permutations: each is x ↦ mix(x ⊕ seed_i), a 32-bit integer mixer (murmur3's finaliser
// with a per-function seed), all in Math.imul: about ten times faster than (a·x + b) mod p in
// doubles. Seeds are fixed so signatures stay comparable across processes and releases.
const MAX_HASHES = 128;
const SEEDS = (() => {
  const out = new Uint32Array(MAX_HASHES);
  let s = 0x9e3779b9;
  for (let i = 0; i < MAX_HASHES; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>> 0;
  }
  return out;
})();

/** MinHash signature of `n` values over a set of shingle hashes (empty set: empty signature). */
export function minhash(shingles: Iterable<number>, n: number, offset = 0): number[] {
  const sig = new Uint32Array(n).fill(0xffffffff);
  let any = false;
  for (const x of shingles) {
    any = true;
    for (let i = 0; i < n; i++) {
      let h = (x ^ (SEEDS[offset + i] as number)) | 0;
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h = (h ^ (h >>> 16)) >>> 0;
      if (h < (sig[i] as number)) sig[i] = h;
    }
  }
  return any ? Array.from(sig) : [];
}

/** A 64-bit signed key (int8) for a labelled value: what the index stores. Two 32-bit hashes with different seeds. */
export function key64(label: string): bigint {
  const hi = hash32(label, 0x811c9dc5);
  const lo = hash32(label, 0x050c5d1f);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}
