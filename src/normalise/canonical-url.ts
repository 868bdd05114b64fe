// One URL per article however it was linked: the same page reached over http or https, with or
// without www., an AMP variant, a trailing slash, a #fragment or tracking parameters is one page.
// Used to join copies across sources (a link is the strongest evidence two items are one article).

/** Query parameters that only say who sent the reader, never which page it is. */
const TRACKING_PARAMS = new Set([
  "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
  "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
  "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clickid", "s_cid", "ocid", "cmpid",
  "ncid", "sr_share", "spm", "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
  "ref_src", "ref_url", "smid", "soc_src", "soc_trk", "wt_mc", "wt.mc_id",
]);
const TRACKING_PREFIXES = ["utm_", "pk_", "mtm_", "matomo_", "at_", "hmb_", "ga_"];

function isTracking(name: string): boolean {
  const n = name.toLowerCase();
  return TRACKING_PARAMS.has(n) || TRACKING_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * The canonical form of an article URL, or null when it is not an http(s) URL or names no page
 * (a site's home page says nothing about which article it is). The scheme is folded (http and
 * https are one page), the host lower-cased without `www.`/`amp.`/`m.`, AMP paths unwrapped,
 * default ports, fragments, tracking parameters and trailing slashes dropped, the remaining
 * parameters sorted.
 */
export function canonicalUrl(link: string | null | undefined): string | null {
  if (!link) return null;
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  let host = url.hostname.toLowerCase().replace(/\.$/, "");
  // Google's AMP cache: https://www-example-com.cdn.ampproject.org/c/s/www.example.com/path
  if (host.endsWith(".cdn.ampproject.org")) {
    const m = /^\/(?:[a-z]\/)+(?:s\/)?([^/]+)(\/.*)?$/.exec(url.pathname);
    if (m) return canonicalUrl(`https://${m[1]}${m[2] ?? "/"}${url.search}`);
  }
  host = host.replace(/^(?:www\d?|amp|m)\./, "");
  let path = url.pathname;
  // AMP variants: /amp/…, …/amp, …/amp.html, ….amp.html, ?amp, ?outputType=amp
  path = path.replace(/\/amp(?=\/|$)/gi, "").replace(/\.amp(?=\.html?$)/i, "").replace(/\/amp\.html?$/i, "");
  path = path.replace(/\/{2,}/g, "/").replace(/\/+$/, "").replace(/\/index\.(?:html?|php)$/i, "");
  const params = [...url.searchParams.entries()]
    .filter(([name, value]) => !isTracking(name) && !(name.toLowerCase() === "amp" && (value === "" || value === "1" || value === "true")) && !(name === "outputType" && value === "amp"))
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  if (path === "" && params.length === 0) return null;
  const query = params.length > 0 ? `?${new URLSearchParams(params).toString()}` : "";
  const port = url.port && url.port !== "80" && url.port !== "443" ? `:${url.port}` : "";
  return `${host}${port}${path}${query}`;
}
