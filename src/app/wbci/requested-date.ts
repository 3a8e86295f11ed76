/**
 * The earliest requested date (KWT) a VA-KUE may carry today without refusal or warning: at least
 * `minLeadWorkingDaysKue` working days ahead, past the short-lead warning window
 * (`warnUpToWorkingDaysKue`), on a working day of the configured holiday region. The README's
 * quick-start prints it with `switchgate requested-date`. It asks the same date rules the state
 * machine applies to a VA, so the two cannot disagree.
 */
import type { GatewayConfig } from '../../config/types.js';
import { resolveWbciRules } from '../../config/wbci-rules.js';
import { addDays, createCalendar, parseHolidayRegion, type IsoDate } from '../../domain/calendar.js';
import { dateIssues } from '../../protocols/wbci/machine/dates.js';
import type { MachineContext } from '../../protocols/wbci/machine/types.js';

/** a generous bound: the longest configurable lead plus holidays stays far below it */
const SEARCH_DAYS = 400;

export function earliestRequestedDate(config: GatewayConfig, now: Date): IsoDate {
  const calendar = createCalendar(parseHolidayRegion(config.self.holidayRegion));
  const ctx: MachineContext = {
    now,
    calendar,
    rules: resolveWbciRules(config.deadlines.wbci),
    direction: 'out',
    maxRequestedDateHorizonDays: config.deadlines.maxRequestedDateHorizonDays,
  };
  const today = calendar.today(now);
  for (let i = 1; i <= SEARCH_DAYS; i++) {
    const date = addDays(today, i);
    const issues = dateIssues({ date, path: '/requestedDate', of: 'kwt', vaType: 'VA-KUE-MRN', leadStrict: true, workingDayStrict: true, label: 'KWT' }, ctx);
    if (issues.length === 0) return date;
  }
  throw new Error(`no acceptable requested date within ${SEARCH_DAYS} days: check deadlines.wbci`);
}
