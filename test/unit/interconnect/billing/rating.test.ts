import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_TIME_BANDS, type TimeBandEntry } from '../../../../src/protocols/interconnect/billing/time-bands.js';
import { newRater, rateCalls, shares } from './fixtures.js';
import { ZoneDays } from '../../../../src/protocols/interconnect/billing/zone-days.js';

// 2026: 14 Jan Wednesday; 31 Jan Saturday; 29 Mar (Sunday) CET→CEST; 31 Mar Tuesday;
// 25 Apr Saturday and Liberation Day; 2 Jun Tuesday, Republic Day; 25 Oct (Sunday) CEST→CET.
describe('traffic rating: spec §7.2 boundaries', () => {
  it.each<[string, [string, number][], Record<string, Record<string, [number, number]>>]>([
    ['the spec example: 07:59:30 → 08:01:00 is 30 s before the 08:00 boundary and 60 s after', [['2026-01-14T07:59:30+01:00', 90]], { '2026-01': { night: [30, 1], day: [60, 1] } }],
    ['a call ending exactly on the boundary has no share after it', [['2026-01-14T07:59:00+01:00', 60]], { '2026-01': { night: [60, 1] } }],
    ['a call starting exactly on the boundary has no share before it', [['2026-01-14T20:00:00+01:00', 60]], { '2026-01': { night: [60, 1] } }],
    ['31 Jan 23:59:30 + 90 s: January, Saturday then Sunday (holiday) bands', [['2026-01-31T23:59:30+01:00', 90]], { '2026-01': { sat: [30, 1], early: [60, 1] } }],
    ['across midnight at month end: all to the start month, the new day rated as itself', [['2026-03-31T23:59:00+02:00', 120]], { '2026-03': { night: [120, 1] } }],
    ['the first second of a month belongs to that month', [['2026-04-01T00:00:00+02:00', 1]], { '2026-04': { night: [1, 1] } }],
    ['spring DST: 01:30 + 1 h real time ends at 03:30 CEST; 30 min each side of 03:00', [['2026-03-29T01:30:00+01:00', 3600]], { '2026-03': { early: [1800, 1], late: [1800, 1] } }],
    ['autumn DST: 02:00–03:00 happens twice; 01:30 CEST + 3 h = 03:30 CET', [['2026-10-25T01:30:00+02:00', 10800]], { '2026-10': { early: [9000, 1], late: [1800, 1] } }],
    ['a Saturday that is a public holiday (25 April) is a holiday', [['2026-04-25T10:00:00+02:00', 60]], { '2026-04': { late: [60, 1] } }],
    ['a weekday public holiday (2 June) is a holiday', [['2026-06-02T10:00:00+02:00', 60]], { '2026-06': { late: [60, 1] } }],
    ['Easter Monday 2026 (6 April) is a holiday', [['2026-04-06T02:59:00+02:00', 120]], { '2026-04': { early: [60, 1], late: [60, 1] } }],
    ['a call through night, day and night again counts once in night', [['2026-01-14T07:00:00+01:00', 14 * 3600]], { '2026-01': { night: [7200, 1], day: [43200, 1] } }],
    ['the same instant written with Z or with +01:00 is rated the same', [['2026-01-14T06:59:30Z', 90], ['2026-01-14T07:59:30+01:00', 90]], { '2026-01': { night: [60, 2], day: [120, 2] } }],
    ['a fractional start: the second cut by the boundary goes to the band it begins in', [['2026-01-14T07:59:59.400+01:00', 2]], { '2026-01': { night: [1, 1], day: [1, 1] } }],
    ['a fractional start just before the boundary: its whole first second is the earlier band', [['2026-01-14T07:59:59.999+01:00', 1]], { '2026-01': { night: [1, 1] } }],
    ['a call of 0 s counts in the band of its start, with no seconds', [['2026-01-14T08:00:00+01:00', 0]], { '2026-01': { day: [0, 1] } }],
    ['calls of two months come out as two months, in order', [['2026-02-02T09:00:00+01:00', 10], ['2026-01-14T09:00:00+01:00', 20]], { '2026-01': { day: [20, 1] }, '2026-02': { day: [10, 1] } }],
    ['a call on 31 Dec crossing into New Year (holiday) belongs to December', [['2026-12-31T23:59:50+01:00', 20]], { '2026-12': { night: [10, 1], early: [10, 1] } }],
  ])('%s', (_title, calls, expected) => {
    const result = rateCalls(calls);
    expect(result.calls).toBe(calls.length);
    expect(shares(result)).toEqual(expected);
  });

  it('lists every configured band in every month, empty ones with zeros', () => {
    const result = rateCalls([['2026-01-14T09:00:00+01:00', 5]], DEFAULT_TIME_BANDS);
    expect(result.months).toEqual([{ month: '2026-01', bands: { peak: { seconds: 5, calls: 1 }, offpeak: { seconds: 0, calls: 0 } } }]);
  });

  it('rates by the configured boundaries: 18:30 ends the default peak band', () => {
    expect(shares(rateCalls([['2026-01-14T18:29:00+01:00', 120]], DEFAULT_TIME_BANDS))).toEqual({ '2026-01': { peak: [60, 1], offpeak: [60, 1] } });
  });
});

/** Random valid band tables: each kind of day cut at random minutes, pieces named from a small set. */
const bandTables = fc
  .tuple(
    ...(['weekday', 'saturday', 'holiday'] as const).map((kind) =>
      fc.tuple(fc.uniqueArray(fc.integer({ min: 1, max: 1439 }), { maxLength: 6 }), fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 7, maxLength: 7 })).map(([cuts, names]) => {
        const points = [0, ...cuts.sort((x, y) => x - y), 1440];
        const hhmm = (m: number) => `${String(Math.trunc(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
        return points.slice(1).map((to, i): TimeBandEntry => ({ name: names[i]!, days: [kind], from: hhmm(points[i]!), to: hhmm(to) }));
      }),
    ),
  )
  .map((kinds) => kinds.flat());

describe('traffic rating: properties', () => {
  it('the seconds of a call sum to its duration and it counts at most once per band', () => {
    fc.assert(
      fc.property(
        bandTables,
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }),
        fc.integer({ min: 0, max: 3 * 86_400 }),
        (bands, start, seconds) => {
          const rater = newRater(bands);
          rater.rate(start, seconds);
          const { calls, months } = rater.result();
          expect(calls).toBe(1);
          expect(months).toHaveLength(1);
          const totals = Object.values(months[0]!.bands);
          expect(totals.reduce((s, t) => s + t.seconds, 0)).toBe(seconds);
          for (const t of totals) expect(t.calls).toBeLessThanOrEqual(1);
          expect(totals.some((t) => t.calls === 1)).toBe(true);
          for (const t of totals) expect(t.seconds > 0 ? t.calls : 1).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rating many calls equals the sum of rating each alone', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }), fc.integer({ min: 0, max: 7200 })), { minLength: 1, maxLength: 30 }), (calls) => {
        const together = newRater();
        const sums = new Map<string, number>();
        for (const [start, seconds] of calls) {
          together.rate(start, seconds);
          const alone = newRater();
          alone.rate(start, seconds);
          for (const m of alone.result().months) for (const [b, t] of Object.entries(m.bands)) sums.set(`${m.month}/${b}`, (sums.get(`${m.month}/${b}`) ?? 0) + t.seconds * 1e6 + t.calls);
        }
        const r = together.result();
        expect(r.calls).toBe(calls.length);
        for (const m of r.months) for (const [b, t] of Object.entries(m.bands)) expect(t.seconds * 1e6 + t.calls).toBe(sums.get(`${m.month}/${b}`) ?? 0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Europe/Rome offsets', () => {
  it('agree with Intl at any instant 1990–2060, including around the changes', () => {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Rome', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    const intlOffset = (t: number) => {
      const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
      return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(t / 1000) * 1000;
    };
    const zone = new ZoneDays('Europe/Rome');
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.integer({ min: -2000, max: 2000 }), (t, nudge) => {
        // half the runs land within seconds of the last Sunday of March/October 01:00 UTC
        const y = new Date(t).getUTCFullYear();
        const lastSunday = (m: number) => {
          const d = new Date(Date.UTC(y, m + 1, 0, 1));
          return d.getTime() - d.getUTCDay() * 86_400_000;
        };
        const at = nudge % 2 === 0 ? t : lastSunday(nudge > 0 ? 2 : 9) + nudge * 1000;
        expect(zone.offsetAt(at)).toBe(intlOffset(at));
      }),
      { numRuns: 2000 },
    );
  });
});
