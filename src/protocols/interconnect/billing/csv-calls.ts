/**
 * The call-record CSV of the traffic import (spec §7.2), read as a stream of text chunks:
 *
 *   callId,start,durationSeconds[,service]
 *   c-0001,2026-01-31T23:59:30+01:00,90,M-M
 *
 * - an optional header line, exactly `callId,start,durationSeconds` or `…,service`;
 * - `callId`: 1–128 printable ASCII characters, no comma or double quote (no CSV quoting);
 * - `start`: RFC 3339 date-time with its offset (`Z` or `±HH:MM`), seconds required, an optional
 *   fraction of up to 3 digits (milliseconds); a real calendar date; no leap second;
 * - `durationSeconds`: a whole number of seconds, 0 … 604800 (7 days), no sign, no leading zero;
 * - `service`: optional, 1–64 printable ASCII characters, no comma or double quote;
 * - lines end with LF or CRLF; a blank line is an error, except after the last line; a UTF-8
 *   byte-order mark before the first line is ignored.
 *
 * The parser works on the bytes in place (no decoding, no substrings, no regular expressions, no Date)
 * because it runs once per call on tens of millions of lines. After the first malformed line it
 * keeps validating (so the answer lists up to `maxIssues` lines) but hands no more calls on: the
 * import is refused as a whole.
 */
import type { Issue } from '../../../domain/issues.js';

export type CsvField = 'line' | 'callId' | 'start' | 'durationSeconds' | 'service';

export interface CsvIssue extends Issue {
  /** 1-based line number in the file, the header line included */
  line: number;
  field: CsvField;
}

export interface CallCsvSummary {
  lines: number;
  /** how many lines are malformed (all of them, even beyond the listed issues) */
  invalidLines: number;
  issues: CsvIssue[];
}

export type CallSink = (startMs: number, durationSeconds: number) => void;

export const MAX_DURATION_SECONDS = 604_800;
const MAX_CALL_ID = 128;
const MAX_SERVICE = 64;
export const MAX_LINE_LENGTH = 512;
const HEADER = 'callId,start,durationSeconds';
const HEADER_WITH_SERVICE = 'callId,start,durationSeconds,service';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const NL = 10;
const START_FORMAT = 'must be a date-time with offset, e.g. 2026-01-31T23:59:30+01:00';

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** 1 for the bytes a callId or service may hold (printable ASCII but comma and double quote), else 0. */
const TOKEN = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TOKEN[c] = c === COMMA || c === QUOTE ? 0 : 1;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export class CallCsvReader {
  readonly issues: CsvIssue[] = [];
  /** the unfinished last line of the previous chunk (at most MAX_LINE_LENGTH bytes) */
  private carry: Uint8Array = new Uint8Array(0);
  private lineNo = 0;
  private invalid = 0;
  private pendingBlank = 0;
  private lastInvalidLine = 0;
  // the last date parsed and its day number: consecutive calls mostly share a date
  private lastDateKey = -1;
  private lastDays = 0;
  /** set while the rest of an over-long line is skipped */
  private skipping = false;
  // results of the last parseStart (kept in fields to avoid allocating per line)
  private startMs = 0;
  private errRule = '';
  private errMessage = '';

  constructor(
    private readonly sink: CallSink,
    private readonly maxIssues = 100,
  ) {}

  get valid(): boolean {
    return this.invalid === 0;
  }

  /** Bytes of the file, in order, cut anywhere. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carry.length > 0 || this.skipping) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.keep(chunk, 0);
        return;
      }
      if (this.skipping) this.skipping = false;
      else {
        const joined = new Uint8Array(this.carry.length + nl);
        joined.set(this.carry, 0);
        joined.set(chunk.subarray(0, nl), this.carry.length);
        this.line(joined, 0, joined.length);
      }
      this.carry = new Uint8Array(0);
      pos = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl === -1) break;
      this.line(chunk, pos, nl);
      pos = nl + 1;
    }
    this.keep(chunk, pos);
  }

  /** Keeps the unfinished line chunk[pos…] for the next chunk, or starts skipping it when too long. */
  private keep(chunk: Uint8Array, pos: number): void {
    if (this.skipping || pos === chunk.length) return;
    const rest = chunk.subarray(pos);
    if (this.carry.length + rest.length > MAX_LINE_LENGTH + 1) {
      this.lineNo++;
      this.flushBlank();
      this.fail(this.lineNo, 'line', 'maxLength', 'SG_CSV_LINE_TOO_LONG', `is longer than ${MAX_LINE_LENGTH} characters`);
      this.carry = new Uint8Array(0);
      this.skipping = true;
      return;
    }
    const joined = new Uint8Array(this.carry.length + rest.length);
    joined.set(this.carry, 0);
    joined.set(rest, this.carry.length);
    this.carry = joined;
  }

  /** Call after the last chunk. */
  end(): CallCsvSummary {
    if (this.carry.length > 0 && !this.skipping) this.line(this.carry, 0, this.carry.length);
    this.carry = new Uint8Array(0);
    // blank lines at the very end are a trailing newline too many, not an error
    this.pendingBlank = 0;
    return { lines: this.lineNo, invalidLines: this.invalid, issues: this.issues };
  }

  private flushBlank(): void {
    // a blank line counts as malformed once a non-blank line follows it
    for (let n = this.pendingBlank; n > 0; n--) {
      this.fail(this.lineNo - n, 'line', 'notBlank', 'SG_CSV_BLANK_LINE', 'is blank');
    }
    this.pendingBlank = 0;
  }

  private fail(line: number, field: CsvField, rule: string, code: string, message: string): void {
    // a line with several bad fields lists each of them but is one malformed line
    if (line !== this.lastInvalidLine) this.invalid++;
    this.lastInvalidLine = line;
    if (this.issues.length < this.maxIssues) {
      this.issues.push({ path: field === 'line' ? `/lines/${line}` : `/lines/${line}/${field}`, rule, code, message, line, field });
    }
  }

  private line(text: Uint8Array, s: number, e: number): void {
    const lineNo = ++this.lineNo;
    // a UTF-8 byte-order mark (spreadsheet exports) before the first line is not content
    if (lineNo === 1 && e - s >= 3 && text[s] === 0xef && text[s + 1] === 0xbb && text[s + 2] === 0xbf) s += 3;
    if (e > s && text[e - 1]! === CR) e--;
    if (e === s) {
      this.pendingBlank++;
      return;
    }
    if (this.pendingBlank > 0) this.flushBlank();
    if (this.fastLine(text, s, e)) return;
    if (e - s > MAX_LINE_LENGTH) {
      this.fail(lineNo, 'line', 'maxLength', 'SG_CSV_LINE_TOO_LONG', `is longer than ${MAX_LINE_LENGTH} characters`);
      return;
    }
    let c1 = -1;
    let c2 = -1;
    let c3 = -1;
    let commas = 0;
    for (let i = s; i < e; i++) {
      if (text[i] !== COMMA) continue;
      commas++;
      if (commas === 1) c1 = i;
      else if (commas === 2) c2 = i;
      else if (commas === 3) c3 = i;
    }
    if (commas < 2 || commas > 3) {
      this.fail(lineNo, 'line', 'fieldCount', 'SG_CSV_FIELD_COUNT', 'must have 3 or 4 comma-separated fields: callId,start,durationSeconds[,service]');
      return;
    }
    if (lineNo === 1 && text[s] === 99 /* c */) {
      const head = Buffer.from(text.buffer, text.byteOffset + s, e - s).toString('latin1');
      if (head === HEADER || head === HEADER_WITH_SERVICE) return;
    }
    let bad = false;
    if (!this.token(text, s, c1, MAX_CALL_ID)) {
      this.fail(lineNo, 'callId', this.errRule, 'SG_CSV_CALL_ID', this.errMessage);
      bad = true;
    }
    const startEnd = this.parseStart(text, c1 + 1, c2);
    if (startEnd !== c2) {
      if (startEnd !== -1) this.err('format', START_FORMAT);
      this.fail(lineNo, 'start', this.errRule, 'SG_CSV_START', this.errMessage);
      bad = true;
    }
    const durEnd = c3 === -1 ? e : c3;
    const duration = this.parseDuration(text, c2 + 1, durEnd);
    if (duration < 0) {
      this.fail(lineNo, 'durationSeconds', this.errRule, 'SG_CSV_DURATION', this.errMessage);
      bad = true;
    }
    if (c3 !== -1 && !this.token(text, c3 + 1, e, MAX_SERVICE)) {
      this.fail(lineNo, 'service', this.errRule, 'SG_CSV_SERVICE', this.errMessage);
      bad = true;
    }
    if (!bad && this.invalid === 0) this.sink(this.startMs, duration);
  }

  private err(rule: string, message: string): false {
    this.errRule = rule;
    this.errMessage = message;
    return false;
  }

  private token(text: Uint8Array, s: number, e: number, max: number): boolean {
    if (e === s) return this.err('minLength', 'is empty');
    if (e - s > max) return this.err('maxLength', `is longer than ${max} characters`);
    for (let i = s; i < e; i++) {
      const c = text[i]!;
      if (c < 0x21 || c > 0x7e || c === QUOTE) return this.err('pattern', 'may only hold printable ASCII characters other than comma, double quote and space');
    }
    return true;
  }

  private parseDuration(text: Uint8Array, s: number, e: number): number {
    if (e === s) return (this.err('required', 'is empty'), -1);
    if (e - s > 7 || (text[s]! === 48 && e - s > 1)) {
      return (this.err('format', `must be a whole number of seconds 0–${MAX_DURATION_SECONDS} without sign or leading zeros`), -1);
    }
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = text[i]! - 48;
      if (d < 0 || d > 9) return (this.err('format', `must be a whole number of seconds 0–${MAX_DURATION_SECONDS} without sign or leading zeros`), -1);
      v = v * 10 + d;
    }
    if (v > MAX_DURATION_SECONDS) return (this.err('maximum', `must be at most ${MAX_DURATION_SECONDS} seconds (7 days)`), -1);
    return v;
  }

  private digits(text: Uint8Array, s: number, n: number): number {
    let v = 0;
    for (let i = s; i < s + n; i++) {
      const d = text[i]! - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v;
  }

  /**
   * `YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|±HH:MM)` starting at `s`, within `[s, e)` → this.startMs and
   * the index just after the offset; -1 (with this.errRule/errMessage) when malformed.
   */
  private parseStart(text: Uint8Array, s: number, e: number): number {
    if (e - s < 20) return (this.err('format', START_FORMAT), -1);
    const y = this.digits(text, s, 4);
    const mo = this.digits(text, s + 5, 2);
    const d = this.digits(text, s + 8, 2);
    const h = this.digits(text, s + 11, 2);
    const mi = this.digits(text, s + 14, 2);
    const sec = this.digits(text, s + 17, 2);
    if (
      y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 ||
      text[s + 4] !== 45 || text[s + 7] !== 45 || text[s + 10] !== 84 || text[s + 13] !== 58 || text[s + 16] !== 58
    ) {
      return (this.err('format', START_FORMAT), -1);
    }
    let p = s + 19;
    let ms = 0;
    if (text[p] === 46 /* . */) {
      p++;
      let n = 0;
      while (p < e) {
        const dg = text[p]! - 48;
        if (dg < 0 || dg > 9) break;
        ms = ms * 10 + dg;
        n++;
        p++;
      }
      if (n === 0 || n > 3) return (this.err('format', 'the fraction of a second must have 1 to 3 digits'), -1);
      ms *= n === 1 ? 100 : n === 2 ? 10 : 1;
    }
    let offsetMin: number;
    let end: number;
    const z = text[p];
    if (z === 90 /* Z */ && p + 1 <= e) {
      offsetMin = 0;
      end = p + 1;
    } else if ((z === 43 || z === 45) && p + 6 <= e && text[p + 3] === 58) {
      const oh = this.digits(text, p + 1, 2);
      const om = this.digits(text, p + 4, 2);
      if (oh < 0 || om < 0) return (this.err('format', START_FORMAT), -1);
      if (oh > 14 || om > 59 || (oh === 14 && om > 0)) return (this.err('offset', 'the offset must be between -14:00 and +14:00'), -1);
      offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
      end = p + 6;
    } else {
      return (this.err('format', START_FORMAT), -1);
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)) {
      return (this.err('date', 'is not a calendar date (from 1970)'), -1);
    }
    if (h > 23 || mi > 59 || sec > 59) return (this.err('time', 'is not a time of day (00:00:00–23:59:59)'), -1);
    this.startMs = daysFromCivil(y, mo, d) * 86_400_000 + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + ms;
    return end;
  }

  /**
   * One pass over a well-formed line, reading each byte once: the call goes to the sink and the
   * answer is true. Anything unusual answers false without a word, and `line` re-reads the line
   * slowly to say precisely what is wrong (or that it is the header).
   */
  private fastLine(text: Uint8Array, s: number, e: number): boolean {
    let i = s;
    while (i < e && TOKEN[text[i]!] === 1) i++;
    if (i === s || i === e || text[i] !== COMMA || i - s > MAX_CALL_ID) return false;
    const startEnd = e - (i + 1) >= 26 && text[i + 26] === COMMA ? this.fastStart(text, i + 1) : -1;
    if (startEnd === -1) return false;
    i = startEnd + 1;
    const durStart = i;
    let duration = 0;
    while (i < e) {
      const dg = text[i]! - 48;
      if (dg >>> 0 > 9) break;
      duration = duration * 10 + dg;
      i++;
    }
    if (i === durStart || i - durStart > 7 || (text[durStart] === 48 && i - durStart > 1) || duration > MAX_DURATION_SECONDS) return false;
    if (i < e) {
      if (text[i] !== COMMA) return false;
      const svc = ++i;
      while (i < e && TOKEN[text[i]!] === 1) i++;
      if (i !== e || i === svc || i - svc > MAX_SERVICE) return false;
    }
    if (this.invalid === 0) this.sink(this.startMs, duration);
    return true;
  }

  /**
   * The usual shape only, `YYYY-MM-DDTHH:MM:SS±HH:MM` (25 characters), unrolled: → this.startMs
   * and the index after it, or -1 for anything else (parseStart then judges it).
   */
  private fastStart(t: Uint8Array, s: number): number {
    const y0 = t[s]! - 48, y1 = t[s + 1]! - 48, y2 = t[s + 2]! - 48, y3 = t[s + 3]! - 48;
    const m0 = t[s + 5]! - 48, m1 = t[s + 6]! - 48, d0 = t[s + 8]! - 48, d1 = t[s + 9]! - 48;
    const h0 = t[s + 11]! - 48, h1 = t[s + 12]! - 48, n0 = t[s + 14]! - 48, n1 = t[s + 15]! - 48;
    const s0 = t[s + 17]! - 48, s1 = t[s + 18]! - 48, oh0 = t[s + 20]! - 48, oh1 = t[s + 21]! - 48;
    const om0 = t[s + 23]! - 48, om1 = t[s + 24]! - 48;
    if (
      ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | n0 | n1 | s0 | s1 | oh0 | oh1 | om0 | om1) >>> 0) > 15 ||
      y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 ||
      n0 > 9 || n1 > 9 || s0 > 9 || s1 > 9 || oh0 > 9 || oh1 > 9 || om0 > 9 || om1 > 9 ||
      t[s + 4] !== 45 || t[s + 7] !== 45 || t[s + 10] !== 84 || t[s + 13] !== 58 || t[s + 16] !== 58 || t[s + 22] !== 58
    ) {
      return -1;
    }
    const sign = t[s + 19];
    if (sign !== 43 && sign !== 45) return -1;
    const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
    const mo = m0 * 10 + m1;
    const d = d0 * 10 + d1;
    const h = h0 * 10 + h1;
    const mi = n0 * 10 + n1;
    const sec = s0 * 10 + s1;
    const oh = oh0 * 10 + oh1;
    const om = om0 * 10 + om1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 28 || h > 23 || mi > 59 || sec > 59 || oh > 13 || om > 59) {
      return -1; // rarer cases (29–31, offsets of 14 h) and every error: parseStart decides
    }
    const dateKey = y * 10_000 + mo * 100 + d;
    if (dateKey !== this.lastDateKey) {
      this.lastDateKey = dateKey;
      this.lastDays = daysFromCivil(y, mo, d);
    }
    const offsetMin = (sign === 45 ? -1 : 1) * (oh * 60 + om);
    this.startMs = this.lastDays * 86_400_000 + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000;
    return s + 25;
  }
}

/** Reads a whole stream of chunks (bytes; text is taken as UTF-8, and anything outside ASCII is refused by the field rules). */
export async function readCallCsv(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, sink: CallSink, maxIssues?: number): Promise<CallCsvSummary> {
  const reader = new CallCsvReader(sink, maxIssues);
  for await (const chunk of source) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return reader.end();
}
