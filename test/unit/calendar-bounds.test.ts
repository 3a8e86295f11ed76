/**
 * Working-day arithmetic does a bounded amount of work for any two dates (issue #9, point 1): the
 * probe counts holiday-table lookups and loop iterations; the bound must not depend on the distance.
 * The day-by-day reference below is what the calendar used to do; the results must agree with it.
 */
import fc from 'fast-check';
import Holidays from 'date-holidays';
import { describe, expect, it, vi } from 'vitest';
import { addDays, createCalendar, fromEpochDay, toEpochDay, type CalendarProbe } from '../../src/domain/calendar.js';
import { WORKING_DAY_MAX_YEAR, WORKING_DAY_MIN_YEAR } from '../../src/domain/working-day-table.js';
import { LruCache } from '../../src/domain/lru.js';

const probe: CalendarProbe = { lookups: 0, iterations: 0 };
const by = createCalendar({ country: 'DE', region: 'BY', probe });
const it_ = createCalendar({ country: 'IT' });

const YEARS = WORKING_DAY_MAX_YEAR - WORKING_DAY_MIN_YEAR + 1;
/** per call: one pass over the years between, and at most three scans of one year's holidays */
const MAX_HOLIDAYS_PER_YEAR = 30;
const ITERATION_BOUND = YEARS + 3 * MAX_HOLIDAYS_PER_YEAR;
/** per call: the two ends' years (plus the day itself), plus each year between on a cold cache */
const LOOKUP_BOUND = YEARS + 4;

const FIRST = toEpochDay(`${WORKING_DAY_MIN_YEAR}-01-01`);
const LAST = toEpochDay(`${WORKING_DAY_MAX_YEAR}-12-31`);
const anyDay = fc.integer({ min: toEpochDay('0001-01-01'), max: toEpochDay('9999-12-31') }).map(fromEpochDay);
const supportedDay = fc.integer({ min: FIRST, max: LAST }).map(fromEpochDay);
/** the whole range 0001–9999, half of the draws inside the calendar's years (else nearly none are) */
const someDay = fc.oneof(anyDay, supportedDay);

function measured<T>(f: () => T): { value: T | RangeError; lookups: number; iterations: number } {
  probe.lookups = 0;
  probe.iterations = 0;
  let value: T | RangeError;
  try {
    value = f();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    value = e;
  }
  return { value, lookups: probe.lookups, iterations: probe.iterations };
}

function naiveBetween(cal: typeof by, from: string, to: string): number {
  const a = toEpochDay(from);
  const b = toEpochDay(to);
  let count = 0;
  for (let n = Math.min(a, b) + 1; n <= Math.max(a, b); n++) if (cal.isWorkingDay(fromEpochDay(n))) count++;
  return b >= a ? count : -count;
}

function naiveAdd(cal: typeof by, d: string, n: number): string {
  let day = d;
  let left = Math.abs(n);
  while (left > 0) {
    day = addDays(day, n < 0 ? -1 : 1);
    if (cal.isWorkingDay(day)) left--;
  }
  return day;
}

describe('working-day arithmetic: bounded work', () => {
  it('workingDaysBetween: a constant bound on lookups and iterations for any two dates 0001–9999', () => {
    let counted = 0;
    fc.assert(
      fc.property(someDay, someDay, (a, b) => {
        const m = measured(() => by.workingDaysBetween(a, b));
        expect(m.lookups).toBeLessThanOrEqual(LOOKUP_BOUND);
        expect(m.iterations).toBeLessThanOrEqual(ITERATION_BOUND);
        counted += m.lookups;
      }),
      { numRuns: 2000 },
    );
    // the probe saw the work: the bound is not vacuous
    expect(measured(() => by.workingDaysBetween('2026-01-01', '2027-06-30')).lookups).toBeGreaterThan(0);
    expect(counted).toBeGreaterThan(0);
  });

  it('addWorkingDays: the same bound for any date and any count', () => {
    fc.assert(
      fc.property(someDay, fc.integer({ min: -200_000, max: 200_000 }), (d, n) => {
        const m = measured(() => by.addWorkingDays(d, n));
        expect(m.lookups).toBeLessThanOrEqual(LOOKUP_BOUND);
        expect(m.iterations).toBeLessThanOrEqual(ITERATION_BOUND);
      }),
      { numRuns: 2000 },
    );
    const far = measured(() => by.addWorkingDays('2001-01-02', 40_000));
    expect(far.value).toMatch(/^21\d\d-/);
    expect(far.iterations).toBeGreaterThan(0);
    expect(far.iterations).toBeLessThanOrEqual(ITERATION_BOUND);
  });

  it('once the years are known, a call costs a handful of lookups whatever the distance', () => {
    by.workingDaysBetween(`${WORKING_DAY_MIN_YEAR}-01-01`, `${WORKING_DAY_MAX_YEAR}-12-31`); // warm the per-year counts
    fc.assert(
      fc.property(supportedDay, supportedDay, (a, b) => {
        const m = measured(() => by.workingDaysBetween(a, b));
        expect(m.lookups).toBeLessThanOrEqual(2);
        expect(m.iterations).toBeLessThanOrEqual(YEARS + 2 * MAX_HOLIDAYS_PER_YEAR);
      }),
    );
    const far = measured(() => by.workingDaysBetween('2000-01-03', '2199-12-30'));
    expect(far.value).toBeGreaterThan(49_000);
    expect(far.lookups).toBe(2);
  });

  it('dates outside the supported years are a RangeError before any lookup', () => {
    for (const [a, b] of [['9999-12-31', '2026-12-01'], ['2026-12-01', '9999-12-31'], ['1999-12-31', '2026-12-01'], ['0001-01-01', '9999-12-31']]) {
      const m = measured(() => by.workingDaysBetween(a!, b!));
      expect(m.value).toBeInstanceOf(RangeError);
      expect(m.lookups).toBe(0);
    }
    expect(measured(() => by.isWorkingDay('9999-12-31')).value).toBeInstanceOf(RangeError);
    expect(measured(() => by.addWorkingDays('2199-12-30', 5)).value).toBeInstanceOf(RangeError);
    expect(measured(() => by.addWorkingDays('2000-01-04', -5)).value).toBeInstanceOf(RangeError);
  });

  it('the day after 9999-12-31 is a RangeError, not "+010000-01-01"', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
    expect(() => addDays('0001-01-01', -1)).toThrow(RangeError);
    expect(addDays('9999-12-30', 1)).toBe('9999-12-31');
    expect(() => toEpochDay('0000-01-01')).toThrow(RangeError);
    expect(toEpochDay('0099-03-01')).toBe(toEpochDay('0099-02-28') + 1);
  });
});

describe('epoch days: the same as the Date object says', () => {
  // the reference: Date's own proleptic Gregorian calendar (setUTCFullYear keeps years 1–99)
  const viaDate = (n: number): string => {
    const at = new Date(n * 86_400_000);
    return `${String(at.getUTCFullYear()).padStart(4, '0')}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-${String(at.getUTCDate()).padStart(2, '0')}`;
  };
  const first = -719_162; // 0001-01-01
  const last = 2_932_896; // 9999-12-31

  it('every day of the range maps both ways, as Date does', () => {
    // all of 1582–2300 and every 97th day elsewhere: leap years, centuries, the 400-year rule
    for (let n = first; n <= last; n += n > -141_427 && n < 120_000 ? 1 : 97) {
      const iso = viaDate(n);
      if (fromEpochDay(n) !== iso || toEpochDay(iso) !== n) expect.fail(`day ${n}: ${fromEpochDay(n)} / ${toEpochDay(iso)}, Date says ${iso}`);
    }
    expect([fromEpochDay(first), fromEpochDay(last), fromEpochDay(0)]).toEqual(['0001-01-01', '9999-12-31', '1970-01-01']);
  });

  it('refuses what is not a calendar date', () => {
    for (const bad of ['2026-02-29', '2100-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '2026-01-1', '2026/01/01', ' 2026-01-01', '2026-01-01 ', '２０２６-01-01', '0000-12-31', '', '+2026-01-01']) {
      expect(() => toEpochDay(bad), bad).toThrow(RangeError);
    }
    expect(toEpochDay('2000-02-29')).toBe(toEpochDay('2000-02-28') + 1);
    expect(toEpochDay('2024-02-29')).toBe(toEpochDay('2024-03-01') - 1);
  });
});

describe('working-day arithmetic: same answers as walking day by day', () => {
  const near = fc.integer({ min: toEpochDay('2024-01-01'), max: toEpochDay('2031-12-31') }).map(fromEpochDay);
  for (const [name, cal] of [['DE-BY', by], ['IT', it_]] as const) {
    it(`${name}: workingDaysBetween`, () => {
      fc.assert(fc.property(near, near, (a, b) => {
        expect(cal.workingDaysBetween(a, b)).toBe(naiveBetween(cal, a, b));
      }), { numRuns: 300 });
    });
    it(`${name}: addWorkingDays`, () => {
      fc.assert(fc.property(near, fc.integer({ min: -400, max: 400 }), (d, n) => {
        expect(cal.addWorkingDays(d, n)).toBe(naiveAdd(cal, d, n));
      }), { numRuns: 500 });
    });
  }
});

describe('LruCache', () => {
  it('keeps at most max entries and forgets the least recently used', () => {
    const c = new LruCache<number, string>(2);
    c.set(1, 'a');
    c.set(2, 'b');
    expect(c.get(1)).toBe('a');
    c.set(3, 'c');
    expect(c.size).toBe(2);
    expect(c.get(2)).toBeUndefined();
    expect(c.get(1)).toBe('a');
    expect(c.get(3)).toBe('c');
  });

  it('the calendar keeps a bounded number of holiday years however many it is asked about', () => {
    const spy = vi.spyOn(Holidays.prototype, 'getHolidays');
    try {
      const cal = createCalendar({ country: 'DE', region: 'NW' });
      for (let y = WORKING_DAY_MIN_YEAR; y <= WORKING_DAY_MAX_YEAR; y++) cal.addWorkingDays(`${y}-06-15`, 1);
      expect(spy).toHaveBeenCalledTimes(YEARS);
      // the first year was evicted long ago: asking again looks it up again instead of keeping 200 years
      cal.addWorkingDays(`${WORKING_DAY_MIN_YEAR}-06-16`, 1);
      expect(spy).toHaveBeenCalledTimes(YEARS + 1);
      // the most recent one is still there
      cal.addWorkingDays(`${WORKING_DAY_MAX_YEAR}-06-16`, 1);
      expect(spy).toHaveBeenCalledTimes(YEARS + 1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('isPublicHoliday', () => {
  it('knows public holidays on any weekday, in and outside the working-day years', () => {
    expect(it_.isPublicHoliday('2026-12-25')).toBe(true);
    expect(it_.isPublicHoliday('2027-12-25')).toBe(true); // a Saturday
    expect(it_.isPublicHoliday('2026-12-24')).toBe(false); // a bank holiday only
    expect(it_.isPublicHoliday('1995-12-08')).toBe(true); // Immacolata, before 2000
  });
});
