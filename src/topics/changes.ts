// "These topics got new or changed stories": announced by ingest after its transaction commits,
// heard in the same process by whoever cares (the feed cache, the WebSub pinger). Other processes
// sharing a Postgres do not hear it: the feed cache expires on its own, and each process that
// ingests pings the hub itself.
export type TopicChangeListener = (slugs: string[]) => void;

const listeners = new Set<TopicChangeListener>();

/** Listen for topic changes; returns a function that stops listening. */
export function onTopicChange(listener: TopicChangeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function announceTopicChange(slugs: string[]): void {
  if (slugs.length === 0) return;
  // A listener that throws must not undo or fail the ingest that announced the change.
  for (const l of listeners) {
    try {
      l(slugs);
    } catch {
      /* listeners log their own failures */
    }
  }
}
