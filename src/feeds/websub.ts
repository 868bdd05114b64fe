// WebSub (https://www.w3.org/TR/websub/): feeds advertise the hub (rel="hub") and, when a topic
// gets a new or changed story, the publisher tells the hub which feed URLs changed with a
// `hub.mode=publish` POST (the de-facto publish ping every public hub accepts). The hub then
// fetches the feeds and pushes them to subscribers, so readers need not poll.
import type { Logger } from "../log.ts";

export const feedFormats = ["rss", "atom", "json"] as const;

/** Every feed URL of these topics: what the hub is told about. */
export function topicFeedUrls(baseUrl: string, slugs: string[]): string[] {
  return slugs.flatMap((slug) => feedFormats.map((f) => `${baseUrl}/topics/${slug}.${f}`));
}

export interface PingResult {
  url: string;
  status: number | null;
  error?: string;
}

/** Ping the hub once per changed feed URL; failures are returned, never thrown. */
export async function pingHub(hub: string, urls: string[], opts: { userAgent?: string; timeoutMs?: number } = {}): Promise<PingResult[]> {
  return Promise.all(
    urls.map(async (url): Promise<PingResult> => {
      try {
        const res = await fetch(hub, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", ...(opts.userAgent ? { "user-agent": opts.userAgent } : {}) },
          body: new URLSearchParams({ "hub.mode": "publish", "hub.url": url }).toString(),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        return res.ok ? { url, status: res.status } : { url, status: res.status, error: `the hub answered ${res.status}` };
      } catch (err) {
        return { url, status: null, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

export interface WebSubNotifier {
  (slugs: string[]): void;
  /** Resolves when every ping started so far has finished (for shutdown and tests). */
  idle(): Promise<void>;
}

/** A topic-change listener that pings `hub` about the changed topics' feeds, in the background. */
export function createWebSubNotifier(opts: { hub: string; baseUrl: string; log: Logger; userAgent?: string }): WebSubNotifier {
  const inFlight = new Set<Promise<void>>();
  const notify = (slugs: string[]) => {
    const urls = topicFeedUrls(opts.baseUrl, [...new Set(slugs)]);
    const p = pingHub(opts.hub, urls, { userAgent: opts.userAgent }).then((results) => {
      const failed = results.filter((r) => r.error);
      if (failed.length > 0) opts.log.warn("websub ping failed", { hub: opts.hub, failed: failed.map((f) => `${f.url}: ${f.error}`) });
      else opts.log.debug("websub pinged", { hub: opts.hub, urls: urls.length });
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  return Object.assign(notify, { idle: async () => void (await Promise.all([...inFlight])) });
}
