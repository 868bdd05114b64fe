// When a source should be fetched next. On success: its interval, with ±10% jitter so sources
// added together spread out. On error: exponential backoff with jitter, capped at a day, never a
// silent stop.
const DAY_SECONDS = 24 * 60 * 60;

function jitter(seconds: number, random: () => number): number {
  return seconds * (0.9 + 0.2 * random());
}

export function nextFetchAfterSuccess(now: Date, intervalSeconds: number, random: () => number = Math.random): Date {
  return new Date(now.getTime() + jitter(intervalSeconds, random) * 1000);
}

/** `errorCount` counts this failure too (1 for the first). */
export function nextFetchAfterError(
  now: Date,
  intervalSeconds: number,
  errorCount: number,
  random: () => number = Math.random,
): Date {
  const base = Math.min(intervalSeconds, 15 * 60) * 2 ** Math.min(Math.max(errorCount - 1, 0), 16);
  return new Date(now.getTime() + jitter(Math.min(base, DAY_SECONDS), random) * 1000);
}
