/**
 * The range a requested date (KWT, Wechseltermin, DAC) may lie in, checked before any working-day
 * arithmetic so that no date — 9999-12-31, 0001-01-01 — makes the gateway count its way there.
 * `deadlines.maxRequestedDateHorizonDays` sets how far ahead; nothing before 2000 is a real request.
 */
import { addDays, type IsoDate } from './calendar.js';

export const EARLIEST_REQUESTED_DATE: IsoDate = '2000-01-01';
export const DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS = 730;

export interface HorizonViolation {
  /** the limit broken, as a date */
  limit: IsoDate;
  /** `late`: more than the horizon ahead; `early`: before 2000 */
  side: 'late' | 'early';
  /** for the partner (ABBM Begründung): names the horizon */
  text: string;
}

/**
 * null if `date` lies in [2000-01-01, today + maxDays]. Compares `YYYY-MM-DD` strings, so it costs
 * the same for any input; an unreadable date lies outside too.
 */
export function dateHorizonViolation(date: IsoDate, today: IsoDate, maxDays: number): HorizonViolation | null {
  if (!(date >= EARLIEST_REQUESTED_DATE)) {
    return { limit: EARLIEST_REQUESTED_DATE, side: 'early', text: `Termin ${date} vor ${EARLIEST_REQUESTED_DATE}` };
  }
  const latest = addDays(today, maxDays);
  if (date > latest || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
    return { limit: latest, side: 'late', text: `Termin ${date} liegt mehr als ${maxDays} Tage in der Zukunft (Horizont ${maxDays} Tage, spaetestens ${latest})` };
  }
  return null;
}
