/** Date checks shared by VA, RUEM-VA and TVS-VA (D1, D2, D4, D8, D17). */
import { addDays, daysBetween } from '../../../domain/calendar.js';
import type { Issue } from '../../../domain/issues.js';
import type { IsoDate, VaType } from '../types.js';
import { isKue } from '../types.js';
import { DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS, dateHorizonViolation } from '../../../domain/date-horizon.js';
import { err, warn, type ErrorIssue, type Refusal } from './refusals.js';
import type { MachineContext } from './types.js';


export interface DateCheck {
  date: IsoDate;
  path: string;
  /** which lead-time rule: the VA's KWT (D1/D2) or a Wechseltermin (D4/D8) */
  of: 'kwt' | 'switchDate';
  vaType: VaType;
  /** lead-time violations are errors (else warnings) */
  leadStrict: boolean;
  /** working-day violations are errors (else warnings) */
  workingDayStrict: boolean;
  /** code for every error found (TVS-VA: 8141); default SG_DATE_LEAD_TIME / SG_DATE_NOT_WORKING_DAY */
  errorCode?: string;
  /** reply detail per rule for inbound refusals */
  replyDetail?: Partial<Record<string, string>>;
  label: string;
}

export function dateIssues(c: DateCheck, ctx: MachineContext): Issue[] {
  const { calendar: cal, rules } = ctx;
  const out: Issue[] = [];
  const today = cal.today(ctx.now);
  // the range first: no working-day arithmetic on a date nobody can mean (9999-12-31, 0001-01-01)
  const horizon = horizonIssue(c, today, ctx);
  if (horizon) return [horizon];
  const kue = isKue(c.vaType);
  const min = kue
    ? c.of === 'kwt'
      ? rules.minLeadWorkingDaysKue
      : rules.switchDateMinLeadWorkingDaysKue
    : c.of === 'kwt'
      ? rules.minLeadWorkingDaysRrnp
      : rules.switchDateMinLeadWorkingDaysRrnp;
  const warnUpTo = c.of === 'kwt' ? rules.warnUpToWorkingDaysKue : rules.switchDateWarnUpToWorkingDaysKue;
  const lead = cal.workingDaysBetween(today, c.date);
  const bf = kue ? 'KUE' : 'RRNP';

  const problem = (strict: boolean, rule: string, code: string, message: string): Issue => {
    if (!strict) return warn(c.path, rule, code, message);
    const r: Refusal = { path: c.path, rule, code: c.errorCode ?? code, message };
    const detail = c.replyDetail?.[rule];
    if (detail !== undefined) r.replyDetail = detail;
    return err(r);
  };

  if (lead < min) {
    out.push(
      problem(
        c.leadStrict,
        'minLeadWorkingDays',
        'SG_DATE_LEAD_TIME',
        `${c.label} ${c.date} is ${lead} working day(s) after today (${today}); ${bf} needs at least ${min}`,
      ),
    );
  } else if (kue && lead <= warnUpTo) {
    out.push(
      warn(c.path, 'shortLeadWorkingDays', 'SG_DATE_SHORT_LEAD', `${c.label} ${c.date} is only ${lead} working days ahead (warning up to ${warnUpTo})`),
    );
  }
  if (!cal.isWorkingDay(c.date)) {
    out.push(problem(c.workingDayStrict, 'workingDay', 'SG_DATE_NOT_WORKING_DAY', `${c.label} ${c.date} is not a working day`));
  } else if (kue && !cal.isWorkingDay(addDays(c.date, 1))) {
    out.push(
      problem(
        c.workingDayStrict,
        'nextDayWorkingDay',
        'SG_DATE_NOT_WORKING_DAY',
        `the day after ${c.label} ${c.date} must be a working day for ${bf}`,
      ),
    );
  }
  const ahead = daysBetween(today, c.date);
  if (ahead > rules.maxHorizonDays) {
    out.push(warn(c.path, 'maxHorizonDays', 'SG_DATE_HORIZON', `${c.label} ${c.date} is ${ahead} days ahead; some partners refuse more than ${rules.maxHorizonDays}`));
  }
  return out;
}

/** True when `date` lies outside the accepted range, so that no working-day arithmetic may touch it. */
export function outsideHorizon(date: IsoDate, ctx: MachineContext): boolean {
  return dateHorizonViolation(date, ctx.calendar.today(ctx.now), ctx.maxRequestedDateHorizonDays ?? DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS) !== null;
}

/** SG_DATE_HORIZON in both directions; inbound it is answered (VA: ABBM 8116, TVS-VA: 8141) naming the horizon. */
function horizonIssue(c: DateCheck, today: IsoDate, ctx: MachineContext): ErrorIssue | null {
  const maxDays = ctx.maxRequestedDateHorizonDays ?? DEFAULT_MAX_REQUESTED_DATE_HORIZON_DAYS;
  const v = dateHorizonViolation(c.date, today, maxDays);
  if (!v) return null;
  const message =
    v.side === 'early'
      ? `${c.label} ${c.date} is before ${v.limit}, the earliest date accepted`
      : `${c.label} ${c.date} is more than ${maxDays} days ahead (deadlines.maxRequestedDateHorizonDays; latest ${v.limit})`;
  return err({ path: c.path, rule: 'maxRequestedDateHorizonDays', code: 'SG_DATE_HORIZON', message, replyDetail: v.text });
}
