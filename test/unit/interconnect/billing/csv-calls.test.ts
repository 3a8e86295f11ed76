import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CallCsvReader, MAX_LINE_LENGTH } from '../../../../src/protocols/interconnect/billing/csv-calls.js';
import { rateCsv, shares } from './fixtures.js';

const GOOD = 'c1,2026-01-14T07:59:30+01:00,90,M-M';

describe('call CSV: well-formed files', () => {
  it.each([
    ['with a header', `callId,start,durationSeconds,service\n${GOOD}\n`],
    ['with the short header', `callId,start,durationSeconds\nc1,2026-01-14T07:59:30+01:00,90\n`],
    ['without a header or final newline', GOOD],
    ['with CRLF line ends', `callId,start,durationSeconds,service\r\n${GOOD}\r\n`],
    ['with blank lines at the very end', `${GOOD}\n\n\n`],
    ['with Z and a millisecond fraction', 'c1,2026-01-14T06:59:30.000Z,90'],
    ['with a UTF-8 byte-order mark before the header', `\uFEFFcallId,start,durationSeconds,service\n${GOOD}\n`],
  ])('%s', async (_title, text) => {
    const { summary, result } = await rateCsv(text);
    expect(summary.invalidLines).toBe(0);
    expect(shares(result)).toEqual({ '2026-01': { night: [30, 1], day: [60, 1] } });
  });

  it('an empty file rates no calls', async () => {
    const { summary, result } = await rateCsv('');
    expect(summary).toMatchObject({ lines: 0, invalidLines: 0 });
    expect(result).toEqual({ calls: 0, months: [] });
  });
});

describe('call CSV: a malformed line is reported by line number, field, rule and code', () => {
  it.each<[string, string, string, string, string]>([
    ['x,2026-02-30T10:00:00+01:00,5', 'start', 'date', 'SG_CSV_START', '30 February'],
    ['x,2026-01-14T24:00:00+01:00,5', 'start', 'time', 'SG_CSV_START', 'hour 24'],
    ['x,2026-01-14T10:00:60+01:00,5', 'start', 'time', 'SG_CSV_START', 'a leap second'],
    ['x,2026-01-14T10:00:00,5', 'start', 'format', 'SG_CSV_START', 'no offset'],
    ['x,2026-01-14 10:00:00+01:00,5', 'start', 'format', 'SG_CSV_START', 'a space for T'],
    ['x,2026-01-14T10:00+01:00,5', 'start', 'format', 'SG_CSV_START', 'no seconds'],
    ['x,2026-01-14T10:00:00.1234+01:00,5', 'start', 'format', 'SG_CSV_START', 'a 4-digit fraction'],
    ['x,2026-01-14T10:00:00+15:00,5', 'start', 'offset', 'SG_CSV_START', 'an offset beyond 14:00'],
    ['x,2026-01-14T10:00:00+01:00x,5', 'start', 'format', 'SG_CSV_START', 'text after the offset'],
    ['x,1969-12-31T10:00:00+01:00,5', 'start', 'date', 'SG_CSV_START', 'before 1970'],
    ['x,2026-01-14T10:00:00+01:00,-5', 'durationSeconds', 'format', 'SG_CSV_DURATION', 'a sign'],
    ['x,2026-01-14T10:00:00+01:00,05', 'durationSeconds', 'format', 'SG_CSV_DURATION', 'a leading zero'],
    ['x,2026-01-14T10:00:00+01:00,5.5', 'durationSeconds', 'format', 'SG_CSV_DURATION', 'a fraction'],
    ['x,2026-01-14T10:00:00+01:00,', 'durationSeconds', 'required', 'SG_CSV_DURATION', 'nothing'],
    ['x,2026-01-14T10:00:00+01:00,604801', 'durationSeconds', 'maximum', 'SG_CSV_DURATION', 'more than 7 days'],
    [',2026-01-14T10:00:00+01:00,5', 'callId', 'minLength', 'SG_CSV_CALL_ID', 'an empty call id'],
    ['"x",2026-01-14T10:00:00+01:00,5', 'callId', 'pattern', 'SG_CSV_CALL_ID', 'a quoted call id'],
    [`${'x'.repeat(129)},2026-01-14T10:00:00+01:00,5`, 'callId', 'maxLength', 'SG_CSV_CALL_ID', 'a call id of 129 characters'],
    ['x,2026-01-14T10:00:00+01:00,5,', 'service', 'minLength', 'SG_CSV_SERVICE', 'an empty service'],
    ['x,2026-01-14T10:00:00+01:00,5,M M', 'service', 'pattern', 'SG_CSV_SERVICE', 'a space in the service'],
    ['x,2026-01-14T10:00:00+01:00,5,à', 'service', 'pattern', 'SG_CSV_SERVICE', 'a non-ASCII service'],
    ['x,2026-01-14T10:00:00+01:00', 'line', 'fieldCount', 'SG_CSV_FIELD_COUNT', 'two fields'],
    ['x,2026-01-14T10:00:00+01:00,5,a,b', 'line', 'fieldCount', 'SG_CSV_FIELD_COUNT', 'five fields'],
  ])('%s (%s: %s — %s)', async (line, field, rule, code) => {
    const { summary } = await rateCsv(`callId,start,durationSeconds,service\n${GOOD}\n${line}\n${GOOD}\n`);
    expect(summary.invalidLines).toBe(1);
    expect(summary.issues[0]).toMatchObject({ line: 3, field, rule, code, path: field === 'line' ? '/lines/3' : `/lines/3/${field}` });
  });

  it('a blank line between calls is malformed', async () => {
    const { summary } = await rateCsv(`${GOOD}\n\n${GOOD}\n`);
    expect(summary.issues).toEqual([expect.objectContaining({ line: 2, field: 'line', rule: 'notBlank', code: 'SG_CSV_BLANK_LINE' })]);
  });

  it('a line longer than the limit is malformed, even when it spans chunks', async () => {
    const long = `x,2026-01-14T10:00:00+01:00,5,${'s'.repeat(MAX_LINE_LENGTH)}`;
    const { summary } = await rateCsv([`${GOOD}\n${long.slice(0, 100)}`, long.slice(100, 400), `${long.slice(400)}\n${GOOD}\n`]);
    expect(summary).toMatchObject({ lines: 3, invalidLines: 1 });
    expect(summary.issues[0]).toMatchObject({ line: 2, field: 'line', rule: 'maxLength', code: 'SG_CSV_LINE_TOO_LONG' });
  });

  it('every bad field of a line is listed, the line counted once; later lines are still checked', async () => {
    const { summary } = await rateCsv(`,2026-13-01T00:00:00Z,x\n${GOOD}\nx,2026-01-01T00:00:00Z,-1\n`);
    expect(summary.invalidLines).toBe(2);
    expect(summary.issues.map((i) => `${i.line}/${i.field}`)).toEqual(['1/callId', '1/start', '1/durationSeconds', '3/durationSeconds']);
  });

  it('lists at most 100 issues but counts every malformed line', async () => {
    const { summary } = await rateCsv(Array.from({ length: 150 }, () => 'x,bad,1').join('\n'));
    expect(summary.issues).toHaveLength(100);
    expect(summary.invalidLines).toBe(150);
  });
});

describe('call CSV: chunking', () => {
  it('cutting the file anywhere gives the same rating', async () => {
    const lines = [
      'callId,start,durationSeconds,service',
      'a,2026-01-14T07:59:30+01:00,90,M-M',
      'b,2026-01-31T23:59:30+01:00,90',
      'c,2026-03-29T01:30:00.250+01:00,3600,F-M',
      'd,2026-10-25T01:30:00+02:00,10800',
    ];
    const text = lines.join('\r\n') + '\n';
    const whole = await rateCsv(text);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...cuts.sort((x, y) => x - y), text.length];
        const chunks = points.slice(1).map((end, i) => Buffer.from(text.slice(points[i]!, end), 'latin1'));
        const cut = await rateCsv(chunks.map((c) => c.toString('latin1')));
        expect(cut.summary.invalidLines).toBe(0);
        expect(cut.result).toEqual(whole.result);
      }),
      { numRuns: 300 },
    );
  });
});

describe('call CSV: start instants', () => {
  it('every well-formed start reads as the instant Date.parse gives (fast and general parsers agree)', () => {
    const p2 = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 86_400, max: Date.UTC(2099, 11, 31) / 1000 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.constantFrom('', '.5', '.25', '.125', 'Z'),
        fc.integer({ min: 0, max: 900 }),
        (epochSeconds, offsetMin, variant, duration) => {
          const offset = variant === 'Z' ? 0 : offsetMin;
          const wall = new Date(epochSeconds * 1000 + offset * 60_000).toISOString().slice(0, 19);
          const fraction = variant === 'Z' ? '' : variant;
          const zone = variant === 'Z' ? 'Z' : `${offset < 0 ? '-' : '+'}${p2(Math.trunc(Math.abs(offset) / 60))}:${p2(Math.abs(offset) % 60)}`;
          const start = `${wall}${fraction}${zone}`;
          const seen: [number, number][] = [];
          const reader = new CallCsvReader((s, d) => seen.push([s, d]));
          reader.push(Buffer.from(`id-${epochSeconds},${start},${duration}\n`));
          expect(reader.end().invalidLines).toBe(0);
          expect(seen).toEqual([[Date.parse(start), duration]]);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
