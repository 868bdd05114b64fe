// Words for topic matching: a story's fields cut into tokens that keep their original spelling
// (for acronym rules), their lower-case form (for prefixes and scripts without a stemmer) and an
// English stem (for Latin-script words), so "negotiations", "negotiating" and "negotiators" meet.

export interface Token {
  raw: string;
  lower: string;
  /** Latin-script words: the Porter stem of `lower`; other scripts: `lower`. */
  key: string;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const LATIN = /^[a-z]+$/;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const word of text.match(WORD) ?? []) {
    // "Sweden's" -> "sweden": a possessive is the same word for matching.
    const raw = word.includes("'") || word.includes("’") ? word.replace(/['’]s$/iu, "").replace(/['’]/gu, "") : word;
    const lower = raw.toLowerCase();
    out.push({ raw, lower, key: keyOf(lower) });
  }
  return out;
}

// News text repeats a small vocabulary: a word is stemmed once per process, not once per use (the
// cache is dropped whole when full, so a stream of rare words cannot grow it without bound).
const STEM_CACHE_SIZE = 100_000;
const stems = new Map<string, string>();

function keyOf(lower: string): string {
  if (!LATIN.test(lower)) return lower;
  let key = stems.get(lower);
  if (key === undefined) {
    key = stem(lower);
    if (stems.size >= STEM_CACHE_SIZE) stems.clear();
    stems.set(lower, key);
  }
  return key;
}

// ---- Porter stemmer (M. F. Porter, 1980), the classic algorithm, for lower-case a-z words. ----

const isConsonant = (w: string, i: number): boolean => {
  const c = w[i];
  if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") return false;
  if (c === "y") return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
};

/** m: the number of vowel-consonant sequences in w[0..end). */
function measure(w: string, end: number): number {
  let n = 0;
  let i = 0;
  while (i < end && isConsonant(w, i)) i++;
  while (i < end) {
    while (i < end && !isConsonant(w, i)) i++;
    if (i >= end) break;
    while (i < end && isConsonant(w, i)) i++;
    n++;
  }
  return n;
}

const hasVowel = (w: string, end: number): boolean => {
  for (let i = 0; i < end; i++) if (!isConsonant(w, i)) return true;
  return false;
};

const doubleConsonant = (w: string): boolean => w.length >= 2 && w[w.length - 1] === w[w.length - 2] && isConsonant(w, w.length - 1);

/** consonant-vowel-consonant at the end, the last not w, x or y. */
const cvc = (w: string, end: number): boolean =>
  end >= 3 && isConsonant(w, end - 3) && !isConsonant(w, end - 2) && isConsonant(w, end - 1) && !"wxy".includes(w[end - 1] as string);

function replaceSuffix(w: string, rules: Array<[string, string]>, minM: number): string {
  for (const [suffix, repl] of rules) {
    if (w.endsWith(suffix)) {
      const stemEnd = w.length - suffix.length;
      return measure(w, stemEnd) > minM ? w.slice(0, stemEnd) + repl : w;
    }
  }
  return w;
}

const step2: Array<[string, string]> = [
  ["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"], ["izer", "ize"], ["bli", "ble"],
  ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"], ["ization", "ize"], ["ation", "ate"],
  ["ator", "ate"], ["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"], ["aliti", "al"],
  ["iviti", "ive"], ["biliti", "ble"], ["logi", "log"],
];
const step3: Array<[string, string]> = [["icate", "ic"], ["ative", ""], ["alize", "al"], ["iciti", "ic"], ["ical", "ic"], ["ful", ""], ["ness", ""]];
const step4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"];

export function stem(word: string): string {
  if (word.length <= 2) return word;
  let w = word;
  // Step 1a
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies")) w = w.slice(0, -2);
  else if (!w.endsWith("ss") && w.endsWith("s")) w = w.slice(0, -1);
  // Step 1b
  let extra = false;
  if (w.endsWith("eed")) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else if (w.endsWith("ed") && hasVowel(w, w.length - 2)) {
    w = w.slice(0, -2);
    extra = true;
  } else if (w.endsWith("ing") && hasVowel(w, w.length - 3)) {
    w = w.slice(0, -3);
    extra = true;
  }
  if (extra) {
    if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e";
    else if (doubleConsonant(w) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
    else if (measure(w, w.length) === 1 && cvc(w, w.length)) w += "e";
  }
  // Step 1c
  if (w.endsWith("y") && hasVowel(w, w.length - 1)) w = `${w.slice(0, -1)}i`;
  w = replaceSuffix(w, step2, 0);
  w = replaceSuffix(w, step3, 0);
  // Step 4
  for (const suffix of step4) {
    if (w.endsWith(suffix)) {
      const end = w.length - suffix.length;
      if (measure(w, end) > 1 && (suffix !== "ion" || /[st]$/.test(w.slice(0, end)))) w = w.slice(0, end);
      break;
    }
  }
  // Step 5
  if (w.endsWith("e")) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !cvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  if (measure(w, w.length) > 1 && doubleConsonant(w) && w.endsWith("l")) w = w.slice(0, -1);
  return w;
}
