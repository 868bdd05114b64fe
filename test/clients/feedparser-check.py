# Parse each URL given with Debian's python3-feedparser and print what a reader would see, as JSON:
# bozo (and why), the format it recognised, and every entry's id, link, title and dates.
import json
import sys

import feedparser

out = {}
for url in sys.argv[1:]:
    d = feedparser.parse(url)
    out[url] = {
        "bozo": int(bool(d.bozo)),
        "bozo_exception": str(d.get("bozo_exception", "")),
        "version": d.version,
        "status": d.get("status"),
        "title": d.feed.get("title"),
        "self": next((l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"), None),
        "next": next((l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "next"), None),
        "hub": next((l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "hub"), None),
        "entries": [
            {
                "id": e.get("id"),
                "link": e.get("link"),
                "title": e.get("title"),
                "published": e.get("published_parsed") and "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(e.published_parsed[:6]),
                "updated": e.get("updated_parsed") and "%04d-%02d-%02dT%02d:%02d:%02dZ" % tuple(e.updated_parsed[:6]),
                "author": e.get("author"),
                "tags": [t.get("term") for t in e.get("tags", [])],
                "source": (e.get("source") or {}).get("title"),
                "summary": e.get("summary"),
            }
            for e in d.entries
        ],
    }
print(json.dumps(out))
