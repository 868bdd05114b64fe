// Admin authentication: a bearer token from FEEDLOOM_ADMIN_TOKEN. With no token configured the
// admin API is off (403 saying how to turn it on), never open. Tokens are compared in constant
// time (hashes of equal length through timingSafeEqual), so timing reveals nothing about the token.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "@hono/node-server/conninfo";

const digest = (s: string) => createHash("sha256").update(s).digest();

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function bearer(c: Context): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  return m?.[1] ?? null;
}

export const ADMIN_OFF_MESSAGE =
  "the admin API is off: set FEEDLOOM_ADMIN_TOKEN to a secret of at least 16 characters (e.g. `openssl rand -hex 32`) and restart, then send it as `Authorization: Bearer <token>`";

/** Middleware for admin routes: 403 when no token is configured, 401 when it is missing or wrong. */
export function requireAdmin(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (!token) return c.json({ error: ADMIN_OFF_MESSAGE }, 403);
    const given = bearer(c);
    if (given === null) {
      c.header("WWW-Authenticate", 'Bearer realm="feedloom admin"');
      return c.json({ error: "missing admin token: send `Authorization: Bearer <FEEDLOOM_ADMIN_TOKEN>`" }, 401);
    }
    if (!tokenMatches(given, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="feedloom admin", error="invalid_token"');
      return c.json({ error: "wrong admin token: send the value of FEEDLOOM_ADMIN_TOKEN as `Authorization: Bearer <token>`" }, 401);
    }
    await next();
  };
}

/** The peer's address when served by @hono/node-server; null otherwise (e.g. app.request in tests). */
export function peerAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** For /metrics: the admin token, or a request from this machine (a local Prometheus agent). */
export function requireAdminOrLoopback(token: string | undefined): MiddlewareHandler {
  const admin = requireAdmin(token);
  return async (c, next) => {
    const peer = peerAddress(c);
    if (peer !== null && LOOPBACK.test(peer)) return next();
    if (!token) return c.json({ error: `${ADMIN_OFF_MESSAGE}; or scrape from this machine (loopback)` }, 403);
    return admin(c, next);
  };
}
