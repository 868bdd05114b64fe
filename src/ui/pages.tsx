// The pages, as pure functions of what the routes read: no database access here, so each page can
// be rendered and checked alone.
import type { Source, Topic } from "../db/schema.ts";
import type { StoryView } from "../store/stories.ts";
import { sourceState } from "../cli/format.ts";
import { Pager, StoryItem, Time, TopicChips } from "./components.tsx";
import { absoluteTime, plural, relatedQuery, relativeTime, safeHref, shortSummary, outletName } from "./format.ts";
import { FORMAT_NAME, Layout, SearchForm, SubscribeLinks, topicFeeds, type FeedLink } from "./layout.tsx";

export interface TopicSummary {
  topic: Topic;
  count: number;
  newest: StoryView[];
}

export function IndexPage(props: { topics: TopicSummary[]; now: Date }) {
  const feeds = props.topics.flatMap((t) => topicFeeds(t.topic.slug, t.topic.title).filter((f) => f.format === "rss"));
  return (
    <Layout title="feedloom" description="News topics from many outlets, one entry per story, with the feeds to subscribe to." feeds={feeds}>
      <h1>Topics</h1>
      <p class="lead">
        Every story appears once, naming every outlet that carried it. Subscribe to a topic in your feed reader, or to{" "}
        <a href="/opml">all topics at once (OPML)</a>.
      </p>
      <ul class="topic-list">
        {props.topics.map(({ topic, count, newest }) => {
          const headingId = `topic-${topic.slug}`;
          return (
            <li class="topic" data-topic={topic.slug}>
              <section aria-labelledby={headingId}>
                <h2 id={headingId}>
                  <a href={`/topics/${topic.slug}`}>{topic.title}</a>
                </h2>
                {topic.description ? <p class="muted">{topic.description}</p> : null}
                <p class="counts">{plural(count, "story", "stories")}</p>
                <SubscribeLinks feeds={topicFeeds(topic.slug, topic.title)} label={`Subscribe to ${topic.title}`} />
                {newest.length > 0 ? (
                  <ul class="stories compact" aria-label={`Newest in ${topic.title}`}>
                    {newest.map((s) => (
                      <li class="story">
                        <h3>
                          <a href={`/stories/${s.uuid}`} lang={s.articles[0]?.language ?? undefined}>
                            {s.title}
                          </a>
                        </h3>
                        <p class="meta">
                          {s.articles[0] ? <span>{outletName(s.articles[0].source)}</span> : null}
                          {s.articles.length > 1 ? <span>{plural(s.articles.length, "outlet")}</span> : null}
                          <Time date={s.published} now={props.now} />
                        </p>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="muted">No stories yet.</p>
                )}
              </section>
            </li>
          );
        })}
      </ul>
    </Layout>
  );
}

export function TopicPage(props: { topic: Topic; stories: StoryView[]; older: string | null; paged: boolean; now: Date }) {
  const { topic } = props;
  const feeds = topicFeeds(topic.slug, topic.title);
  return (
    <Layout title={topic.title} description={topic.description || `The newest stories filed under ${topic.title}.`} feeds={feeds}>
      <h1>{topic.title}</h1>
      {topic.description ? <p class="lead">{topic.description}</p> : null}
      <p class="counts">Stories newest first{props.paged ? " (older pages)" : ""}; each names every outlet that carried it.</p>
      <SubscribeLinks feeds={feeds} label={`Subscribe to ${topic.title}`} />
      {props.stories.length > 0 ? (
        <ul class="stories" aria-label={`Stories in ${topic.title}`}>
          {props.stories.map((s) => (
            <StoryItem story={s} now={props.now} />
          ))}
        </ul>
      ) : (
        <p class="notice">{props.paged ? "No older stories." : "No stories in this topic yet."}</p>
      )}
      <Pager newer={props.paged ? `/topics/${topic.slug}` : null} older={props.older} />
    </Layout>
  );
}

export function StoryPage(props: { story: StoryView; now: Date }) {
  const { story, now } = props;
  // The feeds this story appears in: its topics', else every story's.
  const feeds = story.topics.length > 0 ? story.topics.flatMap((slug) => topicFeeds(slug, slug)) : topicFeeds("all", "All stories");
  const outlets = new Set(story.articles.map((a) => outletName(a.source)));
  const related = relatedQuery(story.title);
  const first = story.articles[0];
  const summary = first ? shortSummary(first, 600) : "";
  return (
    <Layout title={story.title} description={summary || `${story.title}: every version, from ${plural(outlets.size, "outlet")}.`} feeds={feeds}>
      <article aria-labelledby="story-title">
        <h1 id="story-title" lang={first?.language ?? undefined}>
          {story.title}
        </h1>
        <p class="meta">
          <span>
            First published <Time date={story.published} now={now} />
          </span>
          <span>
            {plural(story.articles.length, "version")} from {plural(outlets.size, "outlet")}
          </span>
        </p>
        {summary ? <p class="summary">{summary}</p> : null}

        <section aria-labelledby="versions">
          <h2 id="versions">Every version</h2>
          <ol class="versions">
            {story.articles.map((a) => {
              const href = safeHref(a.link);
              return (
                <li class="version" data-article={a.id}>
                  <h3 class="headline" lang={a.language ?? undefined}>
                    {a.title}
                  </h3>
                  <p class="meta">
                    <span class="outlet">{outletName(a.source)}</span>
                    <Time date={a.published} now={now} />
                    {href ? (
                      <a href={href} rel="noopener noreferrer">
                        Read it at {outletName(a.source)}
                      </a>
                    ) : (
                      <span>no link given</span>
                    )}
                  </p>
                </li>
              );
            })}
          </ol>
        </section>

        <section aria-labelledby="topics">
          <h2 id="topics">Topics</h2>
          {story.topics.length > 0 ? <TopicChips slugs={story.topics} label="Topics of this story" /> : <p class="muted">This story is in no topic yet.</p>}
        </section>

        <section aria-labelledby="related">
          <h2 id="related">Related stories</h2>
          <p>
            <a href={`/search?q=${encodeURIComponent(related)}`}>Stories about “{related}”</a>, or search for something else:
          </p>
          <SearchForm id="related-q" value={related} label="Search for related stories" />
        </section>
      </article>
    </Layout>
  );
}

function searchFeeds(q: string): FeedLink[] {
  const query = encodeURIComponent(q);
  return (["rss", "atom", "json"] as const).map((format) => ({ title: `Search “${q}” (${FORMAT_NAME[format]})`, href: `/search.${format}?q=${query}`, format }));
}

export function SearchPage(props: { q: string; stories: StoryView[]; older: string | null; paged: boolean; error: string | null; now: Date }) {
  const { q } = props;
  const feeds = q ? searchFeeds(q) : topicFeeds("all", "All stories");
  return (
    <Layout
      title={q ? `Search: ${q}` : "Search"}
      description={q ? `Stories matching “${q}”, newest first, with feeds of this search.` : "Search every story feedloom has seen."}
      feeds={feeds}
      search={false}
    >
      <h1>{q ? `Stories matching “${q}”` : "Search"}</h1>
      <SearchForm id="q" value={q} label="Search stories" />
      {props.error ? (
        <p class="notice" role="alert">
          {props.error}
        </p>
      ) : null}
      {q && !props.error ? (
        <>
          <p class="muted">Follow this search in a feed reader:</p>
          <SubscribeLinks feeds={searchFeeds(q)} label="Subscribe to this search" />
          {props.stories.length > 0 ? (
            <ul class="stories" aria-label="Results">
              {props.stories.map((s) => (
                <StoryItem story={s} now={props.now} />
              ))}
            </ul>
          ) : (
            <p class="notice">{props.paged ? "No older stories match." : "No stories match. Try fewer or other words."}</p>
          )}
          <Pager newer={props.paged ? `/search?q=${encodeURIComponent(q)}` : null} older={props.older} />
        </>
      ) : null}
    </Layout>
  );
}

const duration = (seconds: number) =>
  seconds < 90 ? plural(seconds, "second") : seconds < 5400 ? plural(Math.round(seconds / 60), "minute") : seconds < 129_600 ? plural(Math.round(seconds / 3600), "hour") : plural(Math.round(seconds / 86_400), "day");

/** A source's state in one word, as a CSS class and a label. */
function stateOf(s: Source): { word: string; css: string } {
  const word = sourceState(s).replace(/×\d+$/, "");
  return { word, css: `state state-${word}` };
}

const STATE_ORDER: Record<string, number> = { failing: 0, paused: 1, retired: 2, disabled: 3, new: 4, ok: 5 };

function When(props: { date: Date | null; now: Date; never: string }) {
  if (!props.date) return <>{props.never}</>;
  return (
    <>
      <time datetime={props.date.toISOString()} title={absoluteTime(props.date)}>
        {relativeTime(props.date, props.now)}
      </time>{" "}
      <span class="muted">({absoluteTime(props.date)})</span>
    </>
  );
}

export function SourcesPage(props: { sources: Source[]; now: Date }) {
  const { now } = props;
  const sorted = [...props.sources].sort((a, b) => (STATE_ORDER[stateOf(a).word] ?? 9) - (STATE_ORDER[stateOf(b).word] ?? 9) || a.id - b.id);
  const tally = new Map<string, number>();
  for (const s of props.sources) tally.set(stateOf(s).word, (tally.get(stateOf(s).word) ?? 0) + 1);
  return (
    <Layout title="Sources" description="Every news source feedloom reads, and its health: last success, next fetch, last error, backoff, 304 rate." feeds={topicFeeds("all", "All stories")}>
      <h1>Sources</h1>
      {props.sources.length === 0 ? (
        <p class="notice">
          No sources yet: add one with <code>feedloom sources add &lt;url&gt;</code>.
        </p>
      ) : (
        <>
          <p class="lead">
            {plural(props.sources.length, "source")}:{" "}
            {[...tally].sort((a, b) => (STATE_ORDER[a[0]] ?? 9) - (STATE_ORDER[b[0]] ?? 9)).map(([word, n]) => `${n} ${word}`).join(", ")}. Problems first.
          </p>
          <ul class="sources">
            {sorted.map((s) => {
              const state = stateOf(s);
              const headingId = `source-${s.id}`;
              const site = safeHref(s.site_url);
              return (
                <li class="source" data-source={s.id}>
                  <article aria-labelledby={headingId}>
                    <h2 id={headingId}>{s.title ?? outletName({ id: s.id, title: null, url: s.url, siteUrl: s.site_url })}</h2>
                    <dl class="health">
                      <dt>State</dt>
                      <dd>
                        <span class={state.css}>{state.word}</span>
                        {s.disabled_reason ? ` — ${s.disabled_reason}` : ""}
                      </dd>
                      <dt>Feed</dt>
                      <dd>
                        {safeHref(s.url) ? <a href={s.url}>{s.url}</a> : s.url}
                        {site ? (
                          <>
                            {" "}
                            (<a href={site}>site</a>)
                          </>
                        ) : null}
                      </dd>
                      <dt>Last success</dt>
                      <dd>
                        <When date={s.last_success_at} now={now} never="never yet" />
                      </dd>
                      <dt>Next fetch</dt>
                      <dd>
                        {s.enabled ? (
                          <When date={s.next_fetch_at} now={now} never="-" />
                        ) : (
                          <>
                            not scheduled: resume it with <code>feedloom sources resume {s.id}</code>
                          </>
                        )}
                      </dd>
                      <dt>Last error</dt>
                      <dd>
                        {s.last_error ?? "none"}
                        {s.last_error && s.last_status !== null && !s.last_error.includes(String(s.last_status)) ? ` (HTTP ${s.last_status})` : ""}
                      </dd>
                      <dt>Backoff</dt>
                      <dd>
                        {s.error_count > 0 ? (
                          <>
                            {plural(s.error_count, "failed attempt")} in a row
                            {s.failing_since ? <> since <When date={s.failing_since} now={now} never="" /></> : null}; waiting longer after each failure
                          </>
                        ) : (
                          `none: fetched about every ${duration(s.current_interval_seconds ?? s.fetch_interval_seconds)}`
                        )}
                      </dd>
                      <dt>304 rate</dt>
                      <dd>
                        {s.fetch_count > 0
                          ? `${Math.round((s.not_modified_count / s.fetch_count) * 100)}% of ${plural(s.fetch_count, "fetch", "fetches")} answered “not modified” (304)`
                          : "no fetches yet"}
                      </dd>
                      {s.last_warning ? (
                        <>
                          <dt>Note</dt>
                          <dd>{s.last_warning}</dd>
                        </>
                      ) : null}
                    </dl>
                  </article>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </Layout>
  );
}

export function ErrorPage(props: { status: 400 | 404 | 500; message: string }) {
  const title = props.status === 404 ? "Not found" : props.status === 400 ? "Bad request" : "Something went wrong";
  return (
    <Layout title={title} description={props.message} feeds={topicFeeds("all", "All stories")}>
      <h1>{title}</h1>
      <p class="notice">{props.message}</p>
      <p>
        <a href="/">Back to the topics</a>
      </p>
    </Layout>
  );
}
