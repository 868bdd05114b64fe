// The frame of every page: head (title, description, feed autodiscovery, the stylesheet), a banner
// with navigation and search, the main landmark, a footer. No script anywhere.
import type { Child } from "hono/jsx";
import { assetHref } from "./static.ts";

export type FeedFormat = "rss" | "atom" | "json";

export interface FeedLink {
  title: string;
  href: string;
  format: FeedFormat;
}

const MEDIA: Record<FeedFormat, string> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};

export const FORMAT_NAME: Record<FeedFormat, string> = { rss: "RSS", atom: "Atom", json: "JSON Feed" };

/** A topic's three feeds. */
export function topicFeeds(slug: string, title: string): FeedLink[] {
  return (["rss", "atom", "json"] as const).map((format) => ({ title: `${title} (${FORMAT_NAME[format]})`, href: `/topics/${slug}.${format}`, format }));
}

export interface LayoutProps {
  title: string;
  description: string;
  feeds: FeedLink[];
  /** The search box's current text; false hides the banner's search (the search page has its own). */
  search?: string | false;
  children?: Child;
}

export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title === "feedloom" ? "feedloom" : `${props.title} · feedloom`}</title>
        <meta name="description" content={props.description} />
        <link rel="stylesheet" href={assetHref("feedloom.css")} />
        <link rel="icon" type="image/svg+xml" href={assetHref("favicon.svg")} />
        {props.feeds.map((f) => (
          <link rel="alternate" type={MEDIA[f.format]} title={f.title} href={f.href} />
        ))}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site-header">
          <a class="brand" href="/">
            feedloom
          </a>
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="/">Topics</a>
              </li>
              <li>
                <a href="/sources">Sources</a>
              </li>
            </ul>
          </nav>
          {props.search === false ? null : <SearchForm id="site-q" value={props.search ?? ""} label="Search stories" />}
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <p>
            feedloom groups the same article from many outlets into one story. Subscribe to any topic in a feed reader, or to{" "}
            <a href="/opml">every topic at once (OPML)</a>.
          </p>
        </footer>
      </body>
    </html>
  );
}

export function SearchForm(props: { id: string; value: string; label: string }) {
  return (
    <form class="search" role="search" action="/search" method="get">
      <label class="visually-hidden" for={props.id}>
        {props.label}
      </label>
      <input id={props.id} type="search" name="q" value={props.value} maxlength={200} placeholder="Search stories" />
      <button type="submit">Search</button>
    </form>
  );
}

export function SubscribeLinks(props: { feeds: FeedLink[]; label: string }) {
  return (
    <ul class="subscribe" aria-label={props.label}>
      {props.feeds.map((f) => (
        <li>
          <a href={f.href} type={MEDIA[f.format]}>
            {FORMAT_NAME[f.format]}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The page itself: a doctype and the rendered tree. */
export function renderDocument(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
