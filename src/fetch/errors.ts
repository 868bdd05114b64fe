// Whatever went wrong, in words an operator can act on. undici reports network failures as
// TypeError("fetch failed") with the real error somewhere down the `cause` chain.
import { AddressRefusedError } from "./address.ts";

export class BodyTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`response body is larger than the ${formatBytes(maxBytes)} limit`);
    this.name = "BodyTooLargeError";
  }
}

export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export interface ErrorLimits {
  connectTimeoutMs: number;
  timeoutMs: number;
}

const DNS = "host not found (DNS lookup failed)";
const BY_CODE: Record<string, string> = {
  ENOTFOUND: DNS,
  EAI_AGAIN: DNS,
  EAI_NODATA: DNS,
  EAI_NONAME: DNS,
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  EHOSTUNREACH: "host unreachable (no route to it)",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "the server closed the connection before the response was complete",
};

export function describeError(err: unknown, limits: ErrorLimits): string {
  const chain = causes(err);
  for (const e of chain) {
    const words = describeOne(e, limits);
    if (words !== null) return words;
  }
  const deepest = chain.at(-1);
  return deepest instanceof Error ? `network error: ${deepest.message}` : `network error: ${String(deepest)}`;
}

function describeOne(e: unknown, limits: ErrorLimits): string | null {
  if (e instanceof AddressRefusedError || e instanceof BodyTooLargeError) return e.message;
  const name = e instanceof Error ? e.name : "";
  const message = e instanceof Error ? e.message : "";
  if (name === "TimeoutError" || name === "AbortError") return `timed out after ${seconds(limits.timeoutMs)}`;
  if (name === "HTTPParserError") return `the server sent an invalid HTTP response (${message})`;
  const code = codeOf(e);
  if (code === undefined) return null;
  if (code === "UND_ERR_CONNECT_TIMEOUT") return `could not connect within ${seconds(limits.connectTimeoutMs)} (connect timeout)`;
  if (code === "ERR_INVALID_URL") return `not a valid URL (${message})`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) return `TLS certificate problem (${message})`;
  if (code.startsWith("ERR_SSL") || code === "EPROTO") return `TLS handshake failed (${opensslReason(message)})`;
  if (code.startsWith("HPE_")) return `the server sent an invalid HTTP response (${message})`;
  // zlib codes are Z_*, brotli's ERR__ERROR_FORMAT_* and the like.
  if (code.startsWith("Z_") || code.startsWith("ERR__ERROR")) return `the response body could not be decompressed (${message})`;
  return BY_CODE[code] ?? null;
}

/** "…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:file:line:" → "wrong version number". */
function opensslReason(message: string): string {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ?? message.trim();
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/**
 * The server closed a kept-alive connection just as we reused it: the request failed before any
 * answer (servers close idle connections after a few seconds, and a busy client can reuse one a
 * moment too late).
 */
export function isStaleConnection(err: unknown): boolean {
  return causes(err).some((e) => {
    const code = codeOf(e);
    return code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET";
  });
}

function codeOf(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined;
}

/** The error and its causes, outermost first (bounded: cause chains can loop). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 8; e = typeof e === "object" && "cause" in e ? e.cause : undefined) {
    chain.push(e);
  }
  return chain;
}
