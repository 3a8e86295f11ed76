/**
 * Working-day calendar: Monday–Friday minus the public holidays of one country (and optionally
 * one state/region), as WBCI deadlines are counted (wbci.md §10) and AGCOM ones too (italy.md).
 *
 * Dates are `YYYY-MM-DD` calendar dates without a time zone; the time zone is only needed to map
 * an instant onto "today" and to find the last instant of a due day.
 */
import Holidays from 'date-holidays';
import { WorkingDayTable, type WorkProbe } from './working-day-table.js';
import { zoneOffsets } from './zone-offset.js';

/** Calendar date `YYYY-MM-DD` (same as the WBCI `IsoDate`, repeated so the domain stays independent). */
export type IsoDate = string;

export interface WorkingDayCalendar {
  readonly timeZone: string;
  isWorkingDay(d: IsoDate): boolean;
  /** A statutory public holiday of the region (whatever the weekday). */
  isPublicHoliday(d: IsoDate): boolean;
  /** n > 0: the n-th working day after d; n < 0: the |n|-th working day before d; n = 0: d itself. */
  addWorkingDays(d: IsoDate, n: number): IsoDate;
  /** Working days after `from` up to and including `to`; negative (mirrored) if `to` < `from`. */
  workingDaysBetween(from: IsoDate, to: IsoDate): number;
  /** The calendar date of `now` in the calendar's time zone. */
  today(now: Date): IsoDate;
  /** The last instant (millisecond) of `d` in the calendar's time zone. */
  endOfDay(d: IsoDate): Date;
}

export interface CalendarOptions {
  /** ISO 3166-1 alpha-2, e.g. `DE`, `IT` */
  country: string;
  /** state as date-holidays names it, e.g. `BY` */
  region?: string;
  /** a finer region of the state, e.g. `A` (Augsburg) for `DE-BY` */
  subRegion?: string;
  /** IANA zone; defaults per country (Europe/Berlin for DE, Europe/Rome for IT) */
  timeZone?: string;
  /** counts the work of the working-day functions (tests prove the bound with it) */
  probe?: CalendarProbe;
}

/** Work done by the working-day functions: holiday-table lookups and loop iterations. */
export type CalendarProbe = WorkProbe;

export interface HolidayRegion {
  country: string;
  region?: string;
  subRegion?: string;
}

const DEFAULT_TIME_ZONES: Record<string, string> = { DE: 'Europe/Berlin', IT: 'Europe/Rome' };

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Date arithmetic on epoch days (days since 1970-01-01, UTC), so no time zone can shift a date.

/** Years a calendar date may have at all (`YYYY` is four digits). */
export const MIN_DATE: IsoDate = '0001-01-01';
export const MAX_DATE: IsoDate = '9999-12-31';

// Civil date ↔ day number in integer arithmetic (proleptic Gregorian, H. Hinnant's algorithm): every
// case step converts dates dozens of times, and a regular expression plus a Date object each time
// was a visible share of a request's CPU.
const DIGIT_0 = 48;
const digits = (d: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = d.charCodeAt(i) - DIGIT_0;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
};
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function toEpochDay(d: IsoDate): number {
  const y = typeof d === 'string' && d.length === 10 && d.charCodeAt(4) === 45 && d.charCodeAt(7) === 45 ? digits(d, 0, 4) : -1;
  const mo = y < 0 ? -1 : digits(d, 5, 7);
  const day = mo < 0 ? -1 : digits(d, 8, 10);
  if (day < 0) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(d)}`);
  if (y < 1 || mo < 1 || mo > 12 || day < 1 || day > (mo === 2 && isLeap(y) ? 29 : MONTH_DAYS[mo - 1]!)) {
    throw new RangeError(`not a calendar date: ${d}`);
  }
  return daysFromCivil(y, mo, day);
}

const MIN_EPOCH_DAY = toEpochDay(MIN_DATE);
const MAX_EPOCH_DAY = toEpochDay(MAX_DATE);
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function fromEpochDay(n: number): IsoDate {
  // the day after 9999-12-31 has no YYYY-MM-DD form: refuse it rather than write "+010000-01-01"
  if (!Number.isInteger(n) || n < MIN_EPOCH_DAY || n > MAX_EPOCH_DAY) {
    throw new RangeError(`date out of range: epoch day ${n} is outside ${MIN_DATE}..${MAX_DATE}`);
  }
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** Calendar-day offset (positive, zero or negative); RangeError past 9999-12-31 or before 0001-01-01. */
export function addDays(d: IsoDate, n: number): IsoDate {
  return fromEpochDay(toEpochDay(d) + n);
}

/** Calendar days from `from` to `to` (negative if `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

// ---------------------------------------------------------------------------------------------
// Holiday regions

let catalogue: Holidays | undefined;
const holidayCatalogue = (): Holidays => (catalogue ??= new Holidays());

/**
 * `DE-BY` → `{ country: 'DE', region: 'BY' }`, `IT` → `{ country: 'IT' }`,
 * `DE-BY-A` → `{ country: 'DE', region: 'BY', subRegion: 'A' }`. Throws on unknown parts.
 */
/** Due instant `n` working days after the day of `at` (the day of receipt does not count): the last instant of that day in the calendar's zone. */
export function dueAfter(at: string, n: number, calendar: WorkingDayCalendar): Date {
  return calendar.endOfDay(calendar.addWorkingDays(calendar.today(new Date(at)), n));
}

export function parseHolidayRegion(spec: string): HolidayRegion {
  const parts = spec.trim().split('-');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`invalid holiday region ${JSON.stringify(spec)}: expected COUNTRY, COUNTRY-STATE or COUNTRY-STATE-REGION, e.g. "DE-BY" or "IT"`);
  }
  const [country, region, subRegion] = parts.map((p) => p.toUpperCase());
  const r: HolidayRegion = { country };
  if (region !== undefined) r.region = region;
  if (subRegion !== undefined) r.subRegion = subRegion;
  assertKnownRegion(r, spec);
  return r;
}

function assertKnownRegion(r: HolidayRegion, spec: string): void {
  const hd = holidayCatalogue();
  const countries = hd.getCountries() ?? {};
  if (!(r.country in countries)) {
    throw new Error(`unknown holiday region ${JSON.stringify(spec)}: country "${r.country}" is not known`);
  }
  if (r.region === undefined) return;
  const states = hd.getStates(r.country) ?? {};
  if (!(r.region in states)) {
    const known = Object.keys(states).join(', ') || 'none';
    throw new Error(`unknown holiday region ${JSON.stringify(spec)}: "${r.region}" is not a state of ${r.country} (known: ${known})`);
  }
  if (r.subRegion === undefined) return;
  const regions = hd.getRegions(r.country, r.region) ?? {};
  if (!(r.subRegion in regions)) {
    const known = Object.keys(regions).join(', ') || 'none';
    throw new Error(
      `unknown holiday region ${JSON.stringify(spec)}: "${r.subRegion}" is not a region of ${r.country}-${r.region} (known: ${known})`,
    );
  }
}

function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone ${JSON.stringify(tz)}`);
  }
}

// ---------------------------------------------------------------------------------------------

export function createCalendar(opts: CalendarOptions): WorkingDayCalendar {
  const region: HolidayRegion = { country: opts.country.toUpperCase() };
  if (opts.region) region.region = opts.region.toUpperCase();
  if (opts.subRegion) region.subRegion = opts.subRegion.toUpperCase();
  const spec = [region.country, region.region, region.subRegion].filter(Boolean).join('-');
  assertKnownRegion(region, spec);

  const hd =
    region.subRegion !== undefined
      ? new Holidays(region.country, region.region as string, region.subRegion)
      : region.region !== undefined
        ? new Holidays(region.country, region.region)
        : new Holidays(region.country);

  const timeZone = opts.timeZone ?? DEFAULT_TIME_ZONES[region.country] ?? hd.getTimezones()?.[0];
  if (!timeZone) throw new Error(`no default time zone for ${region.country}: set timeZone explicitly`);
  assertTimeZone(timeZone);

  const table = new WorkingDayTable(hd, opts.probe);
  const isWorkingEpochDay = (n: number): boolean => table.isWorking(n);

  const { offsetAt } = zoneOffsets(timeZone);

  /** First instant of local date `epochDay` in the zone. */
  const startOfEpochDay = (epochDay: number): number => {
    const wall = epochDay * DAY_MS;
    let t = wall - offsetAt(wall);
    // A second pass settles the offset when the first guess lands across a DST change.
    t = wall - offsetAt(t);
    return t;
  };

  return {
    timeZone,
    isWorkingDay: (d) => isWorkingEpochDay(toEpochDay(d)),
    isPublicHoliday: (d) => table.isPublicHoliday(toEpochDay(d)),
    addWorkingDays(d, n) {
      if (!Number.isInteger(n)) throw new RangeError(`addWorkingDays: n must be an integer, got ${n}`);
      return fromEpochDay(table.addWorking(toEpochDay(d), n));
    },
    workingDaysBetween(from, to) {
      return table.between(toEpochDay(from), toEpochDay(to));
    },
    today(now) {
      const t = now.getTime();
      return fromEpochDay(Math.floor((Math.floor(t / 1000) * 1000 + offsetAt(t)) / DAY_MS));
    },
    endOfDay(d) {
      return new Date(startOfEpochDay(toEpochDay(d) + 1) - 1);
    },
  };
}
