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
  /** Files every story (the reserved `all`): nothing to read. */
  everything: boolean;
  /** The quick test: false only when no article can match (see matchTopics). */
  mayMatch(h: Haystack): boolean;
  /** Every article's verdict; the story is filed when one of them matched. */
  judge(articles: PreparedArticle[]): ArticleVerdict[];
}

// ---- prepared text ----

interface FieldIndex {
  tokens: Token[];
  /** key -> positions; lower -> positions. */
  byKey: Map<string, number[]>;
  byLower: Map<string, number[]>;
  /** Mostly capitalised words (a headline in title case): worked out on the first acronym rule. */
  titleCase: boolean | null;
}

export interface PreparedArticle {
  source: MatchArticle;
  fields: Record<Field, FieldIndex>;
  categories: Set<string>;
  language: string | null;
  host: string | null;
}

const SEPARATOR: Token = { raw: "", lower: "\u0000", key: "\u0000" };

// Every article is indexed at ingest; the parts only some rules need are made when first asked for.
function indexField(tokens: Token[]): FieldIndex {
  const byKey = new Map<string, number[]>();
  const byLower = new Map<string, number[]>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const k = byKey.get(t.key);
    if (k) k.push(i);
    else byKey.set(t.key, [i]);
    const l = byLower.get(t.lower);
    if (l) l.push(i);
    else byLower.set(t.lower, [i]);
  }
  return { tokens, byKey, byLower, titleCase: null };
}

function isTitleCase(f: FieldIndex): boolean {
  if (f.titleCase === null) {
    const words = f.tokens.filter((t) => /^\p{L}{4,}/u.test(t.raw));
    const capitalised = words.filter((t) => /^\p{Lu}/u.test(t.raw)).length;
    f.titleCase = words.length >= 3 && capitalised / words.length >= 0.8;
  }
  return f.titleCase;
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

/** A term's words: each space-separated word may end in * (a prefix); a word can hold several tokens ("air-defence"). */
function termWords(text: string, stemWords: boolean): WordMatcher[] {
  return text.split(/\s+/).flatMap((word) => {
    const prefix = word.endsWith("*");
    const tokens = tokenize(prefix ? word.slice(0, -1) : word);
    return tokens.map((t, i): WordMatcher => {
      if (prefix && i === tokens.length - 1) return { kind: "prefix", value: t.lower };
      return stemWords ? { kind: "key", value: t.key } : { kind: "lower", value: t.lower };
    });
  });
}

function compileTerm(text: string, stemWords: boolean, acronym: boolean, fields: readonly Field[], weights: Record<Field, number>): Scorer {
  const words = termWords(text, stemWords);
  const label = text;
  const wordAt = (tok: Token | undefined, w: WordMatcher) =>
    tok !== undefined && (w.kind === "key" ? tok.key === w.value : w.kind === "lower" ? tok.lower === w.value : tok.lower.startsWith(w.value));

  const starts = (f: FieldIndex): number[] => {
    const first = words[0]!;
    if (first.kind === "key") return f.byKey.get(first.value) ?? [];
    if (first.kind === "lower") return f.byLower.get(first.value) ?? [];
    // Prefix: every distinct word of the field that starts with it (a field has a few hundred).
    const out: number[] = [];
    for (const [lower, positions] of f.byLower) if (lower.startsWith(first.value)) out.push(...positions);
    return out;
  };

  const counts = (f: FieldIndex, pos: number): boolean => {
    for (let k = 1; k < words.length; k++) if (!wordAt(f.tokens[pos + k], words[k]!)) return false;
    if (acronym) {
      const raw = f.tokens[pos]!.raw;
      if (raw === raw.toUpperCase()) return true;
      const next = f.tokens[pos + words.length];
      // "Nato Gabunia", "Нато Квірікашвілі": a capitalised word followed by a name is a name.
      if (!isTitleCase(f) && next && /^\p{Lu}/u.test(next.raw)) return false;
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

// ---- the quick test before matching ----
//
// Most articles mention no term of a topic at all. Before an article is cut into indexed fields,
// each topic asks whether the first word of any of its terms can occur in it: a substring search in
// the lower-cased text, confirmed by reading the word found there as tokenize() would. It is a
// necessary condition only (the full rule decides), so it may say yes wrongly but never no wrongly.
// A Latin word's stem keeps all but at most its last letter of the word it came from (Porter's
// steps change suffixes only), so the stem less one letter is what is searched for.

/** An article's text as the quick test reads it: title, categories and body, and the same in lower case. */
export interface Haystack {
  text: string;
  lower: string;
  /** Lower-casing changed the length (rare scripts): positions differ, so the quick test always says yes. */
  unaligned: boolean;
  /** The lower-case text without apostrophes, as tokens are ("O'Neill" is "oneill"); null when it has none. */
  bare: string | null;
  categories: Set<string>;
}

export function haystack(a: MatchArticle): Haystack {
  const text = `${a.title}\n${a.categories.join("\n")}\n${a.text.slice(0, MAX_TEXT_CHARS)}`;
  const lower = text.toLowerCase();
  const bare = /['’]/.test(lower) ? lower.replace(/['’]/g, "") : null;
  return { text, lower, unaligned: lower.length !== text.length, bare, categories: new Set(a.categories.map(foldCategory)) };
}

interface Needle {
  find: string;
  accept: (t: Token) => boolean;
}

function firstWords(e: Expr): WordMatcher[] {
  if (typeof e === "string") return termWords(e, true).slice(0, 1);
  if ("term" in e) return termWords(e.term, e.stem ?? true).slice(0, 1);
  return ("any" in e ? e.any : e.all).flatMap(firstWords);
}

const WORD_AT = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/uy;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** Does a word accepted by this needle start somewhere in the text? `null`: cannot tell. */
function occurs(h: Haystack, n: Needle): boolean | null {
  for (let i = h.lower.indexOf(n.find); i !== -1; i = h.lower.indexOf(n.find, i + 1)) {
    const before = i > 0 ? (h.text[i - 1] as string) : "";
    if (before === "'" || before === "’" || (before >= "\ud800" && before <= "\udfff")) return null;
    if (before !== "" && WORD_CHAR.test(before)) continue; // inside a word, not at its start
    WORD_AT.lastIndex = i;
    const word = WORD_AT.exec(h.text)?.[0];
    const token = word === undefined ? undefined : tokenize(word)[0];
    if (token && n.accept(token)) return true;
  }
  // A word written with an apostrophe inside is a token without it: found only there, it may be one.
  return h.bare !== null && h.bare.includes(n.find) ? null : false;
}

function compileQuickTest(def: FullDefinition): (h: Haystack) => boolean {
  const needles: Needle[] = firstWords(def.match).map((w) => {
    if (w.kind === "key") return { find: w.value.length > 1 ? w.value.slice(0, -1) : w.value, accept: (t) => t.key === w.value };
    if (w.kind === "lower") return { find: w.value, accept: (t) => t.lower === w.value };
    return { find: w.value, accept: (t) => t.lower.startsWith(w.value) };
  });
  const categories = (def.categories ?? []).map(foldCategory);
  // A needle that cannot be searched for (empty) makes the quick test useless: always yes.
  if (needles.some((n) => n.find === "")) return () => true;
  return (h) => h.unaligned || categories.some((c) => h.categories.has(c)) || needles.some((n) => occurs(h, n) !== false);
}

export function compileTopic(topic: MatchableTopic): CompiledTopic {
  const full = normaliseDefinition(topic.definition);
  if (!full) {
    return {
      id: topic.id,
      slug: topic.slug,
      everything: true,
      mayMatch: () => true,
      // Every story, even one whose articles could not be read.
      judge: (articles) =>
        (articles.length > 0 ? articles : [null]).map((a) => ({ articleId: a?.source.articleId, title: a?.source.title ?? "", matched: true, score: 0, excludeScore: 0, reason: null, hits: [], excludeHits: [] })),
    };
  }
  return { id: topic.id, slug: topic.slug, everything: false, mayMatch: compileQuickTest(full), judge: compileDefinition(full) };
}

/**
 * The topics a story is filed under, given its articles. An article is cut into indexed fields only
 * when some topic's quick test says one of its terms may be there.
 */
export function matchTopics(topics: CompiledTopic[], articles: MatchArticle[]): CompiledTopic[] {
  let hay: Haystack[] | null = null;
  let prepared: PreparedArticle[] | null = null;
  return topics.filter((t) => {
    if (t.everything) return true;
    hay ??= articles.map(haystack);
    if (!hay.some((h) => t.mayMatch(h))) return false;
    prepared ??= articles.map(prepareArticle);
    return t.judge(prepared).some((v) => v.matched);
  });
}

/** Lower case, letters and digits only, single spaces, padded: " nato allies meet ". */
export function foldText(text: string): string {
  return ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}
