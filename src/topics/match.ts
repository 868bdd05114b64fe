// Matching stories against topic definitions, in the process at ingest time, so that a topic feed
// is an index lookup and never a full-text query per request.
//
// The relevance rule (see README "Topics"): each article of a story is cut into four fields
// (title, tags = feed categories, lead = the first two sentences of the body, body = the rest). Every
// occurrence of a term scores its field's weight (default title 3, tags 3, lead 3, body 1). `any`
// adds up its parts; `all` needs every part and is worth its weakest part. An article is filed under
// the topic when its score reaches the threshold (default 3) and its exclusions' score does not;
// a story is filed when one of its articles is. So one mention in the title, the tags or the lead
// qualifies, a passing mention further down does not, and three mentions in the body do.
import { DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, FIELDS, normaliseDefinition, type Expr, type Field, type FullDefinition, type TopicDefinition } from "./definition.ts";
import { tokenize, type Token } from "./text.ts";

export interface MatchableTopic {
  id: number;
  slug: string;
  definition: TopicDefinition;
}

/** One article, as matching sees it. */
export interface MatchArticle {
  articleId?: number;
  title: string;
  categories: string[];
  /** The body as plain text. */
  text: string;
  language: string | null;
  sourceId: number | null;
  sourceUrl: string | null;
}

export interface Hit {
  term: string;
  field: Field;
  count: number;
}

export interface ArticleVerdict {
  articleId?: number;
  title: string;
  matched: boolean;
  score: number;
  excludeScore: number;
  /** Why it was left out, when it was: "language", "source", "excluded", "below threshold". */
  reason: string | null;
  hits: Hit[];
  excludeHits: Hit[];
}

export interface CompiledTopic {
  id: number;
  slug: string;
  /** Every article's verdict; the story is filed when one of them matched. */
  judge(articles: PreparedArticle[]): ArticleVerdict[];
}

// ---- prepared text ----

interface FieldIndex {
  tokens: Token[];
  /** key -> positions; lower -> positions. */
  byKey: Map<string, number[]>;
  byLower: Map<string, number[]>;
  /** Distinct lower-case words, sorted, for prefix look-ups. */
  sortedLower: string[];
  titleCase: boolean;
}

export interface PreparedArticle {
  source: MatchArticle;
  fields: Record<Field, FieldIndex>;
  categories: Set<string>;
  language: string | null;
  host: string | null;
}

const SEPARATOR: Token = { raw: "", lower: "\u0000", key: "\u0000" };

function indexField(tokens: Token[]): FieldIndex {
  const byKey = new Map<string, number[]>();
  const byLower = new Map<string, number[]>();
  tokens.forEach((t, i) => {
    (byKey.get(t.key) ?? byKey.set(t.key, []).get(t.key)!).push(i);
    (byLower.get(t.lower) ?? byLower.set(t.lower, []).get(t.lower)!).push(i);
  });
  const words = tokens.filter((t) => /^\p{L}{4,}/u.test(t.raw));
  const capitalised = words.filter((t) => /^\p{Lu}/u.test(t.raw)).length;
  return { tokens, byKey, byLower, sortedLower: [...byLower.keys()].sort(), titleCase: words.length >= 3 && capitalised / words.length >= 0.8 };
}

const SENTENCE_END = /(?<=[.!?…])\s+(?=["'«“(]?[\p{Lu}\p{N}])/u;
const LEAD_SENTENCES = 2;
const LEAD_MAX_WORDS = 80;

/** The lead: the first two sentences of the body, at most 80 words; the body field is the rest. */
export function splitLead(text: string): { lead: string; body: string } {
  const clean = text.replace(/\s+/g, " ").trim();
  const sentences = clean.split(SENTENCE_END);
  let lead = sentences.slice(0, LEAD_SENTENCES).join(" ");
  let body = sentences.slice(LEAD_SENTENCES).join(" ");
  const words = lead.split(" ");
  if (words.length > LEAD_MAX_WORDS) {
    lead = words.slice(0, LEAD_MAX_WORDS).join(" ");
    body = `${words.slice(LEAD_MAX_WORDS).join(" ")} ${body}`.trim();
  }
  return { lead, body };
}

const foldCategory = (c: string) => c.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Text beyond this is not read for matching: a topic is decided long before, and ingest must not stall on a huge body. */
const MAX_TEXT_CHARS = 100_000;

export function prepareArticle(a: MatchArticle): PreparedArticle {
  const { lead, body } = splitLead(a.text.slice(0, MAX_TEXT_CHARS));
  const tags: Token[] = [];
  for (const c of a.categories) {
    if (tags.length > 0) tags.push(SEPARATOR);
    tags.push(...tokenize(c));
  }
  return {
    source: a,
    fields: { title: indexField(tokenize(a.title)), tags: indexField(tags), lead: indexField(tokenize(lead)), body: indexField(tokenize(body)) },
    categories: new Set(a.categories.map(foldCategory)),
    language: a.language ? a.language.toLowerCase() : null,
    host: hostOf(a.sourceUrl),
  };
}

// ---- compiled definitions ----

type Scorer = (a: PreparedArticle, hits: Hit[]) => number;

interface WordMatcher {
  kind: "key" | "lower" | "prefix";
  value: string;
}

function compileTerm(text: string, stemWords: boolean, acronym: boolean, fields: readonly Field[], weights: Record<Field, number>): Scorer {
  // Each space-separated word may end in * (a prefix); a word can hold several tokens ("air-defence").
  const words: WordMatcher[] = text.split(/\s+/).flatMap((word) => {
    const prefix = word.endsWith("*");
    const tokens = tokenize(prefix ? word.slice(0, -1) : word);
    return tokens.map((t, i): WordMatcher => {
      if (prefix && i === tokens.length - 1) return { kind: "prefix", value: t.lower };
      return stemWords ? { kind: "key", value: t.key } : { kind: "lower", value: t.lower };
    });
  });
  const label = text;
  const wordAt = (tok: Token | undefined, w: WordMatcher) =>
    tok !== undefined && (w.kind === "key" ? tok.key === w.value : w.kind === "lower" ? tok.lower === w.value : tok.lower.startsWith(w.value));

  const starts = (f: FieldIndex): number[] => {
    const first = words[0]!;
    if (first.kind === "key") return f.byKey.get(first.value) ?? [];
    if (first.kind === "lower") return f.byLower.get(first.value) ?? [];
    // Prefix: binary search the sorted distinct words for the first candidate, then walk.
    const out: number[] = [];
    let lo = 0;
    let hi = f.sortedLower.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f.sortedLower[mid]! < first.value) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < f.sortedLower.length && f.sortedLower[i]!.startsWith(first.value); i++) out.push(...f.byLower.get(f.sortedLower[i]!)!);
    return out;
  };

  const counts = (f: FieldIndex, pos: number): boolean => {
    for (let k = 1; k < words.length; k++) if (!wordAt(f.tokens[pos + k], words[k]!)) return false;
    if (acronym) {
      const raw = f.tokens[pos]!.raw;
      if (raw === raw.toUpperCase()) return true;
      const next = f.tokens[pos + words.length];
      // "Nato Gabunia", "Нато Квірікашвілі": a capitalised word followed by a name is a name.
      if (!f.titleCase && next && /^\p{Lu}/u.test(next.raw)) return false;
    }
    return true;
  };

  return (a, hits) => {
    let score = 0;
    if (words.length === 0) return 0;
    for (const field of fields) {
      const f = a.fields[field];
      let n = 0;
      for (const pos of starts(f)) if (counts(f, pos)) n++;
      if (n > 0) {
        hits.push({ term: label, field, count: n });
        score += n * weights[field];
      }
    }
    return score;
  };
}

function compileExpr(e: Expr, weights: Record<Field, number>): Scorer {
  if (typeof e === "string") return compileTerm(e, true, false, FIELDS, weights);
  if ("term" in e) return compileTerm(e.term, e.stem ?? true, e.case === "acronym", e.fields ?? FIELDS, weights);
  if ("any" in e) {
    const parts = e.any.map((p) => compileExpr(p, weights));
    return (a, hits) => parts.reduce((sum, p) => sum + p(a, hits), 0);
  }
  const parts = e.all.map((p) => compileExpr(p, weights));
  return (a, hits) => {
    const mine: Hit[] = [];
    let min = Infinity;
    for (const p of parts) {
      const s = p(a, mine);
      if (s === 0) return 0;
      min = Math.min(min, s);
    }
    hits.push(...mine);
    return min;
  };
}

function compileCategories(categories: string[], weights: Record<Field, number>): Scorer {
  const wanted = categories.map((c) => [c, foldCategory(c)] as const);
  return (a, hits) => {
    let score = 0;
    for (const [label, folded] of wanted) {
      if (a.categories.has(folded)) {
        hits.push({ term: `category:${label}`, field: "tags", count: 1 });
        score += weights.tags;
      }
    }
    return score;
  };
}

function sourceFilter(sources: Array<number | string> | undefined): (a: PreparedArticle) => boolean {
  if (!sources) return () => true;
  const ids = new Set(sources.filter((s): s is number => typeof s === "number"));
  const hosts = sources.filter((s): s is string => typeof s === "string").map((h) => h.toLowerCase().replace(/^www\./, ""));
  return (a) =>
    (a.source.sourceId !== null && ids.has(a.source.sourceId)) ||
    (a.host !== null && hosts.some((h) => a.host === h || a.host!.endsWith(`.${h}`)));
}

function languageFilter(languages: string[] | undefined): (a: PreparedArticle) => boolean {
  if (!languages) return () => true;
  const wanted = languages.map((l) => l.toLowerCase());
  return (a) => a.language === null || wanted.some((l) => a.language === l || a.language!.startsWith(`${l}-`));
}

export function compileDefinition(def: FullDefinition): (articles: PreparedArticle[]) => ArticleVerdict[] {
  const weights = { ...DEFAULT_WEIGHTS, ...def.weights };
  const threshold = def.threshold ?? DEFAULT_THRESHOLD;
  const match = compileExpr(def.match, weights);
  const cats = def.categories ? compileCategories(def.categories, weights) : null;
  const exclude = def.exclude ? compileExpr(def.exclude, weights) : null;
  const bySource = sourceFilter(def.sources);
  const byLanguage = languageFilter(def.languages);
  return (articles) =>
    articles.map((a) => {
      const base = { articleId: a.source.articleId, title: a.source.title, score: 0, excludeScore: 0, hits: [] as Hit[], excludeHits: [] as Hit[] };
      if (!byLanguage(a)) return { ...base, matched: false, reason: "language" };
      if (!bySource(a)) return { ...base, matched: false, reason: "source" };
      const hits: Hit[] = [];
      const score = match(a, hits) + (cats ? cats(a, hits) : 0);
      const excludeHits: Hit[] = [];
      const excludeScore = exclude ? exclude(a, excludeHits) : 0;
      const relevant = score >= threshold;
      const excluded = excludeScore >= threshold;
      return { ...base, score, excludeScore, hits, excludeHits, matched: relevant && !excluded, reason: !relevant ? "below threshold" : excluded ? "excluded" : null };
    });
}

export function compileTopic(topic: MatchableTopic): CompiledTopic {
  const full = normaliseDefinition(topic.definition);
  if (!full) {
    return {
      id: topic.id,
      slug: topic.slug,
      // Every story, even one whose articles could not be read.
      judge: (articles) =>
        (articles.length > 0 ? articles : [null]).map((a) => ({ articleId: a?.source.articleId, title: a?.source.title ?? "", matched: true, score: 0, excludeScore: 0, reason: null, hits: [], excludeHits: [] })),
    };
  }
  return { id: topic.id, slug: topic.slug, judge: compileDefinition(full) };
}

/** The topics a story (its articles, prepared once) is filed under. */
export function matchTopics(topics: CompiledTopic[], articles: PreparedArticle[]): CompiledTopic[] {
  return topics.filter((t) => t.judge(articles).some((v) => v.matched));
}

/** Lower case, letters and digits only, single spaces, padded: " nato allies meet ". */
export function foldText(text: string): string {
  return ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}
