// What deduplication knows about one article: its canonical URL, its normalised headline(s), the
// word 3-shingles of its body, an exact fingerprint, and the hashed keys that find its copies in
// the index. Computed in memory for new articles and for the few candidates the index returns.
import { canonicalUrl } from "../normalise/canonical-url.ts";
import { fingerprintOf, key64, minhash, normalisePlain, normaliseText, shingleHashes, words } from "./text.ts";

export interface DedupText {
  link: string | null;
  /** FeedBurner origLink: preferred over `link` for the canonical URL. */
  origLink?: string | null;
  title: string;
  summary: string | null;
  content: string | null;
}

export interface Features {
  canonicalUrl: string | null;
  /** Normalised headline, and without a trailing " - Outlet" when it has one (aggregators add it). */
  titles: string[];
  /** Word 3-shingle hashes of the body, in text order. */
  sequence: number[];
  shingles: Set<number>;
  fingerprint: string | null;
  /** The body says (almost) nothing beyond the headline: aggregator and link-only items. */
  textless: boolean;
}

// Signature shape: 20 bands of 2 MinHash rows over the body catch pairs from Jaccard ≈ 0.3 up
// (P ≈ 0.85 at 0.3, 0.97 at 0.4); 8 single-row values over the first 32 shingles catch a lead-only
// republication inside its original (lead Jaccard ≥ 0.4 → P ≥ 0.98).
export const BODY_BANDS = 20;
export const BODY_ROWS = 2;
export const LEAD_SHINGLES = 32;
export const LEAD_HASHES = 8;
/** Words of a body that are shingled (news articles are shorter; longer texts are cut). */
export const MAX_WORDS = 2000;
/** Headlines shorter than this are too generic to join stories on. */
export const MIN_TITLE_WORDS = 5;

const SUFFIX = /^(.*\S)\s+[-–—|]\s+[^-–—|]{2,60}$/u;

export function titleForms(title: string): string[] {
  const forms: string[] = [];
  const full = words(normaliseText(title)).join(" ");
  if (full.split(" ").length >= MIN_TITLE_WORDS) forms.push(full);
  const m = SUFFIX.exec(title.trim());
  if (m) {
    const stripped = words(normaliseText(m[1] as string)).join(" ");
    if (stripped.split(" ").length >= MIN_TITLE_WORDS && stripped !== full) forms.push(stripped);
  }
  return forms;
}

/** `canonical` overrides the URL derived from the links (a stored article's canonical_url). */
/** `plain`: the body already out of its markup (htmlToText of content, else summary), when in hand. */
export function features(a: DedupText, canonical?: string | null, plain?: string): Features {
  const body = plain !== undefined ? normalisePlain(plain) : normaliseText(a.content ?? a.summary ?? "");
  // Shingles of the first MAX_WORDS words: enough to tell copies apart, and a huge item (a whole
  // podcast transcript, a feed's everything-in-one entry) costs no more than a long article.
  const bodyWords = words(body.length > MAX_WORDS * 12 ? body.slice(0, MAX_WORDS * 12) : body).slice(0, MAX_WORDS);
  const titleWords = new Set(words(normaliseText(a.title)));
  const own = bodyWords.filter((w) => !titleWords.has(w)).length;
  const sequence = shingleHashes(bodyWords);
  const textless = own < 8;
  return {
    canonicalUrl: canonical !== undefined ? canonical : canonicalUrl(a.origLink ?? a.link) ?? canonicalUrl(a.link),
    titles: titleForms(a.title),
    sequence,
    shingles: new Set(sequence),
    // Not textless means at least 8 words of its own: long enough for a fingerprint.
    fingerprint: textless ? null : fingerprintOf(body),
    textless,
  };
}

/** The index keys of an article, as int8 decimal strings (what Postgres stores in dedup_keys). */
export function dedupKeys(f: Features): string[] {
  const keys: string[] = [];
  if (f.canonicalUrl) keys.push(`u:${f.canonicalUrl}`);
  if (f.fingerprint) keys.push(`f:${f.fingerprint}`);
  for (const t of f.titles) keys.push(`t:${t}`);
  if (f.shingles.size > 0) {
    const sig = minhash(f.shingles, BODY_BANDS * BODY_ROWS);
    for (let b = 0; b < BODY_BANDS; b++) keys.push(`b${b}:${sig.slice(b * BODY_ROWS, (b + 1) * BODY_ROWS).join(",")}`);
    const lead = minhash(new Set(f.sequence.slice(0, LEAD_SHINGLES)), LEAD_HASHES, BODY_BANDS * BODY_ROWS);
    lead.forEach((v, i) => keys.push(`l${i}:${v}`));
  }
  return [...new Set(keys.map((k) => key64(k).toString()))];
}
