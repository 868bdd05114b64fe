// Feed dates as published: RFC 822/1123 in its many real-world variants (named zones, no weekday,
// no seconds, one-digit hours, two-digit years), ISO 8601 / W3C-DTF (offsets, "Z", date-only,
// compact and ordinal forms), asctime, and a few localised forms seen in feeds (Greek, Hungarian,
// Korean, Ukrainian/Russian month names). Date.parse is not used: it guesses, and guesses
// differently for two-digit years and zone names. A date without a zone is taken as UTC.

export function parseDate(input: string): Date | null {
  const s = input.replace(/\s+/g, " ").trim();
  if (s === "") return null;
  const strict = parseW3cDtf(s); // the common case (Atom, dc:date, most ISO dates), decided at once
  if (strict !== null) return strict;
  const korean = parseKorean(s);
  if (korean !== undefined) return korean;
  const english = translateWords(s);
  return parseIso(english) ?? parseRfc822Family(english);
}

const W3CDTF = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)? ?(Z|[+-]\d{2}:\d{2})?)?)?)?$/i;

/**
 * W3C-DTF (the profile of ISO 8601 that Atom, RFC 3339 and dc:date use): YYYY, YYYY-MM, YYYY-MM-DD,
 * then a time with an optional zone; nothing else. Null for anything outside the profile.
 */
export function parseW3cDtf(input: string): Date | null {
  const m = W3CDTF.exec(input.trim());
  if (!m) return null;
  const zone = (m[8] ?? "Z").toUpperCase();
  const offset = zone === "Z" ? 0 : signedOffset(zone[0] as string, zone.slice(1, 3), zone.slice(4, 6));
  if (offset === null) return null;
  return build({
    year: Number(m[1]),
    month: Number(m[2] ?? "1"),
    day: Number(m[3] ?? "1"),
    hour: Number(m[4] ?? "0"),
    minute: Number(m[5] ?? "0"),
    second: Number(m[6] ?? "0"),
    ms: Number(`0.${m[7] ?? "0"}`) * 1000,
    offsetMinutes: offset,
  });
}

interface Parts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  offsetMinutes: number; // east of UTC
}

const MONTHS_FULL = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const WEEKDAYS_FULL = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function build(p: Parts): Date | null {
  const valid =
    p.month >= 1 && p.month <= 12 &&
    p.day >= 1 && p.day <= daysInMonth(p.year, p.month) &&
    p.minute <= 59 && p.second <= 60 &&
    (p.hour <= 23 || (p.hour === 24 && p.minute === 0 && p.second === 0));
  if (!valid) return null;
  // setUTCFullYear, because Date.UTC maps years 0-99 to 1900-1999.
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second, p.ms);
  const time = d.getTime() - p.offsetMinutes * 60_000;
  return Number.isNaN(time) ? null : new Date(time);
}

function monthNumber(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, "");
  if (w.length < 3) return null;
  const index = MONTHS_FULL.findIndex((full) => full.startsWith(w));
  return index >= 0 ? index + 1 : null;
}

function isWeekday(word: string): boolean {
  const w = word.toLowerCase().replace(/\.$/, "");
  return w.length >= 3 && WEEKDAYS_FULL.some((full) => full.startsWith(w));
}

/** RFC 822 / RFC 2822 rule: two-digit years pivot at 90 (feedparser does the same). */
function fullYear(digits: string): number {
  const n = Number(digits);
  if (digits.length === 2) return n < 90 ? 2000 + n : 1900 + n;
  if (digits.length === 3) return 1900 + n;
  return n;
}

// ---- zones ---------------------------------------------------------------------------------

const ZONE_HOURS: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0,
  EST: -5, EDT: -4, CST: -6, CDT: -5, MST: -7, MDT: -6, PST: -8, PDT: -7,
  AST: -4, ADT: -3, AT: -4, ET: -5, CT: -6, MT: -7, PT: -8,
  AKST: -9, AKDT: -8, HST: -10, NST: -3.5, NDT: -2.5,
  BST: 1, WEST: 1, CET: 1, MET: 1, CEST: 2, MEST: 2, MESZ: 2, MEZ: 1,
  EET: 2, EEST: 3, MSK: 3, MSD: 4, IST: 5.5, SGT: 8, HKT: 8, AWST: 8,
  JST: 9, KST: 9, ACST: 9.5, AEST: 10, AEDT: 11, NZST: 12, NZDT: 13,
};

/** Minutes east of UTC for "+0300", "-01:01", "EDT", "GMT-01:01", "Etc/GMT"; null if malformed. */
function zoneOffset(zone: string | undefined): number | null {
  if (zone === undefined || zone === "") return 0;
  const numeric = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (numeric) return signedOffset(numeric[1] ?? "+", numeric[2] ?? "0", numeric[3]);
  const named = /^(?:[A-Za-z]+\/)?([A-Za-z]+)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/.exec(zone);
  if (!named) return null;
  // Unknown zone names count as UTC, like feedparser: the day is still right.
  const base = (ZONE_HOURS[(named[1] ?? "").toUpperCase()] ?? 0) * 60;
  if (named[2] === undefined) return base;
  const extra = signedOffset(named[2], named[3] ?? "0", named[4]);
  return extra === null ? null : base + extra;
}

function signedOffset(sign: string, hours: string, minutes: string | undefined): number | null {
  const h = Number(hours);
  const m = Number(minutes ?? "0");
  if (h > 23 || m > 59) return null;
  return (sign === "-" ? -1 : 1) * (h * 60 + m);
}

// ---- ISO 8601 / W3C-DTF ----------------------------------------------------------------------

type DatePart = { year: number; month: number; day: number };

/** Date forms, tried in order; each leaves the rest of the string for the time and zone. */
const ISO_DATES: Array<[RegExp, (m: RegExpExecArray) => DatePart | null]> = [
  // 2003-12-31, 2003-012-31 (a zero-padded month seen in the wild), 2004-7-8
  [/^(\d{4})-0?(\d{1,2})-(\d{1,2})/, (m) => ymd(m[1], m[2], m[3])],
  [/^(\d{4})(\d{2})(\d{2})(?=T|$)/, (m) => ymd(m[1], m[2], m[3])],
  [/^(\d{4})-?(\d{3})(?=T|$)/, (m) => ordinal(Number(m[1]), Number(m[2]))],
  [/^(\d{4})-(\d{1,2})$/, (m) => ymd(m[1], m[2], "1")],
  [/^(\d{4})$/, (m) => ymd(m[1], "1", "1")],
  // Two-digit-year forms of ISO 8601:1988 (YYMMDD, YY-MM-DD, YYDDD, -YYMM, -YY-MM)
  [/^(\d{2})-?(\d{2})-?(\d{2})(?=T|$)/, (m) => ymd(`20${m[1]}`, m[2], m[3])],
  [/^(\d{2})-?(\d{3})$/, (m) => ordinal(2000 + Number(m[1]), Number(m[2]))],
  [/^-(\d{2})-?(\d{2})$/, (m) => ymd(`20${m[1]}`, m[2], "1")],
];

function ymd(y: string | undefined, m: string | undefined, d: string | undefined): DatePart {
  return { year: Number(y), month: Number(m), day: Number(d) };
}

function ordinal(year: number, dayOfYear: number): DatePart | null {
  let rest = dayOfYear;
  for (let month = 1; month <= 12; month++) {
    const days = daysInMonth(year, month);
    if (rest >= 1 && rest <= days) return { year, month, day: rest };
    rest -= days;
  }
  return null;
}

const ISO_TIME = /^[T ](\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)? ?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

function parseIso(s: string): Date | null {
  // "2004-július-13" arrives here as "2004-Jul-13" after translation.
  const text = s.replace(/^(\d{4})-([A-Za-z]{3})-/, (whole, y: string, mon: string) => {
    const n = monthNumber(mon);
    return n === null ? whole : `${y}-${String(n).padStart(2, "0")}-`;
  });
  for (const [pattern, toDate] of ISO_DATES) {
    const m = pattern.exec(text);
    if (!m) continue;
    const date = toDate(m);
    const rest = text.slice(m[0].length);
    if (date === null) return null;
    if (rest === "") return build({ ...date, hour: 0, minute: 0, second: 0, ms: 0, offsetMinutes: 0 });
    const t = ISO_TIME.exec(rest);
    if (!t) return null;
    const zone = (t[5] ?? "").toUpperCase();
    const offset = zone === "Z" || zone === "UTC" || zone === "GMT" ? 0 : zoneOffset(zone);
    if (offset === null) return null;
    return build({
      ...date,
      hour: Number(t[1]),
      minute: Number(t[2]),
      second: Number(t[3] ?? "0"),
      ms: Number(`0.${t[4] ?? "0"}`) * 1000,
      offsetMinutes: offset,
    });
  }
  return null;
}

// ---- RFC 822 and relatives -------------------------------------------------------------------

const TIME = String.raw`(\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?: ?[AaPp][Mm])?)`;
const ZONE = String.raw`([A-Za-z]+(?:\/[A-Za-z]+)?(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{1,2}(?::?\d{2})?)`;
const MON = String.raw`([A-Za-z]{3,9}\.?)`;

type Fields = { day?: string; month?: string; year?: string; time?: string; zone?: string };

const RFC_FORMS: Array<[RegExp, (m: RegExpExecArray) => Fields]> = [
  // 15 Sep 2023 01:43 GMT (RFC 822, weekday already removed)
  [new RegExp(`^(\\d{1,2}) ${MON} (\\d{2,4})(?: ${TIME})?(?: ${ZONE})?$`), (m) => ({ day: m[1], month: m[2], year: m[3], time: m[4], zone: m[5] })],
  // Aug 30 2012 17:26:16 +0200 (JavaScript's Date#toString)
  [new RegExp(`^${MON} (\\d{1,2}) (\\d{4})(?: ${TIME})?(?: ${ZONE})?$`), (m) => ({ month: m[1], day: m[2], year: m[3], time: m[4], zone: m[5] })],
  // Jan 4 16:29:06 2004, Jul 15 01:16:00 +0000 2012 (asctime, Twitter)
  [new RegExp(`^${MON} (\\d{1,2}) ${TIME}(?: ${ZONE})? (\\d{4})$`), (m) => ({ month: m[1], day: m[2], time: m[3], zone: m[4], year: m[5] })],
  // 2006/09/15 08:19:53 EDT (Perforce)
  [new RegExp(`^(\\d{4})/(\\d{1,2})/(\\d{1,2})(?: ${TIME})?(?: ${ZONE})?$`), (m) => ({ year: m[1], month: m[2], day: m[3], time: m[4], zone: m[5] })],
];

function parseRfc822Family(s: string): Date | null {
  const text = stripWeekday(
    s.replace(/^\p{L}+\.?,\s*/u, "") // a leading weekday, in any language
      .replace(/\([^)]*\)/g, " ") // "(CEST)" comments
      .replace(/^(\d{1,2})-([A-Za-z]{3,9})-(\d{2,4})\b/, "$1 $2 $3") // 15-Sep-2023
      .replace(/,/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );
  for (const [pattern, pick] of RFC_FORMS) {
    const m = pattern.exec(text);
    if (m) return fromFields(pick(m));
  }
  return null;
}

function stripWeekday(s: string): string {
  const [first, ...rest] = s.split(" ");
  return first !== undefined && rest.length > 0 && isWeekday(first) ? rest.join(" ") : s;
}

function fromFields(f: Fields): Date | null {
  const month = /^\d+$/.test(f.month ?? "") ? Number(f.month) : monthNumber(f.month ?? "");
  const clock = parseClock(f.time);
  const offset = zoneOffset(f.zone);
  if (month === null || clock === null || offset === null || f.year === undefined) return null;
  return build({ year: fullYear(f.year), month, day: Number(f.day), ...clock, offsetMinutes: offset });
}

function parseClock(time: string | undefined): { hour: number; minute: number; second: number; ms: number } | null {
  if (time === undefined) return { hour: 0, minute: 0, second: 0, ms: 0 };
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?(?: ?([AaPp])[Mm])?$/.exec(time);
  if (!m) return null;
  let hour = Number(m[1]);
  const meridiem = m[5]?.toLowerCase();
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === "p" ? 12 : 0);
  }
  return { hour, minute: Number(m[2]), second: Number(m[3] ?? "0"), ms: Number(`0.${m[4] ?? "0"}`) * 1000 };
}

// ---- localised forms ---------------------------------------------------------------------------

/** Korean blog platforms: "2004-05-25 오후 11:23:17" and "2004년 05월 28일 01:31:15", both KST. */
function parseKorean(s: string): Date | null | undefined {
  const nate = /^(\d{4})-(\d{2})-(\d{2}) (오전|오후) (\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (nate) {
    const hour = (Number(nate[5]) % 12) + (nate[4] === "오후" ? 12 : 0);
    return build({ ...ymd(nate[1], nate[2], nate[3]), hour, minute: Number(nate[6]), second: Number(nate[7]), ms: 0, offsetMinutes: 540 });
  }
  const onblog = /^(\d{4})년 (\d{1,2})월 (\d{1,2})일 (\d{1,2}):(\d{2}):(\d{2})$/.exec(s);
  if (onblog) {
    return build({ ...ymd(onblog[1], onblog[2], onblog[3]), hour: Number(onblog[4]), minute: Number(onblog[5]), second: Number(onblog[6]), ms: 0, offsetMinutes: 540 });
  }
  return undefined;
}

/** Keys are lower-case and without diacritics. */
const FOREIGN_WORDS: Record<string, string> = {
  // Greek months and weekdays
  ιαν: "Jan", φεβ: "Feb", μαρ: "Mar", μαω: "Mar", απρ: "Apr", μαι: "May", ιουν: "Jun", ιον: "Jun",
  ιουλ: "Jul", ιολ: "Jul", αυγ: "Aug", σεπ: "Sep", οκτ: "Oct", νοε: "Nov", δεκ: "Dec",
  κυρ: "Sun", δευ: "Mon", τρι: "Tue", τετ: "Wed", πεμ: "Thu", παρ: "Fri", σαβ: "Sat",
  // Hungarian months
  januar: "Jan", februar: "Feb", marcius: "Mar", aprilis: "Apr", majus: "May", junius: "Jun",
  julius: "Jul", augusztus: "Aug", szeptember: "Sep", oktober: "Oct",
};

/** Ukrainian and Russian month names (any case ending), by their first three letters. */
const CYRILLIC_MONTHS: Record<string, string> = {
  січ: "Jan", лют: "Feb", бер: "Mar", кві: "Apr", тра: "May", чер: "Jun", лип: "Jul", сер: "Aug",
  вер: "Sep", жов: "Oct", лис: "Nov", гру: "Dec",
  янв: "Jan", фев: "Feb", мар: "Mar", апр: "Apr", мая: "May", маи: "May", июн: "Jun", июл: "Jul",
  авг: "Aug", сен: "Sep", окт: "Oct", ноя: "Nov", дек: "Dec",
};

function fold(word: string): string {
  return word.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function translateWords(s: string): string {
  return s.replace(/\p{L}+/gu, (word) => {
    const key = fold(word);
    const known = FOREIGN_WORDS[key];
    if (known !== undefined) return known;
    if (/^[a-z]+$/.test(key)) return word;
    return CYRILLIC_MONTHS[key.slice(0, 3)] ?? word;
  });
}
