// Fetching is ours, not the parser's: we need conditional GET, a body cap, our own redirect handling
// (every hop is checked against the address rules) and the raw bytes so the charset can be decided.
import { assertFetchable } from "./address.ts";

export interface FetchOptions {
  userAgent: string;
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

export type FetchResult =
  | {
      kind: "ok";
      status: number;
      /** The URL that finally answered, after redirects. */
      url: string;
      /** Set when every redirect on the way was permanent (301/308): the source has moved. */
      movedTo: string | null;
      body: Uint8Array;
      contentType: string | null;
      etag: string | null;
      lastModified: string | null;
    }
  | { kind: "not-modified"; status: 304; etag: string | null; lastModified: string | null }
  | { kind: "error"; status: number | null; message: string };

const ACCEPT =
  "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

export async function fetchFeed(req: FetchRequest, opts: FetchOptions): Promise<FetchResult> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    return await fetchFollowing(req, opts, signal);
  } catch (err) {
    return { kind: "error", status: null, message: describeError(err, opts) };
  }
}

async function fetchFollowing(req: FetchRequest, opts: FetchOptions, signal: AbortSignal): Promise<FetchResult> {
  let url = new URL(req.url);
  let permanent = true;
  for (let hop = 0; ; hop++) {
    await assertFetchable(url, opts.allowPrivateNetworks);
    const headers: Record<string, string> = { "user-agent": opts.userAgent, accept: ACCEPT };
    // Validators belong to the stored URL; do not send them to a redirect target.
    if (hop === 0 && req.etag) headers["if-none-match"] = req.etag;
    if (hop === 0 && req.lastModified) headers["if-modified-since"] = req.lastModified;
    const res = await fetch(url, { headers, redirect: "manual", signal });
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      const location = res.headers.get("location");
      await res.body?.cancel();
      if (!location) return { kind: "error", status: res.status, message: `HTTP ${res.status} redirect without a Location header` };
      if (hop >= opts.maxRedirects) return { kind: "error", status: res.status, message: `too many redirects (more than ${opts.maxRedirects})` };
      permanent &&= res.status === 301 || res.status === 308;
      url = new URL(location, url);
      continue;
    }
    const etag = res.headers.get("etag");
    const lastModified = res.headers.get("last-modified");
    if (res.status === 304) {
      await res.body?.cancel();
      return { kind: "not-modified", status: 304, etag, lastModified };
    }
    if (!res.ok) {
      await res.body?.cancel();
      return { kind: "error", status: res.status, message: `HTTP ${res.status}${res.statusText ? " " + res.statusText : ""}` };
    }
    const body = await readCapped(res, opts.maxBodyBytes);
    return {
      kind: "ok",
      status: res.status,
      url: url.href,
      movedTo: hop > 0 && permanent ? url.href : null,
      body,
      contentType: res.headers.get("content-type"),
      etag,
      lastModified,
    };
  }
}

class BodyTooLargeError extends Error {}

/** Read the (already decompressed) body, aborting as soon as it passes the cap. */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes && !res.headers.get("content-encoding")) {
    await res.body?.cancel();
    throw new BodyTooLargeError(`response body is larger than the ${formatBytes(maxBytes)} limit`);
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(`response body is larger than the ${formatBytes(maxBytes)} limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(0)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/** Turn whatever went wrong into words an operator can act on. */
function describeError(err: unknown, opts: FetchOptions): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === "TimeoutError" || err.name === "AbortError") return `timed out after ${opts.timeoutMs / 1000} s`;
  const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host not found (DNS lookup failed)`;
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset by the server";
    case "CERT_HAS_EXPIRED":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
      return `TLS certificate problem (${cause.code})`;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found (DNS lookup failed)";
  if (err.message === "fetch failed" && cause?.message) return `network error: ${cause.message}`;
  return err.message;
}
