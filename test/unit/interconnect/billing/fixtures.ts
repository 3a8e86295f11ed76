import { italianCalendar } from '../../../../src/app/interconnect-billing/traffic.js';
import { fromEpochDay } from '../../../../src/domain/calendar.js';
import { readCallCsv } from '../../../../src/protocols/interconnect/billing/csv-calls.js';
import { Rater, type RatingResult } from '../../../../src/protocols/interconnect/billing/rating.js';
import { compileTimeBands, type TimeBandEntry } from '../../../../src/protocols/interconnect/billing/time-bands.js';

export const calendar = italianCalendar();

/** Bands that tell every kind of day apart: day/night on weekdays, sat, and early/late on holidays. */
export const TEST_BANDS: TimeBandEntry[] = [
  { name: 'day', days: ['weekday'], from: '08:00', to: '20:00' },
  { name: 'night', days: ['weekday'], from: '00:00', to: '08:00' },
  { name: 'night', days: ['weekday'], from: '20:00', to: '24:00' },
  { name: 'sat', days: ['saturday'], from: '00:00', to: '24:00' },
  { name: 'early', days: ['holiday'], from: '00:00', to: '03:00' },
  { name: 'late', days: ['holiday'], from: '03:00', to: '24:00' },
];

export function newRater(bands: TimeBandEntry[] = TEST_BANDS): Rater {
  return new Rater({ bands: compileTimeBands(bands), isHoliday: (day) => calendar.isPublicHoliday(fromEpochDay(day)) });
}

/** Rates calls given as [start with offset, seconds]. */
export function rateCalls(calls: [string, number][], bands: TimeBandEntry[] = TEST_BANDS): RatingResult {
  const rater = newRater(bands);
  for (const [start, seconds] of calls) rater.rate(Date.parse(start), seconds);
  return rater.result();
}

/** Only the non-empty bands of each month, for compact expectations. */
export function shares(result: RatingResult): Record<string, Record<string, [number, number]>> {
  const out: Record<string, Record<string, [number, number]>> = {};
  for (const m of result.months) {
    out[m.month] = {};
    for (const [name, t] of Object.entries(m.bands)) if (t.calls > 0 || t.seconds > 0) out[m.month]![name] = [t.seconds, t.calls];
  }
  return out;
}

export async function rateCsv(text: string | string[], bands: TimeBandEntry[] = TEST_BANDS) {
  const rater = newRater(bands);
  const summary = await readCallCsv(typeof text === 'string' ? [text] : text, (s, d) => rater.rate(s, d));
  return { summary, result: rater.result() };
}
