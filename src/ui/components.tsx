// Pieces shared by the pages: a time, a story in a list, a pager. Everything the sources wrote
// (headlines, names, summaries) goes in as text, so JSX escapes it; links only when http(s).
import type { ArticleView, StoryView } from "../store/stories.ts";
import { absoluteTime, outletName, relativeTime, safeHref, shortSummary } from "./format.ts";

export function Time(props: { date: Date | null; now: Date }) {
  if (!props.date) return <span>date unknown</span>;
  return (
    <time datetime={props.date.toISOString()} title={absoluteTime(props.date)}>
      {relativeTime(props.date, props.now)}
    </time>
  );
}

/** An outlet's name, linked to the article it published when the link is safe. */
export function Outlet(props: { article: ArticleView }) {
  const name = outletName(props.article.source);
  const href = safeHref(props.article.link);
  return href ? (
    <a class="outlet" href={href} rel="noopener noreferrer">
      {name}
    </a>
  ) : (
    <span class="outlet">{name}</span>
  );
}

export function TopicChips(props: { slugs: string[]; label: string }) {
  if (props.slugs.length === 0) return null;
  return (
    <ul class="chips" aria-label={props.label}>
      {props.slugs.map((slug) => (
        <li>
          <a href={`/topics/${slug}`}>{slug}</a>
        </li>
      ))}
    </ul>
  );
}

/** A story in a topic or search listing: headline, outlet and time, summary, the other outlets, topics. */
export function StoryItem(props: { story: StoryView; now: Date; headingLevel?: 2 | 3 }) {
  const { story, now } = props;
  const [first, ...others] = story.articles;
  const summary = first ? shortSummary(first) : "";
  const id = `story-${story.uuid}`;
  // The headline is the first article's: say its language (screen readers pick the voice by it).
  const heading = (
    <a href={`/stories/${story.uuid}`} id={id} lang={first?.language ?? undefined}>
      {story.title}
    </a>
  );
  return (
    <li class="story" data-story={story.uuid}>
      <article aria-labelledby={id}>
        {props.headingLevel === 3 ? <h3>{heading}</h3> : <h2>{heading}</h2>}
        <p class="meta">
          {first ? <Outlet article={first} /> : <span>no articles</span>}
          <Time date={story.published} now={now} />
        </p>
        {summary ? <p class="summary">{summary}</p> : null}
        {others.length > 0 ? (
          <div class="also">
            Also reported by{" "}
            <ul>
              {others.map((a) => (
                <li>
                  <Outlet article={a} />
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <TopicChips slugs={story.topics} label="Topics of this story" />
      </article>
    </li>
  );
}

export function Pager(props: { newer: string | null; older: string | null }) {
  if (!props.newer && !props.older) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {props.newer ? <a href={props.newer}>← Newest stories</a> : <span />}
      {props.older ? (
        <a href={props.older} rel="next">
          Older stories →
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}
