// Is this candidate the same piece of journalism as the new article? Precision first: every rule
// below needs strong evidence, and thresholds sit between what republications and independent
// reports of one event measured (see README "Deduplication").
import type { Features } from "./features.ts";

export type MatchKind = "url" | "fingerprint" | "similar" | "lead" | "title";

export interface Match {
  kind: MatchKind;
  /** Higher is stronger; used to pick among candidates (ties go to the earliest). */
  score: number;
  /**
   * The first article (the new one) is the lesser side: contained in the other's lead, or without
   * text. Such a match says which story it belongs to, but is no evidence that two stories it matches
   * are one: a lead is also quoted by digests, a headline by other reports.
   */
  partial?: boolean;
}

/** Resemblance (Jaccard) at or above this joins: edited copies measured 0.36–0.38, shared-boilerplate reports 0.19–0.22. */
export const MIN_JACCARD = 0.3;
/** Or both texts share this much of themselves (edited copies ≥ 0.52; independent reports ≤ 0.37). */
export const MIN_MUTUAL_CONTAINMENT = 0.45;
/** Resemblance this high is the same text, however much of one is inside the other. */
export const SAME_TEXT_JACCARD = 0.6;
/** A short text this much inside a longer one... */
export const MIN_LEAD_CONTAINMENT = 0.8;
/** ...starting within this many words of the longer one's start: a lead, not a digest's quote. */
export const MAX_LEAD_OFFSET = 20;
/** Shorter texts are too generic to be matched by containment. */
export const MIN_LEAD_SHINGLES = 12;
/** Texts this short are compared by resemblance only when their shingle sets are this large. */
export const MIN_SIMILAR_SHINGLES = 20;

export function decide(a: Features, b: Features): Match | null {
  if (a.canonicalUrl !== null && a.canonicalUrl === b.canonicalUrl) return { kind: "url", score: 4 };
  if (a.fingerprint !== null && a.fingerprint === b.fingerprint) return { kind: "fingerprint", score: 3 };
  if (!a.textless && !b.textless) {
    const [small, large] = a.shingles.size <= b.shingles.size ? [a, b] : [b, a];
    const s = small.shingles.size;
    const l = large.shingles.size;
    // The fewest shared shingles any rule below could accept: counting stops once that is out of
    // reach (most candidates share a key by chance and little else). Slightly under, for rounding.
    const need =
      0.999 *
      Math.min(
        s >= MIN_SIMILAR_SHINGLES ? Math.min((MIN_JACCARD * (s + l)) / (1 + MIN_JACCARD), MIN_MUTUAL_CONTAINMENT * l) : Infinity,
        s >= MIN_LEAD_SHINGLES ? MIN_LEAD_CONTAINMENT * s : Infinity,
      );
    if (need === Infinity) return null;
    let common = 0;
    let seen = 0;
    for (const h of small.shingles) {
      seen++;
      if (large.shingles.has(h)) common++;
      else if (common + s - seen < need) return null;
    }
    // A short text (almost) wholly inside a longer one is judged as a lead, whatever its resemblance:
    // a digest that quotes it is short enough to resemble it too.
    const contained = common / small.shingles.size >= MIN_LEAD_CONTAINMENT;
    if (small.shingles.size >= MIN_SIMILAR_SHINGLES) {
      const jaccard = common / (a.shingles.size + b.shingles.size - common);
      const mutual = common / large.shingles.size; // the smaller of the two containments
      if (jaccard >= SAME_TEXT_JACCARD || (!contained && (jaccard >= MIN_JACCARD || mutual >= MIN_MUTUAL_CONTAINMENT))) {
        return { kind: "similar", score: 1 + jaccard };
      }
    }
    if (contained && small.shingles.size >= MIN_LEAD_SHINGLES) {
      const offset = large.sequence.findIndex((h) => small.shingles.has(h));
      if (offset >= 0 && offset <= MAX_LEAD_OFFSET) return { kind: "lead", score: 1 + common / small.shingles.size / 2, partial: small === a };
    }
    return null;
  }
  // An item without text (aggregator, link-only) joins only on its exact headline.
  if (a.titles.some((t) => b.titles.includes(t))) return { kind: "title", score: 0.5, partial: a.textless };
  return null;
}
