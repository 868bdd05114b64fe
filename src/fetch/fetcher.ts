// Fetching is ours, not the parser's: we need conditional GET, a body cap, our own redirect handling
// (every hop is checked against the address rules) and the raw bytes so the charset can be decided.
// undici's own fetch, not the global one: it takes our Agent as dispatcher, and its Response is not
// swapped out by the HTTP server running in the same process.
import type { ReadableStreamReadResult } from "node:stream/web";
import { fetch, type Response } from "undici";
import { urlRefusal } from "./address.ts";
import { agentFor } from "./agent.ts";
import { BodyTooLargeError, describeError, isStaleConnection } from "./errors.ts";
import { parseCacheHints, statusError, statusLine } from "./headers.ts";

export interface FetchOptions {
  userAgent: string;
  /** Limit for establishing the connection (DNS, TCP, TLS). */
  connectTimeoutMs: number;
  /** Limit for the whole fetch, redirects and body included. */
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  allowPrivateNetworks: boolean;
}

export interface FetchRequest {
  url: string;
  etag?: string | null;
  lastModified?: string | null;
}

/** What the response says about how long it stays fresh (never obeyed below the floor). */
export interface CacheHints {
  /** Cache-Control max-age (s-maxage ignored: we are not a shared cache). */
  maxAgeSeconds: number | null;
  expires: Date | null;
}

export type FetchResult =
  | {
      kind: "ok";
      status: number;
      /** The URL that finally answered, after redirects. */
      url: string;
      /** Set when every redirect on the way was permanent (301/308): the source has moved. */
      movedTo: string | null;
      /** The status of the first of those permanent redirects (301 or 308), with movedTo. */
      movedStatus: number | null;
      body: Uint8Array;
      contentType: string | null;
      etag: string | null;
      lastModified: string | null;
      cache: CacheHints;
    }
  | { kind: "not-modified"; status: 304; etag: string | null; lastModified: string | null; cache: CacheHints }
  | {
      kind: "error";
      status: number | null;
      message: string;
      /** From Retry-After (seconds or an HTTP date) on 429 and 503: not before then. */
      retryAfter: Date | null;
    };

const ACCEPT =
  "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
// Explicit: undici asks for br only over https by default. It decodes all three itself.
const ACCEPT_ENCODING = "gzip, deflate, br";
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Never throws: every failure is an `error` result with a message in plain words. */
export async function fetchFeed(req: FetchRequest, opts: FetchOptions): Promise<FetchResult> {
  try {
    // One deadline for the whole exchange: every hop, headers and body.
    return await fetchFollowing(req, opts, AbortSignal.timeout(opts.timeoutMs));
  } catch (err) {
    return failure(null, describeError(err, opts));
  }
}

function failure(status: number | null, message: string, retryAfter: Date | null = null): FetchResult {
  return { kind: "error", status, message, retryAfter };
}

async function fetchFollowing(req: FetchRequest, opts: FetchOptions, signal: AbortSignal): Promise<FetchResult> {
  const dispatcher = agentFor(opts);
  let url = new URL(req.url);
  // undefined: no redirect yet; null: a temporary one on the way; else the first permanent status.
  let permanent: number | null | undefined;
  for (let hop = 0; ; hop++) {
    const refused = urlRefusal(url, opts.allowPrivateNetworks);
    if (refused) return failure(null, refused.message);
    const init = { headers: requestHeaders(req, opts, hop === 0), redirect: "manual", signal, dispatcher } as const;
    // A GET that failed before any answer because the connection was stale is sent once more, on a
    // fresh connection, as browsers and curl do; a server that resets every connection still fails.
    const res = await fetch(url, init).catch((err: unknown) => {
      if (signal.aborted || !isStaleConnection(err)) throw err;
      return fetch(url, init);
    });
    if (!REDIRECTS.has(res.status)) return await finalResult(res, url, permanent ?? null, opts);
    await res.body?.cancel();
    const location = res.headers.get("location");
    if (!location) return failure(res.status, `${statusLine(res.status, res.statusText)} without a Location header`);
    if (hop >= opts.maxRedirects) return failure(res.status, `too many redirects (more than ${opts.maxRedirects})`);
    permanent = permanent === null || (res.status !== 301 && res.status !== 308) ? null : (permanent ?? res.status);
    url = new URL(location, url);
  }
}

function requestHeaders(req: FetchRequest, opts: FetchOptions, firstHop: boolean): Record<string, string> {
  const headers: Record<string, string> = { "user-agent": opts.userAgent, accept: ACCEPT, "accept-encoding": ACCEPT_ENCODING };
  // Validators belong to the stored URL; do not send them to a redirect target.
  if (firstHop && req.etag) headers["if-none-match"] = req.etag;
  if (firstHop && req.lastModified) headers["if-modified-since"] = req.lastModified;
  return headers;
}

async function finalResult(res: Response, url: URL, movedStatus: number | null, opts: FetchOptions): Promise<FetchResult> {
  const etag = res.headers.get("etag");
  const lastModified = res.headers.get("last-modified");
  const cache = parseCacheHints(res.headers);
  if (res.status === 304) {
    await res.body?.cancel();
    return { kind: "not-modified", status: 304, etag, lastModified, cache };
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel();
    const { message, retryAfter } = statusError(res.status, res.statusText, res.headers);
    return failure(res.status, message, retryAfter);
  }
  const body = await readCapped(res, opts.maxBodyBytes);
  const contentType = res.headers.get("content-type");
  return { kind: "ok", status: res.status, url: url.href, movedTo: movedStatus ? url.href : null, movedStatus, body, contentType, etag, lastModified, cache };
}

/** Read the body as decoded (after decompression), cancelling the download once it passes the cap. */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  // A declared length is the encoded size: only conclusive when nothing is decompressed.
  if (declared > maxBytes && !res.headers.get("content-encoding")) {
    await res.body?.cancel();
    throw new BodyTooLargeError(maxBytes);
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value }: ReadableStreamReadResult<Uint8Array> = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
