// Reference resolution (RFC 3986 §5, as WHATWG URL implements it for http(s)). Absolute URLs are
// returned exactly as published: no normalisation, tracking parameters kept.

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function resolveUrl(ref: string | null | undefined, base: string): string | null {
  const trimmed = (ref ?? "").trim();
  if (trimmed === "") return null;
  if (ABSOLUTE.test(trimmed)) return trimmed;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return trimmed; // no usable base: keep the reference as published
  }
}

/** A base URI (xml:base) resolved against its parent's; an absent or empty one inherits. */
export function resolveBase(xmlBase: string | null, parentBase: string): string {
  if (xmlBase === null || xmlBase.trim() === "") return parentBase;
  return resolveUrl(xmlBase, parentBase) ?? parentBase;
}

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\/[^\s/]+/i.test(s);
}
