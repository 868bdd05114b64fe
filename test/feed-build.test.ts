// The feed writers and the sanitiser alone, on hostile input: markup in every metadata field, active
// content and relative links in summaries, control characters, stable bytes for the same stories.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseStringPromise } from "xml2js";
import { buildFeed, type FeedMeta } from "../src/feeds/build.ts";
import { buildOpml } from "../src/feeds/opml.ts";
import { sanitizeSummary } from "../src/feeds/sanitize.ts";
import type { StoryView } from "../src/store/stories.ts";
import type { Topic } from "../src/db/schema.ts";

const evil = `<script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]> \u0001\u0008`;

const meta: FeedMeta = {
  slug: "nato",
  title: `NATO ${evil}`,
  description: `About <i>NATO</i> & friends`,
  topicUpdated: new Date("2023-01-01T00:00:00Z"),
  baseUrl: "https://news.example",
  version: "0.1.0",
  nextUrl: "https://news.example/topics/nato.rss?before=abc&limit=5",
  hub: "https://hub.example/?a=1&b=2",
};

function story(id: number, over: Partial<StoryView> = {}): StoryView {
  return {
    id,
    uuid: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
    title: `Story ${id} ${evil}`,
    published: new Date(Date.UTC(2023, 8, 15, 1, 43, 26)),
    updated: new Date(Date.UTC(2023, 8, 15, 2, 0, id)),
    topics: ["nato"],
    articles: [
      {
        id: id * 10,
        source: { id: 1, title: `Outlet ${evil}`, url: "https://outlet.example/feed.xml", siteUrl: "https://outlet.example/" },
        guid: "g",
        link: "https://outlet.example/news/a/1",
        title: "t",
        published: new Date(Date.UTC(2023, 8, 15, 1, 43, 26)),
        updated: null,
        summary: `<p onclick="steal()">Lead <a href="../b/2">relative</a> <a href="javascript:alert(3)">js</a> <img src="/img/x.png" onerror="alert(2)"><iframe src="https://evil.example"></iframe><style>p{}</style><form action="/x"><input></form><a href="mailto:desk@outlet.example">mail</a><a href="data:text/html,hi">data</a></p>`,
        content: null,
        author: `Jane <script>x</script> Doe`,
        categories: [`Tag ${evil}`, "nato"],
        imageUrl: "/img/lead.jpg",
        language: "en",
      },
      {
        id: id * 10 + 1,
        source: { id: 2, title: `Other & "Co" <b>`, url: "https://other.example/rss", siteUrl: null },
        guid: "h",
        link: "https://other.example/copy?x=1&y=2",
        title: "t2",
        published: null,
        updated: null,
        summary: null,
        content: null,
        author: null,
        categories: [],
        imageUrl: null,
        language: null,
      },
    ],
    ...over,
  };
}

describe("sanitising summaries", () => {
  test("strips active content, keeps text, resolves relative links, allows only http, https and mailto", () => {
    const html = sanitizeSummary(story(1).articles[0]!.summary!, "https://outlet.example/news/a/1");
    for (const bad of ["<script", "onclick", "onerror", "javascript:", "<iframe", "<style", "<form", "<input", "data:", "steal"]) assert.ok(!html.includes(bad), `${bad} in ${html}`);
    assert.match(html, /<a href="https:\/\/outlet\.example\/news\/b\/2">relative<\/a>/);
    assert.match(html, /<img src="https:\/\/outlet\.example\/img\/x\.png" \/>/);
    assert.match(html, /<a href="mailto:desk@outlet\.example">mail<\/a>/);
    assert.match(html, /Lead/);
    assert.match(html, />js</, "the text of a removed link stays");
  });
});

describe("writing feeds", () => {
  const stories = [story(2), story(1)];

  test("RSS: well-formed, every source string escaped, guid not a permalink, paging and hub links", async () => {
    const { body, contentType, updated } = buildFeed("rss", meta, stories);
    assert.equal(contentType, "application/rss+xml; charset=utf-8");
    assert.equal(updated.toISOString(), "2023-09-15T02:00:02.000Z", "the newest entry's date, not the clock");
    assert.ok(!body.includes("\u0001") && !body.includes("\u0008"), "XML-invalid control characters removed");
    assert.doesNotMatch(body, /<script|<b |<i>|<iframe/, "no markup from a source outside escaped text");
    const doc = (await parseStringPromise(body, { strict: true })) as { rss: { channel: Array<Record<string, unknown[]>> } };
    const channel = doc.rss.channel[0]!;
    assert.equal(channel.title![0], `NATO <script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]>  · feedloom`);
    const item = channel.item![0] as Record<string, unknown[]>;
    assert.equal(item.title![0], `Story 2 <script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]> `);
    assert.deepEqual(item.guid![0], { _: "urn:uuid:00000000-0000-4000-8000-000000000002", $: { isPermaLink: "false" } });
    assert.equal(item["dc:creator"]![0], "Jane <script>x</script> Doe");
    const description = item.description![0] as string;
    // The description is HTML: the outlet names inside it are HTML-escaped text, not markup.
    assert.match(description, /Also reported by: <a href="https:\/\/other\.example\/copy\?x=1&amp;y=2">Other &amp; &quot;Co&quot; &lt;b&gt;<\/a>/);
    assert.match(description, /Source: <a href="https:\/\/outlet\.example\/news\/a\/1">Outlet &lt;script&gt;/);
    assert.doesNotMatch(description, /<script|onerror|javascript:/);
    assert.deepEqual((item.source![0] as { $: { url: string } }).$.url, "https://outlet.example/feed.xml");
    assert.deepEqual((item.enclosure![0] as { $: Record<string, string> }).$, { url: "https://outlet.example/img/lead.jpg", length: "0", type: "image/jpeg" });
    const cats = (item.category as Array<string | { _: string }>).map((c) => (typeof c === "string" ? c : c._));
    assert.deepEqual(cats, ["nato", `Tag <script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]>`], "topics, then the source's tags, each once");
    const links = (channel["atom:link"] as Array<{ $: Record<string, string> }>).map((l) => l.$);
    assert.deepEqual(links.map((l) => l.rel), ["self", "hub", "next", "prev-archive"]);
    assert.equal(links[1]!.href, "https://hub.example/?a=1&b=2");
  });

  test("Atom: well-formed, text titles, per-entry source, enclosure link, distinct updated", async () => {
    const body = buildFeed("atom", meta, [story(3, { updated: new Date(Date.UTC(2023, 8, 15, 2)) }), story(4, { updated: new Date(Date.UTC(2023, 8, 15, 2)) })]).body;
    assert.doesNotMatch(body, /<script|<b /);
    const doc = (await parseStringPromise(body, { strict: true })) as { feed: Record<string, unknown[]> };
    const entries = doc.feed.entry as Array<Record<string, unknown[]>>;
    assert.equal((entries[0]!.title![0] as { _: string })._, `Story 3 <script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]> `);
    const src = entries[0]!.source![0] as Record<string, unknown[]>;
    assert.equal(src.id![0], "https://outlet.example/feed.xml");
    assert.equal((src.title![0] as { _: string })._, `Outlet <script>alert(1)</script><b onmouseover="x()">&amp; "quoted" 'single' ]]> `);
    assert.deepEqual(entries.map((e) => e.updated![0]), ["2023-09-15T02:00:00Z", "2023-09-15T02:00:00.001Z"], "the same second told apart, within it");
    assert.equal(doc.feed.updated![0], "2023-09-15T02:00:00.001Z");
  });

  test("JSON Feed 1.1: version, next_url, hubs, plain strings; the same stories give the same bytes", () => {
    const a = buildFeed("json", meta, stories);
    const doc = JSON.parse(a.body) as { version: string; next_url: string; hubs: unknown; items: Array<{ title: string; content_html: string; tags: string[] }> };
    assert.equal(doc.version, "https://jsonfeed.org/version/1.1");
    assert.equal(doc.next_url, meta.nextUrl);
    assert.deepEqual(doc.hubs, [{ type: "WebSub", url: meta.hub }]);
    assert.doesNotMatch(doc.items[0]!.content_html, /<script|onerror|javascript:/);
    assert.equal(buildFeed("json", meta, stories).body, a.body);
    assert.equal(buildFeed("rss", meta, stories).body, buildFeed("rss", meta, stories).body);
  });

  test("an empty topic is dated by the topic, never by the clock", () => {
    assert.equal(buildFeed("rss", meta, []).updated.toISOString(), "2023-01-01T00:00:00.000Z");
    assert.match(buildFeed("atom", meta, []).body, /<updated>2023-01-01T00:00:00Z<\/updated>/);
  });

  test("OPML: escaped titles, one outline per topic", async () => {
    const topic = { id: 1, slug: "nato", title: `NATO <b>&</b>`, description: `"d"`, definition: {}, reserved: false, created_at: new Date(0), updated_at: new Date("2023-01-02T00:00:00Z") } as Topic;
    const { body } = buildOpml([topic], { baseUrl: "https://news.example" });
    const doc = (await parseStringPromise(body, { strict: true })) as { opml: { body: Array<{ outline: Array<{ $: Record<string, string> }> }> } };
    assert.equal(doc.opml.body[0]!.outline[0]!.$.text, "NATO <b>&</b> · feedloom");
    assert.equal(doc.opml.body[0]!.outline[0]!.$.xmlUrl, "https://news.example/topics/nato.rss");
  });
});
