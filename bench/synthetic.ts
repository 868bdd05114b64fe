// Synthetic feeds for the ingest benchmark: deterministic (one seeded PRNG per feed, so any feed can
// be generated alone, in any order, and always comes out byte for byte the same for a given seed
// and base time), mostly RSS 2.0 with a share of Atom 1.0, items of 2–3 KB of UTF-8 each.
//
// Hosts: the per-host politeness limit counts sources by host *name*, and every name must reach
// this machine's loopback interface without touching DNS configuration. Linux routes all of
// 127.0.0.0/8 to `lo`, so each host is a distinct IPv4 loopback literal (127.0.0.2, 127.0.0.3, …,
// 127.0.1.1, …) with its own listening socket (see server.ts). 127.0.0.1 itself is left alone.
import { createHash } from "node:crypto";

export interface SyntheticOptions {
  /** Number of sources (feeds). */
  sources: number;
  /** Items per feed. */
  items: number;
  /** Share of sources that live on a few shared hosts (0.2 = 20%); the rest get a host each. */
  sharedShare: number;
  /** How many shared hosts those sources are spread over. */
  sharedHosts: number;
  /** Share of feeds written as Atom 1.0 (the rest RSS 2.0). */
  atomShare: number;
  seed: number;
  /** Item dates are spread back from here (ms since epoch): "recent days". */
  baseTime: number;
}

export const defaultSyntheticOptions = (baseTime: number): SyntheticOptions => ({
  sources: 1000,
  items: 50,
  sharedShare: 0.2,
  sharedHosts: 4,
  atomShare: 0.15,
  seed: 20261,
  baseTime,
});

export interface SourceSpec {
  index: number;
  /** Loopback IPv4 literal the feed is served on (its host name, as far as feedloom can tell). */
  address: string;
  shared: boolean;
  /** URL path on that host. */
  path: string;
  format: "rss" | "atom";
}

export interface SyntheticFeed {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: string;
  lastModifiedMs: number;
  items: number;
}

// ---- deterministic randomness -----------------------------------------------------------------

export type Random = () => number;

/** mulberry32: small, fast, good enough for test data. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mix(seed: number, n: number): number {
  let h = (seed ^ Math.imul(n + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
function pick<T>(r: Random, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

// ---- the host layout ---------------------------------------------------------------------------

/** The k-th loopback address (k ≥ 1): 127.0.0.2 … 127.0.0.254, 127.0.1.1 …; never .0 or .255. */
export function loopbackAddress(k: number): string {
  const n = k + 1; // k = 1 → 127.0.0.2
  return `127.0.${Math.floor((n - 1) / 254)}.${((n - 1) % 254) + 1}`;
}

/**
 * Which source lives where. Shared-host sources are picked by a seeded shuffle, so they are spread
 * through the id order (as sources added over time would be), and dealt round-robin to the shared
 * hosts; every other source has a host of its own.
 */
export function sourceLayout(opts: SyntheticOptions): SourceSpec[] {
  const r = mulberry32(mix(opts.seed, 0x5eed));
  const order = Array.from({ length: opts.sources }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const sharedCount = opts.sharedHosts > 0 ? Math.round(opts.sources * opts.sharedShare) : 0;
  const sharedRank = new Map(order.slice(0, sharedCount).map((index, rank) => [index, rank]));
  const specs: SourceSpec[] = [];
  let ownHost = opts.sharedHosts; // addresses 1..sharedHosts are the shared hosts
  for (let index = 0; index < opts.sources; index++) {
    const rank = sharedRank.get(index);
    const format = mulberry32(mix(opts.seed, index))() < opts.atomShare ? "atom" : "rss";
    const file = format === "atom" ? "atom.xml" : "rss.xml";
    if (rank !== undefined) {
      const host = (rank % opts.sharedHosts) + 1;
      specs.push({ index, address: loopbackAddress(host), shared: true, path: `/${pick(mulberry32(mix(opts.seed, index + 7)), SECTIONS)}/${index}/${file}`, format });
    } else {
      ownHost += 1;
      specs.push({ index, address: loopbackAddress(ownHost), shared: false, path: format === "atom" ? "/feeds/atom.xml" : "/feed/", format });
    }
  }
  return specs;
}

// ---- words -------------------------------------------------------------------------------------

const FUNCTION_WORDS = [
  "the", "the", "the", "of", "of", "and", "and", "to", "to", "in", "in", "a", "a", "for", "on", "that", "with", "as",
  "by", "at", "from", "is", "was", "were", "has", "have", "had", "will", "would", "could", "after", "before", "over",
  "into", "about", "than", "more", "its", "their", "this", "which", "but", "not", "also", "while", "during", "under",
] as const;

const CONTENT_WORDS = [
  "government", "minister", "council", "election", "voters", "parliament", "budget", "economy", "inflation", "rates",
  "market", "shares", "investors", "company", "profits", "workers", "union", "strike", "talks", "agreement", "deal",
  "report", "study", "researchers", "scientists", "climate", "emissions", "energy", "power", "grid", "prices", "fuel",
  "police", "court", "judge", "trial", "appeal", "ruling", "law", "officials", "spokesperson", "statement", "week",
  "year", "month", "morning", "evening", "city", "region", "country", "border", "coast", "river", "storm", "flood",
  "drought", "harvest", "farmers", "hospital", "patients", "doctors", "health", "vaccine", "schools", "teachers",
  "students", "university", "funding", "plan", "proposal", "policy", "reform", "tax", "housing", "rent", "transport",
  "railway", "airport", "flights", "traffic", "bridge", "construction", "project", "contract", "billion", "million",
  "percent", "record", "increase", "decline", "growth", "recovery", "crisis", "risk", "warning", "forecast", "data",
  "survey", "analysis", "expected", "announced", "confirmed", "denied", "reported", "according", "sources", "early",
  "late", "new", "former", "local", "national", "international", "regional", "public", "private", "senior", "major",
  "minor", "first", "second", "last", "final", "latest", "key", "significant", "several", "many", "few", "hundreds",
  "thousands", "team", "season", "match", "league", "coach", "players", "goal", "victory", "defeat", "championship",
  "festival", "museum", "exhibition", "film", "album", "concert", "book", "author", "artist", "gallery", "theatre",
  "technology", "software", "device", "network", "security", "breach", "users", "platform", "service", "outage",
  "launch", "satellite", "mission", "space", "telescope", "discovery", "species", "forest", "wildlife", "ocean",
  "café", "Zürich", "São Paulo", "Kraków", "Malmö", "résumé", "naïve", "€40m", "£12bn", "—",
] as const;

const PROPER = ["Lisbon", "Nairobi", "Osaka", "Toronto", "Valparaíso", "Reykjavík", "Gdańsk", "Brisbane", "Leeds", "Austin", "Lyon", "Seoul"] as const;
const AUTHORS = [
  "Maria Jones", "David Okafor", "Chen Wei", "Zoë Müller", "José Álvarez", "Łukasz Nowak", "Søren Hansen", "Priya Nair",
  "Amélie Laurent", "Tom Reilly", "Fatima Haddad", "Kenji Sato", "Ana Pereira", "Olga Ivanova", "Sam Carter",
] as const;
const CATEGORIES = [
  "Politics", "Business", "Economy", "World", "Science", "Health", "Climate", "Technology", "Sport", "Culture",
  "Education", "Transport", "Crime & Justice", "Local News", "Opinion", "Energy", "Space", "Housing",
] as const;
const SECTIONS = ["news", "world", "business", "sport", "culture", "science", "tech", "opinion", "local", "health"] as const;

// The long tail of a newsroom's vocabulary. News text follows Zipf's law: a few hundred words make
// up most of it and tens of thousands appear now and then. A corpus of only the few hundred would
// make unrelated articles share word triples (and MinHash band keys) far more often than real
// articles do, which is not what deduplication meets in production. Pseudo-words of 2–4 syllables,
// drawn by rank with probability ∝ 1/(rank + 10).
const SYLLABLES = [
  "ka", "lo", "mi", "ra", "ten", "sor", "vel", "dun", "pri", "ast", "gor", "bel", "man", "tic", "ver", "sen",
  "lar", "dor", "qui", "nel", "pa", "ro", "ste", "wan", "fy", "gle", "hum", "jor", "kle", "mor", "ben", "cas",
] as const;
const TAIL_WORDS = 30_000;
const TAIL = Array.from({ length: TAIL_WORDS }, (_, rank) => {
  const h = mix(0x7a11, rank);
  let w = "";
  for (let i = 0; i < 2 + (h % 3); i++) w += SYLLABLES[(h >>> (2 + i * 5)) & 31] as string;
  return w;
});
const TAIL_CDF = (() => {
  const cdf = new Float64Array(TAIL_WORDS);
  let sum = 0;
  for (let rank = 0; rank < TAIL_WORDS; rank++) cdf[rank] = sum += 1 / (rank + 10);
  return cdf.map((c) => c / sum);
})();
function tailWord(r: Random): string {
  const x = r();
  let lo = 0;
  let hi = TAIL_WORDS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((TAIL_CDF[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return TAIL[lo] as string;
}
/** A content word: the frequent ones half the time, else one from the long tail. */
const contentWord = (r: Random) => (r() < 0.5 ? pick(r, CONTENT_WORDS) : tailWord(r));

function sentence(r: Random): string {
  const n = int(r, 8, 22);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r() < 0.42 ? pick(r, FUNCTION_WORDS) : r() < 0.06 ? pick(r, PROPER) : contentWord(r));
  const first = words[0] ?? "the";
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  if (n > 12 && r() < 0.3) words[int(r, 3, n - 4)] += ",";
  return words.join(" ") + (r() < 0.06 ? "?" : ".");
}

function title(r: Random): string {
  const n = int(r, 6, 12);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(r() < 0.25 ? pick(r, FUNCTION_WORDS) : r() < 0.1 ? pick(r, PROPER) : contentWord(r));
  const first = words[0] ?? "news";
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  let t = words.join(" ");
  if (r() < 0.08) t = `“${t}”`;
  if (r() < 0.05) t += ": Q&A";
  return t;
}

const slugOf = (t: string) =>
  t
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .trim()
    .toLowerCase()
    .replace(/\s+/g, "-")
    .slice(0, 60);

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

// ---- feeds -------------------------------------------------------------------------------------

interface ItemParts {
  title: string;
  link: string;
  guid: string;
  date: Date;
  author: string;
  categories: string[];
  summaryHtml: string;
  image: string | null;
}

/** One feed's bytes and validators. */
export function generateFeed(spec: SourceSpec, opts: SyntheticOptions): SyntheticFeed {
  const r = mulberry32(mix(opts.seed, 1_000_003 + spec.index));
  const site = `outlet${spec.index}.example.${pick(r, ["com", "org", "net", "co.uk", "de"])}`;
  const feedTitle = `${pick(r, PROPER)} ${pick(r, ["Herald", "Times", "Post", "Chronicle", "Daily", "Observer", "Gazette", "Review"])} — ${pick(r, CATEGORIES)}`;
  // Cadence: one item every 15 minutes to 8 hours (log-uniform), newest within the last 6 hours.
  const meanGapMs = 15 * 60_000 * Math.pow(32, r());
  let t = opts.baseTime - Math.floor(r() * 6 * 3600_000);
  const parts: ItemParts[] = [];
  for (let i = 0; i < opts.items; i++) {
    const date = new Date(Math.floor(t / 1000) * 1000);
    const head = title(r);
    const slug = `${slugOf(head)}-${spec.index}-${opts.items - i}`;
    const ymd = date.toISOString().slice(0, 10).replace(/-/g, "/");
    const link = `https://www.${site}/${ymd}/${slug}`;
    const guid = spec.format === "atom" ? `tag:${site},${date.toISOString().slice(0, 10)}:/${slug}` : r() < 0.5 ? link : `${site}-${spec.index}-${opts.items - i}`;
    const categories = Array.from({ length: int(r, 1, 4) }, () => pick(r, CATEGORIES)).filter((c, k, all) => all.indexOf(c) === k);
    const summaryHtml = Array.from({ length: int(r, 1, 3) }, () => sentence(r)).join(" ");
    const image = r() < 0.35 ? `https://cdn.${site}/images/${slug}.jpg` : null;
    parts.push({ title: head, link, guid, date, author: pick(r, AUTHORS), categories, summaryHtml, image });
    t -= Math.floor(meanGapMs * (0.3 + 1.4 * r()));
  }
  const newest = parts[0]?.date ?? new Date(opts.baseTime);
  const xml = spec.format === "atom" ? atomFeed(r, spec, site, feedTitle, newest, parts) : rssFeed(r, spec, site, feedTitle, newest, parts);
  const body = Buffer.from(xml, "utf8");
  return {
    body,
    contentType: spec.format === "atom" ? "application/atom+xml; charset=utf-8" : "application/rss+xml; charset=utf-8",
    etag: `"${createHash("sha1").update(body).digest("hex").slice(0, 20)}"`,
    lastModified: newest.toUTCString(),
    lastModifiedMs: newest.getTime(),
    items: parts.length,
  };
}

/**
 * Paragraphs of body text until the serialised item reaches its target size (2,000–2,850 bytes,
 * so at most ~3 KB after the last sentence). Sizes are counted as the text is built, as it will be
 * serialised (`escaped`: entity-escaped, as in Atom's type="html"; otherwise inside CDATA).
 */
function fillContent(r: Random, fixedBytes: number, escaped: boolean): string {
  const target = int(r, 2000, 2850);
  const size = (s: string) => bytes(escaped ? escapeXml(s) : s);
  const paragraphOverhead = size("<p></p>\n");
  const paragraphs: string[] = [];
  let current: string[] = [];
  let total = fixedBytes + paragraphOverhead;
  let linked = false;
  let perParagraph = int(r, 2, 5);
  while (total < target) {
    let s = sentence(r);
    if (!linked && r() < 0.15) {
      s = s.replace(/ ([^ ]+)\.$/, ` <a href="https://example.org/ref/${int(r, 1, 99999)}">$1</a>.`);
      linked = true;
    }
    current.push(s);
    total += size(s) + 1;
    if (current.length >= perParagraph) {
      paragraphs.push(current.join(" "));
      current = [];
      perParagraph = int(r, 2, 5);
      total += paragraphOverhead;
    }
  }
  if (current.length > 0) paragraphs.push(current.join(" "));
  return paragraphs.map((p) => `<p>${p}</p>`).join("\n");
}

function rssFeed(r: Random, spec: SourceSpec, site: string, feedTitle: string, newest: Date, items: ItemParts[]): string {
  const escapedDescriptions = r() < 0.4; // some feeds entity-escape their HTML, most use CDATA
  const head =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
    `xmlns:atom="http://www.w3.org/2005/Atom" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">\n<channel>\n` +
    `  <title>${escapeXml(feedTitle)}</title>\n` +
    `  <link>https://www.${site}/</link>\n` +
    `  <atom:link href="https://www.${site}${spec.path}" rel="self" type="application/rss+xml"/>\n` +
    `  <description>${escapeXml(sentence(r))}</description>\n` +
    `  <language>${pick(r, ["en-us", "en-gb", "en", "en-au"])}</language>\n` +
    `  <lastBuildDate>${newest.toUTCString()}</lastBuildDate>\n` +
    `  <generator>synthetic-bench 1.0</generator>\n` +
    (r() < 0.3 ? `  <sy:updatePeriod>hourly</sy:updatePeriod>\n  <sy:updateFrequency>1</sy:updateFrequency>\n` : "") +
    (r() < 0.2 ? `  <ttl>${pick(r, [15, 30, 60])}</ttl>\n` : "");
  const body = items.map((it) => {
    const description = escapedDescriptions ? escapeXml(`<p>${it.summaryHtml}</p>`) : cdata(`<p>${it.summaryHtml}</p>`);
    const isPermaLink = it.guid === it.link;
    const fixed = (contentHtml: string) =>
      `  <item>\n` +
      `    <title>${escapeXml(it.title)}</title>\n` +
      `    <link>${escapeXml(it.link)}</link>\n` +
      `    <guid isPermaLink="${isPermaLink}">${escapeXml(it.guid)}</guid>\n` +
      `    <pubDate>${it.date.toUTCString()}</pubDate>\n` +
      `    <dc:creator>${escapeXml(it.author)}</dc:creator>\n` +
      it.categories.map((c) => `    <category>${escapeXml(c)}</category>\n`).join("") +
      `    <description>${description}</description>\n` +
      `    <content:encoded>${cdata(contentHtml)}</content:encoded>\n` +
      (it.image ? `    <enclosure url="${escapeXml(it.image)}" length="${120_000 + (it.image.length * 997) % 200_000}" type="image/jpeg"/>\n` : "") +
      `  </item>\n`;
    return fixed(fillContent(r, bytes(fixed("")), false));
  });
  return head + body.join("") + `</channel>\n</rss>\n`;
}

function atomFeed(r: Random, spec: SourceSpec, site: string, feedTitle: string, newest: Date, items: ItemParts[]): string {
  const head =
    `<?xml version="1.0" encoding="utf-8"?>\n` +
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${pick(r, ["en", "en-GB", "en-US"])}">\n` +
    `  <title>${escapeXml(feedTitle)}</title>\n` +
    `  <subtitle>${escapeXml(sentence(r))}</subtitle>\n` +
    `  <id>tag:${site},2020:feed</id>\n` +
    `  <link rel="alternate" type="text/html" href="https://www.${site}/"/>\n` +
    `  <link rel="self" type="application/atom+xml" href="https://www.${site}${spec.path}"/>\n` +
    `  <updated>${newest.toISOString()}</updated>\n` +
    `  <generator>synthetic-bench</generator>\n`;
  const body = items.map((it) => {
    const updated = r() < 0.2 ? new Date(it.date.getTime() + int(r, 5, 120) * 60_000) : it.date;
    const fixed = (contentHtml: string) =>
      `  <entry>\n` +
      `    <title type="text">${escapeXml(it.title)}</title>\n` +
      `    <link rel="alternate" type="text/html" href="${escapeXml(it.link)}"/>\n` +
      `    <id>${escapeXml(it.guid)}</id>\n` +
      `    <published>${it.date.toISOString()}</published>\n` +
      `    <updated>${updated.toISOString()}</updated>\n` +
      `    <author><name>${escapeXml(it.author)}</name></author>\n` +
      it.categories.map((c) => `    <category term="${escapeXml(c)}"/>\n`).join("") +
      `    <summary type="html">${escapeXml(`<p>${it.summaryHtml}</p>`)}</summary>\n` +
      `    <content type="html">${escapeXml(contentHtml)}</content>\n` +
      (it.image ? `    <link rel="enclosure" type="image/jpeg" href="${escapeXml(it.image)}"/>\n` : "") +
      `  </entry>\n`;
    return fixed(fillContent(r, bytes(fixed("")), true));
  });
  return head + body.join("") + `</feed>\n`;
}
