/**
 * Open deadlines of a Vorabstimmung (wbci.md §10), derived from the case state alone so they can
 * be recomputed after every message and stored with the case ("deadlines are data").
 */
import { addDays, daysBetween, dueAfter, type WorkingDayCalendar } from '../../domain/calendar.js';
import type { Issue } from '../../domain/issues.js';
import { TERMINAL_STATES, type WbciCaseState } from './case-state.js';
import type { IsoDate, WbciParty } from './types.js';
import { isKue } from './types.js';
import type { WbciRules } from './rules.js';

export type DeadlineName = 'answer' | 'akmTr' | 'changeAnswer' | 'successorVa' | 'akmTrRejection' | 'strAufFollowUp' | 'wholesaleOrder';

export interface Deadline {
  name: DeadlineName;
  /** ISO instant: the last instant of the due working day in the calendar's zone */
  dueAt: string;
  /** the party that has to act */
  party: WbciParty;
  /** the VA-, T- or S-ID the deadline belongs to */
  ref?: string;
}

export interface DeadlineContext {
  calendar: WorkingDayCalendar;
  rules: WbciRules;
  /** D15: this gateway places WITA (wholesale) orders, so a missing one is watched */
  watchWholesaleOrder?: boolean;
}

const other = (p: WbciParty): WbciParty => (p === 'auf' ? 'abg' : 'auf');

/** Due instant `n` working days before `date`. */
export function dueBefore(date: IsoDate, n: number, calendar: WorkingDayCalendar): Date {
  return calendar.endOfDay(calendar.addWorkingDays(date, -n));
}

/** D11: by when a successor VA must arrive after ERLM to STR-AEN (null without a Wechseltermin). */
export function successorDueAt(state: WbciCaseState, ctx: DeadlineContext): Date | null {
  if (!state.switchDate) return null;
  return dueBefore(state.switchDate, ctx.rules.newVaBeforeSwitchDateWorkingDays, ctx.calendar);
}

/** D5: by when the AKM-TR is due (KUE with a Wechseltermin only). */
export function akmTrDueAt(state: WbciCaseState, ctx: DeadlineContext): Date | null {
  if (!isKue(state.type) || !state.switchDate) return null;
  return dueBefore(state.switchDate, ctx.rules.akmTrBeforeSwitchDateWorkingDays, ctx.calendar);
}

/** Deadline of the ABBM-TR window (tag I): after it an AKM-TR counts as accepted. */
export function akmTrRejectionDueAt(state: WbciCaseState, ctx: DeadlineContext): Date | null {
  if (state.akmTr.status !== 'sent' || !state.akmTr.at || ctx.rules.akmTrRejectionTimeoutWorkingDays <= 0) return null;
  return dueAfter(state.akmTr.at, ctx.rules.akmTrRejectionTimeoutWorkingDays, ctx.calendar);
}

/**
 * D15: the recipient's WITA order must exist N calendar days before the Wechseltermin; after that
 * the case is overdue (the monitor). KUE only: RRNP ports numbers without a line order.
 */
export function missingWitaOrderDueAt(state: WbciCaseState, ctx: DeadlineContext): Date | null {
  if (state.role !== 'recipient' || !isKue(state.type) || !state.switchDate) return null;
  return ctx.calendar.endOfDay(addDays(state.switchDate, -ctx.rules.missingWitaOrderAlertDays));
}

/** D12: the follow-up after ERLM to STR-AUF, N WD after the case was cancelled (0: none). */
export function strAufFollowUpDueAt(state: WbciCaseState, ctx: DeadlineContext): Date | null {
  if (state.state !== 'CANCELLED' || !state.closedAt || ctx.rules.strAufFollowUpWorkingDays <= 0) return null;
  return dueAfter(state.closedAt, ctx.rules.strAufFollowUpWorkingDays, ctx.calendar);
}

/**
 * D14: the EKPabg's own WITA termination of the line, Wechseltermin + N WD ("safe harbour"); shown
 * on the donating case as `terminationDate`. Null for the recipient and before a Wechseltermin.
 */
export function witaTerminationDate(state: WbciCaseState, ctx: DeadlineContext): IsoDate | null {
  if (state.role !== 'donating' || !state.switchDate || !isKue(state.type)) return null;
  return ctx.calendar.addWorkingDays(state.switchDate, ctx.rules.witaTerminationOffsetWorkingDays);
}

/**
 * D16: the donating side accepts a VA-RRNP only up to N calendar days after the customer's contract
 * ended (M-net: 90; the statutory claim is at least one month). `contractEnd` comes from the CRM.
 */
export function rrnpContractEndIssue(state: WbciCaseState, contractEnd: IsoDate, ctx: DeadlineContext): Issue | null {
  if (state.type !== 'VA-RRNP') {
    return { path: '/contractEnd', rule: 'rrnpOnly', code: 'SG_FIELD_FORBIDDEN', message: `contractEnd is checked for a VA-RRNP only, this is a ${state.type}` };
  }
  const received = ctx.calendar.today(new Date(state.vaAt));
  const after = daysBetween(contractEnd, received);
  if (after <= ctx.rules.rrnpMaxDaysAfterContractEnd) return null;
  return {
    path: '/contractEnd',
    rule: 'rrnpMaxDaysAfterContractEnd',
    code: 'SG_RRNP_AFTER_CONTRACT_END',
    message: `the VA-RRNP arrived ${after} days after the contract ended on ${contractEnd}; at most ${ctx.rules.rrnpMaxDaysAfterContractEnd} are accepted: reject it (ABBM)`,
  };
}

/**
 * The deadlines open now. A closed case has none, except a REPLACED case still waiting for its
 * successor VA (that wait is the one thing left to watch on it) and a CANCELLED one's follow-up (D12).
 */
export function computeDeadlines(state: WbciCaseState, ctx: DeadlineContext): Deadline[] {
  const { calendar, rules } = ctx;
  const out: Deadline[] = [];

  if (state.state === 'REPLACED') {
    const due = state.replacedBy ? null : successorDueAt(state, ctx);
    if (due) out.push({ name: 'successorVa', dueAt: due.toISOString(), party: 'auf', ref: state.vaId });
    return out;
  }
  if (state.state === 'CANCELLED') {
    // D12: the internal follow-up after ERLM to STR-AUF (e.g. stop the customer's order), for this gateway's own side
    const due = strAufFollowUpDueAt(state, ctx);
    if (due) out.push({ name: 'strAufFollowUp', dueAt: due.toISOString(), party: state.role === 'recipient' ? 'auf' : 'abg', ref: state.vaId });
    return out;
  }
  if (TERMINAL_STATES.includes(state.state)) return out;

  if (state.state === 'AWAITING_ANSWER') {
    out.push({
      name: 'answer',
      dueAt: dueAfter(state.vaAt, rules.answerWorkingDays, calendar).toISOString(),
      party: 'abg',
      ref: state.vaId,
    });
  }

  // After an ABBM-TR the corrected AKM-TR is due by the same date.
  if (state.state === 'AGREED' && state.akmTr.status !== 'sent') {
    const due = akmTrDueAt(state, ctx);
    if (due) out.push({ name: 'akmTr', dueAt: due.toISOString(), party: 'auf', ref: state.vaId });
  }

  if (state.state === 'TR_NOTIFIED') {
    const due = akmTrRejectionDueAt(state, ctx);
    if (due) out.push({ name: 'akmTrRejection', dueAt: due.toISOString(), party: 'abg', ref: state.vaId });
  }

  if (ctx.watchWholesaleOrder && (state.state === 'AGREED' || state.state === 'TR_NOTIFIED')) {
    // dropped by the service once the order exists (the case row knows, the WBCI state does not)
    const due = missingWitaOrderDueAt(state, ctx);
    if (due) out.push({ name: 'wholesaleOrder', dueAt: due.toISOString(), party: 'auf', ref: state.vaId });
  }

  const change = state.openChange;
  if (change) {
    const n = change.kind === 'TVS-VA' ? rules.tvAnswerWorkingDays : rules.stornoAnswerWorkingDays;
    out.push({
      name: 'changeAnswer',
      dueAt: dueAfter(change.at, n, calendar).toISOString(),
      party: other(change.from),
      ref: change.id,
    });
  }
  return out;
}

/** The first date on or after `d` that a VA-KUE may ask for: a working day followed by a working day (D1). */
export function firstKueKwtOnOrAfter(calendar: WorkingDayCalendar, d: IsoDate): IsoDate {
  let day = d;
  while (!(calendar.isWorkingDay(day) && calendar.isWorkingDay(addDays(day, 1)))) day = addDays(day, 1);
  return day;
}
