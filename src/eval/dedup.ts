// Pairwise scoring of stories against the labels: every pair of labelled articles is either in one
// story or not, in the labels and in the database. Same-language pairs are the target; pairs across
// languages (translations) are scored apart; labelled hard negatives must never share a story.
import type { NewsroomIngest } from "./newsroom.ts";

export interface PairScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface DedupEvaluation {
  articles: number;
  missing: string[];
  storiesLabelled: number;
  storiesStored: number;
  sameLanguage: PairScore;
  crossLanguage: PairScore & { labelledPairs: number; joinedPairs: number };
  hardNegatives: { total: number; merged: Array<{ a: string; b: string; kind: string }> };
  /** Labelled pairs in one story that were not joined, and joined pairs that are two stories. */
  errors: { missed: Array<[string, string]>; wrong: Array<[string, string]> };
}

function score(tp: number, fp: number, fn: number): PairScore {
  // With no predicted (or no labelled) pairs there is nothing wrong (or nothing to find): 1.
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

export function evaluateDedup(ingest: NewsroomIngest): DedupEvaluation {
  const { labels, articles } = ingest;
  const gold = new Map<string, number>();
  labels.stories.forEach((members, i) => members.forEach((id) => gold.set(id, i)));
  const lang = new Map(labels.articles.map((a) => [a.id, (a.lang ?? a.language ?? "").slice(0, 2)]));
  const ids = labels.articles.map((a) => a.id).filter((id) => articles.has(id));
  const counts = { same: [0, 0, 0], cross: [0, 0, 0] };
  const missed: Array<[string, string]> = [];
  const wrong: Array<[string, string]> = [];
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i] as string;
      const b = ids[j] as string;
      const labelled = gold.get(a) === gold.get(b);
      const stored = articles.get(a)?.storyId === articles.get(b)?.storyId;
      const c = lang.get(a) === lang.get(b) ? counts.same : counts.cross;
      if (labelled && stored) c[0]!++;
      else if (stored) {
        c[1]!++;
        wrong.push([a, b]);
      } else if (labelled) {
        c[2]!++;
        if (c === counts.same) missed.push([a, b]);
      }
    }
  }
  const merged = labels.story_hard_negatives
    .filter((h) => articles.has(h.a) && articles.get(h.a)?.storyId === articles.get(h.b)?.storyId)
    .map((h) => ({ a: h.a, b: h.b, kind: h.kind }));
  const cross = score(counts.cross[0]!, counts.cross[1]!, counts.cross[2]!);
  return {
    articles: ids.length,
    missing: ingest.missing,
    storiesLabelled: labels.stories.length,
    storiesStored: new Set(ids.map((id) => articles.get(id)?.storyId)).size,
    sameLanguage: score(counts.same[0]!, counts.same[1]!, counts.same[2]!),
    crossLanguage: { ...cross, labelledPairs: counts.cross[0]! + counts.cross[2]!, joinedPairs: counts.cross[0]! },
    hardNegatives: { total: labels.story_hard_negatives.length, merged },
    errors: { missed, wrong },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatDedupEvaluation(e: DedupEvaluation): string {
  const s = e.sameLanguage;
  const c = e.crossLanguage;
  const lines = [
    `deduplication (newsroom corpus, ${e.articles} articles, ${e.storiesStored} stories stored / ${e.storiesLabelled} labelled)`,
    `  same-language pairs: precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}  (TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives})`,
    `  cross-language pairs: joined ${c.joinedPairs} of ${c.labelledPairs} labelled, wrongly joined ${c.falsePositives}`,
    `  hard negatives merged: ${e.hardNegatives.merged.length} of ${e.hardNegatives.total}`,
  ];
  if (e.missing.length > 0) lines.push(`  articles not stored: ${e.missing.join(", ")}`);
  for (const [a, b] of e.errors.wrong) lines.push(`  wrongly joined: ${a}  +  ${b}`);
  for (const [a, b] of e.errors.missed) lines.push(`  missed: ${a}  +  ${b}`);
  return lines.join("\n");
}
