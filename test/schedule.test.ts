// The scheduling policy, without a clock or a network: intervals from the operator, the feed's
// hints and its activity; backoff; Retry-After; retiring and pausing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Source } from "../src/db/schema.ts";
import { chooseInterval, errorDelaySeconds, hintSeconds, nextFetchAfterError, publishingGap } from "../src/schedule/next-fetch.ts";
import { nextSourceState, type FetchFacts } from "../src/schedule/source-state.ts";

const now = new Date("2026-01-10T12:00:00Z");
const minutes = (m: number) => new Date(now.getTime() - m * 60_000);
const policy = { pauseAfterSeconds: 7 * 86_400 };

function source(over: Partial<Source> = {}): Source {
  return {
    id: 1, url: "https://news.example/feed", title: null, site_url: null, description: null, enabled: true, disabled_reason: null,
    fetch_interval_seconds: 1800, next_fetch_at: now, lease_owner: "w", lease_expires_at: now, etag: null, last_modified: null,
    last_attempt_at: null, last_success_at: null, last_status: null, last_error: null, last_warning: null, error_count: 0,
    created_at: now, updated_at: now, host: "news.example", failing_since: null, supports_etag: false, supports_last_modified: false,
    fetch_count: 0, not_modified_count: 0, bytes_fetched: 0, current_interval_seconds: null, backfill_days: null, deleted_at: null, ...over,
  };
}

const failure = (over: Partial<FetchFacts> = {}): FetchFacts => ({ outcome: "error", status: 503, error: "HTTP 503", bytes: 0, durationMs: 5, itemsNew: 0, itemsUpdated: 0, ...over });

describe("intervals", () => {
  test("activity: the median gap of the newest dated items; too few dates say nothing", () => {
    assert.equal(publishingGap([minutes(10), minutes(20), minutes(40), null], now), 10 * 60 * 1.5);
    assert.equal(publishingGap([minutes(10), minutes(20)], now), null);
    assert.equal(publishingGap([new Date(now.getTime() + 3600_000), minutes(10), minutes(10), minutes(20)], now), null, "future and repeated dates are ignored");
  });

  test("busy feeds sooner, quiet ones later, within 4× of the operator's interval and 5 min–24 h", () => {
    assert.equal(chooseInterval(1800, {}, null, now), 1800);
    assert.equal(chooseInterval(1800, {}, 5 * 60, now), 450, "a post every 5 minutes: 4× sooner at most");
    assert.equal(chooseInterval(1800, {}, 40 * 60, now), 1200);
    assert.equal(chooseInterval(1800, {}, 3 * 86_400, now), 7200, "quiet: 4× later at most");
    assert.equal(chooseInterval(300, {}, 60, now), 300, "never below the 5-minute floor");
    assert.equal(chooseInterval(86_400, {}, 30 * 86_400, now), 86_400, "never beyond a day");
  });

  test("the feed's hints are a lower bound: ttl, sy:updatePeriod, max-age, Expires", () => {
    assert.equal(hintSeconds({ ttlMinutes: 60 }, now), 3600);
    assert.equal(hintSeconds({ updatePeriodSeconds: 7200, cache: { maxAgeSeconds: 600, expires: new Date(now.getTime() + 9000_000) } }, now), 9000);
    assert.equal(chooseInterval(1800, { ttlMinutes: 120 }, 60, now), 7200);
    assert.equal(chooseInterval(1800, { cache: { maxAgeSeconds: 10, expires: null } }, null, now), 1800, "a short max-age does not make us poll faster");
    assert.equal(chooseInterval(1800, { ttlMinutes: 100_000 }, null, now), 86_400);
  });
});

describe("errors", () => {
  test("exponential backoff with jitter, capped at a day", () => {
    const mid = () => 0.5;
    assert.equal(errorDelaySeconds(1800, 1, mid), 900);
    assert.equal(errorDelaySeconds(1800, 2, mid), 1800);
    assert.equal(errorDelaySeconds(1800, 4, mid), 7200);
    assert.equal(errorDelaySeconds(1800, 30, mid), 86_400);
    assert.equal(errorDelaySeconds(1800, 1, () => 0), 810, "-10%");
    assert.equal(errorDelaySeconds(1800, 1, () => 1), 990, "+10%");
  });

  test("Retry-After is honoured when it is later than the backoff", () => {
    const later = new Date(now.getTime() + 5 * 3600_000);
    assert.equal(nextFetchAfterError(now, 1800, 1, () => 0.5, later).getTime(), later.getTime());
    assert.equal(nextFetchAfterError(now, 1800, 1, () => 0.5, minutes(-1)).getTime(), now.getTime() + 900_000);
  });

  test("a failure counts, starts the failing run, and keeps the validators", () => {
    const s = nextSourceState(source({ etag: '"x"' }), failure(), now, policy, () => 0.5);
    assert.deepEqual([s.success, s.errorCount, s.failingSince?.toISOString(), s.etag, s.disable], [false, 1, now.toISOString(), '"x"', null]);
  });

  test("410 retires the source with the reason", () => {
    const s = nextSourceState(source(), failure({ status: 410, error: "HTTP 410 Gone" }), now, policy);
    assert.match(s.disable?.reason ?? "", /^retired: the server answered 410 Gone on 2026-01-10/);
  });

  test("failing for longer than the pause time pauses it, with the reason; shorter does not", () => {
    const eightDays = new Date(now.getTime() - 8 * 86_400_000);
    const paused = nextSourceState(source({ error_count: 40, failing_since: eightDays }), failure({ error: "connection refused" }), now, policy);
    assert.equal(paused.disable?.reason, "paused: failing since 2026-01-02 (41 attempts); last error: connection refused");
    const sixDays = new Date(now.getTime() - 6 * 86_400_000);
    assert.equal(nextSourceState(source({ error_count: 30, failing_since: sixDays }), failure(), now, policy).disable, null);
  });

  test("a success ends the failing run and records what the server supports", () => {
    const s = nextSourceState(
      source({ error_count: 3, failing_since: minutes(600) }),
      { outcome: "updated", status: 200, etag: '"v2"', lastModified: null, bytes: 100, durationMs: 5, itemsNew: 1, itemsUpdated: 0 },
      now,
      policy,
    );
    assert.deepEqual([s.success, s.errorCount, s.failingSince, s.supportsEtag, s.supportsLastModified], [true, 0, null, true, false]);
  });
});
