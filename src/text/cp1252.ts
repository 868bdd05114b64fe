// windows-1252 by hand: Node 20's TextDecoder("windows-1252") decodes 0x80-0x9F as C1 controls
// (ISO-8859-1), not as the WHATWG table says (0x93 → “, 0x80 → €).
const C1 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export function cp1252Char(byte: number): string {
  return String.fromCharCode(byte >= 0x80 && byte <= 0x9f ? (C1[byte - 0x80] ?? byte) : byte & 0xff);
}

export function decodeWindows1252(bytes: Uint8Array): string {
  let out = "";
  const chunk = 8192;
  for (let i = 0; i < bytes.length; i += chunk) {
    out += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return out.replace(/[\x80-\x9f]/g, (c) => cp1252Char(c.charCodeAt(0)));
}
