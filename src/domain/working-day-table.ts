/**
 * Working-day arithmetic in steps per *year*, not per day: a year's working days are its weekdays
 * (a closed formula) minus its public holidays on weekdays (one holiday-table lookup), so counting
 * or stepping over any distance touches each year between the two dates once, and the years are
 * bounded by the supported range. The per-year holiday lists sit in a small LRU; the per-year
 * counts in a fixed array over the supported range — neither grows with what is asked.
 *
 * Days are epoch days (days since 1970-01-01, UTC; day 0 was a Thursday).
 */
import type Holidays from 'date-holidays';
import { LruCache } from './lru.js';

/** The years the working-day functions know; anything else is a RangeError, not a long walk. */
export const WORKING_DAY_MIN_YEAR = 2000;
export const WORKING_DAY_MAX_YEAR = 2199;
const YEARS = WORKING_DAY_MAX_YEAR - WORKING_DAY_MIN_YEAR + 1;
/** holiday lists kept per calendar: deadlines look at this year and the next, rarely more */
const HOLIDAY_YEARS_CACHED = 8;

const DAY_MS = 86_400_000;
/** weekday offsets inside a week that starts on a Thursday: Thu, Fri, Mon, Tue, Wed */
const WEEKDAY_OFFSETS = [0, 1, 4, 5, 6] as const;
/** weekdays among the first r days of such a week */
const WEEKDAYS_IN_FIRST = [0, 1, 2, 2, 2, 3, 4] as const;

/** Weekdays (Mon–Fri) among epoch days [0, n), negative for n < 0. */
const weekdaysBefore = (n: number): number => {
  const q = Math.floor(n / 7);
  return 5 * q + WEEKDAYS_IN_FIRST[n - 7 * q]!;
};
/** The k-th weekday (0-based) counted from epoch day 0; k may be negative. */
const nthWeekday = (k: number): number => {
  const q = Math.floor(k / 5);
  return 7 * q + WEEKDAY_OFFSETS[k - 5 * q]!;
};
const isWeekday = (n: number): boolean => {
  const r = ((n % 7) + 7) % 7;
  return r !== 2 && r !== 3; // 2 = Saturday, 3 = Sunday
};
const yearOf = (n: number): number => new Date(n * DAY_MS).getUTCFullYear();
const firstDayOf = (year: number): number => Date.UTC(year, 0, 1) / DAY_MS;
const isoOf = (n: number): string => (Number.isFinite(n) && Math.abs(n) < 1e8 ? new Date(n * DAY_MS).toISOString().slice(0, 10) : String(n));

export interface WorkProbe {
  lookups: number;
  iterations: number;
}

export class WorkingDayTable {
  readonly #hd: Holidays;
  readonly #probe: WorkProbe | undefined;
  /** per year: its public holidays (sorted), and those on weekdays */
  readonly #holidays = new LruCache<number, { all: ReadonlySet<number>; weekdays: readonly number[] }>(HOLIDAY_YEARS_CACHED);
  /** working days per year; -1 = not computed yet */
  readonly #counts = new Int32Array(YEARS).fill(-1);

  constructor(hd: Holidays, probe?: WorkProbe) {
    this.#hd = hd;
    this.#probe = probe;
  }

  isWorking(n: number): boolean {
    const year = this.#yearIn(n);
    if (!isWeekday(n)) return false;
    return !this.#holidaysOf(year).includes(n);
  }

  /** Working days after `a` up to and including `b`; mirrored (negative) when b < a. */
  between(a: number, b: number): number {
    if (a === b) {
      this.#yearIn(a);
      return 0;
    }
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const yLo = this.#yearIn(lo);
    const yHi = this.#yearIn(hi);
    let count = this.#upTo(yHi, hi) - this.#upTo(yLo, lo);
    for (let y = yLo; y < yHi; y++) {
      this.#step();
      count += this.#workingIn(y);
    }
    return b >= a ? count : -count;
  }

  /** n > 0: the n-th working day after d; n < 0: the |n|-th working day before d; 0: d. */
  addWorking(d: number, n: number): number {
    let y = this.#yearIn(d);
    if (n === 0) return d;
    // position of the answer among the working days of year y (1-based; may leave the year):
    // counting back from a day off starts at the working day before it, which it shares a count with
    let r = this.#upTo(y, d) + n + (n < 0 && !this.isWorking(d) ? 1 : 0);
    while (r > this.#workingIn(y)) {
      this.#step();
      r -= this.#workingIn(y);
      y = this.#nextYear(y, +1, d, n);
    }
    while (r <= 0) {
      this.#step();
      y = this.#nextYear(y, -1, d, n);
      r += this.#workingIn(y);
    }
    return this.#kthWorking(y, r);
  }

  #nextYear(y: number, dir: 1 | -1, d: number, n: number): number {
    const next = y + dir;
    if (next < WORKING_DAY_MIN_YEAR || next > WORKING_DAY_MAX_YEAR) {
      throw new RangeError(`${isoOf(d)} ${n > 0 ? '+' : ''}${n} working days leaves ${WORKING_DAY_MIN_YEAR}-01-01..${WORKING_DAY_MAX_YEAR}-12-31, the years the calendar knows`);
    }
    return next;
  }

  /** The r-th working day (1-based) of year y. */
  #kthWorking(y: number, r: number): number {
    let x = nthWeekday(weekdaysBefore(firstDayOf(y)) + r - 1);
    // every holiday on or before the candidate pushes it one weekday on; sorted, so one pass
    for (const h of this.#holidaysOf(y)) {
      this.#step();
      if (h > x) break;
      x = nthWeekday(weekdaysBefore(x + 1));
    }
    return x;
  }

  /** Working days of year y from 1 January up to and including day e. */
  #upTo(y: number, e: number): number {
    let count = weekdaysBefore(e + 1) - weekdaysBefore(firstDayOf(y));
    for (const h of this.#holidaysOf(y)) {
      this.#step();
      if (h > e) break;
      count--;
    }
    return count;
  }

  #workingIn(y: number): number {
    const i = y - WORKING_DAY_MIN_YEAR;
    let c = this.#counts[i]!;
    if (c < 0) {
      c = weekdaysBefore(firstDayOf(y + 1)) - weekdaysBefore(firstDayOf(y)) - this.#holidaysOf(y).length;
      this.#counts[i] = c;
    }
    return c;
  }

  /** A statutory public holiday, whatever the weekday (any year date-holidays knows; one lookup). */
  isPublicHoliday(n: number): boolean {
    return this.#yearTable(yearOf(n)).all.has(n);
  }

  #holidaysOf(year: number): readonly number[] {
    return this.#yearTable(year).weekdays;
  }

  #yearTable(year: number): { all: ReadonlySet<number>; weekdays: readonly number[] } {
    if (this.#probe) this.#probe.lookups++;
    let t = this.#holidays.get(year);
    if (!t) {
      const all = new Set<number>();
      for (const h of this.#hd.getHolidays(year)) {
        // Only statutory holidays close offices; `bank` (24 Dec, 31 Dec) and `observance` do not.
        if (h.type !== 'public') continue;
        const n = Date.parse(`${h.date.slice(0, 10)}T00:00:00Z`) / DAY_MS;
        if (yearOf(n) === year) all.add(n);
      }
      t = { all, weekdays: [...all].filter(isWeekday).sort((a, b) => a - b) };
      this.#holidays.set(year, t);
    }
    return t;
  }

  #yearIn(n: number): number {
    const y = Number.isFinite(n) ? yearOf(n) : NaN;
    if (!(y >= WORKING_DAY_MIN_YEAR && y <= WORKING_DAY_MAX_YEAR)) {
      throw new RangeError(`${isoOf(n)} is outside ${WORKING_DAY_MIN_YEAR}-01-01..${WORKING_DAY_MAX_YEAR}-12-31, the years the calendar knows`);
    }
    return y;
  }

  #step(): void {
    if (this.#probe) this.#probe.iterations++;
  }
}
