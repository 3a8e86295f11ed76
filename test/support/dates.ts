/**
 * Dates for gateways that run on the system clock (no ManualClock): a fixed date there is valid
 * only until the calendar reaches it — a KUE requested date must stay at least 7 working days
 * ahead — and a test written with one fails weeks later on a green tree.
 */
import { createCalendar } from '../../src/domain/calendar.js';
import { firstKueKwtOnOrAfter } from '../../src/protocols/wbci/deadlines.js';

const cal = createCalendar({ country: 'DE', region: 'BY' });

/** The first valid KUE requested date at least `workingDays` (15) working days after today. */
export function kwtAhead(workingDays = 15): string {
  return firstKueKwtOnOrAfter(cal, cal.addWorkingDays(cal.today(new Date()), workingDays));
}
