// The domain in four tables plus the story–topic link: sources are fetched, each item becomes an
// article, articles group into stories, stories are filed under topics. Scheduling state lives on
// the source row so any number of workers can share it.
import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sources (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      url               text NOT NULL UNIQUE,
      title             text,
      site_url          text,
      description       text,
      enabled           boolean NOT NULL DEFAULT true,
      disabled_reason   text,
      fetch_interval_seconds integer NOT NULL DEFAULT 1800
                        CHECK (fetch_interval_seconds BETWEEN 300 AND 86400),
      next_fetch_at     timestamptz NOT NULL DEFAULT now(),
      lease_owner       text,
      lease_expires_at  timestamptz,
      etag              text,
      last_modified     text,
      last_attempt_at   timestamptz,
      last_success_at   timestamptz,
      last_status       integer,
      last_error        text,
      last_warning      text,
      error_count       integer NOT NULL DEFAULT 0,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // The scheduler's only question: which enabled sources are due? Answer it from an index.
  await sql`CREATE INDEX sources_due_idx ON sources (next_fetch_at) WHERE enabled`.execute(db);

  await sql`
    CREATE TABLE stories (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      uuid              uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      title             text NOT NULL,
      published_at      timestamptz NOT NULL,
      updated_at        timestamptz NOT NULL,
      canonical_article_id bigint,
      created_at        timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX stories_published_idx ON stories (published_at DESC, id DESC)`.execute(db);

  await sql`
    CREATE TABLE articles (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_id         bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
      story_id          bigint NOT NULL REFERENCES stories (id),
      identity          text NOT NULL,
      guid              text,
      link              text,
      title             text NOT NULL,
      summary           text,
      content           text,
      author            text,
      categories        text[] NOT NULL DEFAULT '{}',
      image_url         text,
      language          text,
      published_at      timestamptz,
      updated_at        timestamptz,
      content_hash      text NOT NULL,
      first_seen_at     timestamptz NOT NULL DEFAULT now(),
      last_seen_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (source_id, identity)
    )`.execute(db);
  await sql`CREATE INDEX articles_story_idx ON articles (story_id)`.execute(db);
  await sql`
    ALTER TABLE stories ADD CONSTRAINT stories_canonical_article_fk
      FOREIGN KEY (canonical_article_id) REFERENCES articles (id) ON DELETE SET NULL
      DEFERRABLE INITIALLY DEFERRED`.execute(db);

  await sql`
    CREATE TABLE topics (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      title             text NOT NULL,
      description       text NOT NULL DEFAULT '',
      definition        jsonb NOT NULL,
      reserved          boolean NOT NULL DEFAULT false,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE story_topics (
      topic_id          bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
      story_id          bigint NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
      matched_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic_id, story_id)
    )`.execute(db);
  await sql`CREATE INDEX story_topics_story_idx ON story_topics (story_id)`.execute(db);

  // Small facts about this installation, e.g. that the starter sources were offered once.
  await sql`CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL)`.execute(db);

  // Defaults: `all` is reserved (every story); the two first topics get a simple first definition.
  await sql`
    INSERT INTO topics (slug, title, description, definition, reserved) VALUES
      ('all', 'All stories', 'Every story feedloom has seen, newest first.', '{"all": true}', true),
      ('nato', 'NATO', 'The North Atlantic Treaty Organization: its members, summits, decisions and enlargement.',
       ${JSON.stringify({
         any: ["nato", "north atlantic treaty organization", "north atlantic alliance", "нато",
           "північноатлантичний альянс", "північноатлантичного альянсу", "североатлантический альянс"],
       })}::jsonb, false),
      ('negotiations', 'Negotiations', 'Diplomatic, peace, trade and ceasefire negotiations and talks.',
       ${JSON.stringify({
         any: ["negotiat*", "peace talks", "ceasefire talks", "переговор*"],
       })}::jsonb, false)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ["settings", "story_topics", "topics", "articles", "stories", "sources"]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)} CASCADE`.execute(db);
  }
}
