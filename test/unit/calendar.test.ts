import Holidays from 'date-holidays';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { addDays, createCalendar, daysBetween, parseHolidayRegion } from '../../src/domain/calendar.js';

const by = createCalendar({ country: 'DE', region: 'BY' });
const be = createCalendar({ country: 'DE', region: 'BE' });
const sn = createCalendar({ country: 'DE', region: 'SN' });
const de = createCalendar({ country: 'DE' });
const it_ = createCalendar({ country: 'IT' });

describe('parseHolidayRegion', () => {
  it('splits country, state and region', () => {
    expect(parseHolidayRegion('DE-BY')).toEqual({ country: 'DE', region: 'BY' });
    expect(parseHolidayRegion('IT')).toEqual({ country: 'IT' });
    expect(parseHolidayRegion('de-by')).toEqual({ country: 'DE', region: 'BY' });
    expect(parseHolidayRegion('DE-BY-A')).toEqual({ country: 'DE', region: 'BY', subRegion: 'A' });
  });

  it('names what is unknown', () => {
    expect(() => parseHolidayRegion('DE-XX')).toThrow(/"XX" is not a state of DE \(known: BB, BE, BW, BY/);
    expect(() => parseHolidayRegion('XX')).toThrow(/country "XX" is not known/);
    expect(() => parseHolidayRegion('DE-BY-ZZ')).toThrow(/"ZZ" is not a region of DE-BY/);
    expect(() => parseHolidayRegion('')).toThrow(/invalid holiday region/);
    expect(() => parseHolidayRegion('DE-')).toThrow(/invalid holiday region/);
    expect(() => parseHolidayRegion('DE-BY-A-B')).toThrow(/invalid holiday region/);
  });
});

describe('createCalendar', () => {
  it('defaults the time zone per country', () => {
    expect(by.timeZone).toBe('Europe/Berlin');
    expect(it_.timeZone).toBe('Europe/Rome');
    expect(createCalendar({ country: 'DE', timeZone: 'UTC' }).timeZone).toBe('UTC');
  });

  it('refuses unknown regions and time zones', () => {
    expect(() => createCalendar({ country: 'DE', region: 'XX' })).toThrow(/"XX" is not a state of DE/);
    expect(() => createCalendar({ country: 'DE', timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/);
  });

  it('computes each year of holidays once', () => {
    const spy = vi.spyOn(Holidays.prototype, 'getHolidays');
    try {
      const cal = createCalendar({ country: 'DE', region: 'HE' });
      for (let i = 0; i < 200; i++) cal.isWorkingDay(addDays('2026-01-01', i));
      cal.addWorkingDays('2026-01-01', 100);
      expect(spy).toHaveBeenCalledTimes(1);
      cal.isWorkingDay('2027-01-01');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('isWorkingDay', () => {
  const cases: [string, ReturnType<typeof createCalendar>, string, boolean][] = [
    ['a Monday', by, '2026-11-30', true],
    ['a Saturday', by, '2026-12-19', false],
    ['a Sunday', by, '2026-12-20', false],
    ['24 Dec (Thu) is only a bank half-day', by, '2026-12-24', true],
    ['25 Dec (Fri)', by, '2026-12-25', false],
    ['26 Dec (Sat)', by, '2026-12-26', false],
    ['31 Dec (Thu) is only a bank half-day', by, '2026-12-31', true],
    ['1 Jan 2027 (Fri)', by, '2027-01-01', false],
    ['Epiphany in Bavaria', by, '2026-01-06', false],
    ['Epiphany in Berlin', be, '2026-01-06', true],
    ['Corpus Christi in Bavaria', by, '2026-06-04', false],
    ['Corpus Christi nationally', de, '2026-06-04', true],
    ['All Saints on a Sunday, no substitute Monday', by, '2026-11-02', true],
    ['Repentance Day in Bavaria (school holiday only)', by, '2026-11-18', true],
    ['Repentance Day in Saxony', sn, '2026-11-18', false],
    ['Good Friday', de, '2026-04-03', false],
    ['Easter Monday', de, '2026-04-06', false],
    ['German Unity Day 2025 (Fri)', de, '2025-10-03', false],
    ['Festa della Repubblica', it_, '2026-06-02', false],
    ['Immacolata in Italy', it_, '2026-12-08', false],
    ['8 Dec in Germany', by, '2026-12-08', true],
  ];
  for (const [name, cal, date, expected] of cases) {
    it(`${name}: ${date} → ${expected}`, () => expect(cal.isWorkingDay(date)).toBe(expected));
  }

  it('knows the Augsburg Friedensfest only in DE-BY-A', () => {
    const augsburg = createCalendar({ country: 'DE', region: 'BY', subRegion: 'A' });
    expect(augsburg.isWorkingDay('2025-08-08')).toBe(false);
    expect(by.isWorkingDay('2025-08-08')).toBe(true);
  });

  it('rejects malformed dates', () => {
    expect(() => by.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => by.isWorkingDay('2026-1-5')).toThrow(/YYYY-MM-DD/);
  });
});

describe('addWorkingDays', () => {
  const cases: [string, number, string][] = [
    ['2026-12-04', 0, '2026-12-04'], // Friday itself
    ['2026-12-05', 0, '2026-12-05'], // n = 0 keeps a Saturday
    ['2026-12-04', 1, '2026-12-07'], // Fri → Mon
    ['2026-12-05', 1, '2026-12-07'], // Sat → Mon
    ['2026-12-07', -1, '2026-12-04'], // Mon → Fri
    ['2026-12-06', -1, '2026-12-04'], // Sun → Fri
    ['2026-12-23', 1, '2026-12-24'],
    ['2026-12-24', 1, '2026-12-28'], // over Christmas and the weekend
    ['2026-12-23', 3, '2026-12-29'],
    ['2026-12-31', 1, '2027-01-04'], // New Year on Friday
    ['2027-01-05', 1, '2027-01-07'], // Epiphany (Wed) in Bavaria
    ['2027-01-07', -1, '2027-01-05'],
    ['2026-12-16', -8, '2026-12-04'], // AKM-TR due date of a 16 Dec switch
    ['2026-12-16', -7, '2026-12-07'], // successor VA due date
    ['2026-12-01', 10, '2026-12-15'],
  ];
  for (const [d, n, expected] of cases) {
    it(`${d} ${n >= 0 ? '+' : ''}${n} WD = ${expected}`, () => expect(by.addWorkingDays(d, n)).toBe(expected));
  }

  it('uses the region: 5 Jan 2027 + 1 WD is 6 Jan in Berlin', () => {
    expect(be.addWorkingDays('2027-01-05', 1)).toBe('2027-01-06');
  });

  it('refuses a fractional count', () => {
    expect(() => by.addWorkingDays('2026-12-01', 1.5)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  const cases: [string, string, number][] = [
    ['2026-12-04', '2026-12-07', 1], // Fri → Mon
    ['2026-12-04', '2026-12-05', 0], // Fri → Sat
    ['2026-12-05', '2026-12-07', 1], // Sat → Mon
    ['2026-12-04', '2026-12-04', 0],
    ['2026-12-07', '2026-12-04', -1],
    ['2026-12-23', '2026-12-29', 3], // 24, 28, 29
    ['2026-12-29', '2026-12-23', -3],
    ['2026-12-01', '2026-12-16', 11],
    ['2026-12-24', '2026-12-27', 0],
  ];
  for (const [from, to, n] of cases) {
    it(`${from} → ${to} = ${n}`, () => expect(by.workingDaysBetween(from, to)).toBe(n));
  }

  it('inverts addWorkingDays from any working day', () => {
    const start = new Date('2025-01-01T00:00:00Z').getTime();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: -40, max: 40 }), (offset, n) => {
        const d = new Date(start + offset * 86_400_000).toISOString().slice(0, 10);
        if (!by.isWorkingDay(d)) return;
        const moved = by.addWorkingDays(d, n);
        expect(by.isWorkingDay(moved) || n === 0).toBe(true);
        expect(by.workingDaysBetween(d, moved)).toBe(n);
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});

describe('today and endOfDay', () => {
  it('maps an instant to the calendar date in the zone', () => {
    expect(by.today(new Date('2026-12-01T22:59:59Z'))).toBe('2026-12-01');
    expect(by.today(new Date('2026-12-01T23:00:00Z'))).toBe('2026-12-02');
    expect(by.today(new Date('2026-07-01T21:59:59Z'))).toBe('2026-07-01');
    expect(by.today(new Date('2026-07-01T22:00:00Z'))).toBe('2026-07-02');
    expect(it_.today(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(createCalendar({ country: 'DE', timeZone: 'UTC' }).today(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });

  it('returns the last millisecond of the day, across daylight-saving changes', () => {
    expect(by.endOfDay('2026-12-04').toISOString()).toBe('2026-12-04T22:59:59.999Z');
    expect(by.endOfDay('2026-07-01').toISOString()).toBe('2026-07-01T21:59:59.999Z');
    // 29 Mar 2026: clocks go forward at 02:00, the day ends in summer time
    expect(by.endOfDay('2026-03-28').toISOString()).toBe('2026-03-28T22:59:59.999Z');
    expect(by.endOfDay('2026-03-29').toISOString()).toBe('2026-03-29T21:59:59.999Z');
    // 25 Oct 2026: clocks go back at 03:00, the day ends in winter time
    expect(by.endOfDay('2026-10-24').toISOString()).toBe('2026-10-24T21:59:59.999Z');
    expect(by.endOfDay('2026-10-25').toISOString()).toBe('2026-10-25T22:59:59.999Z');
    expect(by.today(by.endOfDay('2026-10-25'))).toBe('2026-10-25');
    expect(by.today(new Date(by.endOfDay('2026-10-25').getTime() + 1))).toBe('2026-10-26');
  });
  it('agrees with Intl at every instant, also in zones with half-hour offsets and in the hour of a change', () => {
    // the calendar remembers offsets per hour; an independent reading of Intl per instant must agree
    const zones = ['Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns'];
    for (const timeZone of zones) {
      const cal = createCalendar({ country: 'DE', timeZone });
      const dateIn = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      const from = Date.parse('2026-01-01T00:00:00Z');
      // every 61 min 1 s for a year: every hour of the day, each change of zone offset among them
      for (let t = from; t < from + 366 * 86_400_000; t += 3_661_000) {
        const at = new Date(t);
        const expected = dateIn.format(at);
        if (cal.today(at) !== expected) expect.fail(`${timeZone} ${at.toISOString()}: today ${cal.today(at)}, Intl ${expected}`);
      }
      for (let day = 0; day < 366; day++) {
        const d = new Date(from + day * 86_400_000).toISOString().slice(0, 10);
        const end = cal.endOfDay(d);
        expect(dateIn.format(end), `${timeZone} end of ${d}`).toBe(d);
        expect(dateIn.format(new Date(end.getTime() + 1)), `${timeZone} after ${d}`).not.toBe(d);
      }
    }
  });
});

describe('calendar-day helpers', () => {
  it('addDays and daysBetween ignore working days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(daysBetween('2026-12-01', '2027-06-01')).toBe(182);
    expect(daysBetween('2026-12-16', '2026-12-13')).toBe(-3);
  });
});
