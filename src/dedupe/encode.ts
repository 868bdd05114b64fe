// A stored article's deduplication features in compact binary form (articles.dedup_features), so a
// candidate is decoded instead of recomputed from its HTML (normalising, word splitting, shingling
// and hashing cost ~0.2 ms a candidate; decoding a few hundred integers is far cheaper). Only what
// is expensive to derive is stored: the headline forms are recomputed from the stored title (cheap),
// the canonical URL is its own column. Pure functions, no database.
//
// Layout (version 1):
//   byte 0      version (1)
//   byte 1      flags: bit 0 textless, bit 1 has a fingerprint
//   32 bytes    the sha256 fingerprint, only when bit 1 is set
//   4 × n       the shingle sequence, uint32 little-endian, in text order
import { titleForms, type Features } from "./features.ts";

export const FEATURES_VERSION = 1;
const TEXTLESS = 0b01;
const HAS_FINGERPRINT = 0b10;
const FINGERPRINT_BYTES = 32;

export function encodeFeatures(f: Features): Uint8Array {
  const fingerprint = f.fingerprint === null ? null : hexBytes(f.fingerprint);
  const head = 2 + (fingerprint ? FINGERPRINT_BYTES : 0);
  const out = new Uint8Array(head + 4 * f.sequence.length);
  out[0] = FEATURES_VERSION;
  out[1] = (f.textless ? TEXTLESS : 0) | (fingerprint ? HAS_FINGERPRINT : 0);
  if (fingerprint) out.set(fingerprint, 2);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  f.sequence.forEach((h, i) => view.setUint32(head + 4 * i, h, true));
  return out;
}

/** The features `features()` computes for the stored article, from its encoded form, canonical URL and title. */
export function decodeFeatures(bytes: Uint8Array, canonicalUrl: string | null, title: string): Features {
  if (bytes.length < 2 || bytes[0] !== FEATURES_VERSION) throw new Error(`dedup_features: unknown encoding (version ${bytes[0] ?? "none"})`);
  const flags = bytes[1] as number;
  const head = 2 + (flags & HAS_FINGERPRINT ? FINGERPRINT_BYTES : 0);
  if (bytes.length < head || (bytes.length - head) % 4 !== 0) throw new Error(`dedup_features: ${bytes.length} bytes is not a valid length`);
  // A DataView, not a Uint32Array: a pg Buffer may start at any offset of its pool (unaligned).
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sequence = new Array<number>((bytes.length - head) / 4);
  for (let i = 0; i < sequence.length; i++) sequence[i] = view.getUint32(head + 4 * i, true);
  return {
    canonicalUrl,
    titles: titleForms(title),
    sequence,
    shingles: new Set(sequence),
    fingerprint: flags & HAS_FINGERPRINT ? bytesHex(bytes.subarray(2, head)) : null,
    textless: (flags & TEXTLESS) !== 0,
  };
}

function hexBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error("dedup_features: the fingerprint is not a sha256 in lowercase hex");
  return Buffer.from(hex, "hex");
}

function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
