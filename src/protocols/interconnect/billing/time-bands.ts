/**
 * Time bands (fasce orarie) of the traffic rating, spec §7.2: the reference offer defines them,
 * so they are configuration (`interconnect.timeBands`). Each entry names a band, the kinds of day
 * it applies to and a wall-clock interval `[from, to)` in minutes; several entries may share a
 * name (an off-peak band around a peak one). Together the entries must cover every minute of
 * each kind of day exactly once — a gap would leave seconds unrated, an overlap would rate them
 * twice — and this module is what refuses such a configuration.
 */
import type { Issue } from '../../../domain/issues.js';

export type DayKind = 'weekday' | 'saturday' | 'holiday';
export const DAY_KINDS: readonly DayKind[] = ['weekday', 'saturday', 'holiday'];

export interface TimeBandEntry {
  name: string;
  days: DayKind[];
  /** "HH:MM", inclusive */
  from: string;
  /** "HH:MM", exclusive; "24:00" is the end of the day */
  to: string;
}

/** One interval of a kind of day, in minutes after local midnight, rated to band `band` (an index into `names`). */
export interface BandSegment {
  from: number;
  to: number;
  band: number;
}

export interface CompiledTimeBands {
  /** distinct band names, in order of first appearance */
  names: string[];
  /** per kind of day: segments sorted by `from`, partitioning [0, 1440) */
  byKind: Record<DayKind, BandSegment[]>;
}

/** The bands used when the configuration names none: peak on working days 08:00–18:30, off-peak otherwise. */
export const DEFAULT_TIME_BANDS: TimeBandEntry[] = [
  { name: 'peak', days: ['weekday'], from: '08:00', to: '18:30' },
  { name: 'offpeak', days: ['weekday'], from: '00:00', to: '08:00' },
  { name: 'offpeak', days: ['weekday'], from: '18:30', to: '24:00' },
  { name: 'offpeak', days: ['saturday', 'holiday'], from: '00:00', to: '24:00' },
];

const MINUTES_PER_DAY = 1440;
const HH_MM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** "08:30" → 510; "24:00" → 1440 when `allowEndOfDay`; undefined when malformed. */
export function parseClockMinute(text: string, allowEndOfDay: boolean): number | undefined {
  if (allowEndOfDay && text === '24:00') return MINUTES_PER_DAY;
  const m = HH_MM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

const clock = (minute: number): string => `${String(Math.trunc(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

const issue = (path: string, rule: string, code: string, message: string): Issue => ({ path, rule, code, message });

/**
 * Everything wrong with a list of entries; paths are relative to the list (`/2/to`, or `` for a
 * gap, which belongs to no single entry). Empty when the entries partition every kind of day.
 */
export function timeBandIssues(entries: readonly TimeBandEntry[]): Issue[] {
  const out: Issue[] = [];
  const owner: Record<DayKind, Int32Array> = {
    weekday: new Int32Array(MINUTES_PER_DAY).fill(-1),
    saturday: new Int32Array(MINUTES_PER_DAY).fill(-1),
    holiday: new Int32Array(MINUTES_PER_DAY).fill(-1),
  };
  entries.forEach((e, i) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(e.name)) {
      out.push(issue(`/${i}/name`, 'pattern', 'SG_TIME_BAND_NAME', 'must be 1–64 letters, digits, "_", "." or "-", starting with a letter or digit'));
    }
    const from = parseClockMinute(e.from, false);
    const to = parseClockMinute(e.to, true);
    if (from === undefined) out.push(issue(`/${i}/from`, 'format', 'SG_TIME_BAND_CLOCK', `"${e.from}" is not a time of day HH:MM (00:00–23:59)`));
    if (to === undefined) out.push(issue(`/${i}/to`, 'format', 'SG_TIME_BAND_CLOCK', `"${e.to}" is not a time of day HH:MM (00:01–24:00)`));
    if (e.days.length === 0) out.push(issue(`/${i}/days`, 'minItems', 'SG_TIME_BAND_DAYS', 'must name at least one kind of day'));
    if (new Set(e.days).size !== e.days.length) out.push(issue(`/${i}/days`, 'uniqueItems', 'SG_TIME_BAND_DAYS', 'names a kind of day twice'));
    if (from === undefined || to === undefined) return;
    if (from >= to) {
      out.push(
        issue(`/${i}/to`, 'afterFrom', 'SG_TIME_BAND_ORDER', `must be after from (${e.from}); a band across midnight is two entries, one ending at 24:00 and one starting at 00:00`),
      );
      return;
    }
    for (const kind of new Set(e.days)) {
      const grid = owner[kind];
      let overlapWith = -1;
      let overlapAt = -1;
      for (let m = from; m < to; m++) {
        if (grid[m] !== -1 && overlapWith === -1) {
          overlapWith = grid[m]!;
          overlapAt = m;
        }
        if (grid[m] === -1) grid[m] = i;
      }
      if (overlapWith !== -1) {
        out.push(issue(`/${i}`, 'overlap', 'SG_TIME_BAND_OVERLAP', `covers ${kind} ${clock(overlapAt)} a second time (already covered by entry ${overlapWith})`));
      }
    }
  });
  if (out.length > 0) return out;
  for (const kind of DAY_KINDS) {
    const grid = owner[kind];
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      if (grid[m] !== -1) continue;
      let end = m;
      while (end < MINUTES_PER_DAY && grid[end] === -1) end++;
      out.push(issue('', 'coverage', 'SG_TIME_BAND_GAP', `leaves ${kind} ${clock(m)}–${clock(end)} uncovered`));
      m = end;
    }
  }
  return out;
}

export class TimeBandError extends Error {
  constructor(readonly issues: Issue[]) {
    super(`invalid time bands: ${issues.map((i) => `${i.path || '(list)'}: ${i.message}`).join('; ')}`);
    this.name = 'TimeBandError';
  }
}

/** Validated entries → per-kind segment tables. Throws TimeBandError on any issue. */
export function compileTimeBands(entries: readonly TimeBandEntry[]): CompiledTimeBands {
  const issues = timeBandIssues(entries);
  if (issues.length > 0) throw new TimeBandError(issues);
  const names: string[] = [];
  const byKind: Record<DayKind, BandSegment[]> = { weekday: [], saturday: [], holiday: [] };
  for (const e of entries) {
    let band = names.indexOf(e.name);
    if (band === -1) band = names.push(e.name) - 1;
    const seg = { from: parseClockMinute(e.from, false)!, to: parseClockMinute(e.to, true)!, band };
    for (const kind of new Set(e.days)) byKind[kind].push({ ...seg });
  }
  for (const kind of DAY_KINDS) byKind[kind].sort((a, b) => a.from - b.from);
  return { names, byKind };
}
