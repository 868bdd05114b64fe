// Row types, one interface per table, mirroring migrations/. Kysely checks every query against them,
// so a renamed column breaks the build instead of a request.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

/** timestamptz: read and written as Date. */
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Id = ColumnType<number, never, never>;

export interface SourcesTable {
  id: Id;
  url: string;
  title: string | null;
  site_url: string | null;
  description: string | null;
  enabled: Generated<boolean>;
  disabled_reason: string | null;
  fetch_interval_seconds: Generated<number>;
  next_fetch_at: Generated<Date>;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  etag: string | null;
  last_modified: string | null;
  last_attempt_at: NullableTimestamp;
  last_success_at: NullableTimestamp;
  last_status: number | null;
  last_error: string | null;
  /** What was odd about the last successful fetch (a feed read leniently, repaired bytes). */
  last_warning: string | null;
  error_count: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** Lower-cased host of `url`: per-host politeness is enforced when claiming. */
  host: string;
  /** Start of the current run of failures; null while healthy. */
  failing_since: NullableTimestamp;
  supports_etag: Generated<boolean>;
  supports_last_modified: Generated<boolean>;
  fetch_count: Generated<number>;
  not_modified_count: Generated<number>;
  bytes_fetched: Generated<number>;
  /** The interval the scheduler chose last time, after hints and activity. */
  current_interval_seconds: number | null;
  /** Items kept on the first fetch: null every item, 0 none, N those of the last N days. */
  backfill_days: number | null;
  /** Removed by an operator: hidden and never fetched; its kept articles still cite it. */
  deleted_at: NullableTimestamp;
}

export interface TombstonesTable {
  source_id: number;
  identity: string;
  reason: "purged" | "backfill" | "retention";
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

export interface FetchLogTable {
  id: Id;
  source_id: number;
  fetched_at: Generated<Date>;
  duration_ms: number;
  outcome: "updated" | "not-modified" | "error";
  status: number | null;
  bytes: Generated<number>;
  items_new: Generated<number>;
  items_updated: Generated<number>;
  message: string | null;
}

export interface SourceMovesTable {
  id: Id;
  source_id: number;
  old_url: string;
  new_url: string;
  status: number;
  moved_at: Generated<Date>;
}

export interface StoriesTable {
  id: Id;
  uuid: Generated<string>;
  title: string;
  published_at: Timestamp;
  updated_at: Timestamp;
  canonical_article_id: number | null;
  created_at: Generated<Date>;
  /** Weighted full-text vector (title A, categories B, lead C, body D), written by src/search/index.ts. */
  search: ColumnType<string | null, never, never>;
}

export interface ArticlesTable {
  /** Given on insert when a new story must name it as canonical in the same statement (ids come from the sequence). */
  id: ColumnType<number, number | undefined, never>;
  source_id: number;
  story_id: number;
  identity: string;
  guid: string | null;
  link: string | null;
  title: string;
  summary: string | null;
  content: string | null;
  author: string | null;
  categories: Generated<string[]>;
  image_url: string | null;
  language: string | null;
  published_at: NullableTimestamp;
  updated_at: NullableTimestamp;
  content_hash: string;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  /** The link in canonical form (src/normalise/canonical-url.ts); null when it names no page. */
  canonical_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** Hashed keys that find this article's copies (src/dedupe/features.ts), under a GIN index. int8 comes back as string. */
  dedup_keys: ColumnType<string[], string[] | undefined, string[]>;
  /** The article's deduplication features, encoded (src/dedupe/encode.ts); null when dedup was off or before migration 0006. */
  dedup_features: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
}

export interface TopicsTable {
  id: Id;
  slug: string;
  title: string;
  description: Generated<string>;
  /** JSON text on write, parsed object on read (pg parses jsonb). */
  definition: ColumnType<unknown, string, string>;
  reserved: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface StoryTopicsTable {
  topic_id: number;
  story_id: number;
  matched_at: Generated<Date>;
  /** The story's date, set by a trigger on insert and when the story's date moves (migration 0004). */
  published_at: Generated<Date>;
}

/** A topic whose stored stories are being re-matched in the background (jobs/rematch-topics.ts). */
export interface TopicRematchTable {
  topic_id: number;
  /** Stories with an id below this are still to do; null: start from the newest. */
  next_before: number | null;
  requested_at: Generated<Date>;
  lease_owner: string | null;
  lease_expires_at: NullableTimestamp;
  scanned: Generated<number>;
  matched: Generated<number>;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
}

export interface Database {
  settings: SettingsTable;
  sources: SourcesTable;
  stories: StoriesTable;
  articles: ArticlesTable;
  topics: TopicsTable;
  story_topics: StoryTopicsTable;
  topic_rematch: TopicRematchTable;
  fetch_log: FetchLogTable;
  source_moves: SourceMovesTable;
  tombstones: TombstonesTable;
}

export type FetchLogEntry = Selectable<FetchLogTable>;

export type Source = Selectable<SourcesTable>;
export type NewSource = Insertable<SourcesTable>;
export type SourceUpdate = Updateable<SourcesTable>;
export type Article = Selectable<ArticlesTable>;
export type Story = Selectable<StoriesTable>;
export type Topic = Selectable<TopicsTable>;
