/**
 * Traffic import (spec §7.2): a stream of call-record CSV in, the month × band totals out. The
 * import is all or nothing: the totals are only returned when every line is well formed, and
 * nothing is stored either way, so a refused import leaves no trace.
 */
import { createCalendar, fromEpochDay, type WorkingDayCalendar } from '../../domain/calendar.js';
import { readCallCsv, type CallCsvSummary } from '../../protocols/interconnect/billing/csv-calls.js';
import { Rater, type RatingResult } from '../../protocols/interconnect/billing/rating.js';
import type { CompiledTimeBands } from '../../protocols/interconnect/billing/time-bands.js';

export const RATING_TIME_ZONE = 'Europe/Rome';

export interface TrafficRatingSettings {
  bands: CompiledTimeBands;
  /** Italian public holidays (TIM's reference offer is Italian, whatever self.holidayRegion says) */
  calendar: WorkingDayCalendar;
}

export function italianCalendar(): WorkingDayCalendar {
  return createCalendar({ country: 'IT', timeZone: RATING_TIME_ZONE });
}

export type TrafficOutcome = { ok: true; result: RatingResult; lines: number } | { ok: false; summary: CallCsvSummary };

export async function rateTraffic(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, settings: TrafficRatingSettings): Promise<TrafficOutcome> {
  const rater = new Rater({
    bands: settings.bands,
    timeZone: RATING_TIME_ZONE,
    isHoliday: (day) => settings.calendar.isPublicHoliday(fromEpochDay(day)),
  });
  const summary = await readCallCsv(source, (startMs, seconds) => rater.rate(startMs, seconds));
  if (summary.invalidLines > 0) return { ok: false, summary };
  return { ok: true, result: rater.result(), lines: summary.lines };
}
