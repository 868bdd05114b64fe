// The shared real-world corpora (real-feeds/ and feedparser-tests/) as a list of files to serve,
// a loopback server that serves them byte for byte, and the feedparser 6.0.10 reference output.
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type OutgoingHttpHeaders, type Server } from "node:http";
import { join, relative, sep } from "node:path";
import { sharedDir } from "./newsroom.ts";

export const corporaDir = join(sharedDir, "corpora");
export const realFeedsDir = join(corporaDir, "real-feeds");
export const feedparserTestsDir = join(corporaDir, "feedparser-tests");
export const referenceDir = join(corporaDir, "reference-output/feedparser-6.0.10");

/** One row of real-feeds/INDEX.tsv (the columns this test uses). */
export interface IndexRow {
  /** Relative to real-feeds/, e.g. "feed-rs/atom/atom_spec_1.xml". */
  path: string;
  kind: string;
  /** feedparser's entry count; null for the JSON files it did not read. */
  entries: number | null;
  /** feedparser's verdict: true = ill-formed, false = well-formed, null = not judged (JSON). */
  bozo: boolean | null;
}

export function readIndex(): IndexRow[] {
  const [header, ...lines] = readFileSync(join(realFeedsDir, "INDEX.tsv"), "utf8").split("\n").filter((l) => l.trim() !== "");
  const columns = (header ?? "").split("\t");
  const col = (name: string): number => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`INDEX.tsv has no column ${name}`);
    return i;
  };
  const [path, kind, entries, bozo] = [col("path"), col("kind"), col("entries"), col("bozo")];
  return lines.map((line) => {
    const f = line.split("\t");
    const cell = (i: number): string => f[i] ?? "";
    return {
      path: cell(path),
      kind: cell(kind),
      entries: cell(entries) === "" ? null : Number(cell(entries)),
      bozo: cell(bozo) === "" ? null : cell(bozo) === "1",
    };
  });
}

/** One entry of expectations.json. */
export interface Expectation {
  file: string;
  description: string;
  expect: string;
  headers: Record<string, string>;
  skip_unless: string | null;
}

export function readExpectations(): Expectation[] {
  return JSON.parse(readFileSync(join(feedparserTestsDir, "expectations.json"), "utf8")) as Expectation[];
}

/** The feedparser-tests folders the corpus README says to skip (sanitiser, language, CDF, PSC cases). */
export const SKIPPED_FEEDPARSER_DIRS = ["wellformed/sanitize/", "wellformed/lang/", "wellformed/cdf/", "wellformed/psc/"];
/** Files of feedparser-tests/ that are not feeds. */
const FEEDPARSER_HELPERS = new Set(["LICENSE.upstream", "expectations.json", "date-vectors.json"]);

export interface CorpusFile {
  /** "real-feeds/…" or "feedparser-tests/…": also the path it is served under. */
  name: string;
  bytes: Buffer;
  /** Response headers, exactly as served. */
  headers: Record<string, string>;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)]));
}

const posix = (p: string): string => p.split(sep).join("/");

/**
 * Every feed file of both collections. real-feeds/: exactly the files INDEX.tsv lists (the
 * captured feeds, JSON Feeds included); what it does not list must be a helper (rss-parser's
 * output/*.json, feed-rs's *.serde.json, licences), which `unlisted` returns so the caller can
 * check that. feedparser-tests/: every file outside the skipped folders, with the headers its
 * expectation names (exactly), else Content-Type: application/xml without a charset.
 */
export function corpusFiles(): { files: CorpusFile[]; unlistedRealFeeds: string[] } {
  const DEFAULT = { "Content-Type": "application/xml" };
  const index = readIndex();
  const listed = new Set(index.map((r) => r.path));
  const unlistedRealFeeds = walk(realFeedsDir)
    .map((p) => posix(relative(realFeedsDir, p)))
    .filter((p) => p !== "INDEX.tsv" && !listed.has(p));
  const files: CorpusFile[] = index.map((r) => ({
    name: `real-feeds/${r.path}`,
    bytes: readFileSync(join(realFeedsDir, r.path)),
    headers: DEFAULT,
  }));
  const headersOf = new Map(readExpectations().map((e) => [e.file, e.headers]));
  for (const abs of walk(feedparserTestsDir).sort()) {
    const rel = posix(relative(feedparserTestsDir, abs));
    if (FEEDPARSER_HELPERS.has(rel) || SKIPPED_FEEDPARSER_DIRS.some((d) => rel.startsWith(d))) continue;
    const given = headersOf.get(rel) ?? {};
    const hasType = Object.keys(given).some((k) => k.toLowerCase() === "content-type");
    files.push({ name: `feedparser-tests/${rel}`, bytes: readFileSync(abs), headers: hasType ? given : { ...DEFAULT, ...given } });
  }
  return { files, unlistedRealFeeds };
}

export interface CorpusServer {
  base: string;
  /** The URL a corpus file is served at. */
  urlOf(name: string): string;
  /** Requests per served path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const encodePath = (name: string): string => name.split("/").map(encodeURIComponent).join("/");

/** node:http on 127.0.0.1 (port 0): each file's raw bytes under /<name>, with its headers. */
export async function startCorpusServer(files: CorpusFile[]): Promise<CorpusServer> {
  const byPath = new Map(files.map((f) => [`/${encodePath(f.name)}`, f]));
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const file = byPath.get(path);
    if (!file) return void res.writeHead(404).end();
    const headers: OutgoingHttpHeaders = { ...file.headers, "Content-Length": file.bytes.byteLength };
    res.writeHead(200, headers).end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    urlOf: (name) => `${base}/${encodePath(name)}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One entry of feedparser's parse (reference-output/feedparser-6.0.10/<path>.json). */
export interface ReferenceEntry {
  id: string | null;
  title: string | null;
  link: string | null;
  published: string | null;
  updated: string | null;
}

export interface ReferenceParse {
  file: string;
  version: string;
  bozo: boolean;
  entries: ReferenceEntry[];
}

/** feedparser's parse of real-feeds/<path>, or null when there is none (the JSON Feeds). */
export function readReference(path: string): ReferenceParse | null {
  try {
    return JSON.parse(readFileSync(join(referenceDir, `${path}.json`), "utf8")) as ReferenceParse;
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return null;
    throw err;
  }
}
